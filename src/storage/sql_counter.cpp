#include "storage/sql_counter.hpp"

#include <string>

namespace guichet::storage::sql_counter {

using sql::Value;

namespace {

constexpr const char* kCitizenColumns =
    "SELECT id, name, email, phone, preferred_channel, created_at, postal_address FROM citizens ";
constexpr const char* kByEmail =
    "WHERE (email <> '' AND lower(email) = lower(?)) OR account_email = lower(?) ORDER BY id "
    "LIMIT ?";
constexpr const char* kByPhone = "WHERE phone = ? ORDER BY id LIMIT ?";
// SQLite: the FTS5 index of names (unicode61, diacritics removed), each word
// a quoted prefix: "dup"* "jea"*.
constexpr const char* kByNameSqlite =
    "WHERE id IN (SELECT rowid FROM citizens_fts WHERE citizens_fts MATCH ?) ORDER BY id LIMIT ?";
// PostgreSQL: the name folded by unaccent, its words separated by spaces; one
// "starts a word" test per looked-up word (up to kMaxWords, the rest empty).
constexpr const char* kByNamePostgres =
    "WHERE ' ' || regexp_replace(unaccent(lower(name)), '[^a-z0-9]+', ' ', 'g') "
    "LIKE '% ' || unaccent(lower(?)) || '%' AND ' ' || regexp_replace(unaccent(lower(name)), "
    "'[^a-z0-9]+', ' ', 'g') LIKE '% ' || unaccent(lower(?)) || '%' AND ' ' || "
    "regexp_replace(unaccent(lower(name)), '[^a-z0-9]+', ' ', 'g') LIKE '% ' || "
    "unaccent(lower(?)) || '%' ORDER BY id LIMIT ?";
constexpr size_t kMaxWords = 3;
constexpr const char* kByContact =
    "WHERE (? <> '' AND email <> '' AND lower(email) = lower(?)) OR (? <> '' AND account_email = "
    "lower(?)) OR (? <> '' AND phone = ?) ORDER BY id LIMIT 1";

constexpr const char* kScanColumns =
    "SELECT id, request_id, upload_id, state, attempts, due_at, lease_until, text, error, "
    "created_at, updated_at FROM postal_scans ";
constexpr const char* kInsertScan =
    "INSERT INTO postal_scans (request_id, upload_id, state, attempts, due_at, lease_until, text, "
    "error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
constexpr const char* kClaimScan =
    "UPDATE postal_scans SET state = 'running', attempts = attempts + 1, lease_until = ?, "
    "updated_at = ? WHERE id = ? AND ((state = 'pending' AND due_at <= ?) OR (state = 'running' "
    "AND lease_until <= ?))";
constexpr const char* kUpdateScan =
    "UPDATE postal_scans SET state = ?, due_at = ?, lease_until = ?, text = ?, error = ?, "
    "updated_at = ? WHERE id = ? AND state = 'running' AND attempts = ?";
constexpr const char* kDueScans =
    "WHERE (state = 'pending' AND due_at <= ?) OR (state = 'running' AND lease_until <= ?) "
    "ORDER BY due_at, id LIMIT ?";
constexpr const char* kScansOf = "WHERE request_id = ? ORDER BY id";

std::vector<domain::Citizen> Citizens(sql::Connection& c, const std::string& where,
                                      std::span<const Value> p) {
  auto rows = c.Query(std::string(kCitizenColumns) + where, p);
  std::vector<domain::Citizen> out;
  while (rows->Next()) {
    domain::Citizen z;
    z.id = rows->Int(0);
    z.name = rows->Text(1);
    z.email = rows->Text(2);
    z.phone = rows->Text(3);
    z.preferred_channel = domain::ParseChannel(rows->Text(4)).value_or(domain::Channel::kEmail);
    z.created_at = rows->Int(5);
    z.postal_address = rows->Text(6);
    out.push_back(std::move(z));
  }
  return out;
}

std::vector<domain::PostalScan> Scans(sql::Connection& c, const std::string& where,
                                      std::span<const Value> p) {
  auto rows = c.Query(std::string(kScanColumns) + where, p);
  std::vector<domain::PostalScan> out;
  while (rows->Next()) {
    domain::PostalScan s;
    s.id = rows->Int(0);
    s.request_id = rows->Int(1);
    s.upload_id = rows->Text(2);
    s.state = domain::ParseScanState(rows->Text(3)).value_or(domain::PostalScan::State::kFailed);
    s.attempts = static_cast<int>(rows->Int(4));
    s.due_at = rows->Int(5);
    s.lease_until = rows->OptInt(6);
    s.text = rows->Text(7);
    s.error = rows->Text(8);
    s.created_at = rows->Int(9);
    s.updated_at = rows->Int(10);
    out.push_back(std::move(s));
  }
  return out;
}

// The name's words (domain::ParseCitizenLookup keeps letters, digits and
// non-ASCII bytes, space-separated).
std::vector<std::string> WordsOf(const std::string& value) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < value.size()) {
    size_t j = value.find(' ', i);
    if (j == std::string::npos) j = value.size();
    if (j > i) words.push_back(value.substr(i, j - i));
    i = j + 1;
  }
  return words;
}

}  // namespace

