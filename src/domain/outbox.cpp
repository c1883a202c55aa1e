#include "domain/outbox.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "domain/enum_table.hpp"
#include "domain/store.hpp"
#include "domain/workflow_engine.hpp"

namespace guichet::domain {
namespace {

constexpr EnumTable<OutboxState, 4> kOutboxStates{{
    {OutboxState::kPending, "pending"},
    {OutboxState::kSending, "sending"},
    {OutboxState::kSent, "sent"},
    {OutboxState::kDead, "dead"},
}};

std::string StringField(const nlohmann::json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string_view ToString(OutboxState s) { return Name(kOutboxStates, s); }
std::optional<OutboxState> ParseOutboxState(std::string_view s) { return Lookup(kOutboxStates, s); }

std::optional<OutboxMessage> OutboxFor(const Event& e) {
  if (e.kind != EventKind::kMessageOut) return std::nullopt;
  const auto data = nlohmann::json::parse(e.data_json, nullptr, false);
  if (!data.is_object() || StringField(data, "delivery") != "pending") return std::nullopt;
  OutboxMessage m;
  m.request_id = e.request_id;
  m.event_id = e.id;
  m.channel = e.channel.value_or(Channel::kEmail);
  m.recipient = StringField(data, "to");
  m.subject = StringField(data, "subject");
  m.body = e.body;
  m.state = OutboxState::kPending;
  m.next_attempt_at = e.created_at;
  m.created_at = e.created_at;
  m.updated_at = e.created_at;
  return m;
}

std::string ChannelLabel(Channel c) {
  switch (c) {
    case Channel::kEmail:
      return "courriel";
    case Channel::kSms:
      return "SMS";
    case Channel::kPostal:
      return "courrier postal";
    default:
      return std::string(ToString(c));
  }
}

std::string JoinChannels(const std::vector<Channel>& channels) {
  std::string out;
  for (Channel c : channels) {
    if (!out.empty()) out += ',';
    out += ToString(c);
  }
  return out;
}

std::vector<Channel> SplitChannels(std::string_view text) {
  std::vector<Channel> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    if (auto c = ParseChannel(text.substr(0, comma))) out.push_back(*c);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string MessageIdOf(const OutboxMessage& m, std::string_view reference,
                        std::string_view domain) {
  const std::string tail =
      reference.empty() ? std::to_string(m.created_at) : std::string(reference);
  return "outbox-" + std::to_string(m.id) + "." + tail + "@" + std::string(domain);
}

std::string InReplyToOf(const Event& e) {
  const auto data = nlohmann::json::parse(e.data_json, nullptr, false);
  return data.is_object() ? StringField(data, "in_reply_to") : std::string();
}

std::string AddressOn(Channel c, const Request& r, const Citizen* citizen) {
  switch (c) {
    case Channel::kEmail:
      return r.contact.email;
    case Channel::kSms:
      return r.contact.phone;
    case Channel::kPostal: {
      // A letter needs a name and the citizen's postal address.
      if (!citizen || citizen->postal_address.empty()) return {};
      return citizen->name.empty() ? r.contact.name : citizen->name;
    }
    default:
      return {};
  }
}

std::optional<Route> NextRoute(const OutboxMessage& m, const Request& r,
                               const std::vector<Channel>& chain, const Citizen* citizen) {
  auto tried = [&m](Channel c) {
    return c == m.channel ||
           std::find(m.tried_channels.begin(), m.tried_channels.end(), c) != m.tried_channels.end();
  };
  for (Channel c : chain) {
    if (tried(c)) continue;
    std::string to = AddressOn(c, r, citizen);
    if (!to.empty()) return Route{c, std::move(to)};
  }
  return std::nullopt;
}

std::optional<Citizen> RequesterOf(WriteTx& tx, const Request& r) {
  if (!r.citizen_id) return std::nullopt;
  return tx.FindCitizen(*r.citizen_id);
}

Channel PreferredChannel(WriteTx& tx, const Request& r) {
  if (auto citizen = RequesterOf(tx, r)) {
    if (!AddressOn(citizen->preferred_channel, r, &*citizen).empty()) {
      return citizen->preferred_channel;
    }
  }
  return NotificationChannel(r);
}

std::string PendingDeliveryData(Channel channel, const Request& r, std::string subject,
                                std::string extra_json, const Citizen* citizen) {
  auto data = nlohmann::json::parse(extra_json, nullptr, false);
  if (!data.is_object()) data = nlohmann::json::object();
  data["to"] = AddressOn(channel, r, citizen);
  if (!data.contains("subject")) data["subject"] = std::move(subject);
  data["delivery"] = "pending";
  return data.dump();
}

std::map<std::int64_t, std::string> DeliveryStatuses(const std::vector<Event>& timeline) {
  std::map<std::int64_t, std::string> out;
  for (const auto& e : timeline) {
    if (e.kind != EventKind::kMessageOut && e.kind != EventKind::kDelivery) continue;
    const auto data = nlohmann::json::parse(e.data_json, nullptr, false);
    if (!data.is_object()) continue;
    if (e.kind == EventKind::kMessageOut) {
      if (StringField(data, "delivery") == "pending") out[e.id] = "queued";
      continue;
    }
    auto id = data.find("event_id");
    const std::string status = StringField(data, "status");
    if (id == data.end() || !id->is_number_integer() || status.empty()) continue;
    out[id->get<std::int64_t>()] = status;
  }
  return out;
}

std::optional<std::int64_t> OutboxIdOfMessageId(std::string_view message_id) {
  if (!message_id.empty() && message_id.front() == '<') message_id.remove_prefix(1);
  constexpr std::string_view kPrefix = "outbox-";
  if (message_id.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  message_id.remove_prefix(kPrefix.size());
  std::int64_t id = 0;
  size_t digits = 0;
  for (char c : message_id) {
    if (c < '0' || c > '9') break;
    if (++digits > 18) return std::nullopt;
    id = id * 10 + (c - '0');
  }
  if (digits == 0 || digits >= message_id.size() || message_id[digits] != '.') return std::nullopt;
  return id;
}

Status RecordReceipt(WriteTx& tx, std::int64_t outbox_id, bool delivered, const std::string& detail,
                     Timestamp now) {
  auto m = tx.GetOutbox(outbox_id);
  if (!m.ok()) {
    if (m.error().code() == ErrorCode::kNotFound) return Status::Ok();
    return m.error();
  }
  // Only a message that went out has a receipt; a second one is ignored.
  if (!m->sent_at || !tx.SetOutboxReceipt(outbox_id, delivered ? "delivered" : "failed")) {
    return Status::Ok();
  }
  if (!m->request_id) return Status::Ok();
  const std::string via = ChannelLabel(m->channel);
  Event e;
  e.request_id = *m->request_id;
  e.kind = EventKind::kDelivery;
  e.channel = m->channel;
  e.author = "system";
  e.body = delivered ? std::string("Message remis au destinataire (") + via + ")."
                     : std::string("Message non remis (") + via + ")" +
                           (detail.empty() ? "" : " : " + detail) + ".";
  nlohmann::json data = {
      {"status", delivered ? "delivered" : "failed"}, {"outbox_id", m->id}, {"receipt", true}};
  if (m->event_id) data["event_id"] = *m->event_id;
  if (!detail.empty()) data["error"] = detail;
  e.data_json = data.dump();
  e.created_at = now;
  auto id = tx.AppendEvent(e);
  if (!id.ok()) return id.error();
  return Status::Ok();
}

Timestamp Backoff(int attempts, Timestamp base, Timestamp cap) {
  Timestamp wait = base;
  for (int i = 1; i < attempts && wait < cap; ++i) wait *= 2;
  return std::min(wait, cap);
}

}  // namespace guichet::domain
