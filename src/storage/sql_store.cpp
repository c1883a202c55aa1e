#include "storage/sql_store.hpp"

#include "storage/outbox_sql.hpp"

#include <sodium.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <future>
#include <limits>
#include <string>

#include "core/thread_name.hpp"
#include "storage/sql_counter.hpp"
#include "storage/sql_mail.hpp"
#include "storage/sql_scope.hpp"
#include "storage/sql_web.hpp"

namespace guichet::storage {

using domain::Event;
using domain::Request;
using sql::Value;

namespace {

// One column list for every SELECT of a request (RequestFromRow reads it by position).
#define GUICHET_REQUEST_COLUMNS                                                               \
  "id, reference, service_id, title, description, citizen_id, contact_name, contact_email, "  \
  "contact_phone, channel, status, category, priority, lat, lon, address, data, created_at, " \
  "updated_at, due_at, closed_at, team_id, agent_id, version"
constexpr const char* kRequestColumns = GUICHET_REQUEST_COLUMNS;
constexpr const char* kSelectRequestById =
    "SELECT " GUICHET_REQUEST_COLUMNS " FROM requests WHERE id = ?";
constexpr const char* kSelectRequestByReference =
    "SELECT " GUICHET_REQUEST_COLUMNS " FROM requests WHERE reference = ?";
// ON CONFLICT DO NOTHING: a reference already taken inserts nothing.
constexpr const char* kInsertRequest =
    "INSERT INTO requests (reference, service_id, title, description, citizen_id, contact_name, "
    "contact_email, contact_phone, channel, status, category, priority, lat, lon, address, data, "
    "created_at, updated_at, due_at, closed_at, team_id, agent_id, version) VALUES (?, ?, ?, ?, "
    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (reference) DO NOTHING "
    "RETURNING id";
constexpr const char* kUpdateRequest =
    "UPDATE requests SET title = ?, description = ?, citizen_id = ?, contact_name = ?, "
    "contact_email = ?, contact_phone = ?, status = ?, category = ?, priority = ?, lat = ?, lon = "
    "?, address = ?, data = ?, updated_at = ?, due_at = ?, closed_at = ?, team_id = ?, agent_id = "
    "?, version = version + 1 WHERE id = ? AND version = ?";
// Staged documents reach search_fts at the batch's commit (IndexStagedSearch).
constexpr const char* kStageSearch =
    "INSERT OR REPLACE INTO search_pending (id, request_id, body) VALUES (?, ?, ?)";
constexpr const char* kStageEventSearch =
    "INSERT OR REPLACE INTO search_pending (id, request_id, body) SELECT ?, ?, ? WHERE ? IS NOT "
    "(SELECT description FROM requests WHERE id = ?)";
constexpr const char* kInsertEvent =
    "INSERT INTO events (request_id, kind, channel, author, body, data, created_at) VALUES (?, ?, "
    "?, ?, ?, ?, ?) RETURNING id";
// The grid of 018_geo_cells.sql (SQLite): cells of 0.01°, numbered row by
// row. The same expression as the migration's generated column, in the same
// double arithmetic, truncated the same way (CAST): a box's cells are exactly
// the cells of the points inside it.
constexpr double kGeoCellsPerDegree = 100;
constexpr std::int64_t kGeoCellsPerRow = 36001;
// A box's edges are first brought onto the globe (stored positions are
// validated): no cast of an infinite or undefined value.
std::int64_t GeoRow(double lat) {
  lat = lat >= -90 ? (lat <= 90 ? lat : 90) : -90;  // NaN too
  return static_cast<std::int64_t>((lat + 90) * kGeoCellsPerDegree);
}
std::int64_t GeoColumn(double lon) {
  lon = lon >= -180 ? (lon <= 180 ? lon : 180) : -180;
  return static_cast<std::int64_t>((lon + 180) * kGeoCellsPerDegree);
}
// Past this many cells (a box of about 0.3° × 0.3°, larger than a town) a
// box is searched by its rows of cells, or by creation time (ListRequests).
constexpr std::int64_t kMaxGeoCells = 1024;
// A larger box with fewer index entries than this lists them all; with
// more, at least 1 in 260 requests of the table lies in it, and a page of 50
// is found walking back the creation order (a few thousand rows at 1M).
constexpr std::int64_t kSparseBox = 5000;
// The first window of a bounding-box search: the last week before the newest
// request; each next one is four times longer.
constexpr Timestamp kFirstGeoWindow = 7 * kMicrosPerDay;

constexpr const char* kEventColumns =
    "id, request_id, kind, channel, author, body, data, created_at";

Request RequestFromRow(const sql::Rows& row) {
  Request r;
  r.id = row.Int(0);
  r.reference = row.Text(1);
  r.service_id = row.Text(2);
  r.title = row.Text(3);
  r.description = row.Text(4);
  r.citizen_id = row.OptInt(5);
  r.contact = {row.Text(6), row.Text(7), row.Text(8)};
  r.channel = domain::ParseChannel(row.Text(9)).value_or(domain::Channel::kApi);
  r.status = row.Text(10);
  r.category = domain::ParseStatusCategory(row.Text(11)).value_or(domain::StatusCategory::kOpen);
  r.priority = domain::ParsePriority(row.Text(12)).value_or(domain::Priority::kNormal);
  if (!row.IsNull(13) && !row.IsNull(14)) {
    r.location = domain::Location{row.Real(13), row.Real(14), row.Text(15)};
  }
  r.data_json = row.Text(16);
  r.created_at = row.Int(17);
  r.updated_at = row.Int(18);
  r.due_at = row.OptInt(19);
  r.closed_at = row.OptInt(20);
  r.team_id = row.Text(21);
  r.agent_id = row.OptInt(22);
  r.version = row.Int(23);
  return r;
}

Value Str(std::string_view s) { return std::string(s); }

Value LocationPart(const Request& r, int part) {
  if (!r.location) return sql::Null();
  if (part == 0) return r.location->lat;
  if (part == 1) return r.location->lon;
  return r.location->address;
}

Result<Request> FetchRequest(sql::Connection& c, const char* sql, Value key) {
  const Value p[] = {std::move(key)};
  auto rows = c.Query(sql, p);
  if (!rows->Next()) return Error::NotFound("Cette demande n’existe pas.");
  return RequestFromRow(*rows);
}

constexpr const char* kTimerColumns =
    "id, request_id, kind, name, status, state, due_at, remaining, created_at, fired_at";

// Reads the columns of kEventColumns, in that order.
Event EventFromRow(const sql::Rows& row) {
  Event e;
  e.id = row.Int(0);
  e.request_id = row.Int(1);
  e.kind = domain::ParseEventKind(row.Text(2)).value_or(domain::EventKind::kNote);
  if (!row.IsNull(3)) e.channel = domain::ParseChannel(row.Text(3));
  e.author = row.Text(4);
  e.body = row.Text(5);
  e.data_json = row.Text(6);
  e.created_at = row.Int(7);
  return e;
}

domain::Timer TimerFromRow(const sql::Rows& row) {
  domain::Timer t;
  t.id = row.Int(0);
  t.request_id = row.Int(1);
  t.kind = domain::ParseTimerKind(row.Text(2)).value_or(domain::Timer::Kind::kDeadline);
  t.name = row.Text(3);
  t.status = row.Text(4);
  t.state = domain::ParseTimerState(row.Text(5)).value_or(domain::Timer::State::kCancelled);
  t.due_at = row.OptInt(6);
  t.remaining = row.OptInt(7);
  t.created_at = row.Int(8);
  t.fired_at = row.OptInt(9);
  return t;
}

std::vector<domain::Timer> QueryTimers(sql::Connection& c, std::string_view where,
                                       std::span<const Value> params) {
  std::vector<domain::Timer> out;
  auto rows = c.Query(
      std::string("SELECT ") + kTimerColumns + " FROM timers WHERE " + std::string(where), params);
  while (rows->Next()) out.push_back(TimerFromRow(*rows));
  return out;
}

std::string EncodeBase64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::optional<std::string> DecodeBase64(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

// LIKE pattern for a literal substring: %, _ and \ are escaped.
std::string LikePattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

constexpr const char* kInsertApiKey =
    "INSERT INTO api_keys (name, scope, hash, created_at, team_id) VALUES (?, ?, ?, ?, ?) ON "
    "CONFLICT (hash) DO NOTHING RETURNING id";
constexpr const char* kApiKeyColumns = "id, name, scope, hash, created_at, revoked_at, team_id";

domain::ApiKey ApiKeyFromRow(const sql::Rows& row) {
  return {row.Int(0),
          row.Text(1),
          row.Text(2),
          row.Text(3),
          row.Int(4),
          row.OptInt(5),
          row.IsNull(6) ? std::string() : row.Text(6)};
}

// " AND column IN (?, ?…)" for a non-empty list; every value is a parameter.
template <typename T>
void AppendIn(std::string& sql, std::vector<Value>& params, const char* column,
              const std::vector<T>& values) {
  if (values.empty()) return;
  sql += std::string(" AND ") + column + " IN (";
  AppendPlaceholders(sql, params, values);
  sql += ")";
}

// --- Back-office (issue 4) ---
// The inbox's deadline sort key: requests without a deadline come last.
#define GUICHET_DUE_KEY "COALESCE(due_at, 9223372036854775807)"

constexpr const char* kAuditColumns =
    "id, at, actor_kind, actor_id, actor_label, action, record_type, record_id, request_id, "
    "citizen_id, purpose, ip, user_agent, prev_hash, hash";

domain::AuditEntry AuditFromRow(const sql::Rows& row) {
  domain::AuditEntry e;
  e.id = row.Int(0);
  e.at = row.Int(1);
  e.actor_kind = row.Text(2);
  e.actor_id = row.Int(3);
  e.actor_label = row.Text(4);
  e.action = row.Text(5);
  e.record_type = row.Text(6);
  e.record_id = row.Text(7);
  e.request_id = row.OptInt(8);
  e.citizen_id = row.OptInt(9);
  e.purpose = row.Text(10);
  e.ip = row.Text(11);
  e.user_agent = row.Text(12);
  e.prev_hash = row.Text(13);
  e.hash = row.Text(14);
  return e;
}

constexpr const char* kCannedColumns = "id, title, body, team_id, created_at, updated_at";

domain::CannedResponse CannedFromRow(const sql::Rows& row) {
  return {row.Int(0), row.Text(1), row.Text(2), row.Text(3), row.Int(4), row.Int(5)};
}

// Serialises appends to the audit chain across servers sharing a PostgreSQL
// database (SQLite has one writer already).
constexpr std::int64_t kAuditChainLock = 0x6775696368657432;  // "guichet2"

// An FTS5 query matching every word of `text` (each quoted: the user's
// punctuation is never FTS5 syntax). Empty when `text` has no word.
// How many of the newest request documents, and of the newest messages, a
// full-text search ranks when a query matches more (see SqlStore::Search).
constexpr int kSearchWindow = 1000;

std::string Fts5Query(const std::string& text) {
  std::string out, word;
  const auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += ' ';
    out += '"' + word + '"';
    word.clear();
  };
  for (char c : text) {
    // Control bytes separate words; a NUL inside quotes would end FTS5's
    // reading of the query ("unterminated string").
    if (c == ' ' || (static_cast<unsigned char>(c) < 0x20)) {
      flush();
    } else if (c == '"') {
      word += "\"\"";
    } else {
      word += c;
    }
  }
  flush();
  return out;
}
// --- end back-office ---

class SqlWriteTx final : public domain::WriteTx {
 public:
  explicit SqlWriteTx(sql::Connection& c) : c_(c) {}

