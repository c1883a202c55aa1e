// Value types of the agent back-office: audit entries, canned responses,
// links between requests, search hits, inbox counts. No I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "domain/model.hpp"

namespace guichet::domain {

// One line of the append-only audit log. `hash` chains the line to the one
// before it (see AuditDigest): changing or removing a line breaks the chain.
struct AuditEntry {
  std::int64_t id = 0;
  Timestamp at = 0;
  std::string actor_kind;  // "agent", "api", "citizen", "system", "anonymous"
  std::int64_t actor_id = 0;
  std::string actor_label;  // Actor::Label()
  std::string action;       // "read", "create", "update", "search", "list", "audit.read"…
  std::string record_type;  // "request", "audit", "canned_response"…
  std::string record_id;
  // The request handled and its citizen: the citizen's access journal reads by citizen_id.
  std::optional<std::int64_t> request_id;
  std::optional<std::int64_t> citizen_id;
  std::string purpose;  // the request being handled, or the reason the caller stated
  std::string ip;
  std::string user_agent;
  std::string prev_hash;  // hex; empty for the first line
  std::string hash;       // hex SHA-256 of prev_hash and the fields above
};

// The SHA-256 (hex) of `e`'s fields (all but id and hash) chained to `prev_hash`.
std::string AuditDigest(const AuditEntry& e, const std::string& prev_hash);

// The outcome of checking a run of the chain.
struct AuditVerification {
  std::int64_t checked = 0;
  std::optional<std::int64_t> broken_at;  // the first entry whose hash does not hold
  std::string reason;                     // French, when broken
  std::string last_hash;                  // to continue with the next run
  std::int64_t last_id = 0;
};

// Checks `entries` (ascending ids) against each other and against
// `prev_hash`, the hash of the entry before the first. Stops at the first break.
AuditVerification VerifyAuditRun(const std::vector<AuditEntry>& entries,
                                 const std::string& prev_hash);

struct AuditQuery {
  std::optional<std::int64_t> citizen_id;
  std::optional<std::int64_t> request_id;
  std::string actor_label;
  std::string action;
  std::optional<Timestamp> from;
  std::optional<Timestamp> to;
  std::optional<std::int64_t> before_id;  // newest first
  int limit = 50;
};

// A reply text agents pick instead of typing it again; {{citizen_name}},
// {{reference}}, {{deadline}}, {{service}}… are filled in when used.
struct CannedResponse {
  std::int64_t id = 0;
  std::string title;
  std::string body;
  std::string team_id;  // empty: every team
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
};

// "duplicate": `from` was merged into `to`; "related": the two concern the same matter.
struct RequestLink {
  std::int64_t from_id = 0;
  std::int64_t to_id = 0;
  std::string kind;
  std::string author;
  Timestamp created_at = 0;
};

struct SearchHit {
  Request request;
  std::string snippet;  // the best matching passage, matches in <mark>…</mark>
  double score = 0;     // higher is better
};

// The inbox sidebar: how many requests of the caller's scope in each bucket.
struct InboxCounts {
  std::int64_t total = 0;
  std::map<std::string, std::int64_t> by_category;
  std::map<std::string, std::int64_t> by_channel;
  std::int64_t overdue = 0;
  std::int64_t mine = 0;
  std::int64_t unassigned = 0;
};

}  // namespace guichet::domain
