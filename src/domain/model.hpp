// The case model: requests (demandes), their timeline, and the catalogue
// entities they refer to. Plain value types; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace guichet::domain {

// The channel a request or a message arrived or left by.
enum class Channel { kWeb, kApi, kEmail, kSms, kPhone, kCounter, kPostal, kOpen311 };
// The category every workflow status belongs to.
enum class StatusCategory { kNew, kOpen, kWaitingCitizen, kResolved, kRejected, kClosed };
enum class Priority { kLow, kNormal, kHigh, kUrgent };
// kDelivery: a delivery status of a message_out (queued, sent, failed, fallback).
enum class EventKind {
  kMessageIn,
  kMessageOut,
  kNote,
  kStatusChange,
  kAssignment,
  kAttachment,
  kDelivery
};

std::string_view ToString(Channel c);
std::string_view ToString(StatusCategory c);
std::string_view ToString(Priority p);
std::string_view ToString(EventKind k);
std::optional<Channel> ParseChannel(std::string_view s);
std::optional<StatusCategory> ParseStatusCategory(std::string_view s);
std::optional<Priority> ParsePriority(std::string_view s);
std::optional<EventKind> ParseEventKind(std::string_view s);
const std::vector<Channel>& AllChannels();

// True for the categories in which a request is finished (resolved, rejected, closed).
bool IsTerminal(StatusCategory c);

struct Location {
  double lat = 0;
  double lon = 0;
  std::string address;
};

// How to reach a person who has no account, or a snapshot of the citizen's
// details at the time of the request.
struct Contact {
  std::string name;
  std::string email;
  std::string phone;
  bool empty() const { return name.empty() && email.empty() && phone.empty(); }
};

// Who did something: the system, an API key (`kApi`, id of the key), an agent
// or a citizen with a session, or nobody known (`kAnonymous`).
struct Actor {
  enum class Kind { kSystem, kApi, kAgent, kCitizen, kAnonymous };
  Actor() = default;
  explicit Actor(Kind k, std::int64_t i = 0, std::vector<std::string> r = {})
      : kind(k), id(i), roles(std::move(r)) {}

  Kind kind = Kind::kSystem;
  std::int64_t id = 0;
  // Workflow roles (see workflow.hpp); when empty, those of the kind: system
  // → system, api and agent → agent, citizen → citizen.
  std::vector<std::string> roles;
  // Agents and team-restricted API keys: the teams whose requests they see
  // (see access.hpp). Platform administrators see every team.
  std::vector<std::string> team_ids;
  bool platform_admin = false;
  std::string Label() const;  // "agent:12", "citizen:3", "api", "system", "anonymous"
  std::vector<std::string> EffectiveRoles() const;
};

struct Request {
  std::int64_t id = 0;
  std::string reference;  // GU-2026-7KQ4MX
  std::string service_id;
  std::string title;
  std::string description;
  std::optional<std::int64_t> citizen_id;
  Contact contact;
  Channel channel = Channel::kWeb;
  std::string status;  // a status code of the service's workflow
  StatusCategory category = StatusCategory::kNew;
  Priority priority = Priority::kNormal;
  std::optional<Location> location;
  std::string data_json = "{}";  // form answers (object), validated by the procedure
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
  std::optional<Timestamp> due_at;
  std::optional<Timestamp> closed_at;
  std::string team_id;
  std::optional<std::int64_t> agent_id;
  std::int64_t version = 1;
};

struct Event {
  std::int64_t id = 0;
  std::int64_t request_id = 0;
  EventKind kind = EventKind::kNote;
  std::optional<Channel> channel;  // for messages
  std::string author;              // Actor::Label()
  std::string body;
  std::string data_json = "{}";  // kind-specific details (from/to status, assignee…)
  Timestamp created_at = 0;
};

struct Team {
  std::string id;  // slug: "voirie", "etat-civil"
  std::string name;
  std::string email;
  // New requests go to the team's agents in turn (back-office).
  bool round_robin = false;
};

struct Service {
  std::string id;  // slug
  std::string name;
  std::string description;
  std::string team_id;
  int due_days = 15;  // default delay before a request is due, in calendar days
  bool active = true;
};

struct Agent {
  std::int64_t id = 0;
  std::string name;
  std::string email;
  std::string team_id;
};

struct Citizen {
  std::int64_t id = 0;
  std::string name;
  std::string email;
  std::string phone;
  Channel preferred_channel = Channel::kEmail;
  Timestamp created_at = 0;
  // Identity (domain/identity.hpp): where letters go, and what an identity
  // provider asserted (empty when unknown).
  std::string postal_address;
  std::string given_name;
  std::string family_name;
  std::string birthdate;  // YYYY-MM-DD
};

}  // namespace guichet::domain