  Result<std::int64_t> InsertRequest(const Request& r) override {
    const Value p[] = {r.reference,
                       r.service_id,
                       r.title,
                       r.description,
                       sql::Opt(r.citizen_id),
                       r.contact.name,
                       r.contact.email,
                       r.contact.phone,
                       Str(ToString(r.channel)),
                       r.status,
                       Str(ToString(r.category)),
                       Str(ToString(r.priority)),
                       LocationPart(r, 0),
                       LocationPart(r, 1),
                       LocationPart(r, 2),
                       r.data_json,
                       r.created_at,
                       r.updated_at,
                       sql::Opt(r.due_at),
                       sql::Opt(r.closed_at),
                       r.team_id,
                       sql::Opt(r.agent_id)};
    // ON CONFLICT rather than catching the violation: on PostgreSQL a failed
    // statement would abort the whole batch's transaction.
    const auto id = c_.InsertId(kInsertRequest, p);
    if (!id) return Error::Conflict("Cette référence existe déjà.");
    if (c_.dialect() == sql::Dialect::kSqlite) IndexAndCountSqliteRequest(r, *id);
    return *id;
  }

  // SQLite: the insert has no triggers, so it needs no statement journal
  // (020_request_insert_without_triggers.sql); what the triggers did
  // follows, with the same values: the full-text document is staged (019)
  // and the inbox counters count the request (017).
  void IndexAndCountSqliteRequest(const Request& r, std::int64_t id) {
    const Value doc[] = {-id, id, r.reference + ' ' + r.title + ' ' + r.description};
    c_.Execute(kStageSearch, doc);
    const Value counted[] = {r.team_id, r.service_id, Str(ToString(r.channel)),
                             Str(ToString(r.category)), r.agent_id.value_or(0)};
    c_.Execute(
        "INSERT INTO inbox_counters (team_id, service_id, channel, category, agent_id, n) "
        "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT DO UPDATE SET n = n + 1",
        counted);
  }

  Status UpdateRequest(const Request& r, std::int64_t expected_version) override {
    const Value p[] = {r.title,
                       r.description,
                       sql::Opt(r.citizen_id),
                       r.contact.name,
                       r.contact.email,
                       r.contact.phone,
                       r.status,
                       Str(ToString(r.category)),
                       Str(ToString(r.priority)),
                       LocationPart(r, 0),
                       LocationPart(r, 1),
                       LocationPart(r, 2),
                       r.data_json,
                       r.updated_at,
                       sql::Opt(r.due_at),
                       sql::Opt(r.closed_at),
                       r.team_id,
                       sql::Opt(r.agent_id),
                       r.id,
                       expected_version};
    if (c_.Execute(kUpdateRequest, p) == 1) return Status::Ok();
    const Value id[] = {r.id};
    if (!sql::QueryInt(c_, "SELECT 1 FROM requests WHERE id = ?", id)) {
      return Error::NotFound("Cette demande n’existe pas.");
    }
    return Error::Stale("La demande a été modifiée entre-temps ; rechargez-la.");
  }

  Result<Request> GetRequest(std::int64_t id) override {
    return FetchRequest(c_, kSelectRequestById, id);
  }

  bool ReferenceExists(const std::string& reference) override {
    const Value p[] = {reference};
    return sql::QueryInt(c_, "SELECT 1 FROM requests WHERE reference = ?", p).has_value();
  }

  Result<std::int64_t> AppendEvent(const Event& e) override {
    const Value p[] = {e.request_id,
                       Str(ToString(e.kind)),
                       e.channel ? Str(ToString(*e.channel)) : sql::Null(),
                       e.author,
                       e.body,
                       e.data_json,
                       e.created_at};
    const std::int64_t id = *c_.InsertId(kInsertEvent, p);
    if (c_.dialect() == sql::Dialect::kSqlite && Searchable(e)) {
      // What the trigger of 016 did (dropped in 021, as those of requests in
      // 020): what people wrote is searchable, unless it repeats the
      // request's description, already indexed with the request.
      const Value doc[] = {id, e.request_id, e.body, e.body, e.request_id};
      c_.Execute(kStageEventSearch, doc);
    }
    // The outbox rule (domain/outbox.hpp): a message to send is queued in
    // the transaction that records it.
    Event stored = e;
    stored.id = id;
    if (auto m = domain::OutboxFor(stored)) outbox_sql::Insert(c_, *m);
    return id;
  }

  // The condition of 016_search_what_people_wrote.sql, but for the body
  // repeating the description (kStageEventSearch).
  static bool Searchable(const Event& e) {
    using domain::EventKind;
    if (e.kind != EventKind::kMessageIn && e.kind != EventKind::kMessageOut &&
        e.kind != EventKind::kNote) {
      return false;
    }
    return !e.body.empty() && !(e.kind == EventKind::kMessageOut && e.author == "system");
  }

  std::optional<domain::IdempotencyRecord> FindIdempotency(const std::string& scope,
                                                           const std::string& key) override {
    const Value p[] = {scope, key};
    auto rows = c_.Query(
        "SELECT fingerprint, resource_id, created_at FROM idempotency_keys WHERE scope = ? AND "
        "key = ?",
        p);
    if (!rows->Next()) return std::nullopt;
    return domain::IdempotencyRecord{scope, key, rows->Text(0), rows->Int(1), rows->Int(2)};
  }

  Status SaveIdempotency(const domain::IdempotencyRecord& rec) override {
    const Value p[] = {rec.scope, rec.key, rec.fingerprint, rec.resource_id, rec.created_at};
    c_.Execute(
        "INSERT INTO idempotency_keys (scope, key, fingerprint, resource_id, created_at) VALUES "
        "(?, ?, ?, ?, ?)",
        p);
    return Status::Ok();
  }

  Status UpsertTeam(const domain::Team& t) override {
    const Value p[] = {t.id, t.name, t.email, std::int64_t{t.round_robin ? 1 : 0}};
    c_.Execute(
        "INSERT INTO teams (id, name, email, round_robin) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO "
        "UPDATE SET name = excluded.name, email = excluded.email, round_robin = "
        "excluded.round_robin",
        p);
    return Status::Ok();
  }

