#include "storage/outbox_sql.hpp"

#include <map>
#include <string>
#include <vector>

#include "storage/sql_scope.hpp"

namespace guichet::storage::outbox_sql {
namespace {

using domain::OutboxMessage;
using domain::OutboxState;
using sql::Value;

#define GUICHET_OUTBOX_COLUMNS                                                          \
  "id, request_id, event_id, channel, recipient, subject, body, state, attempts, "      \
  "next_attempt_at, lease_until, tried_channels, last_error, provider_id, created_at, " \
  "updated_at, sent_at, printed_at, receipt"
constexpr const char* kSelect = "SELECT " GUICHET_OUTBOX_COLUMNS " FROM outbox ";
constexpr const char* kInsert =
    "INSERT INTO outbox (request_id, event_id, channel, recipient, subject, body, state, "
    "attempts, next_attempt_at, lease_until, tried_channels, last_error, provider_id, "
    "created_at, updated_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING id";
// The claim: of two workers, the second one's UPDATE matches no row.
constexpr const char* kClaim =
    "UPDATE outbox SET state = 'sending', attempts = attempts + 1, lease_until = ?, updated_at = "
    "? WHERE id = ? AND ((state = 'pending' AND next_attempt_at <= ?) OR (state = 'sending' AND "
    "lease_until <= ?))";
constexpr const char* kUpdate =
    "UPDATE outbox SET channel = ?, recipient = ?, state = ?, attempts = ?, next_attempt_at = ?, "
    "lease_until = ?, tried_channels = ?, last_error = ?, provider_id = ?, updated_at = ?, "
    "sent_at = ? WHERE id = ? AND state = ? AND attempts = ?";
constexpr const char* kDue =
    "(state = 'pending' AND next_attempt_at <= ?) OR (state = 'sending' AND lease_until <= ?) "
    "ORDER BY next_attempt_at, id LIMIT ?";
constexpr const char* kOpenRequestByPhone =
    "SELECT id FROM requests WHERE contact_phone = ? AND category NOT IN ('resolved', "
    "'rejected', 'closed') ORDER BY id DESC LIMIT 1";

Value Str(std::string_view s) { return std::string(s); }

OutboxMessage FromRow(const sql::Rows& row) {
  OutboxMessage m;
  m.id = row.Int(0);
  m.request_id = row.OptInt(1);
  m.event_id = row.OptInt(2);
  m.channel = domain::ParseChannel(row.Text(3)).value_or(domain::Channel::kEmail);
  m.recipient = row.Text(4);
  m.subject = row.Text(5);
  m.body = row.Text(6);
  m.state = domain::ParseOutboxState(row.Text(7)).value_or(OutboxState::kDead);
  m.attempts = static_cast<int>(row.Int(8));
  m.next_attempt_at = row.Int(9);
  m.lease_until = row.OptInt(10);
  m.tried_channels = domain::SplitChannels(row.Text(11));
  m.last_error = row.Text(12);
  m.provider_id = row.Text(13);
  m.created_at = row.Int(14);
  m.updated_at = row.Int(15);
  m.sent_at = row.OptInt(16);
  m.printed_at = row.OptInt(17);
  m.receipt = row.Text(18);
  return m;
}

std::vector<OutboxMessage> Select(sql::Connection& c, const std::string& where,
                                  std::span<const Value> params) {
  std::vector<OutboxMessage> out;
  auto rows = c.Query(std::string(kSelect) + where, params);
  while (rows->Next()) out.push_back(FromRow(*rows));
  return out;
}

}  // namespace

std::int64_t Insert(sql::Connection& c, const OutboxMessage& m) {
  const Value p[] = {sql::Opt(m.request_id),
                     sql::Opt(m.event_id),
                     Str(ToString(m.channel)),
                     m.recipient,
                     m.subject,
                     m.body,
                     Str(ToString(m.state)),
                     std::int64_t{m.attempts},
                     m.next_attempt_at,
                     sql::Opt(m.lease_until),
                     domain::JoinChannels(m.tried_channels),
                     m.last_error,
                     m.provider_id,
                     m.created_at,
                     m.updated_at,
                     sql::Opt(m.sent_at)};
  if (auto id = c.InsertId(kInsert, p)) return *id;
  const Value e[] = {sql::Opt(m.event_id)};
  return sql::QueryInt(c, "SELECT id FROM outbox WHERE event_id = ?", e).value_or(0);
}

Result<OutboxMessage> Get(sql::Connection& c, std::int64_t id) {
  const Value p[] = {id};
  auto rows = Select(c, "WHERE id = ?", p);
  if (rows.empty()) return Error::NotFound("Ce message sortant n’existe pas.");
  return rows.front();
}

bool Claim(sql::Connection& c, std::int64_t id, Timestamp now, Timestamp lease_until) {
  const Value p[] = {lease_until, now, id, now, now};
  return c.Execute(kClaim, p) == 1;
}

Status Update(sql::Connection& c, const OutboxMessage& m, OutboxState expected,
              int expected_attempts) {
  const Value p[] = {Str(ToString(m.channel)),
                     m.recipient,
                     Str(ToString(m.state)),
                     std::int64_t{m.attempts},
                     m.next_attempt_at,
                     sql::Opt(m.lease_until),
                     domain::JoinChannels(m.tried_channels),
                     m.last_error,
                     m.provider_id,
                     m.updated_at,
                     sql::Opt(m.sent_at),
                     m.id,
                     Str(ToString(expected)),
                     std::int64_t{expected_attempts}};
  if (c.Execute(kUpdate, p) == 1) return Status::Ok();
  return Error::Stale("Ce message sortant a changé entre-temps.");
}

void AddOptOut(sql::Connection& c, const std::string& phone, Timestamp now) {
  const Value p[] = {phone, now};
  c.Execute(
      "INSERT INTO sms_opt_outs (phone, created_at) VALUES (?, ?) ON CONFLICT (phone) DO NOTHING",
      p);
}

std::optional<domain::Citizen> FindCitizen(sql::Connection& c, std::int64_t id) {
  const Value p[] = {id};
  auto rows = c.Query(
      "SELECT id, name, email, phone, preferred_channel, created_at, postal_address FROM citizens "
      "WHERE id = ?",
      p);
  if (!rows->Next()) return std::nullopt;
  domain::Citizen out;
  out.id = rows->Int(0);
  out.name = rows->Text(1);
  out.email = rows->Text(2);
  out.phone = rows->Text(3);
  out.preferred_channel = domain::ParseChannel(rows->Text(4)).value_or(domain::Channel::kEmail);
  out.created_at = rows->Int(5);
  out.postal_address = rows->Text(6);  // where letters go
  return out;
}

namespace {

// Rows whose request `scope` allows (a row of no request: only for no scope
// or `all`), checked in the query so that a page holds `limit` of them.
void AppendRequestScope(std::string& where, std::vector<Value>& p,
                        const std::optional<domain::AccessScope>& scope) {
  if (!scope || scope->all) return;
  where += " AND EXISTS (SELECT 1 FROM requests r WHERE r.id = outbox.request_id";
  AppendScope(where, p, scope, "r.");
  where += ")";
}

}  // namespace

std::vector<OutboxMessage> ListDue(sql::Connection& c, Timestamp now, int limit) {
  const Value p[] = {now, now, std::int64_t{limit}};
  return Select(c, std::string("WHERE ") + kDue, p);
}

std::vector<OutboxMessage> List(sql::Connection& c, std::optional<OutboxState> state,
                                std::optional<std::int64_t> request_id,
                                std::optional<std::int64_t> before_id, int limit,
                                const std::optional<domain::AccessScope>& scope) {
  std::string where = "WHERE 1 = 1";
  std::vector<Value> p;
  if (state) {
    where += " AND state = ?";
    p.emplace_back(std::string(ToString(*state)));
  }
  if (request_id) {
    where += " AND request_id = ?";
    p.emplace_back(*request_id);
  }
  if (before_id) {
    where += " AND id < ?";
    p.emplace_back(*before_id);
  }
  AppendRequestScope(where, p, scope);
  where += " ORDER BY id DESC LIMIT ?";
  p.emplace_back(std::int64_t{limit});
  return Select(c, where, p);
}

Status SaveTemplate(sql::Connection& c, const domain::TemplateOverride& t) {
  const Value p[] = {t.id, t.subject, t.body, t.updated_at, t.updated_by};
  c.Execute(
      "INSERT INTO notification_templates (id, subject, body, updated_at, updated_by) VALUES (?, "
      "?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET subject = excluded.subject, body = "
      "excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
      p);
  return Status::Ok();
}

Status DeleteTemplate(sql::Connection& c, const std::string& id) {
  const Value p[] = {id};
  c.Execute("DELETE FROM notification_templates WHERE id = ?", p);
  return Status::Ok();
}

std::vector<domain::TemplateOverride> ListTemplates(sql::Connection& c) {
  std::vector<domain::TemplateOverride> out;
  auto rows = c.Query(
      "SELECT id, subject, body, updated_at, updated_by FROM notification_templates ORDER BY id",
      {});
  while (rows->Next()) {
    out.push_back({rows->Text(0), rows->Text(1), rows->Text(2), rows->Int(3), rows->Text(4)});
  }
  return out;
}

bool MarkPrinted(sql::Connection& c, std::int64_t id, Timestamp now) {
  const Value p[] = {now, id};
  return c.Execute(
             "UPDATE outbox SET printed_at = ? WHERE id = ? AND channel = 'postal' AND "
             "state = 'sent' AND printed_at IS NULL",
             p) == 1;
}

bool SetReceipt(sql::Connection& c, std::int64_t id, const std::string& receipt) {
  const Value p[] = {receipt, id};
  return c.Execute("UPDATE outbox SET receipt = ? WHERE id = ? AND receipt = ''", p) == 1;
}

std::optional<std::int64_t> FindByProvider(sql::Connection& c, domain::Channel channel,
                                           const std::string& provider_id) {
  if (provider_id.empty()) return std::nullopt;
  const Value p[] = {provider_id, Str(ToString(channel))};
  return sql::QueryInt(c,
                       "SELECT id FROM outbox WHERE provider_id = ? AND channel = ? ORDER BY id "
                       "DESC LIMIT 1",
                       p);
}

std::vector<OutboxMessage> ListLetters(sql::Connection& c, bool printed,
                                       std::optional<std::int64_t> before_id, int limit,
                                       const std::optional<domain::AccessScope>& scope) {
  std::string where = "WHERE channel = 'postal' AND state = 'sent' AND printed_at IS ";
  where += printed ? "NOT NULL" : "NULL";
  std::vector<Value> p;
  if (before_id) {
    where += " AND id < ?";
    p.emplace_back(*before_id);
  }
  AppendRequestScope(where, p, scope);
  where += " ORDER BY id DESC LIMIT ?";
  p.emplace_back(std::int64_t{limit});
  auto letters = Select(c, where, p);
  // The addresses of the page, in one query.
  std::string sql =
      "SELECT r.id, c.postal_address FROM requests r JOIN citizens c ON c.id = r.citizen_id "
      "WHERE r.id IN (";
  std::vector<Value> ids;
  for (const auto& m : letters) {
    if (!m.request_id) continue;
    sql += ids.empty() ? "?" : ", ?";
    ids.emplace_back(*m.request_id);
  }
  if (ids.empty()) return letters;
  std::map<std::int64_t, std::string> addresses;
  auto rows = c.Query(sql + ")", ids);
  while (rows->Next()) addresses[rows->Int(0)] = rows->Text(1);
  for (auto& m : letters) {
    const auto a = m.request_id ? addresses.find(*m.request_id) : addresses.end();
    if (a != addresses.end()) m.postal_address = a->second;
  }
  return letters;
}

bool IsOptedOut(sql::Connection& c, const std::string& phone) {
  const Value p[] = {phone};
  return sql::QueryInt(c, "SELECT 1 FROM sms_opt_outs WHERE phone = ?", p).has_value();
}

std::optional<std::int64_t> OpenRequestByPhone(sql::Connection& c, const std::string& phone) {
  const Value p[] = {phone};
  return sql::QueryInt(c, kOpenRequestByPhone, p);
}

}  // namespace guichet::storage::outbox_sql
