#include "domain/model.hpp"

#include "domain/enum_table.hpp"
#include "domain/store.hpp"

namespace guichet::domain {
namespace {

constexpr EnumTable<Channel, 8> kChannels{{
    {Channel::kWeb, "web"},
    {Channel::kApi, "api"},
    {Channel::kEmail, "email"},
    {Channel::kSms, "sms"},
    {Channel::kPhone, "phone"},
    {Channel::kCounter, "counter"},
    {Channel::kPostal, "postal"},
    {Channel::kOpen311, "open311"},
}};
constexpr EnumTable<StatusCategory, 6> kCategories{{
    {StatusCategory::kNew, "new"},
    {StatusCategory::kOpen, "open"},
    {StatusCategory::kWaitingCitizen, "waiting_citizen"},
    {StatusCategory::kResolved, "resolved"},
    {StatusCategory::kRejected, "rejected"},
    {StatusCategory::kClosed, "closed"},
}};
constexpr EnumTable<Priority, 4> kPriorities{{
    {Priority::kLow, "low"},
    {Priority::kNormal, "normal"},
    {Priority::kHigh, "high"},
    {Priority::kUrgent, "urgent"},
}};
constexpr EnumTable<EventKind, 7> kEventKinds{{
    {EventKind::kMessageIn, "message_in"},
    {EventKind::kMessageOut, "message_out"},
    {EventKind::kNote, "note"},
    {EventKind::kStatusChange, "status_change"},
    {EventKind::kAssignment, "assignment"},
    {EventKind::kAttachment, "attachment"},
    {EventKind::kDelivery, "delivery"},
}};

}  // namespace

std::string_view ToString(Channel c) { return Name(kChannels, c); }
std::string_view ToString(StatusCategory c) { return Name(kCategories, c); }
std::string_view ToString(Priority p) { return Name(kPriorities, p); }
std::string_view ToString(EventKind k) { return Name(kEventKinds, k); }
std::optional<Channel> ParseChannel(std::string_view s) { return Lookup(kChannels, s); }
std::optional<StatusCategory> ParseStatusCategory(std::string_view s) {
  return Lookup(kCategories, s);
}
std::optional<Priority> ParsePriority(std::string_view s) { return Lookup(kPriorities, s); }
std::optional<EventKind> ParseEventKind(std::string_view s) { return Lookup(kEventKinds, s); }

const std::vector<Channel>& AllChannels() {
  static const std::vector<Channel> all = [] {
    std::vector<Channel> v;
    for (const auto& [c, _] : kChannels) v.push_back(c);
    return v;
  }();
  return all;
}

bool IsTerminal(StatusCategory c) {
  return c == StatusCategory::kResolved || c == StatusCategory::kRejected ||
         c == StatusCategory::kClosed;
}

std::vector<std::string> Actor::EffectiveRoles() const {
  if (!roles.empty()) return roles;
  switch (kind) {
    case Kind::kSystem:
      return {"system"};
    case Kind::kApi:
    case Kind::kAgent:
      return {"agent"};
    case Kind::kCitizen:
    case Kind::kAnonymous:
      return {"citizen"};
  }
  return {};
}

std::string Actor::Label() const {
  switch (kind) {
    case Kind::kSystem:
      return "system";
    case Kind::kApi:
      return id ? "api:" + std::to_string(id) : "api";
    case Kind::kAgent:
      return "agent:" + std::to_string(id);
    case Kind::kCitizen:
      return "citizen:" + std::to_string(id);
    case Kind::kAnonymous:
      return "anonymous";
  }
  return "system";
}

namespace {
constexpr EnumTable<Timer::Kind, 2> kTimerKinds{{
    {Timer::Kind::kDeadline, "deadline"},
    {Timer::Kind::kTransition, "transition"},
}};
constexpr EnumTable<Timer::State, 4> kTimerStates{{
    {Timer::State::kRunning, "running"},
    {Timer::State::kSuspended, "suspended"},
    {Timer::State::kFired, "fired"},
    {Timer::State::kCancelled, "cancelled"},
}};
}  // namespace

std::string_view ToString(Timer::Kind k) { return Name(kTimerKinds, k); }
std::string_view ToString(Timer::State s) { return Name(kTimerStates, s); }
std::optional<Timer::Kind> ParseTimerKind(std::string_view s) { return Lookup(kTimerKinds, s); }
std::optional<Timer::State> ParseTimerState(std::string_view s) { return Lookup(kTimerStates, s); }

}  // namespace guichet::domain