  Status UpsertService(const domain::Service& s) override {
    const Value p[] = {s.id,
                       s.name,
                       s.description,
                       s.team_id,
                       std::int64_t{s.due_days},
                       std::int64_t{s.active ? 1 : 0}};
    c_.Execute(
        "INSERT INTO services (id, name, description, team_id, due_days, active) VALUES (?, ?, "
        "?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = "
        "excluded.description, team_id = excluded.team_id, due_days = excluded.due_days, active "
        "= excluded.active",
        p);
    return Status::Ok();
  }

  Result<std::int64_t> InsertAgent(const domain::Agent& a) override {
    const Value p[] = {a.name, a.email, a.team_id};
    const std::int64_t id =
        *c_.InsertId("INSERT INTO agents (name, email, team_id) VALUES (?, ?, ?) RETURNING id", p);
    // Identity reads an agent's teams from agent_teams (migration 005).
    const Value m[] = {id, a.team_id};
    c_.Execute("INSERT INTO agent_teams (agent_id, team_id, role) VALUES (?, ?, 'agent')", m);
    return id;
  }

  bool AgentExists(std::int64_t id) override {
    const Value p[] = {id};
    return sql::QueryInt(c_, "SELECT 1 FROM agents WHERE id = ?", p).has_value();
  }