std::vector<domain::Citizen> FindCitizens(sql::Connection& c, const domain::CitizenLookup& q) {
  using By = domain::CitizenLookup::By;
  const std::int64_t limit = q.limit;
  switch (q.by) {
    case By::kEmail: {
      const Value p[] = {q.value, q.value, limit};
      return Citizens(c, kByEmail, p);
    }
    case By::kPhone: {
      const Value p[] = {q.value, limit};
      return Citizens(c, kByPhone, p);
    }
    case By::kName:
      break;
  }
  auto words = WordsOf(q.value);
  if (words.empty()) return {};
  if (c.dialect() == sql::Dialect::kSqlite) {
    std::string match;
    for (const auto& w : words) {
      std::string quoted;
      for (char ch : w) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      match += (match.empty() ? "\"" : " \"") + quoted + "\"*";
    }
    const Value p[] = {match, limit};
    return Citizens(c, kByNameSqlite, p);
  }
  if (words.size() > kMaxWords) words.resize(kMaxWords);
  while (words.size() < kMaxWords) words.emplace_back();
  const Value p[] = {words[0], words[1], words[2], limit};
  return Citizens(c, kByNamePostgres, p);
}

std::optional<domain::Citizen> FindByContact(sql::Connection& c, const std::string& email,
                                             const std::string& phone) {
  const Value p[] = {email, email, email, email, phone, phone};
  auto found = Citizens(c, kByContact, p);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::int64_t InsertScan(sql::Connection& c, const domain::PostalScan& s) {
  const Value p[] = {s.request_id,
                     s.upload_id,
                     std::string(ToString(s.state)),
                     std::int64_t{s.attempts},
                     s.due_at,
                     sql::Opt(s.lease_until),
                     s.text,
                     s.error,
                     s.created_at,
                     s.updated_at};
  return *c.InsertId(kInsertScan, p);
}

bool ClaimScan(sql::Connection& c, std::int64_t id, Timestamp now, Timestamp lease_until) {
  const Value p[] = {lease_until, now, id, now, now};
  return c.Execute(kClaimScan, p) == 1;
}

Status UpdateScan(sql::Connection& c, const domain::PostalScan& s, int expected_attempts) {
  const Value p[] = {std::string(ToString(s.state)),
                     s.due_at,
                     sql::Opt(s.lease_until),
                     s.text,
                     s.error,
                     s.updated_at,
                     s.id,
                     std::int64_t{expected_attempts}};
  if (c.Execute(kUpdateScan, p) != 1) {
    return Error::Stale("Ce traitement a été repris par un autre processus.");
  }
  return Status::Ok();
}

std::vector<domain::PostalScan> ListDueScans(sql::Connection& c, Timestamp now, int limit) {
  const Value p[] = {now, now, std::int64_t{limit}};
  return Scans(c, kDueScans, p);
}

std::vector<domain::PostalScan> ListScans(sql::Connection& c, std::int64_t request_id) {
  const Value p[] = {request_id};
  return Scans(c, kScansOf, p);
}

}  // namespace guichet::storage::sql_counter