  Result<std::int64_t> InsertCitizen(const domain::Citizen& c) override {
    const Value p[] = {c.name,       c.email,         c.phone, Str(ToString(c.preferred_channel)),
                       c.created_at, c.postal_address};
    return *c_.InsertId(
        "INSERT INTO citizens (name, email, phone, preferred_channel, "
        "created_at, postal_address) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        p);
  }

  std::optional<std::int64_t> FindAgentByEmail(const std::string& email) override {
    const Value p[] = {email};
    return sql::QueryInt(c_, "SELECT id FROM agents WHERE email = ?", p);
  }

  std::vector<domain::Timer> ListTimers(std::int64_t request_id) override {
    const Value p[] = {request_id};
    return QueryTimers(c_, "request_id = ? ORDER BY id", p);
  }

  Result<std::int64_t> InsertTimer(const domain::Timer& t) override {
    const Value p[] = {t.request_id,
                       Str(ToString(t.kind)),
                       t.name,
                       t.status,
                       Str(ToString(t.state)),
                       sql::Opt(t.due_at),
                       sql::Opt(t.remaining),
                       t.created_at,
                       sql::Opt(t.fired_at)};
    return *c_.InsertId(
        "INSERT INTO timers (request_id, kind, name, status, state, due_at, "
        "remaining, created_at, fired_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        p);
  }

  Status UpdateTimer(const domain::Timer& t) override {
    const Value p[] = {Str(ToString(t.state)), sql::Opt(t.due_at), sql::Opt(t.remaining),
                       sql::Opt(t.fired_at), t.id};
    c_.Execute("UPDATE timers SET state = ?, due_at = ?, remaining = ?, fired_at = ? WHERE id = ?",
               p);
    return Status::Ok();
  }

  bool ClaimTimer(std::int64_t id, Timestamp now) override {
    // The state test makes this the claim: of two processes firing the same
    // timer, the second one's UPDATE (after the first commits) matches no row.
    const Value p[] = {now, id};
    return c_.Execute(
               "UPDATE timers SET state = 'fired', fired_at = ? WHERE id = ? AND state = "
               "'running'",
               p) == 1;
  }

  Status SaveDraft(const domain::Draft& d) override {
    const Value p[] = {d.id,         d.service_id, d.data_json, sql::Opt(d.citizen_id),
                       d.created_at, d.updated_at, d.expires_at};
    c_.Execute(
        "INSERT INTO drafts (id, service_id, data, citizen_id, created_at, updated_at, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = "
        "excluded.data, updated_at = excluded.updated_at, expires_at = excluded.expires_at",
        p);
    return Status::Ok();
  }

  Status DeleteDraft(const std::string& id) override {
    const Value p[] = {id};
    c_.Execute("DELETE FROM drafts WHERE id = ?", p);
    return Status::Ok();
  }

  std::int64_t DeleteExpiredDrafts(Timestamp now) override {
    const Value p[] = {now};
    return c_.Execute("DELETE FROM drafts WHERE expires_at <= ?", p);
  }

  Status InsertUpload(const domain::Upload& u, const std::string& bytes) override {
    const Value p[] = {u.id,         u.filename,         u.content_type,
                       u.size,       u.sha256,           sql::Opt(u.request_id),
                       u.created_at, EncodeBase64(bytes)};
    c_.Execute(
        "INSERT INTO uploads (id, filename, content_type, size, sha256, request_id, created_at, "
        "content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        p);
    return Status::Ok();
  }

  Status AttachUpload(const std::string& upload_id, std::int64_t request_id) override {
    const Value p[] = {request_id, upload_id};
    if (c_.Execute("UPDATE uploads SET request_id = ? WHERE id = ? AND request_id IS NULL", p) !=
        1) {
      return Error::Invalid("Ce fichier est inconnu ou déjà joint à une autre demande.");
    }
    return Status::Ok();
  }

  Result<std::int64_t> InsertApiKey(const domain::ApiKey& k) override {
    const Value p[] = {k.name, k.scope, k.hash, k.created_at,
                       k.team_id.empty() ? sql::Null() : Value(k.team_id)};
    auto id = c_.InsertId(kInsertApiKey, p);
    if (!id) return Error::Conflict("Cette clé existe déjà.");
    return *id;
  }

  Status RevokeApiKey(std::int64_t id, Timestamp now) override {
    const Value p[] = {now, id};
    if (c_.Execute("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", p) !=
        1) {
      return Error::NotFound("Cette clé d’API n’existe pas.");
    }
    return Status::Ok();
  }

  // --- Back-office (issue 4) ---
  Status AppendAudit(std::span<const domain::AuditEntry> entries) override {
    if (entries.empty()) return Status::Ok();
    if (c_.dialect() == sql::Dialect::kPostgres) {
      const Value k[] = {kAuditChainLock};
      c_.Query("SELECT pg_advisory_xact_lock(?)", k)->Next();
    }
    std::string prev_hash;
    {
      auto rows = c_.Query("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1");
      if (rows->Next()) prev_hash = rows->Text(0);
    }
    for (const auto& e : entries) {
      std::string hash = domain::AuditDigest(e, prev_hash);
      const Value p[] = {e.at,
                         e.actor_kind,
                         e.actor_id,
                         e.actor_label,
                         e.action,
                         e.record_type,
                         e.record_id,
                         sql::Opt(e.request_id),
                         sql::Opt(e.citizen_id),
                         e.purpose,
                         e.ip,
                         e.user_agent,
                         std::move(prev_hash),
                         hash};
      c_.Execute(
          "INSERT INTO audit_log (at, actor_kind, actor_id, actor_label, action, record_type, "
          "record_id, request_id, citizen_id, purpose, ip, user_agent, prev_hash, hash) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          p);
      prev_hash = std::move(hash);
    }
    return Status::Ok();
  }

  Result<std::int64_t> SaveCannedResponse(const domain::CannedResponse& cr) override {
    if (cr.id == 0) {
      const Value p[] = {cr.title, cr.body, cr.team_id, cr.created_at, cr.updated_at};
      return *c_.InsertId(
          "INSERT INTO canned_responses (title, body, team_id, created_at, "
          "updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
          p);
    }
    const Value p[] = {cr.title, cr.body, cr.team_id, cr.updated_at, cr.id};
    if (c_.Execute("UPDATE canned_responses SET title = ?, body = ?, team_id = ?, updated_at = ? "
                   "WHERE id = ?",
                   p) != 1) {
      return Error::NotFound("Cette réponse type n’existe pas.");
    }
    return cr.id;
  }

  Status DeleteCannedResponse(std::int64_t id) override {
    const Value p[] = {id};
    if (c_.Execute("DELETE FROM canned_responses WHERE id = ?", p) != 1) {
      return Error::NotFound("Cette réponse type n’existe pas.");
    }
    return Status::Ok();
  }

  Status InsertLink(const domain::RequestLink& l) override {
    const Value p[] = {l.from_id, l.to_id, l.kind, l.author, l.created_at};
    c_.Execute(
        "INSERT INTO request_links (from_id, to_id, kind, author, created_at) VALUES (?, ?, ?, "
        "?, ?) ON CONFLICT (from_id, to_id, kind) DO NOTHING",
        p);
    return Status::Ok();
  }

  std::optional<std::int64_t> NextRoundRobinAgent(const std::string& team_id) override {
    const Value t[] = {team_id};
    const auto last =
        sql::QueryInt(c_, "SELECT last_agent_id FROM round_robin WHERE team_id = ?", t);
    // The team's active agents: its members (agent_teams) and those whose first team it is.
    constexpr const char* kMembers =
        "SELECT MIN(id) FROM agents a WHERE a.active = 1 AND (a.team_id = ? OR EXISTS (SELECT 1 "
        "FROM agent_teams m WHERE m.agent_id = a.id AND m.team_id = ?)) AND a.id > ?";
    const Value after[] = {team_id, team_id, last.value_or(0)};
    auto next = sql::QueryInt(c_, kMembers, after);
    const Value from_start[] = {team_id, team_id, std::int64_t{0}};
    if (!next) next = sql::QueryInt(c_, kMembers, from_start);
    if (!next) return std::nullopt;
    const Value p[] = {team_id, *next};
    c_.Execute(
        "INSERT INTO round_robin (team_id, last_agent_id) VALUES (?, ?) ON CONFLICT (team_id) DO "
        "UPDATE SET last_agent_id = excluded.last_agent_id",
        p);
    return next;
  }
  // --- end back-office ---
  // ---- Inbound mail (SQL in sql_mail.cpp) ----
  bool MailMessageStored(const std::string& sha256) override {
    return sql_mail::MessageStored(c_, sha256);
  }
  Status InsertMailMessage(const domain::MailMessage& m) override {
    sql_mail::InsertMessage(c_, m);
    return Status::Ok();
  }
  std::int64_t CountMailAcks(const std::string& sender, Timestamp since) override {
    return sql_mail::CountAcks(c_, sender, since);
  }
  Status MarkAddressFailing(const domain::FailingAddress& f) override {
    sql_mail::MarkFailing(c_, f);
    return Status::Ok();
  }
  std::optional<domain::FailingAddress> FindFailingAddress(const std::string& address) override {
    return sql_mail::FindFailing(c_, address);
  }
  // ---- end of inbound mail ----
  // --- web (issue #7) ---
  Status InsertRating(const domain::Rating& r) override { return web::InsertRating(c_, r); }
  // --- end web ---
  // --- outbox (issue #5) ---------------------------------------------------
  Result<std::int64_t> InsertOutbox(const domain::OutboxMessage& m) override {
    return outbox_sql::Insert(c_, m);
  }
  Result<domain::OutboxMessage> GetOutbox(std::int64_t id) override {
    return outbox_sql::Get(c_, id);
  }
  bool ClaimOutbox(std::int64_t id, Timestamp now, Timestamp lease_until) override {
    return outbox_sql::Claim(c_, id, now, lease_until);
  }
  Status UpdateOutbox(const domain::OutboxMessage& m, domain::OutboxState expected,
                      int expected_attempts) override {
    return outbox_sql::Update(c_, m, expected, expected_attempts);
  }
  Status AddSmsOptOut(const std::string& phone, Timestamp now) override {
    outbox_sql::AddOptOut(c_, phone, now);
    return Status::Ok();
  }
  std::optional<domain::Citizen> FindCitizen(std::int64_t id) override {
    return outbox_sql::FindCitizen(c_, id);
  }
  Status SaveTemplateOverride(const domain::TemplateOverride& t) override {
    return outbox_sql::SaveTemplate(c_, t);
  }
  Status DeleteTemplateOverride(const std::string& id) override {
    return outbox_sql::DeleteTemplate(c_, id);
  }
  bool MarkLetterPrinted(std::int64_t id, Timestamp now) override {
    return outbox_sql::MarkPrinted(c_, id, now);
  }
  bool SetOutboxReceipt(std::int64_t id, const std::string& receipt) override {
    return outbox_sql::SetReceipt(c_, id, receipt);
  }
  std::optional<std::int64_t> FindOutboxByProvider(domain::Channel channel,
                                                   const std::string& provider_id) override {
    return outbox_sql::FindByProvider(c_, channel, provider_id);
  }
  // --- end outbox ----------------------------------------------------------
  // --- counter (SQL in sql_counter.cpp) ------------------------------------
  std::optional<domain::Citizen> FindCitizenByContact(const std::string& email,
                                                      const std::string& phone) override {
    return sql_counter::FindByContact(c_, email, phone);
  }
  Result<std::int64_t> InsertScan(const domain::PostalScan& s) override {
    return sql_counter::InsertScan(c_, s);
  }
  bool ClaimScan(std::int64_t id, Timestamp now, Timestamp lease_until) override {
    return sql_counter::ClaimScan(c_, id, now, lease_until);
  }
  Status UpdateScan(const domain::PostalScan& s, int expected_attempts) override {
    return sql_counter::UpdateScan(c_, s, expected_attempts);
  }
  // --- end counter ---------------------------------------------------------

 private:
  sql::Connection& c_;
};

}  // namespace

namespace {

// SQLite: what this batch staged for the full-text index (019, 020) goes
// into search_fts in one statement, so that FTS5 writes one segment per
// commit instead of one per create. Whatever an earlier writer left staged
// goes with it. A store opens a migrated database only.
void IndexStagedSearch(sql::Connection& c) {
  c.Execute(
      "INSERT INTO search_fts (rowid, request_id, body) "
      "SELECT id, request_id, body FROM search_pending");
  c.Execute("DELETE FROM search_pending");
}

}  // namespace

SqlStore::SqlStore(sql::Dialect dialect, sql::ConnectionPool::Factory readers,
                   size_t read_pool_size, sql::WriteQueue::Factory writer)
    : dialect_(dialect),
      readers_(std::move(readers), read_pool_size),
      // Idle readers drop their snapshots after each commit, so that none
      // holds the WAL back; busy ones see the generation move on their next read.
      writer_(
          writer,
          [this] {
            readers_.ForEachIdle([](sql::Connection& c) {
              try {
                c.EndRead();
              } catch (const sql::DbError&) {
                // Ended anyway: the next read begins a new transaction.
              }
            });
          },
          dialect == sql::Dialect::kSqlite ? sql::WriteQueue::Hook(IndexStagedSearch)
                                           : sql::WriteQueue::Hook(),
          dialect == sql::Dialect::kSqlite
              ? std::function<bool()>([this] { return LogCopiedForRestart(); })
              : std::function<bool()>()) {
  if (dialect_ == sql::Dialect::kSqlite) {
    checkpointer_ = std::thread([this, writer] {
      NameThisThread("sql-checkpoint");
      RunCheckpoints(writer);
    });
  }
}

SqlStore::~SqlStore() { Close(); }

void SqlStore::Close() {
  writer_.Stop();
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_stop_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
}

bool SqlStore::LogCopiedForRestart() {
  std::lock_guard lock(checkpoint_mu_);
  if (!restart_after_) {
    restart_after_ = passes_begun_ + 1;  // a pass begun from now on
    checkpoint_now_ = true;
    checkpoint_cv_.notify_all();
    return false;
  }
  if (passes_done_ < *restart_after_) return false;
  restart_after_.reset();
  return true;
}

void SqlStore::RunCheckpoints(sql::WriteQueue::Factory factory) {
  // Often enough that the WAL stays a few megabytes under a full write load;
  // at once when the writer is about to start the WAL over.
  constexpr auto kInterval = std::chrono::milliseconds(250);
  std::unique_ptr<sql::Connection> conn;
  std::unique_lock lock(checkpoint_mu_);
  while (!checkpoint_stop_) {
    checkpoint_cv_.wait_for(lock, kInterval,
                            [this] { return checkpoint_stop_ || checkpoint_now_; });
    checkpoint_now_ = false;
    ++passes_begun_;
    lock.unlock();
    try {
      if (!conn) conn = factory();
      // PASSIVE: copies what no reader still needs, waits for no one.
      conn->ExecScript("PRAGMA wal_checkpoint(PASSIVE)");
    } catch (const sql::DbError&) {
      conn.reset();  // retried at the next pass
    }
    lock.lock();
    ++passes_done_;
  }
  lock.unlock();
  // One last pass: the WAL left behind is short.
  try {
    if (conn) conn->ExecScript("PRAGMA wal_checkpoint(PASSIVE)");
  } catch (const sql::DbError&) {
  }
}

template <typename T, typename Fn>
Result<T> SqlStore::Read(Fn&& fn) {
  try {
    auto lease = readers_.Acquire();
    try {
      const auto generation = writer_.commits();
      lease->BeginRead(generation);
      auto result = fn(*lease);
      // A commit came during the read, or the writer is starting its log
      // over: let the snapshot go now rather than hold the log until this
      // reader is used again (idle readers drop theirs at each commit).
      if (writer_.commits() != generation || writer_.draining()) lease->EndRead();
      return result;
    } catch (const sql::DbError&) {
      try {
        lease->EndRead();
      } catch (const sql::DbError&) {
      }
      if (!lease->Healthy()) lease.Discard();
      throw;
    }
  } catch (const sql::DbError& e) {
    return Error::Unavailable(e.what());
  }
}

Result<Request> SqlStore::GetRequest(std::int64_t id) {
  return Read<Request>([&](sql::Connection& c) { return FetchRequest(c, kSelectRequestById, id); });
}

Result<Request> SqlStore::GetRequestByReference(const std::string& reference) {
  return Read<Request>(
      [&](sql::Connection& c) { return FetchRequest(c, kSelectRequestByReference, reference); });
}

// " AND …" for every filter of `q` but the box and the page's keyset; only
// constant fragments are appended to the SQL, every value is a parameter.
void SqlStore::AppendFilters(std::string& sql, std::vector<Value>& params,
                             const domain::RequestQuery& q) const {
  AppendIn(sql, params, "status", q.statuses);
  std::vector<std::string> categories;
  for (const auto c : q.categories) categories.emplace_back(ToString(c));
  AppendIn(sql, params, "category", categories);
  if (q.team_id) {
    sql += " AND team_id = ?";
    params.emplace_back(*q.team_id);
  }
  AppendIn(sql, params, "team_id", q.team_ids);
  if (q.channel) {
    sql += " AND channel = ?";
    params.emplace_back(std::string(ToString(*q.channel)));
  }
  if (q.service_id) {
    sql += " AND service_id = ?";
    params.emplace_back(*q.service_id);
  }
  if (q.agent_id) {
    sql += " AND agent_id = ?";
    params.emplace_back(*q.agent_id);
  }
  if (q.citizen_id) {
    sql += " AND citizen_id = ?";
    params.emplace_back(*q.citizen_id);
  }
  if (!q.text.empty()) {
    sql +=
        dialect_ == sql::Dialect::kPostgres
            ? " AND (reference = ? OR title ILIKE ? ESCAPE '\\' OR description ILIKE ? ESCAPE '\\')"
            : " AND (reference = ? OR title LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\')";
    params.emplace_back(q.text);
    params.emplace_back(LikePattern(q.text));
    params.emplace_back(LikePattern(q.text));
  }
  AppendIn(sql, params, "reference", q.references);
  AppendIn(sql, params, "service_id", q.service_ids);
  if (q.created_from) {
    sql += " AND created_at >= ?";
    params.emplace_back(*q.created_from);
  }
  if (q.created_to) {
    sql += " AND created_at <= ?";
    params.emplace_back(*q.created_to);
  }
  // Back-office filters (issue 4).
  AppendScope(sql, params, q.scope);
  if (q.unassigned) sql += " AND agent_id IS NULL";
  if (!q.fulltext.empty()) {
    if (dialect_ == sql::Dialect::kPostgres) {
      sql +=
          " AND id IN (SELECT request_id FROM search_docs WHERE tsv @@ "
          "websearch_to_tsquery('french_unaccent', ?))";
      params.emplace_back(q.fulltext);
    } else {
      sql += " AND id IN (SELECT request_id FROM search_fts WHERE search_fts MATCH ?)";
      params.emplace_back(Fts5Query(q.fulltext));
    }
  }
  if (q.overdue_at) {
    sql += " AND due_at < ? AND category NOT IN ('resolved', 'rejected', 'closed')";
    params.emplace_back(*q.overdue_at);
  }
}

Result<domain::RequestPage> SqlStore::ListRequests(const domain::RequestQuery& q) {
  // SQLite answers a box from the grid of 018_geo_cells.sql: a box of at
  // most kMaxGeoCells cells asks each cell for its newest requests over a
  // window of the most recent days (widened until the page is full); a
  // larger one (more than a town) first counts, up to kSparseBox, the index
  // entries of its rows of cells: a box with few requests lists them all
  // and sorts them, a box full of them walks the creation order backwards
  // until the page is full. Then the exact box. PostgreSQL: the B-tree on
  // (lat, lon).
  enum class Geo { kNone, kCells, kFewInRows, kNewest };
  // An inverted box holds nothing (Open311 refuses one; other callers get
  // an empty page rather than a walk through the whole table).
  if (q.bbox && (q.bbox->min_lat > q.bbox->max_lat || q.bbox->min_lon > q.bbox->max_lon)) {
    return domain::RequestPage{};
  }
  Geo geo = q.bbox && dialect_ == sql::Dialect::kSqlite ? Geo::kNewest : Geo::kNone;
  nlohmann::json cells = nlohmann::json::array(), rows_of_cells = nlohmann::json::array();
  if (geo == Geo::kNewest) {
    const auto [row0, row1] = std::pair{GeoRow(q.bbox->min_lat), GeoRow(q.bbox->max_lat)};
    const auto [col0, col1] = std::pair{GeoColumn(q.bbox->min_lon), GeoColumn(q.bbox->max_lon)};
    if ((row1 - row0 + 1) * (col1 - col0 + 1) <= kMaxGeoCells) {
      geo = Geo::kCells;
      for (auto row = row0; row <= row1; ++row) {
        for (auto col = col0; col <= col1; ++col) cells.push_back(row * kGeoCellsPerRow + col);
      }
    } else {
      for (auto row = row0; row <= row1; ++row) {
        rows_of_cells.push_back({row * kGeoCellsPerRow + col0, row * kGeoCellsPerRow + col1});
      }
    }
  }
  // The index entries of the box's rows of cells (one statement text
  // whatever their number: connections cache statements by text).
  constexpr const char* kInRowsOfCells =
      "SELECT requests.id FROM json_each(?) AS r JOIN requests INDEXED BY requests_geo_cell "
      "ON requests.geo_cell BETWEEN r.value ->> 0 AND r.value ->> 1";
  using Sort = domain::RequestQuery::Sort;
  const int limit = std::clamp(q.limit, 1, 1000);
  struct Statement {
    std::string sql;
    std::vector<Value> params;
    std::size_t window_param = 0;
  };
  // Only constant fragments are appended to the SQL; every value is a parameter.
  const auto build = [&](Geo how) {
    Statement st;
    std::string& sql = st.sql;
    std::vector<Value>& params = st.params;
    sql = std::string("SELECT ") + kRequestColumns + " FROM requests" +
          (how == Geo::kCells    ? " INDEXED BY requests_geo_cell"
           : how == Geo::kNewest ? " INDEXED BY requests_created"
                                 : "") +
          " WHERE 1 = 1";
    AppendFilters(sql, params, q);
    if (how == Geo::kCells) {
      sql += " AND geo_cell IN (SELECT value FROM json_each(?))";
      params.emplace_back(cells.dump());
    } else if (how == Geo::kFewInRows) {
      sql += std::string(" AND id IN (") + kInRowsOfCells + ")";
      params.emplace_back(rows_of_cells.dump());
    }
    if (q.bbox) {
      sql += " AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?";
      params.emplace_back(q.bbox->min_lat);
      params.emplace_back(q.bbox->max_lat);
      params.emplace_back(q.bbox->min_lon);
      params.emplace_back(q.bbox->max_lon);
      if (how == Geo::kCells || how == Geo::kNewest) {
        sql += " AND created_at >= ?";
        st.window_param = params.size();
        params.emplace_back(std::numeric_limits<std::int64_t>::min());
      }
    }
    if (q.before_id) {
      sql += " AND id < ?";
      params.emplace_back(*q.before_id);
    }
    if (q.after && q.sort != Sort::kNewest) {
      sql += q.sort == Sort::kDueDate ? " AND (" GUICHET_DUE_KEY ", id) > (?, ?)"
                                      : " AND (updated_at, id) < (?, ?)";
      params.emplace_back(q.after->first);
      params.emplace_back(q.after->second);
    }
    // A box lists the newest requests by creation time (the order its time
    // windows follow); other lists by the sort asked, then id, as cursors follow.
    sql += q.bbox                          ? " ORDER BY created_at DESC, id DESC LIMIT ?"
           : q.sort == Sort::kDueDate      ? " ORDER BY " GUICHET_DUE_KEY ", id LIMIT ?"
           : q.sort == Sort::kLastActivity ? " ORDER BY updated_at DESC, id DESC LIMIT ?"
                                           : " ORDER BY id DESC LIMIT ?";
    params.emplace_back(std::int64_t{limit + 1});
    if (q.offset > 0) {
      sql += " OFFSET ?";
      params.emplace_back(std::int64_t{q.offset});
    }
    return st;
  };
  return Read<domain::RequestPage>([&](sql::Connection& c) {
    if (geo == Geo::kNewest) {
      const Value p[] = {rows_of_cells.dump(), std::int64_t{kSparseBox}};
      const auto entries =
          sql::QueryInt(c, std::string("SELECT COUNT(*) FROM (") + kInRowsOfCells + " LIMIT ?)", p);
      if (entries.value_or(kSparseBox) < kSparseBox) geo = Geo::kFewInRows;
    }
    Statement st = build(geo);
    domain::RequestPage page;
    const auto run = [&] {
      page.items.clear();
      auto rows = c.Query(st.sql, st.params);
      while (rows->Next()) page.items.push_back(RequestFromRow(*rows));
    };
    if (geo != Geo::kCells && geo != Geo::kNewest) {
      run();
    } else {
      // Newest first: the box over the last days, widened fourfold until the
      // page is full with rows all inside the window — then no row outside it
      // (older) could rank before them — or until the window reaches the
      // start of the search or of the table.
      Timestamp newest =
          sql::QueryInt(c, "SELECT COALESCE(MAX(created_at), 0) FROM requests").value();
      if (q.created_to) newest = std::min(newest, *q.created_to);
      const Timestamp oldest =
          q.created_from
              ? *q.created_from
              : sql::QueryInt(c, "SELECT COALESCE(MIN(created_at), 0) FROM requests").value();
      for (Timestamp span = kFirstGeoWindow;; span *= 4) {
        const Timestamp from = newest - span;
        st.params[st.window_param] =
            from > oldest ? from : std::numeric_limits<std::int64_t>::min();
        run();
        const bool full = static_cast<int>(page.items.size()) > limit;
        if (from <= oldest || (full && page.items.back().created_at >= from)) break;
      }
    }
    if (static_cast<int>(page.items.size()) > limit) {
      page.items.pop_back();
      const Request& last = page.items.back();
      if (!q.bbox) page.next_before_id = last.id;
      if (q.sort == Sort::kDueDate) page.next_after = {last.due_at.value_or(INT64_MAX), last.id};
      if (q.sort == Sort::kLastActivity) page.next_after = {last.updated_at, last.id};
    }
    return page;
  });
}

Result<std::vector<Event>> SqlStore::ListEvents(std::int64_t request_id) {
  return Read<std::vector<Event>>([&](sql::Connection& c) {
    std::vector<Event> out;
    const Value p[] = {request_id};
    auto rows = c.Query(
        std::string("SELECT ") + kEventColumns + " FROM events WHERE request_id = ? ORDER BY id",
        p);
    while (rows->Next()) {
      out.push_back(EventFromRow(*rows));
    }
    return out;
  });
}

Result<std::vector<Event>> SqlStore::ListEventsOf(const std::vector<std::int64_t>& request_ids) {
  if (request_ids.empty()) return std::vector<Event>();
  std::string sql = std::string("SELECT ") + kEventColumns + " FROM events WHERE 1 = 1";
  std::vector<Value> params;
  AppendIn(sql, params, "request_id", request_ids);
  sql += " ORDER BY request_id, id";
  return Read<std::vector<Event>>([&](sql::Connection& c) {
    std::vector<Event> out;
    auto rows = c.Query(sql, params);
    while (rows->Next()) out.push_back(EventFromRow(*rows));
    return out;
  });
}

Result<std::vector<domain::Team>> SqlStore::ListTeams() {
  return Read<std::vector<domain::Team>>([&](sql::Connection& c) {
    std::vector<domain::Team> out;
    auto rows = c.Query("SELECT id, name, email, round_robin FROM teams ORDER BY id");
    while (rows->Next()) {
      out.push_back({rows->Text(0), rows->Text(1), rows->Text(2), rows->Int(3) != 0});
    }
    return out;
  });
}

Result<std::vector<domain::Service>> SqlStore::ListServices() {
  return Read<std::vector<domain::Service>>([&](sql::Connection& c) {
    std::vector<domain::Service> out;
    auto rows = c.Query(
        "SELECT id, name, description, team_id, due_days, active FROM services ORDER BY id");
    while (rows->Next()) {
      out.push_back({rows->Text(0), rows->Text(1), rows->Text(2), rows->Text(3),
                     static_cast<int>(rows->Int(4)), rows->Int(5) != 0});
    }
    return out;
  });
}

Result<std::vector<domain::Agent>> SqlStore::ListAgents() {
  return Read<std::vector<domain::Agent>>([&](sql::Connection& c) {
    std::vector<domain::Agent> out;
    auto rows = c.Query("SELECT id, name, email, team_id FROM agents ORDER BY id");
    while (rows->Next()) out.push_back({rows->Int(0), rows->Text(1), rows->Text(2), rows->Text(3)});
    return out;
  });
}

Result<std::int64_t> SqlStore::CountRequests() {
  return Read<std::int64_t>([&](sql::Connection& c) {
    return sql::QueryInt(c, "SELECT COUNT(*) FROM requests").value();
  });
}

Result<std::vector<domain::Timer>> SqlStore::ListDueTimers(Timestamp now, int limit) {
  return Read<std::vector<domain::Timer>>([&](sql::Connection& c) {
    const Value p[] = {now, std::int64_t{limit}};
    return QueryTimers(c, "state = 'running' AND due_at <= ? ORDER BY due_at, id LIMIT ?", p);
  });
}

Result<std::vector<domain::Timer>> SqlStore::ListTimers(std::int64_t request_id) {
  return Read<std::vector<domain::Timer>>([&](sql::Connection& c) {
    const Value p[] = {request_id};
    return QueryTimers(c, "request_id = ? ORDER BY id", p);
  });
}

Result<domain::Draft> SqlStore::GetDraft(const std::string& id) {
  return Read<domain::Draft>([&](sql::Connection& c) -> Result<domain::Draft> {
    const Value p[] = {id};
    auto rows = c.Query(
        "SELECT id, service_id, data, citizen_id, created_at, updated_at, expires_at FROM "
        "drafts WHERE id = ?",
        p);
    if (!rows->Next()) return Error::NotFound("Ce brouillon n’existe pas ou a expiré.");
    return domain::Draft{rows->Text(0), rows->Text(1), rows->Text(2), rows->OptInt(3),
                         rows->Int(4),  rows->Int(5),  rows->Int(6)};
  });
}

Result<domain::Upload> SqlStore::GetUpload(const std::string& id) {
  return Read<domain::Upload>([&](sql::Connection& c) -> Result<domain::Upload> {
    const Value p[] = {id};
    auto rows = c.Query(
        "SELECT id, filename, content_type, size, sha256, request_id, created_at FROM uploads "
        "WHERE id = ?",
        p);
    if (!rows->Next()) return Error::NotFound("Ce fichier n’existe pas.");
    return domain::Upload{rows->Text(0), rows->Text(1),   rows->Text(2), rows->Int(3),
                          rows->Text(4), rows->OptInt(5), rows->Int(6)};
  });
}

Result<std::string> SqlStore::GetUploadBytes(const std::string& id) {
  return Read<std::string>([&](sql::Connection& c) -> Result<std::string> {
    const Value p[] = {id};
    auto rows = c.Query("SELECT content FROM uploads WHERE id = ?", p);
    if (!rows->Next()) return Error::NotFound("Ce fichier n’existe pas.");
    auto bytes = DecodeBase64(rows->Text(0));
    if (!bytes) return Error::Internal("stored upload is not valid base64: " + id);
    return *bytes;
  });
}

Result<domain::ApiKey> SqlStore::FindApiKey(const std::string& hash) {
  return Read<domain::ApiKey>([&](sql::Connection& c) -> Result<domain::ApiKey> {
    // Keys are created and revoked by `guichet api-key` (another process),
    // whose commits a reader's snapshot, kept up to 50 ms between reads,
    // may not show yet: a revoked key must be refused from the next request
    // on (docs/operations.md). The lookup takes a fresh snapshot, which the
    // rest of the request's reads then share.
    c.EndRead();
    c.BeginRead(writer_.commits());
    const Value p[] = {hash};
    auto rows =
        c.Query(std::string("SELECT ") + kApiKeyColumns + " FROM api_keys WHERE hash = ?", p);
    if (!rows->Next()) return Error::NotFound("Cette clé d’API n’existe pas.");
    return ApiKeyFromRow(*rows);
  });
}

Result<std::vector<domain::ApiKey>> SqlStore::ListApiKeys() {
  return Read<std::vector<domain::ApiKey>>([&](sql::Connection& c) {
    std::vector<domain::ApiKey> out;
    auto rows = c.Query(std::string("SELECT ") + kApiKeyColumns + " FROM api_keys ORDER BY id");
    while (rows->Next()) out.push_back(ApiKeyFromRow(*rows));
    return out;
  });
}

// --- web (issue #7) ---
Result<domain::Rating> SqlStore::GetRating(std::int64_t request_id) {
  return Read<domain::Rating>([&](sql::Connection& c) { return web::GetRating(c, request_id); });
}

Result<std::vector<domain::QualitySample>> SqlStore::ListQualitySamples(Timestamp since) {
  return Read<std::vector<domain::QualitySample>>(
      [&](sql::Connection& c) { return web::ListQualitySamples(c, since); });
}
// --- end web ---

Result<std::vector<Event>> SqlStore::ListEventsSince(const std::vector<domain::EventKind>& kinds,
                                                     const std::vector<std::string>& service_ids,
                                                     Timestamp since, Timestamp until, int limit) {
  if (kinds.empty() || service_ids.empty()) return std::vector<Event>();
  std::string sql =
      "SELECT e.id, e.request_id, e.kind, e.channel, e.author, e.body, e.data, e.created_at FROM "
      "events e JOIN requests r ON r.id = e.request_id WHERE e.created_at > ? AND e.created_at "
      "<= ?";
  std::vector<Value> params = {since, until};
  std::vector<std::string> kind_names;
  for (auto k : kinds) kind_names.emplace_back(ToString(k));
  AppendIn(sql, params, "e.kind", kind_names);
  AppendIn(sql, params, "r.service_id", service_ids);
  sql += " ORDER BY e.created_at, e.id LIMIT ?";
  params.emplace_back(std::int64_t{std::clamp(limit, 1, 1000)});
  return Read<std::vector<Event>>([&](sql::Connection& c) {
    std::vector<Event> out;
    auto rows = c.Query(sql, params);
    while (rows->Next()) {
      out.push_back(EventFromRow(*rows));
    }
    return out;
  });
}

// --- Back-office (issue 4) ---
namespace {
// Whether the trigger-kept inbox_counters (migration 017) answer `q`: they
// know a request's team, service, channel, category and agent, not its text
// or dates, nor its citizen.
bool CountersAnswer(const domain::RequestQuery& q) {
  return q.statuses.empty() && q.categories.empty() && !q.agent_id && !q.citizen_id &&
         q.text.empty() && q.references.empty() && !q.created_from && !q.created_to &&
         !q.unassigned && q.fulltext.empty() && !q.overdue_at && (!q.scope || !q.scope->citizen_id);
}
}  // namespace

Result<domain::InboxCounts> SqlStore::CountInbox(const domain::RequestQuery& q, Timestamp now,
                                                 std::optional<std::int64_t> me) {
  const bool counters = CountersAnswer(q);
  std::string sql;
  std::vector<Value> params;
  if (counters) {
    // agent_id 0 is "unassigned" there.
    sql =
        "SELECT category, channel, SUM(n), 0, SUM(CASE WHEN agent_id = ? THEN n ELSE 0 END), "
        "SUM(CASE WHEN agent_id = 0 THEN n ELSE 0 END) FROM inbox_counters WHERE 1 = 1";
    params = {me.value_or(-1)};
  } else {
    sql =
        "SELECT category, channel, COUNT(*), SUM(CASE WHEN due_at < ? AND category NOT IN "
        "('resolved', 'rejected', 'closed') THEN 1 ELSE 0 END), SUM(CASE WHEN agent_id = ? THEN "
        "1 ELSE 0 END), SUM(CASE WHEN agent_id IS NULL THEN 1 ELSE 0 END) FROM requests WHERE "
        "1 = 1";
    params = {now, me.value_or(-1)};
  }
  AppendFilters(sql, params, q);
  sql += " GROUP BY category, channel";
  // Overdue depends on `now`: counted over the open requests' index.
  std::string overdue_sql = "SELECT COUNT(*) FROM requests WHERE 1 = 1";
  std::vector<Value> overdue_params;
  if (counters) {
    domain::RequestQuery oq = q;
    oq.overdue_at = now;
    AppendFilters(overdue_sql, overdue_params, oq);
  }
  return Read<domain::InboxCounts>([&](sql::Connection& c) {
    domain::InboxCounts out;
    auto rows = c.Query(sql, params);
    while (rows->Next()) {
      const std::int64_t n = rows->Int(2);
      if (n == 0) continue;  // a counter emptied by moves
      out.total += n;
      out.by_category[rows->Text(0)] += n;
      out.by_channel[rows->Text(1)] += n;
      out.overdue += rows->Int(3);
      out.mine += rows->Int(4);
      out.unassigned += rows->Int(5);
    }
    if (counters) out.overdue = sql::QueryInt(c, overdue_sql, overdue_params).value_or(0);
    return out;
  });
}

Result<std::vector<domain::SearchHit>> SqlStore::Search(const std::string& text,
                                                        const domain::AccessScope& scope,
                                                        int limit) {
  limit = std::clamp(limit, 1, 100);
  std::string sql;
  std::vector<Value> params;
  if (dialect_ == sql::Dialect::kPostgres) {
    // The headline is computed for the page only, after the ranking.
    sql = std::string("SELECT ") + kRequestColumns +
          ", ts_headline('french_unaccent', s.body, s.q, 'StartSel=<mark>, StopSel=</mark>, "
          "MaxWords=24, MinWords=8'), s.score FROM (SELECT d.request_id, d.body, q, "
          "ts_rank(d.tsv, q) AS score FROM search_docs d JOIN requests r ON r.id = d.request_id "
          "CROSS JOIN websearch_to_tsquery('french_unaccent', ?) q WHERE d.tsv @@ q";
    params.emplace_back(text);
    AppendScope(sql, params, scope, "r.");
    sql +=
        " ORDER BY score DESC, d.doc_id LIMIT ?) s JOIN requests ON requests.id = "
        "s.request_id ORDER BY s.score DESC, requests.id DESC";
  } else {
    const std::string match = Fts5Query(text);
    if (match.empty()) return std::vector<domain::SearchHit>();
    // Ranking every match of a common word costs a score and a request
    // lookup per document, and FTS5's bm25() counts all the documents of
    // each word first: half a second among 2M documents. So the newest
    // kSearchWindow request documents (rowid -id: the newest is the most
    // negative) and the newest kSearchWindow messages (rowid: event id) are
    // ranked, by guichet_rank (BM25 without IDF, french_tokenizer.cpp). A
    // rarer query — a name, a street — is ranked over all its matches.
    sql = std::string("SELECT ") + kRequestColumns +
          ", hits.doc, -hits.score FROM (SELECT * FROM (SELECT rowid AS doc, request_id, "
          "guichet_rank(search_fts) AS score FROM search_fts WHERE search_fts MATCH ? AND rowid "
          "< 0 ORDER BY rowid LIMIT ?) UNION ALL SELECT * FROM (SELECT rowid AS doc, request_id, "
          "guichet_rank(search_fts) AS score FROM search_fts WHERE search_fts MATCH ? AND rowid "
          "> 0 ORDER BY rowid DESC LIMIT ?)) hits "
          "JOIN requests ON requests.id = hits.request_id WHERE 1 = 1";
    params = {match, std::int64_t{kSearchWindow}, match, std::int64_t{kSearchWindow}};
    AppendScope(sql, params, scope, "requests.");
    sql += " ORDER BY hits.score, hits.doc LIMIT ?";
  }
  // A request may match by several messages: fetch more, keep its best.
  params.emplace_back(std::int64_t{limit * 4});
  const bool sqlite = dialect_ != sql::Dialect::kPostgres;
  return Read<std::vector<domain::SearchHit>>([&](sql::Connection& c) {
    std::vector<domain::SearchHit> out;
    std::vector<std::int64_t> docs;  // SQLite: the document of each hit, for its snippet
    auto rows = c.Query(sql, params);
    while (rows->Next() && static_cast<int>(out.size()) < limit) {
      domain::SearchHit hit{RequestFromRow(*rows), sqlite ? "" : rows->Text(24), rows->Real(25)};
      const bool seen = std::any_of(out.begin(), out.end(), [&](const domain::SearchHit& h) {
        return h.request.id == hit.request.id;
      });
      if (seen) continue;
      if (sqlite) docs.push_back(rows->Int(24));
      out.push_back(std::move(hit));
    }
    // The snippets of the page only: an auxiliary function runs per row.
    for (size_t i = 0; i < docs.size(); ++i) {
      const Value p[] = {params[0], docs[i]};
      auto snippet = c.Query(
          "SELECT snippet(search_fts, 1, '<mark>', '</mark>', '…', 16) FROM search_fts WHERE "
          "search_fts MATCH ? AND rowid = ?",
          p);
      if (snippet->Next()) out[i].snippet = snippet->Text(0);
    }
    return out;
  });
}

Result<std::vector<domain::AuditEntry>> SqlStore::ListAudit(const domain::AuditQuery& q) {
  std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE 1 = 1";
  std::vector<Value> params;
  if (q.citizen_id) {
    sql += " AND citizen_id = ?";
    params.emplace_back(*q.citizen_id);
  }
  if (q.request_id) {
    sql += " AND request_id = ?";
    params.emplace_back(*q.request_id);
  }
  if (!q.actor_label.empty()) {
    sql += " AND actor_label = ?";
    params.emplace_back(q.actor_label);
  }
  if (!q.action.empty()) {
    sql += " AND action = ?";
    params.emplace_back(q.action);
  }
  if (q.from) {
    sql += " AND at >= ?";
    params.emplace_back(*q.from);
  }
  if (q.to) {
    sql += " AND at <= ?";
    params.emplace_back(*q.to);
  }
  if (q.before_id) {
    sql += " AND id < ?";
    params.emplace_back(*q.before_id);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(std::int64_t{std::clamp(q.limit, 1, 1000)});
  return Read<std::vector<domain::AuditEntry>>([&](sql::Connection& c) {
    std::vector<domain::AuditEntry> out;
    auto rows = c.Query(sql, params);
    while (rows->Next()) out.push_back(AuditFromRow(*rows));
    return out;
  });
}

Result<std::vector<domain::AuditEntry>> SqlStore::ListAuditChain(std::int64_t after_id, int limit) {
  return Read<std::vector<domain::AuditEntry>>([&](sql::Connection& c) {
    std::vector<domain::AuditEntry> out;
    const Value p[] = {after_id, std::int64_t{std::clamp(limit, 1, 10000)}};
    auto rows = c.Query(
        std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
        p);
    while (rows->Next()) out.push_back(AuditFromRow(*rows));
    return out;
  });
}

Result<std::vector<domain::CannedResponse>> SqlStore::ListCannedResponses() {
  return Read<std::vector<domain::CannedResponse>>([&](sql::Connection& c) {
    std::vector<domain::CannedResponse> out;
    auto rows = c.Query(std::string("SELECT ") + kCannedColumns +
                        " FROM canned_responses ORDER BY title, id");
    while (rows->Next()) out.push_back(CannedFromRow(*rows));
    return out;
  });
}

Result<domain::CannedResponse> SqlStore::GetCannedResponse(std::int64_t id) {
  return Read<domain::CannedResponse>([&](sql::Connection& c) -> Result<domain::CannedResponse> {
    const Value p[] = {id};
    auto rows =
        c.Query(std::string("SELECT ") + kCannedColumns + " FROM canned_responses WHERE id = ?", p);
    if (!rows->Next()) return Error::NotFound("Cette réponse type n’existe pas.");
    return CannedFromRow(*rows);
  });
}

Result<std::vector<domain::RequestLink>> SqlStore::ListLinks(std::int64_t request_id) {
  return Read<std::vector<domain::RequestLink>>([&](sql::Connection& c) {
    std::vector<domain::RequestLink> out;
    const Value p[] = {request_id, request_id};
    auto rows = c.Query(
        "SELECT from_id, to_id, kind, author, created_at FROM request_links WHERE from_id = ? OR "
        "to_id = ? ORDER BY created_at, from_id, to_id",
        p);
    while (rows->Next()) {
      out.push_back({rows->Int(0), rows->Int(1), rows->Text(2), rows->Text(3), rows->Int(4)});
    }
    return out;
  });
}

Result<domain::Citizen> SqlStore::GetCitizen(std::int64_t id) {
  return Read<domain::Citizen>([&](sql::Connection& c) -> Result<domain::Citizen> {
    auto found = outbox_sql::FindCitizen(c, id);
    if (!found) return Error::NotFound("Ce citoyen n’existe pas.");
    return std::move(*found);
  });
}
// --- end back-office ---

namespace {
sql::WriteQueue::Op OnConnection(domain::Store::WriteOp op) {
  return [op = std::move(op)](sql::Connection& c) {
    SqlWriteTx tx(c);
    return op(tx);
  };
}
}  // namespace

void SqlStore::Write(WriteOp op, WriteDone done) {
  writer_.Submit(OnConnection(std::move(op)), std::move(done));
}

void SqlStore::WriteDeferrable(WriteOp op, WriteDone done) {
  writer_.SubmitDeferrable(OnConnection(std::move(op)), std::move(done));
}

Status SqlStore::CompactSearchIndex() {
  if (dialect_ != sql::Dialect::kSqlite) return Status::Ok();
  std::promise<Status> done;
  WriteSql(
      [](sql::Connection& c) -> Status {
        c.Execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')");
        return Status::Ok();
      },
      [&done](Status s) { done.set_value(std::move(s)); });
  return done.get_future().get();
}

bool SqlStore::Ping() {
  try {
    auto lease = readers_.Acquire();
    if (lease->Healthy()) return true;
    lease.Discard();
    return false;
  } catch (const sql::DbError&) {
    return false;
  }
}

std::vector<std::pair<std::string, double>> SqlStore::Stats() {
  const auto p = readers_.stats();
  const auto w = writer_.stats();
  return {
      {"guichet_db_pool_connections_open", static_cast<double>(p.open)},
      {"guichet_db_pool_connections_in_use", static_cast<double>(p.in_use)},
      {"guichet_db_pool_connections_max", static_cast<double>(p.max)},
      {"guichet_db_pool_waits_total", static_cast<double>(p.waits)},
      {"guichet_db_write_batches_total", static_cast<double>(w.batches)},
      {"guichet_db_write_ops_total", static_cast<double>(w.ops)},
      {"guichet_db_write_failed_batches_total", static_cast<double>(w.failed_batches)},
      {"guichet_db_write_queue_depth", static_cast<double>(w.queued)},
  };
}

// --- counter (SQL in sql_counter.cpp) ---
Result<std::vector<domain::Citizen>> SqlStore::FindCitizens(const domain::CitizenLookup& q) {
  return Read<std::vector<domain::Citizen>>(
      [&](sql::Connection& c) { return sql_counter::FindCitizens(c, q); });
}

Result<std::vector<domain::PostalScan>> SqlStore::ListDueScans(Timestamp now, int limit) {
  return Read<std::vector<domain::PostalScan>>(
      [&](sql::Connection& c) { return sql_counter::ListDueScans(c, now, limit); });
}

Result<std::vector<domain::PostalScan>> SqlStore::ListScans(std::int64_t request_id) {
  return Read<std::vector<domain::PostalScan>>(
      [&](sql::Connection& c) { return sql_counter::ListScans(c, request_id); });
}
// --- end counter ---

// ---- Inbound mail (SQL in sql_mail.cpp) ----
Result<std::optional<std::int64_t>> SqlStore::FindCitizenByEmail(const std::string& email) {
  return Read<std::optional<std::int64_t>>(
      [&](sql::Connection& c) -> Result<std::optional<std::int64_t>> {
        return sql_mail::FindCitizenByEmail(c, email);
      });
}

Result<domain::MailMessage> SqlStore::GetMailMessage(const std::string& sha256) {
  return Read<domain::MailMessage>([&](sql::Connection& c) -> Result<domain::MailMessage> {
    auto m = sql_mail::FindMessage(c, sha256);
    if (!m) return Error::NotFound("Ce courriel n’a pas été reçu.");
    return *m;
  });
}
// ---- end of inbound mail ----
// --- outbox (issue #5) -----------------------------------------------------
Result<std::vector<domain::OutboxMessage>> SqlStore::ListDueOutbox(Timestamp now, int limit) {
  return Read<std::vector<domain::OutboxMessage>>(
      [&](sql::Connection& c) { return outbox_sql::ListDue(c, now, limit); });
}

Result<std::vector<domain::OutboxMessage>> SqlStore::ListOutbox(
    std::optional<domain::OutboxState> state, std::optional<std::int64_t> request_id,
    std::optional<std::int64_t> before_id, int limit,
    const std::optional<domain::AccessScope>& scope) {
  return Read<std::vector<domain::OutboxMessage>>([&](sql::Connection& c) {
    return outbox_sql::List(c, state, request_id, before_id, limit, scope);
  });
}

Result<domain::OutboxMessage> SqlStore::GetOutbox(std::int64_t id) {
  return Read<domain::OutboxMessage>([&](sql::Connection& c) { return outbox_sql::Get(c, id); });
}

Result<bool> SqlStore::IsSmsOptedOut(const std::string& phone) {
  return Read<bool>([&](sql::Connection& c) { return outbox_sql::IsOptedOut(c, phone); });
}

Result<Request> SqlStore::FindOpenRequestByPhone(const std::string& phone) {
  return Read<Request>([&](sql::Connection& c) -> Result<Request> {
    auto id = outbox_sql::OpenRequestByPhone(c, phone);
    if (!id) return Error::NotFound("Aucune demande ouverte pour ce numéro.");
    return FetchRequest(c, kSelectRequestById, *id);
  });
}

Result<std::vector<domain::TemplateOverride>> SqlStore::ListTemplateOverrides() {
  return Read<std::vector<domain::TemplateOverride>>(
      [&](sql::Connection& c) { return outbox_sql::ListTemplates(c); });
}

Result<std::vector<domain::OutboxMessage>> SqlStore::ListLetters(
    bool printed, std::optional<std::int64_t> before_id, int limit,
    const std::optional<domain::AccessScope>& scope) {
  return Read<std::vector<domain::OutboxMessage>>([&](sql::Connection& c) {
    return outbox_sql::ListLetters(c, printed, before_id, limit, scope);
  });
}
// --- end outbox --------------------------------------------------------------

}  // namespace guichet::storage
