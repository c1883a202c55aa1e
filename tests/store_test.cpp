// The store suite: one set of behaviours checked against SQLite and PostgreSQL
// through the public storage API (ParseDatabaseUrl, MigrateDatabase, OpenStore).
//
// PostgreSQL cases need a server: `make test` starts a private one
// (scripts/pg-cluster) and passes its URL in GUICHET_TEST_PG_URL. Without it
// they fail, never skip: a green run always means both databases were tested.
// Each case gets a database of its own, created in SetUp and dropped after.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <limits>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "domain/backoffice.hpp"
#include "storage/migrate.hpp"
#include "storage/open.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/sql/write_queue.hpp"
#include "storage/sqlite/sqlite_connection.hpp"
#include "support/test_support.hpp"

namespace guichet::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& SqliteMigrations();
const std::vector<std::pair<std::string_view, std::string_view>>& PostgresMigrations();
}  // namespace guichet::embedded

// Readable failure messages for the domain enums.
namespace guichet {
static void PrintTo(ErrorCode c, std::ostream* os) {
  static constexpr const char* kNames[] = {"kInvalidArgument",    "kNotFound",     "kConflict",
                                           "kPreconditionFailed", "kBusinessRule", "kTooLarge",
                                           "kUnauthenticated",    "kForbidden",    "kRateLimited",
                                           "kUnavailable",        "kInternal"};
  const auto i = static_cast<size_t>(c);
  *os << (i < std::size(kNames) ? kNames[i] : "ErrorCode(?)");
}
}  // namespace guichet
namespace guichet::domain {
static void PrintTo(Channel c, std::ostream* os) { *os << ToString(c); }
static void PrintTo(StatusCategory c, std::ostream* os) { *os << ToString(c); }
static void PrintTo(Priority p, std::ostream* os) { *os << ToString(p); }
static void PrintTo(EventKind k, std::ostream* os) { *os << ToString(k); }
}  // namespace guichet::domain

namespace guichet {
namespace {

using domain::Channel;
using domain::Event;
using domain::EventKind;
using domain::Priority;
using domain::Request;
using domain::RequestQuery;
using domain::StatusCategory;
using domain::WriteTx;
using storage::postgres::PgConnection;
namespace sql = storage::sql;

constexpr const char* kNoServer =
    "GUICHET_TEST_PG_URL is not set, so the PostgreSQL half of the store suite cannot run. "
    "Run the tests with `make test`, which starts a private PostgreSQL server "
    "(scripts/pg-cluster start DIR PORT) and passes its URL.";

// 2026-05-28, in µs: large enough to need 64-bit columns.
constexpr Timestamp kT0 = 1'780'000'000'000'000;
// Bounds every wait on the writer thread, so a hung write fails instead of hanging the suite.
constexpr auto kWriteTimeout = std::chrono::seconds(60);

enum class Backend { kSqlite, kPostgres };
void PrintTo(Backend b, std::ostream* os) {
  *os << (b == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

storage::DatabaseUrl Url(const std::string& text) {
  auto url = storage::ParseDatabaseUrl(text);
  if (!url.ok()) throw std::invalid_argument("bad database URL: " + text);
  return *url;
}

std::string Why(const Error& e) { return e.message() + " [" + e.cause() + "]"; }

::testing::AssertionResult IsOk(const Status& s) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << Why(s.error());
}

template <typename T>
::testing::AssertionResult IsOk(const Result<T>& r) {
  if (r.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << Why(r.error());
}

// The code of a failed operation; nullopt when it succeeded.
template <typename R>
std::optional<ErrorCode> CodeOf(const R& r) {
  if (r.ok()) return std::nullopt;
  return r.error().code();
}

Request NewRequest(std::string reference) {
  Request r;
  r.reference = std::move(reference);
  r.service_id = "nid-de-poule";
  r.title = "Nid-de-poule";
  r.description = "Un trou dans la chaussée.";
  r.channel = Channel::kWeb;
  r.status = "nouvelle";
  r.category = StatusCategory::kNew;
  r.priority = Priority::kNormal;
  r.created_at = kT0;
  r.updated_at = kT0;
  r.team_id = "voirie";
  return r;
}

void ExpectSameRequest(const Request& want, const Request& got) {
  EXPECT_EQ(want.id, got.id);
  EXPECT_EQ(want.reference, got.reference);
  EXPECT_EQ(want.service_id, got.service_id);
  EXPECT_EQ(want.title, got.title);
  EXPECT_EQ(want.description, got.description);
  EXPECT_EQ(want.citizen_id, got.citizen_id);
  EXPECT_EQ(want.contact.name, got.contact.name);
  EXPECT_EQ(want.contact.email, got.contact.email);
  EXPECT_EQ(want.contact.phone, got.contact.phone);
  EXPECT_EQ(want.channel, got.channel);
  EXPECT_EQ(want.status, got.status);
  EXPECT_EQ(want.category, got.category);
  EXPECT_EQ(want.priority, got.priority);
  ASSERT_EQ(want.location.has_value(), got.location.has_value());
  if (want.location) {
    // Exact: a coordinate must come back bit for bit, not to 6 digits.
    EXPECT_EQ(want.location->lat, got.location->lat);
    EXPECT_EQ(want.location->lon, got.location->lon);
    EXPECT_EQ(want.location->address, got.location->address);
  }
  EXPECT_EQ(want.data_json, got.data_json);
  EXPECT_EQ(want.created_at, got.created_at);
  EXPECT_EQ(want.updated_at, got.updated_at);
  EXPECT_EQ(want.due_at, got.due_at);
  EXPECT_EQ(want.closed_at, got.closed_at);
  EXPECT_EQ(want.team_id, got.team_id);
  EXPECT_EQ(want.agent_id, got.agent_id);
  EXPECT_EQ(want.version, got.version);
}

std::vector<std::string> References(const std::vector<Request>& items) {
  std::vector<std::string> out;
  for (const auto& r : items) out.push_back(r.reference);
  return out;
}

double StatValue(domain::Store& store, const std::string& name) {
  for (const auto& [n, v] : store.Stats()) {
    if (n == name) return v;
  }
  ADD_FAILURE() << "no statistic " << name;
  return -1;
}

// Collects the completions of asynchronous writes and waits for them. The state is shared
// with the callbacks, so a write that completes after a timed-out Wait() touches no freed memory.
class Completions {
 public:
  explicit Completions(size_t n) : state_(std::make_shared<State>()) { state_->results.resize(n); }
  domain::Store::WriteDone For(size_t i) {
    return [state = state_, i](Status s) {
      std::lock_guard lock(state->mu);
      state->results[i] = std::move(s);
      ++state->done;
      state->cv.notify_all();
    };
  }
  // False when the writes did not all complete in time.
  bool Wait() {
    std::unique_lock lock(state_->mu);
    return state_->cv.wait_for(lock, kWriteTimeout,
                               [&] { return state_->done == state_->results.size(); });
  }
  // Valid after Wait() returned true.
  const Status& operator[](size_t i) const { return state_->results[i]; }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Status> results;  // GUARDED_BY(mu)
    size_t done = 0;              // GUARDED_BY(mu)
  };
  std::shared_ptr<State> state_;
};

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    const bool postgres = GetParam() == Backend::kPostgres;
    if (postgres) {
      ASSERT_FALSE(testing::PostgresServerUrl().empty()) << kNoServer;
    }
    db_ = std::make_unique<testing::TestDatabase>(postgres);
    url_ = Url(db_->url());
    first_migration_ = storage::MigrateDatabase(url_);
    store_ = storage::OpenStore(url_, 4);
    SeedCatalogue();
  }

  void TearDown() override {
    store_.reset();  // closes its connections before the database goes
    db_.reset();
  }

  void SeedCatalogue() {
    ASSERT_TRUE(IsOk(store_->WriteSync([&](WriteTx& tx) -> Status {
      GUICHET_TRY(tx.UpsertTeam({"voirie", "Voirie", "voirie@mairie.example"}));
      GUICHET_TRY(tx.UpsertTeam({"etat-civil", "État civil", "etat-civil@mairie.example"}));
      GUICHET_TRY(tx.UpsertService({"nid-de-poule", "Nid-de-poule", "", "voirie", 15, true}));
      GUICHET_TRY(
          tx.UpsertService({"eclairage", "Éclairage public", "Lampadaires", "voirie", 7, true}));
      GUICHET_TRY(tx.UpsertService(
          {"acte-naissance", "Acte de naissance", "Copie intégrale", "etat-civil", 10, false}));
      auto agent = tx.InsertAgent({0, "Camille Martin", "camille.martin@mairie.example", "voirie"});
      if (!agent.ok()) return agent.error();
      agent_id_ = *agent;
      domain::Citizen jeanne;
      jeanne.name = "Jeanne Dupont";
      jeanne.email = "jeanne@example.org";
      jeanne.phone = "+33612345678";
      jeanne.preferred_channel = Channel::kSms;
      jeanne.created_at = kT0;
      auto citizen = tx.InsertCitizen(jeanne);
      if (!citizen.ok()) return citizen.error();
      citizen_id_ = *citizen;
      return Status::Ok();
    })));
  }

  Result<std::int64_t> Insert(const Request& r) {
    std::int64_t id = 0;
    Status s = store_->WriteSync([&](WriteTx& tx) -> Status {
      auto res = tx.InsertRequest(r);
      if (!res.ok()) return res.error();
      id = *res;
      return Status::Ok();
    });
    if (!s.ok()) return s.error();
    return id;
  }

  // Inserts and returns the request as stored (id and version set).
  Request MustInsert(Request r) {
    auto id = Insert(r);
    EXPECT_TRUE(IsOk(id)) << r.reference;
    r.id = id.ok() ? *id : 0;
    r.version = 1;
    return r;
  }

  Status Update(const Request& r, std::int64_t expected_version) {
    return store_->WriteSync([&](WriteTx& tx) { return tx.UpdateRequest(r, expected_version); });
  }

  Result<std::int64_t> Append(const Event& e) {
    std::int64_t id = 0;
    Status s = store_->WriteSync([&](WriteTx& tx) -> Status {
      auto res = tx.AppendEvent(e);
      if (!res.ok()) return res.error();
      id = *res;
      return Status::Ok();
    });
    if (!s.ok()) return s.error();
    return id;
  }

  std::unique_ptr<testing::TestDatabase> db_;
  storage::DatabaseUrl url_;
  std::vector<std::string> first_migration_;
  std::unique_ptr<storage::SqlStore> store_;
  std::int64_t agent_id_ = 0;
  std::int64_t citizen_id_ = 0;
};

const std::vector<std::pair<std::string_view, std::string_view>>& MigrationsOf(Backend b) {
  return b == Backend::kSqlite ? embedded::SqliteMigrations() : embedded::PostgresMigrations();
}

// The outbox and the print queue of an agent: filtered in the query, so a
// page holds `limit` rows of their teams' requests however many newer rows
// belong to others.
TEST_P(StoreTest, OutboxPagesHoldOnlyTheRowsOfRequestsTheScopeAllows) {
  Request civil_in = NewRequest("GU-2026-CIVIL2");
  civil_in.service_id = "acte-naissance";
  civil_in.team_id = "etat-civil";
  const Request civil = MustInsert(civil_in);
  Request road_in = NewRequest("GU-2026-R0AD22");
  road_in.citizen_id = citizen_id_;
  const Request road = MustInsert(road_in);
  auto queue = [&](std::optional<std::int64_t> request, domain::Channel channel,
                   domain::OutboxState state) {
    domain::OutboxMessage m;
    m.request_id = request;
    m.channel = channel;
    m.recipient = "jeanne@example.org";
    m.subject = "Votre demande";
    m.body = "Bonjour.";
    m.state = state;
    m.created_at = m.updated_at = m.next_attempt_at = kT0;
    if (state == domain::OutboxState::kSent) m.sent_at = kT0;
    ASSERT_TRUE(IsOk(store_->WriteSync([&](WriteTx& tx) -> Status {
      return tx.InsertOutbox(m).ok() ? Status::Ok() : Error::Internal("insert");
    })));
  };
  using domain::OutboxState;
  queue(civil.id, Channel::kPostal, OutboxState::kSent);  // a letter to print
  queue(civil.id, Channel::kEmail, OutboxState::kPending);
  for (int i = 0; i < 3; ++i) queue(road.id, Channel::kEmail, OutboxState::kPending);
  queue(road.id, Channel::kPostal, OutboxState::kSent);
  queue(std::nullopt, Channel::kEmail, OutboxState::kPending);  // an account mail
  const domain::AccessScope civil_team{false, {"etat-civil"}, std::nullopt};
  const domain::AccessScope road_team{false, {"voirie"}, std::nullopt};
  const domain::AccessScope citizen{false, {}, citizen_id_};
  const domain::AccessScope nothing{false, {}, std::nullopt};
  auto list = [&](const std::optional<domain::AccessScope>& scope, int limit) {
    auto rows = store_->ListOutbox(std::nullopt, std::nullopt, std::nullopt, limit, scope);
    EXPECT_TRUE(IsOk(rows));
    std::vector<std::optional<std::int64_t>> requests;
    for (const auto& m : *rows) requests.push_back(m.request_id);
    return requests;
  };
  EXPECT_EQ(list(std::nullopt, 50).size(), 7u);
  EXPECT_EQ(list(domain::AccessScope{true, {}, std::nullopt}, 50).size(), 7u);
  using Ids = std::vector<std::optional<std::int64_t>>;
  EXPECT_EQ(list(civil_team, 2), (Ids{civil.id, civil.id}));
  EXPECT_EQ(list(road_team, 50), (Ids{road.id, road.id, road.id, road.id}));
  EXPECT_EQ(list(citizen, 50).size(), 4u);
  EXPECT_TRUE(list(nothing, 50).empty());
  // The print queue, likewise.
  auto letters = [&](const domain::AccessScope& scope) {
    auto rows = store_->ListLetters(false, std::nullopt, 50, scope);
    EXPECT_TRUE(IsOk(rows));
    Ids requests;
    for (const auto& m : *rows) requests.push_back(m.request_id);
    return requests;
  };
  EXPECT_EQ(letters(civil_team), (Ids{civil.id}));
  EXPECT_EQ(letters(road_team), (Ids{road.id}));
  EXPECT_TRUE(letters(nothing).empty());
}

TEST_P(StoreTest, MigratingTwiceIsANoOp) {
  const auto& files = MigrationsOf(GetParam());
  ASSERT_FALSE(files.empty());
  std::vector<std::string> all;
  for (const auto& [name, _] : files) all.emplace_back(name);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(first_migration_, all);

  EXPECT_EQ(storage::MigrateDatabase(url_), std::vector<std::string>{});

  auto conn = storage::Connect(url_);
  EXPECT_EQ(sql::QueryInt(*conn, "SELECT COUNT(*) FROM schema_migrations"),
            static_cast<std::int64_t>(all.size()));
  const sql::Value first[] = {std::int64_t{1}};
  EXPECT_EQ(sql::QueryInt(*conn, "SELECT version FROM schema_migrations WHERE version = ?", first),
            1);
  EXPECT_EQ(storage::SchemaVersion(*conn), std::stoi(all.back()));
}

TEST_P(StoreTest, InsertedRequestReadsBackEveryField) {
  struct Case {
    std::string name;
    Request request;
  };
  std::vector<Case> cases;
  cases.push_back({"optional fields absent", NewRequest("GU-2026-NULLS1")});
  {
    Request r = NewRequest("GU-2026-FULL01");
    r.service_id = "eclairage";
    // Quotes, "?", "$1" and "--" in values must not disturb the placeholder rewriting.
    r.title = "Lampadaire éteint « rue de l'Église » ? $1 -- 100 %";
    r.description = "Ligne 1\nLigne 2 \"citée\" ; /* pas un commentaire */ 😀";
    r.citizen_id = citizen_id_;
    r.contact = {"Jeanne Dupont", "jeanne@example.org", "+33 6 12 34 56 78"};
    r.channel = Channel::kSms;
    r.status = "resolue";
    r.category = StatusCategory::kResolved;
    r.priority = Priority::kUrgent;
    r.location = domain::Location{48.856613, 2.352222, "Place de l'Hôtel-de-Ville, 75004 Paris"};
    r.data_json = R"({"profondeur_cm":12,"photo":true,"note":"l'eau"})";
    r.created_at = kT0 + 1;
    r.updated_at = kT0 + 2;
    r.due_at = kT0 + 15 * kMicrosPerDay;
    r.closed_at = kT0 + 3 * kMicrosPerDay;
    r.team_id = "voirie";
    r.agent_id = agent_id_;
    cases.push_back({"every optional field set", r});
  }
  {
    Request r = NewRequest("GU-2026-GEO001");
    // Negative and not exactly representable: 0.1 + 0.2 is 0.30000000000000004.
    r.location = domain::Location{-21.115141, 0.1 + 0.2, ""};
    r.channel = Channel::kOpen311;
    r.priority = Priority::kLow;
    cases.push_back({"location with empty address", r});
  }
  {
    Request r = NewRequest("GU-2026-EMPTY1");
    r.title = "";
    r.description = "";
    r.data_json = "{}";
    r.created_at = 0;
    r.updated_at = 0;
    r.due_at = 0;
    cases.push_back({"empty strings and zero timestamps", r});
  }

  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Request want = MustInsert(c.request);
    auto by_id = store_->GetRequest(want.id);
    ASSERT_TRUE(IsOk(by_id));
    ExpectSameRequest(want, *by_id);
    auto by_ref = store_->GetRequestByReference(want.reference);
    ASSERT_TRUE(IsOk(by_ref));
    ExpectSameRequest(want, *by_ref);
  }
}

TEST_P(StoreTest, UpdateWithCurrentVersionWritesFieldsAndBumpsIt) {
  Request r = MustInsert(NewRequest("GU-2026-UPD001"));

  // First every optional field set, then every one cleared again.
  r.title = "Nid-de-poule profond";
  r.description = "Précisé par l'agent.";
  r.citizen_id = citizen_id_;
  r.contact = {"J. Dupont", "j@example.org", "0600000000"};
  r.status = "en-cours";
  r.category = StatusCategory::kOpen;
  r.priority = Priority::kHigh;
  r.location = domain::Location{47.218371, -1.553621, "Nantes"};
  r.data_json = R"({"a":1})";
  r.updated_at = kT0 + 10;
  r.due_at = kT0 + kMicrosPerDay;
  r.closed_at = kT0 + 2 * kMicrosPerDay;
  r.team_id = "etat-civil";
  r.agent_id = agent_id_;
  ASSERT_TRUE(IsOk(Update(r, 1)));
  r.version = 2;
  auto got = store_->GetRequest(r.id);
  ASSERT_TRUE(IsOk(got));
  ExpectSameRequest(r, *got);

  r.citizen_id.reset();
  r.location.reset();
  r.due_at.reset();
  r.closed_at.reset();
  r.agent_id.reset();
  r.updated_at = kT0 + 20;
  ASSERT_TRUE(IsOk(Update(r, 2)));
  r.version = 3;
  got = store_->GetRequest(r.id);
  ASSERT_TRUE(IsOk(got));
  ExpectSameRequest(r, *got);
}

TEST_P(StoreTest, StaleVersionIsRefused) {
  Request r = MustInsert(NewRequest("GU-2026-STALE1"));
  Request first = r;
  first.title = "Première modification";
  ASSERT_TRUE(IsOk(Update(first, 1)));
  first.version = 2;

  for (const std::int64_t stale : {1, 3, 0}) {
    SCOPED_TRACE(stale);
    Request second = r;
    second.title = "Modification concurrente";
    second.status = "rejetee";
    EXPECT_EQ(CodeOf(Update(second, stale)), ErrorCode::kPreconditionFailed);
  }
  auto got = store_->GetRequest(r.id);
  ASSERT_TRUE(IsOk(got));
  ExpectSameRequest(first, *got);
}

TEST_P(StoreTest, UnknownRequestIsNotFound) {
  constexpr std::int64_t kMissing = 987'654'321;
  EXPECT_EQ(CodeOf(store_->GetRequest(kMissing)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store_->GetRequestByReference("GU-1999-ZZZZZZ")), ErrorCode::kNotFound);

  Request ghost = NewRequest("GU-1999-GHOST1");
  ghost.id = kMissing;
  EXPECT_EQ(CodeOf(Update(ghost, 1)), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(store_->WriteSync([&](WriteTx& tx) -> Status {
              auto r = tx.GetRequest(kMissing);
              if (!r.ok()) return r.error();
              return Status::Ok();
            })),
            ErrorCode::kNotFound);
  auto events = store_->ListEvents(kMissing);
  ASSERT_TRUE(IsOk(events));
  EXPECT_TRUE(events->empty());
}

TEST_P(StoreTest, ListRequestsAppliesEachFilter) {
  struct Row {
    const char* reference;
    const char* service;
    const char* team;
    Channel channel;
    const char* status;
    StatusCategory category;
    bool agent;
    bool citizen;
    const char* title;
    const char* description;
  };
  const Row rows[] = {
      {"GU-2026-LIST01", "nid-de-poule", "voirie", Channel::kWeb, "nouvelle", StatusCategory::kNew,
       false, false, "Nid-de-poule rue Victor-Hugo", "Devant le numéro 12, code axb"},
      {"GU-2026-LIST02", "eclairage", "voirie", Channel::kSms, "en-cours", StatusCategory::kOpen,
       true, false, "Lampadaire éteint avenue Jean-Jaurès", "Depuis lundi"},
      {"GU-2026-LIST03", "acte-naissance", "etat-civil", Channel::kEmail, "en-attente",
       StatusCategory::kWaitingCitizen, false, true, "Copie d'acte de naissance",
       "Pour un passeport"},
      {"GU-2026-LIST04", "nid-de-poule", "voirie", Channel::kPhone, "resolue",
       StatusCategory::kResolved, true, true, "Chaussée abîmée à 100%", "Rebouchée"},
      {"GU-2026-LIST05", "acte-naissance", "etat-civil", Channel::kWeb, "en-cours",
       StatusCategory::kOpen, false, false, "Extrait d'acte de mariage",
       "Dossier 100 m², réf. a_b"},
  };
  for (const Row& row : rows) {
    Request r = NewRequest(row.reference);
    r.service_id = row.service;
    r.team_id = row.team;
    r.channel = row.channel;
    r.status = row.status;
    r.category = row.category;
    if (row.agent) r.agent_id = agent_id_;
    if (row.citizen) r.citizen_id = citizen_id_;
    r.title = row.title;
    r.description = row.description;
    MustInsert(r);
  }

  struct Case {
    const char* name;
    RequestQuery query;
    std::vector<std::string> want;  // newest first
  };
  auto q = [] { return RequestQuery{}; };
  std::vector<Case> cases;
  cases.push_back(
      {"no filter",
       q(),
       {"GU-2026-LIST05", "GU-2026-LIST04", "GU-2026-LIST03", "GU-2026-LIST02", "GU-2026-LIST01"}});
  {
    auto x = q();
    x.statuses = {"en-cours"};
    cases.push_back({"one status", x, {"GU-2026-LIST05", "GU-2026-LIST02"}});
  }
  {
    auto x = q();
    x.statuses = {"nouvelle", "resolue"};
    cases.push_back({"two statuses", x, {"GU-2026-LIST04", "GU-2026-LIST01"}});
  }
  {
    auto x = q();
    x.categories = {StatusCategory::kOpen};
    cases.push_back({"one category", x, {"GU-2026-LIST05", "GU-2026-LIST02"}});
  }
  {
    auto x = q();
    x.categories = {StatusCategory::kNew, StatusCategory::kWaitingCitizen};
    cases.push_back({"two categories", x, {"GU-2026-LIST03", "GU-2026-LIST01"}});
  }
  {
    auto x = q();
    x.team_id = "etat-civil";
    cases.push_back({"team", x, {"GU-2026-LIST05", "GU-2026-LIST03"}});
  }
  {
    auto x = q();
    x.team_id = "voirie";
    x.categories = {StatusCategory::kOpen};
    cases.push_back({"team and category", x, {"GU-2026-LIST02"}});
  }
  {
    auto x = q();
    x.channel = Channel::kWeb;
    cases.push_back({"channel", x, {"GU-2026-LIST05", "GU-2026-LIST01"}});
  }
  {
    auto x = q();
    x.service_id = "nid-de-poule";
    cases.push_back({"service", x, {"GU-2026-LIST04", "GU-2026-LIST01"}});
  }
  {
    auto x = q();
    x.agent_id = agent_id_;
    cases.push_back({"agent", x, {"GU-2026-LIST04", "GU-2026-LIST02"}});
  }
  {
    auto x = q();
    x.citizen_id = citizen_id_;
    cases.push_back({"citizen", x, {"GU-2026-LIST04", "GU-2026-LIST03"}});
  }
  {
    auto x = q();
    x.text = "LAMPADAIRE";
    cases.push_back({"text in title, any case", x, {"GU-2026-LIST02"}});
  }
  {
    auto x = q();
    x.text = "numéro 12";
    cases.push_back({"text in description", x, {"GU-2026-LIST01"}});
  }
  {
    auto x = q();
    x.text = "GU-2026-LIST03";
    cases.push_back({"text equal to a reference", x, {"GU-2026-LIST03"}});
  }
  {
    auto x = q();
    x.text = "100%";
    cases.push_back({"percent sign is literal", x, {"GU-2026-LIST04"}});
  }
  {
    auto x = q();
    x.text = "a_b";
    cases.push_back({"underscore is literal", x, {"GU-2026-LIST05"}});
  }
  {
    auto x = q();
    x.text = "acte";
    x.channel = Channel::kEmail;
    cases.push_back({"text and channel", x, {"GU-2026-LIST03"}});
  }
  {
    auto x = q();
    x.statuses = {"inconnu"};
    cases.push_back({"no match", x, {}});
  }

  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto page = store_->ListRequests(c.query);
    ASSERT_TRUE(IsOk(page));
    EXPECT_EQ(References(page->items), c.want);
    EXPECT_FALSE(page->next_before_id.has_value());
  }
}

TEST_P(StoreTest, CursorPaginationReturnsEveryRequestOnceNewestFirst) {
  constexpr int kCount = 120;
  std::set<std::int64_t> all_ids;
  std::set<std::int64_t> sms_ids;
  ASSERT_TRUE(IsOk(store_->WriteSync([&](WriteTx& tx) -> Status {
    for (int i = 0; i < kCount; ++i) {
      Request r = NewRequest("GU-2026-P" + std::to_string(10000 + i));
      r.channel = i % 3 == 0 ? Channel::kSms : Channel::kWeb;
      auto id = tx.InsertRequest(r);
      if (!id.ok()) return id.error();
      all_ids.insert(*id);
      if (r.channel == Channel::kSms) sms_ids.insert(*id);
    }
    return Status::Ok();
  })));
  ASSERT_EQ(all_ids.size(), static_cast<size_t>(kCount));

  struct Case {
    int limit;
    std::optional<Channel> channel;
  };
  const Case cases[] = {{1, {}},   {7, {}},   {40, {}},          {119, {}},
                        {120, {}}, {500, {}}, {7, Channel::kSms}};
  for (const auto& c : cases) {
    SCOPED_TRACE("limit " + std::to_string(c.limit) + (c.channel ? " sms only" : ""));
    const auto& want = c.channel ? sms_ids : all_ids;
    RequestQuery query;
    query.limit = c.limit;
    query.channel = c.channel;
    std::vector<std::int64_t> seen;
    for (int pages = 0; pages <= kCount + 1; ++pages) {
      auto page = store_->ListRequests(query);
      ASSERT_TRUE(IsOk(page));
      ASSERT_LE(page->items.size(), static_cast<size_t>(c.limit));
      for (const auto& r : page->items) seen.push_back(r.id);
      if (!page->next_before_id) break;
      ASSERT_FALSE(page->items.empty());
      EXPECT_EQ(*page->next_before_id, page->items.back().id);
      query.before_id = page->next_before_id;
    }
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end(), std::greater<>()));
    EXPECT_EQ(std::set<std::int64_t>(seen.begin(), seen.end()).size(), seen.size())
        << "an id was returned twice";
    EXPECT_EQ(std::set<std::int64_t>(seen.begin(), seen.end()), want);
  }
}

// Bounding-box searches list the newest requests of the box. SQLite asks its
// grid cells for the last days first and widens the window (sql_store.cpp): the
// pages must be the same as a search of the whole table would give, whether
// the box's requests are recent, old, or both, and whatever their ids.
TEST_P(StoreTest, BoundingBoxSearchIsExactAcrossTimeWindows) {
  constexpr int kCount = 20000;  // one an hour: 833 days, many first windows of 7 days
  constexpr Timestamp kHour = 3600 * kMicrosPerSecond;
  std::vector<std::int64_t> recent_box, old_box, mixed_box;
  std::vector<std::pair<Timestamp, std::int64_t>> line, around_boxes;  // (created_at, id)
  ASSERT_TRUE(IsOk(store_->WriteSync([&](WriteTx& tx) -> Status {
    for (int i = 0; i <= kCount; ++i) {
      Request r = NewRequest("GU-2026-G" + std::to_string(10000 + i));
      r.created_at = kT0 + i * kHour;
      // Most requests lie away from the three boxes, on a line of longitudes.
      domain::Location at{44.0, 3.0 + i * 1e-5, ""};
      if (i >= kCount - 3000 && i % 7 == 0) at = {45.75, 4.85, ""};  // recent only
      if (i < 2000 && i % 5 == 0) at = {45.70, 4.80, ""};            // old only
      if (i % 97 == 0) at = {45.60, 4.70, ""};                       // all along
      if (i == kCount) {
        // Recorded last (the highest id) but dated first: an imported request.
        r.created_at = kT0 - kHour;
        at = {45.75, 4.85, ""};
      }
      r.location = at;
      auto id = tx.InsertRequest(r);
      if (!id.ok()) return id.error();
      auto& list = at.lat == 45.75 ? recent_box : at.lat == 45.70 ? old_box : mixed_box;
      if (at.lat != 44.0) list.insert(i == kCount ? list.begin() : list.end(), *id);
      (at.lat == 44.0 ? line : around_boxes).push_back({r.created_at, *id});
    }
    return Status::Ok();
  })));
  auto box = [](double lat, double lon) {
    return RequestQuery::BoundingBox{lat - 0.001, lon - 0.001, lat + 0.001, lon + 0.001};
  };
  struct Case {
    const char* name;
    RequestQuery::BoundingBox box;
    std::vector<std::int64_t> oldest_first;
  };
  const Case cases[] = {{"recent", box(45.75, 4.85), recent_box},
                        {"old", box(45.70, 4.80), old_box},
                        {"all ages", box(45.60, 4.70), mixed_box}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::vector<std::int64_t> want(c.oldest_first.rbegin(), c.oldest_first.rend());
    for (int limit : {1, 50, 1000}) {
      SCOPED_TRACE("limit " + std::to_string(limit));
      std::vector<std::int64_t> seen;
      RequestQuery query;
      query.bbox = c.box;
      query.limit = limit;
      for (int pages = 0; pages <= kCount; ++pages, query.offset += limit) {
        auto page = store_->ListRequests(query);
        ASSERT_TRUE(IsOk(page));
        for (const auto& r : page->items) seen.push_back(r.id);
        if (page->items.size() < static_cast<size_t>(limit)) break;
      }
      EXPECT_EQ(seen, want);
    }
    // A search bounded in time keeps to it.
    RequestQuery bounded;
    bounded.bbox = c.box;
    bounded.limit = 1000;
    bounded.created_from = kT0 + 1000 * kHour;
    bounded.created_to = kT0 + 18000 * kHour;
    auto page = store_->ListRequests(bounded);
    ASSERT_TRUE(IsOk(page));
    std::vector<std::int64_t> got, expected;
    for (const auto& r : page->items) got.push_back(r.id);
    for (auto id : want) {
      auto r = store_->GetRequest(id);
      ASSERT_TRUE(IsOk(r));
      if (r->created_at >= *bounded.created_from && r->created_at <= *bounded.created_to) {
        expected.push_back(id);
      }
    }
    EXPECT_EQ(got, expected);
  }

  // Boxes of more than 1,024 cells: one around the three small ones (fewer
  // than 5,000 requests: all listed and sorted), one around the line (about
  // 19,000: found walking back the creation order).
  const struct {
    const char* name;
    RequestQuery::BoundingBox box;
    std::vector<std::pair<Timestamp, std::int64_t>> inside;
  } large[] = {{"large, few", {45.2, 4.3, 46.2, 5.3}, around_boxes},
               {"large, many", {43.5, 2.5, 44.5, 3.5}, line}};
  for (const auto& c : large) {
    SCOPED_TRACE(c.name);
    auto newest_first = c.inside;
    std::sort(newest_first.rbegin(), newest_first.rend());
    for (int offset : {0, 1000, 2000}) {
      RequestQuery query;
      query.bbox = c.box;
      query.limit = 1000;
      query.offset = offset;
      auto page = store_->ListRequests(query);
      ASSERT_TRUE(IsOk(page));
      std::vector<std::int64_t> got, want;
      for (const auto& r : page->items) got.push_back(r.id);
      for (size_t k = offset; k < newest_first.size() && k < size_t(offset) + 1000; ++k) {
        want.push_back(newest_first[k].second);
      }
      EXPECT_EQ(got, want) << "offset " << offset;
    }
  }

  // An inverted box holds nothing.
  RequestQuery inverted;
  inverted.bbox = RequestQuery::BoundingBox{46.2, 4.3, 45.2, 5.3};
  auto nothing = store_->ListRequests(inverted);
  ASSERT_TRUE(IsOk(nothing));
  EXPECT_TRUE(nothing->items.empty());

  // Moving a request moves it in the index; a status change leaves it there.
  auto moved = store_->GetRequest(old_box.front());
  ASSERT_TRUE(IsOk(moved));
  Request r = *moved;
  r.location = domain::Location{45.75, 4.85, ""};
  ASSERT_TRUE(IsOk(store_->WriteSync([&](WriteTx& tx) { return tx.UpdateRequest(r, r.version); })));
  ++r.version;
  r.status = "en-cours";
  ASSERT_TRUE(IsOk(store_->WriteSync([&](WriteTx& tx) { return tx.UpdateRequest(r, r.version); })));
  for (const auto& [b, present] : {std::pair{box(45.75, 4.85), true}, {box(45.70, 4.80), false}}) {
    RequestQuery query;
    query.bbox = b;
    query.limit = 1000;
    auto page = store_->ListRequests(query);
    ASSERT_TRUE(IsOk(page));
    const bool found = std::any_of(page->items.begin(), page->items.end(),
                                   [&](const Request& x) { return x.id == r.id; });
    EXPECT_EQ(found, present);
  }
}

// The search index follows the writes of a group commit: what a batch wrote
// is found as soon as it is committed, and a text it replaced is not —
// whether the first text was written in the same batch or an earlier one.
TEST_P(StoreTest, SearchFindsWhatABatchWroteAndNotWhatItReplaced) {
  const auto refs = [&](const std::string& text) {
    std::vector<std::string> out;
    domain::AccessScope all;
    all.all = true;
    auto hits = store_->Search(text, all, 10);
    EXPECT_TRUE(IsOk(hits));
    if (hits.ok()) {
      for (const auto& h : *hits) out.push_back(h.request.reference);
    }
    return out;
  };
  const std::vector<std::string> none, one{"GU-2026-FTS001"};
  Request r = NewRequest("GU-2026-FTS001");
  r.description = "Un lampadaire clignote rue Pasteur.";
  ASSERT_TRUE(IsOk(store_->WriteSync([&](WriteTx& tx) -> Status {
    auto id = tx.InsertRequest(r);
    if (!id.ok()) return id.error();
    r.id = *id;
    r.version = 1;
    r.description = "Un banc est cassé place de la Mairie.";
    GUICHET_TRY(tx.UpdateRequest(r, r.version));
    ++r.version;
    Event note;
    note.request_id = r.id;
    note.kind = EventKind::kNote;
    note.author = "agent:1";
    note.body = "Un arbre est tombé à côté.";
    note.created_at = kT0;
    auto event = tx.AppendEvent(note);
    if (!event.ok()) return event.error();
    return Status::Ok();
  })));
  EXPECT_EQ(refs("banc"), one);
  EXPECT_EQ(refs("arbre"), one);
  EXPECT_EQ(refs("lampadaire"), none);

  r.description = "La fontaine fuit.";
  ASSERT_TRUE(IsOk(store_->WriteSync([&](WriteTx& tx) { return tx.UpdateRequest(r, r.version); })));
  EXPECT_EQ(refs("fontaine"), one);
  EXPECT_EQ(refs("banc"), none);
  EXPECT_EQ(refs("arbre"), one);
}

// What people wrote is searchable — a citizen's message, an agent's reply,
// any note — and what Guichet sent by itself (its acknowledgements) is not
// (016_search_what_people_wrote.sql; on SQLite the store stages it, 021).
TEST_P(StoreTest, SearchFindsWhatPeopleWroteNotWhatGuichetSent) {
  Request r = NewRequest("GU-2026-FTS002");
  ASSERT_TRUE(IsOk(store_->WriteSync([&](WriteTx& tx) -> Status {
    auto id = tx.InsertRequest(r);
    if (!id.ok()) return id.error();
    const std::pair<EventKind, std::string> written[] = {{EventKind::kMessageIn, "citizen:1"},
                                                         {EventKind::kMessageOut, "agent:1"},
                                                         {EventKind::kMessageOut, "system"},
                                                         {EventKind::kNote, "system"}};
    const char* bodies[] = {"Un albatros niche sur le toit.", "Nous passerons avec une girouette.",
                            "Accusé de réception : zéphyr.", "Courrier lu : sémaphore."};
    for (size_t i = 0; i < std::size(written); ++i) {
      Event e;
      e.request_id = *id;
      e.kind = written[i].first;
      e.channel = Channel::kEmail;
      e.author = written[i].second;
      e.body = bodies[i];
      e.created_at = kT0;
      auto event = tx.AppendEvent(e);
      if (!event.ok()) return event.error();
    }
    return Status::Ok();
  })));
  domain::AccessScope all;
  all.all = true;
  for (const auto& [word, found] :
       {std::pair{"albatros", true}, {"girouette", true}, {"zéphyr", false}, {"sémaphore", true}}) {
    auto hits = store_->Search(word, all, 10);
    ASSERT_TRUE(IsOk(hits));
    EXPECT_EQ(hits->size(), found ? 1U : 0U) << word;
  }
}

// The audit records of answered calls share write ops (BackofficeService::
// AuditAfterResponse): sent at once from several threads, each is stored
// once, in one intact chain, and its caller hears back once. Once the
// writer has stopped, a record fails and says so; it is not kept waiting.
TEST_P(StoreTest, AuditRecordsOfAnsweredCallsShareWritesAndKeepOneChain) {
  SystemClock clock;
  domain::CaseService cases(*store_, clock);
  domain::BackofficeService backoffice(*store_, cases, clock);
  const auto ops = [&] {
    for (const auto& [name, value] : store_->Stats()) {
      if (name == "guichet_db_write_ops_total") return value;
    }
    return -1.0;
  };
  const double ops_before = ops();
  constexpr size_t kThreads = 4, kEach = 50, kRecords = kThreads * kEach;
  Completions done(kRecords);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < kEach; ++i) {
        domain::AuditEntry e;
        e.actor_kind = "api";
        e.actor_id = static_cast<std::int64_t>(t);
        e.actor_label = "api-key:" + std::to_string(t);
        e.action = "read";
        e.record_type = "/api/v1/requests/{id}";
        e.record_id = std::to_string(t * kEach + i);
        e.request_id = static_cast<std::int64_t>(t * kEach + i);
        e.ip = "192.0.2.1";
        backoffice.AuditAfterResponse(std::move(e), done.For(t * kEach + i));
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(done.Wait());
  for (size_t i = 0; i < kRecords; ++i) EXPECT_TRUE(IsOk(done[i])) << i;
  EXPECT_LT(ops() - ops_before, static_cast<double>(kRecords));

  auto chain = store_->ListAuditChain(0, 1000);
  ASSERT_TRUE(IsOk(chain));
  ASSERT_EQ(chain->size(), kRecords);
  const auto verified = domain::VerifyAuditRun(*chain, "");
  EXPECT_EQ(verified.checked, static_cast<std::int64_t>(kRecords));
  EXPECT_FALSE(verified.broken_at.has_value());
  std::set<std::string> ids;
  for (const auto& e : *chain) ids.insert(e.record_id);
  EXPECT_EQ(ids.size(), kRecords);

  store_->Close();
  Completions refused(2);
  for (size_t i = 0; i < 2; ++i) {
    domain::AuditEntry e;
    e.actor_kind = "api";
    e.action = "read";
    e.record_type = "/api/v1/requests/{id}";
    backoffice.AuditAfterResponse(std::move(e), refused.For(i));
  }
  ASSERT_TRUE(refused.Wait());
  EXPECT_FALSE(refused[0].ok());
  EXPECT_FALSE(refused[1].ok());
}

TEST_P(StoreTest, EventsAreListedInTheOrderTheyWereAppended) {
  const Request a = MustInsert(NewRequest("GU-2026-EVT001"));
  const Request b = MustInsert(NewRequest("GU-2026-EVT002"));
  auto event = [](std::int64_t request, EventKind kind, std::optional<Channel> channel,
                  std::string body, std::string data, Timestamp at) {
    Event e;
    e.request_id = request;
    e.kind = kind;
    e.channel = channel;
    e.author = "agent:1";
    e.body = std::move(body);
    e.data_json = std::move(data);
    e.created_at = at;
    return e;
  };
  // Timestamps deliberately out of order: the timeline follows the order of appends.
  std::vector<Event> for_a = {
      event(a.id, EventKind::kMessageIn, Channel::kWeb, "Bonjour, il y a un trou.", "{}", kT0 + 5),
      event(a.id, EventKind::kNote, std::nullopt, "Vu sur place", "{}", kT0 + 3),
      event(a.id, EventKind::kStatusChange, std::nullopt, "",
            R"({"from":"nouvelle","to":"en-cours"})", kT0 + 9),
      event(a.id, EventKind::kMessageOut, Channel::kEmail, "Nous intervenons demain.", "{}",
            kT0 + 1),
  };
  const Event for_b = event(b.id, EventKind::kAssignment, std::nullopt, "", R"({"agent":1})", kT0);

  for (size_t i = 0; i < for_a.size(); ++i) {
    auto id = Append(for_a[i]);
    ASSERT_TRUE(IsOk(id));
    for_a[i].id = *id;
    if (i == 1) {
      ASSERT_TRUE(IsOk(Append(for_b)));  // interleaved with another request's
    }
  }

  auto got = store_->ListEvents(a.id);
  ASSERT_TRUE(IsOk(got));
  ASSERT_EQ(got->size(), for_a.size());
  for (size_t i = 0; i < for_a.size(); ++i) {
    SCOPED_TRACE(i);
    const Event& want = for_a[i];
    const Event& e = (*got)[i];
    EXPECT_EQ(e.id, want.id);
    EXPECT_EQ(e.request_id, a.id);
    EXPECT_EQ(e.kind, want.kind);
    EXPECT_EQ(e.channel, want.channel);
    EXPECT_EQ(e.author, want.author);
    EXPECT_EQ(e.body, want.body);
    EXPECT_EQ(e.data_json, want.data_json);
    EXPECT_EQ(e.created_at, want.created_at);
  }
  auto other = store_->ListEvents(b.id);
  ASSERT_TRUE(IsOk(other));
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].kind, EventKind::kAssignment);
}

TEST_P(StoreTest, DatabaseRefusesToRewriteAnEvent) {
  const Request r = MustInsert(NewRequest("GU-2026-APPEND"));
  Event e;
  e.request_id = r.id;
  e.kind = EventKind::kMessageOut;
  e.channel = Channel::kEmail;
  e.author = "agent:1";
  e.body = "Votre demande est enregistrée.";
  e.created_at = kT0;
  ASSERT_TRUE(IsOk(Append(e)));

  // Straight to the database: the rule must hold even for code that bypasses the store.
  auto conn = storage::Connect(url_);
  const sql::Value p[] = {std::string("Texte réécrit"), r.id};
  try {
    conn->Execute("UPDATE events SET body = ? WHERE request_id = ?", p);
    ADD_FAILURE() << "the UPDATE of an event succeeded";
  } catch (const sql::DbError& err) {
    EXPECT_NE(std::string(err.what()).find("append-only"), std::string::npos) << err.what();
  }

  auto events = store_->ListEvents(r.id);
  ASSERT_TRUE(IsOk(events));
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].body, e.body);
}

TEST_P(StoreTest, IdempotencyRecordsRoundTrip) {
  const domain::IdempotencyRecord rec{"requests", "7f1c-key", "sha256:abcd", 42, kT0};
  ASSERT_TRUE(IsOk(store_->WriteSync([&](WriteTx& tx) { return tx.SaveIdempotency(rec); })));

  struct Case {
    const char* name;
    std::string scope;
    std::string key;
    bool found;
  };
  const Case cases[] = {
      {"same scope and key", "requests", "7f1c-key", true},
      {"other key", "requests", "autre", false},
      {"other scope", "events", "7f1c-key", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::optional<domain::IdempotencyRecord> got;
    ASSERT_TRUE(IsOk(store_->WriteSync([&](WriteTx& tx) {
      got = tx.FindIdempotency(c.scope, c.key);
      return Status::Ok();
    })));
    ASSERT_EQ(got.has_value(), c.found);
    if (!got) continue;
    EXPECT_EQ(got->scope, rec.scope);
    EXPECT_EQ(got->key, rec.key);
    EXPECT_EQ(got->fingerprint, rec.fingerprint);
    EXPECT_EQ(got->resource_id, rec.resource_id);
    EXPECT_EQ(got->created_at, rec.created_at);
  }

  // A second record for the same key is a conflict, and the first one stays.
  domain::IdempotencyRecord again = rec;
  again.fingerprint = "sha256:other";
  EXPECT_EQ(CodeOf(store_->WriteSync([&](WriteTx& tx) { return tx.SaveIdempotency(again); })),
            ErrorCode::kConflict);
  std::optional<domain::IdempotencyRecord> kept;
  ASSERT_TRUE(IsOk(store_->WriteSync([&](WriteTx& tx) {
    kept = tx.FindIdempotency(rec.scope, rec.key);
    return Status::Ok();
  })));
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->fingerprint, rec.fingerprint);
}

TEST_P(StoreTest, DuplicateReferenceIsAConflict) {
  const Request first = MustInsert(NewRequest("GU-2026-DUPLIC"));
  Request copy = NewRequest("GU-2026-DUPLIC");
  copy.title = "Doublon";
  EXPECT_EQ(CodeOf(Insert(copy)), ErrorCode::kConflict);

  auto got = store_->GetRequestByReference("GU-2026-DUPLIC");
  ASSERT_TRUE(IsOk(got));
  ExpectSameRequest(first, *got);
  EXPECT_EQ(store_->CountRequests().value(), 1);
  // The writer is still usable after the failed insert.
  EXPECT_TRUE(IsOk(Insert(NewRequest("GU-2026-AFTER1"))));
}

TEST_P(StoreTest, ConcurrentWritesAllCommitAndAreReadable) {
  constexpr int kThreads = 8;
  constexpr int kWrites = 500;
  Completions done(kWrites);
  // Each slot is written by its own op only; shared so that a late op never writes freed memory.
  auto ids_ptr = std::make_shared<std::vector<std::int64_t>>(kWrites, 0);
  const auto& ids = *ids_ptr;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kWrites; i += kThreads) {
        store_->Write(
            [ids_ptr, i](WriteTx& tx) -> Status {
              auto id = tx.InsertRequest(NewRequest("GU-2026-C" + std::to_string(10000 + i)));
              if (!id.ok()) return id.error();
              (*ids_ptr)[i] = *id;
              return Status::Ok();
            },
            done.For(i));
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(done.Wait()) << "writes still pending after " << kWriteTimeout.count() << " s";

  for (int i = 0; i < kWrites; ++i) {
    ASSERT_TRUE(IsOk(done[i])) << "write " << i;
    auto got = store_->GetRequest(ids[i]);
    ASSERT_TRUE(IsOk(got)) << "write " << i;
    EXPECT_EQ(got->reference, "GU-2026-C" + std::to_string(10000 + i));
  }
  EXPECT_EQ(std::set<std::int64_t>(ids.begin(), ids.end()).size(), static_cast<size_t>(kWrites));
  EXPECT_EQ(store_->CountRequests().value(), kWrites);
}

TEST_P(StoreTest, FailingOpIsRolledBackAloneInItsBatch) {
  MustInsert(NewRequest("GU-2026-TAKEN1"));
  ASSERT_TRUE(IsOk(store_->WriteSync([](WriteTx& tx) {
    return tx.SaveIdempotency({"requests", "used-key", "fp", 1, kT0});
  })));

  // Each op first inserts its own request, then succeeds or fails in its own way.
  struct Case {
    const char* name;
    std::string reference;
    std::function<Status(WriteTx&)> then;
    std::optional<ErrorCode> want;  // nullopt: committed
  };
  const std::vector<Case> cases = {
      {"succeeds", "GU-2026-BATCH1", [](WriteTx&) { return Status::Ok(); }, std::nullopt},
      {"returns an error after writing", "GU-2026-BATCH2",
       [](WriteTx&) { return Status(Error::Rule("refusé")); }, ErrorCode::kBusinessRule},
      {"hits a unique index, caught by the store", "GU-2026-BATCH3",
       [](WriteTx& tx) -> Status {
         auto id = tx.InsertRequest(NewRequest("GU-2026-TAKEN1"));
         if (!id.ok()) return id.error();
         return Status::Ok();
       },
       ErrorCode::kConflict},
      {"succeeds after a failed op", "GU-2026-BATCH4", [](WriteTx&) { return Status::Ok(); },
       std::nullopt},
      {"hits a unique index, thrown out of the op", "GU-2026-BATCH5",
       [](WriteTx& tx) {
         return tx.SaveIdempotency({"requests", "used-key", "fp2", 2, kT0});
       },
       ErrorCode::kConflict},
      {"throws", "GU-2026-BATCH6",
       [](WriteTx&) -> Status { throw std::runtime_error("bug in an op"); }, ErrorCode::kInternal},
      {"succeeds last", "GU-2026-BATCH7", [](WriteTx&) { return Status::Ok(); }, std::nullopt},
  };

  // A first op holds the writer so that every case is queued behind it and forms one batch.
  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Completions blocker(1);
  const double batches_before = StatValue(*store_, "guichet_db_write_batches_total");
  store_->Write(
      [&started, released](WriteTx&) {
        started.set_value();
        released.wait();
        return Status::Ok();
      },
      blocker.For(0));
  ASSERT_EQ(started.get_future().wait_for(kWriteTimeout), std::future_status::ready);

  Completions done(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    // Captured by value: the op may outlive a failed test.
    store_->Write(
        [reference = c.reference, then = c.then](WriteTx& tx) -> Status {
          auto id = tx.InsertRequest(NewRequest(reference));
          if (!id.ok()) return id.error();
          return then(tx);
        },
        done.For(i));
  }
  release.set_value();
  ASSERT_TRUE(blocker.Wait());
  ASSERT_TRUE(done.Wait());
  EXPECT_EQ(StatValue(*store_, "guichet_db_write_batches_total") - batches_before, 2.0)
      << "the cases did not run as one batch";

  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    SCOPED_TRACE(c.name);
    EXPECT_EQ(CodeOf(done[i]), c.want) << (done[i].ok() ? "" : Why(done[i].error()));
    auto stored = store_->GetRequestByReference(c.reference);
    if (c.want) {
      EXPECT_EQ(CodeOf(stored), ErrorCode::kNotFound) << "a failed op's insert was kept";
    } else {
      EXPECT_TRUE(IsOk(stored));
    }
  }
}

TEST_P(StoreTest, CatalogueRoundTrips) {
  auto teams = store_->ListTeams();
  ASSERT_TRUE(IsOk(teams));
  ASSERT_EQ(teams->size(), 2u);
  EXPECT_EQ((*teams)[0].id, "etat-civil");
  EXPECT_EQ((*teams)[0].name, "État civil");
  EXPECT_EQ((*teams)[0].email, "etat-civil@mairie.example");
  EXPECT_EQ((*teams)[1].id, "voirie");

  auto services = store_->ListServices();
  ASSERT_TRUE(IsOk(services));
  ASSERT_EQ(services->size(), 3u);
  const domain::Service& acte = (*services)[0];
  EXPECT_EQ(acte.id, "acte-naissance");
  EXPECT_EQ(acte.name, "Acte de naissance");
  EXPECT_EQ(acte.description, "Copie intégrale");
  EXPECT_EQ(acte.team_id, "etat-civil");
  EXPECT_EQ(acte.due_days, 10);
  EXPECT_FALSE(acte.active);
  EXPECT_TRUE((*services)[2].active);

  // Upserting an existing id updates it in place.
  ASSERT_TRUE(IsOk(store_->WriteSync([](WriteTx& tx) -> Status {
    GUICHET_TRY(tx.UpsertTeam({"voirie", "Voirie et propreté", "proprete@mairie.example"}));
    return tx.UpsertService({"acte-naissance", "Actes", "", "etat-civil", 5, true});
  })));
  teams = store_->ListTeams();
  ASSERT_TRUE(IsOk(teams));
  ASSERT_EQ(teams->size(), 2u);
  EXPECT_EQ((*teams)[1].name, "Voirie et propreté");
  services = store_->ListServices();
  ASSERT_TRUE(IsOk(services));
  ASSERT_EQ(services->size(), 3u);
  EXPECT_EQ((*services)[0].due_days, 5);
  EXPECT_TRUE((*services)[0].active);

  auto agents = store_->ListAgents();
  ASSERT_TRUE(IsOk(agents));
  ASSERT_EQ(agents->size(), 1u);
  EXPECT_EQ((*agents)[0].id, agent_id_);
  EXPECT_EQ((*agents)[0].email, "camille.martin@mairie.example");
}

TEST_P(StoreTest, PingAnswers) { EXPECT_TRUE(store_->Ping()); }

TEST_P(StoreTest, ConnectionRoundTripsExtremeValues) {
  auto conn = storage::Connect(url_);
  conn->ExecScript("CREATE TABLE scratch (n BIGINT, x DOUBLE PRECISION, s TEXT)");
  struct Case {
    const char* name;
    sql::Value n, x, s;
  };
  const Case cases[] = {
      {"smallest", std::numeric_limits<std::int64_t>::min(), -std::numeric_limits<double>::max(),
       std::string()},
      {"largest", std::numeric_limits<std::int64_t>::max(), std::numeric_limits<double>::max(),
       std::string(100'000, 'x')},
      {"fractions", std::int64_t{-1}, 0.1 + 0.2, std::string("l'apostrophe ? $1 -- « é » 😀")},
      {"tiny", std::int64_t{0}, std::numeric_limits<double>::denorm_min(), std::string("?")},
      {"infinite", std::int64_t{1}, std::numeric_limits<double>::infinity(), std::string("\\")},
      {"nulls", sql::Null(), sql::Null(), sql::Null()},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    conn->ExecScript("DELETE FROM scratch");
    const sql::Value row[] = {c.n, c.x, c.s};
    EXPECT_EQ(conn->Execute("INSERT INTO scratch (n, x, s) VALUES (?, ?, ?)", row), 1);
    auto rows = conn->Query("SELECT n, x, s FROM scratch");
    ASSERT_TRUE(rows->Next());
    if (auto* n = std::get_if<std::int64_t>(&c.n)) {
      EXPECT_EQ(rows->Int(0), *n);
    } else {
      EXPECT_TRUE(rows->IsNull(0));
    }
    if (auto* x = std::get_if<double>(&c.x)) {
      EXPECT_EQ(rows->Real(1), *x);
    } else {
      EXPECT_TRUE(rows->IsNull(1));
    }
    if (auto* s = std::get_if<std::string>(&c.s)) {
      EXPECT_FALSE(rows->IsNull(2));
      EXPECT_EQ(rows->Text(2), *s);
    } else {
      EXPECT_TRUE(rows->IsNull(2));
      EXPECT_EQ(rows->OptInt(2), std::nullopt);
    }
    EXPECT_FALSE(rows->Next());
  }
}

// A write nobody waits for waits for company: alone it is committed only
// after WriteQueue::kMaxDefer, and a write someone waits for takes it along.
TEST_P(StoreTest, DeferrableWritesWaitToShareACommit) {
  const auto insert = [](std::string reference) {
    return [reference = std::move(reference)](WriteTx& tx) -> Status {
      auto id = tx.InsertRequest(NewRequest(reference));
      if (!id.ok()) return id.error();
      return Status::Ok();
    };
  };
  const auto t0 = std::chrono::steady_clock::now();
  Completions alone(1);
  store_->WriteDeferrable(insert("GU-2026-DEFER1"), alone.For(0));
  ASSERT_TRUE(alone.Wait());
  EXPECT_TRUE(IsOk(alone[0]));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, sql::WriteQueue::kMaxDefer);
  EXPECT_TRUE(IsOk(store_->GetRequestByReference("GU-2026-DEFER1")));

  // Queued first, the deferrable write is committed at the latest with the
  // urgent one: its completion has run when the urgent one's runs.
  auto deferred_done = std::make_shared<std::atomic<bool>>(false);
  store_->WriteDeferrable(insert("GU-2026-DEFER2"),
                          [deferred_done](Status) { deferred_done->store(true); });
  Completions urgent(1);
  store_->Write(insert("GU-2026-DEFER3"), urgent.For(0));
  ASSERT_TRUE(urgent.Wait());
  EXPECT_TRUE(deferred_done->load());
  EXPECT_TRUE(IsOk(store_->GetRequestByReference("GU-2026-DEFER2")));
}

// The sidebar's counts come from trigger-kept counters when the filters are
// the counters' keys, and from the requests themselves otherwise: after
// inserts, moves, assignments, status changes and a deletion, both agree,
// and agree with what was written.
TEST_P(StoreTest, InboxCountersFollowEveryChange) {
  const Timestamp now = kT0 + 10 * kMicrosPerDay;
  std::vector<Request> rs;
  for (int i = 0; i < 12; ++i) {
    Request r = NewRequest("GU-2026-CNT" + std::to_string(100 + i));
    r.service_id = i % 3 == 0 ? "acte-naissance" : (i % 3 == 1 ? "nid-de-poule" : "eclairage");
    r.team_id = i % 3 == 0 ? "etat-civil" : "voirie";
    r.channel = i % 2 ? Channel::kEmail : Channel::kWeb;
    r.due_at = kT0 + (i % 4) * 5 * kMicrosPerDay;  // days 0, 5, 10, 15: half are overdue
    if (i % 5 == 0) r.agent_id = agent_id_;
    rs.push_back(MustInsert(r));
  }
  // A status change, an assignment, an unassignment, a move to another team,
  // an overdue request resolved (no longer overdue).
  rs[1].category = StatusCategory::kOpen;
  rs[2].agent_id = agent_id_;
  rs[5].agent_id.reset();
  rs[4].team_id = "etat-civil";
  rs[4].service_id = "acte-naissance";
  rs[8].category = StatusCategory::kResolved;
  for (int i : {1, 2, 4, 5, 8}) ASSERT_TRUE(IsOk(Update(rs[i], 1))) << i;
  {
    auto conn = storage::Connect(url_);
    const sql::Value id[] = {rs[11].id};
    conn->Query("DELETE FROM requests WHERE id = ?", id)->Next();
  }

  const auto counts = [&](RequestQuery q, bool from_requests) {
    // A date filter is one the counters cannot answer.
    if (from_requests) q.created_from = 0;
    auto c = store_->CountInbox(q, now, agent_id_);
    EXPECT_TRUE(IsOk(c));
    return c.ok() ? *c : domain::InboxCounts{};
  };
  RequestQuery all;
  const domain::InboxCounts c = counts(all, false);
  EXPECT_EQ(c.total, 11);
  EXPECT_EQ(c.by_category.at("new"), 9);
  EXPECT_EQ(c.by_category.at("open"), 1);
  EXPECT_EQ(c.by_category.at("resolved"), 1);
  EXPECT_EQ(c.by_channel.at("web"), 6);
  EXPECT_EQ(c.by_channel.at("email"), 5);
  EXPECT_EQ(c.mine, 3);  // 0, 10 and 2 (5 was unassigned)
  EXPECT_EQ(c.unassigned, 8);
  // Due before day 10, not resolved: i % 4 in {0, 1}, without 8 (resolved).
  EXPECT_EQ(c.overdue, 5);

  RequestQuery voirie;
  voirie.team_id = "voirie";
  RequestQuery scoped;
  scoped.scope = domain::AccessScope{false, {"etat-civil"}, std::nullopt};
  RequestQuery email;
  email.channel = Channel::kEmail;
  email.service_ids = {"nid-de-poule", "acte-naissance"};
  for (const RequestQuery& q : {all, voirie, scoped, email}) {
    const domain::InboxCounts fast = counts(q, false), slow = counts(q, true);
    EXPECT_EQ(fast.total, slow.total);
    EXPECT_EQ(fast.by_category, slow.by_category);
    EXPECT_EQ(fast.by_channel, slow.by_channel);
    EXPECT_EQ(fast.overdue, slow.overdue);
    EXPECT_EQ(fast.mine, slow.mine);
    EXPECT_EQ(fast.unassigned, slow.unassigned);
  }
  EXPECT_EQ(counts(voirie, false).total, 6);  // 1, 2, 5, 7, 8, 10
  EXPECT_EQ(counts(scoped, false).total, 5);  // 0, 3, 4, 6, 9
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, StoreTest, ::testing::Values(Backend::kPostgres));

TEST(PostgresStore, RecoversAfterTheServerDropsItsConnections) {
  ASSERT_FALSE(testing::PostgresServerUrl().empty()) << kNoServer;
  testing::TestDatabase db(/*postgres=*/true);
  const auto url = Url(db.url());
  storage::MigrateDatabase(url);
  auto store = storage::OpenStore(url, 2);
  auto upsert = [](WriteTx& tx) { return tx.UpsertTeam({"voirie", "Voirie", ""}); };
  ASSERT_TRUE(IsOk(store->WriteSync(upsert)));

  auto admin = storage::Connect(Url(testing::PostgresServerUrl()));
  // Asked through the store, which also leaves its one reader idle in the pool.
  const std::string database = store->WithReader([](sql::Connection& c) {
    auto rows = c.Query("SELECT current_database()");
    return rows->Next() ? rows->Text(0) : std::string();
  });
  ASSERT_FALSE(database.empty());
  const sql::Value name[] = {database};
  admin
      ->Query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> "
          "pg_backend_pid()",
          name)
      ->Next();
  for (int i = 0; i < 100; ++i) {
    if (sql::QueryInt(*admin, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = ?", name) ==
        0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  // The dead connections fail one request each (503), are dropped, and are replaced.
  auto read = store->ListTeams();
  if (!read.ok()) {
    EXPECT_EQ(read.error().code(), ErrorCode::kUnavailable);
    read = store->ListTeams();
  }
  EXPECT_TRUE(IsOk(read));
  auto write = store->WriteSync(upsert);
  if (!write.ok()) {
    EXPECT_EQ(write.error().code(), ErrorCode::kUnavailable);
    write = store->WriteSync(upsert);
  }
  EXPECT_TRUE(IsOk(write));
  EXPECT_TRUE(store->Ping());
}

TEST(PostgresConnection, CommitOfAFailedTransactionThrows) {
  const std::string server = testing::PostgresServerUrl();
  ASSERT_FALSE(server.empty()) << kNoServer;
  auto conn = storage::Connect(Url(server));
  // PostgreSQL answers COMMIT of an aborted transaction with the tag ROLLBACK and no
  // error: the adapter must report it, or the write queue would call lost writes durable.
  for (const bool prepared : {false, true}) {
    SCOPED_TRACE(prepared ? "Execute" : "ExecScript");
    conn->Begin();
    EXPECT_THROW(conn->Execute("SELECT 1 / 0"), sql::DbError);
    EXPECT_THROW(prepared ? (void)conn->Execute("COMMIT") : conn->ExecScript("COMMIT"),
                 sql::DbError);
    EXPECT_TRUE(conn->Healthy());
  }
}

TEST(PostgresConnection, ATextParameterHoldingANulIsRefusedNotCut) {
  const std::string server = testing::PostgresServerUrl();
  ASSERT_FALSE(server.empty()) << kNoServer;
  auto conn = storage::Connect(Url(server));
  const sql::Value whole[] = {std::string("avant après")};
  auto rows = conn->Query("SELECT ?::text", whole);
  ASSERT_TRUE(rows->Next());
  EXPECT_EQ(rows->Text(0), "avant après");
  // libpq would have sent "avant" alone.
  const sql::Value cut[] = {std::string("avant") + '\0' + "après"};
  EXPECT_THROW(conn->Query("SELECT ?::text", cut), sql::DbError);
  EXPECT_TRUE(conn->Healthy());
}

TEST(PgConnection, RewritesPlaceholdersOutsideQuotesAndComments) {
  struct Case {
    const char* name;
    const char* sql;
    const char* want;
  };
  const Case cases[] = {
      {"none", "SELECT 1", "SELECT 1"},
      {"one", "SELECT ?", "SELECT $1"},
      {"several", "a = ? AND b = ? OR c IN (?, ?)", "a = $1 AND b = $2 OR c IN ($3, $4)"},
      {"ten and more", "?,?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11"},
      {"string literal", "SELECT ?, '?'", "SELECT $1, '?'"},
      {"doubled quote in literal", "x = 'l''?' AND y = ?", "x = 'l''?' AND y = $1"},
      {"backslash in a standard literal", "LIKE ? ESCAPE '\\' AND z = ?",
       "LIKE $1 ESCAPE '\\' AND z = $2"},
      {"escape string literal", "E'\\'?' || ?", "E'\\'?' || $1"},
      {"quoted identifier", "\"col?\" = ? AND \"a\"\"?\" = ?", "\"col?\" = $1 AND \"a\"\"?\" = $2"},
      {"line comment", "? -- why?\n, ?", "$1 -- why?\n, $2"},
      {"line comment at the end", "? -- last?", "$1 -- last?"},
      {"minus is not a comment", "a - ? - ?", "a - $1 - $2"},
      {"block comment", "/* ? */ ?", "/* ? */ $1"},
      {"nested block comment", "/* a /* ? */ ? */ ?", "/* a /* ? */ ? */ $1"},
      {"dollar quoting", "$$ ? $$ || ?", "$$ ? $$ || $1"},
      {"tagged dollar quoting", "$fn$ '? $$ ? $fn$ = ?", "$fn$ '? $$ ? $fn$ = $1"},
      {"unterminated literal", "? 'abc ?", "$1 'abc ?"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(PgConnection::RewritePlaceholders(c.sql), c.want);
  }
}

TEST(PgConnection, ConnectionErrorDoesNotRevealThePassword) {
  // Nothing listens on port 1: the connection is refused at once.
  const char* conninfos[] = {
      "postgresql://guichet:s3cr3t-pw@127.0.0.1:1/guichet?connect_timeout=2",
      "postgresql://guichet:s3cr3t%2Dpw@127.0.0.1:1/guichet?connect_timeout=2",
      "host=127.0.0.1 port=1 user=guichet password=s3cr3t-pw connect_timeout=2",
      "postgresql://guichet:s3cr3t-pw@127.0.0.1:1/guichet?bogus_option=1",
      "postgresql://guichet:s3cr3t%zz@127.0.0.1:1/guichet",
      "postgresql://guichet@127.0.0.1:1/guichet?password=s3cr3t-pw&bogus_option=1",
  };
  for (const char* conninfo : conninfos) {
    SCOPED_TRACE(conninfo);
    try {
      PgConnection conn(conninfo);
      ADD_FAILURE() << "connected to port 1";
    } catch (const sql::DbError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find("s3cr3t"), std::string::npos) << what;
      EXPECT_NE(what.find("PostgreSQL"), std::string::npos) << what;
    }
  }
}

// SQLite's WAL starts over only when a commit finds it copied back and no
// reader on it; readers keep their snapshot between reads. Under writes and
// reads that never stop, the write queue has to make that moment
// (SqliteConnection::RestartLog): without it the WAL grew to hundreds of
// megabytes. Here three restarts' worth go through it while two threads
// read all along.
TEST(SqliteStore, TheLogStartsOverWhileReadersRead) {
  testing::TestDatabase db(false);
  const auto url = Url(db.url());
  storage::MigrateDatabase(url);
  auto store = storage::OpenStore(url, 4);
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        EXPECT_TRUE(IsOk(store->ListTeams()));
        ++reads;
      }
    });
  }
  const std::string bytes(64 * 1024, 'x');
  // 16 pages each: three times the frames that make the writer restart.
  constexpr int kRestart = storage::sqlite::SqliteConnection::kWalRestartFrames;
  constexpr int kWrites = 3 * kRestart / 16;
  for (int i = 0; i < kWrites; ++i) {
    const auto upload = domain::NewUpload("piece-" + std::to_string(i) + ".txt", "text/plain",
                                          bytes + std::to_string(i), kT0);
    ASSERT_TRUE(
        IsOk(store->WriteSync([&](WriteTx& tx) { return tx.InsertUpload(upload, bytes); })));
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(reads.load(), kWrites);
  // The WAL file keeps the size it reached: a restart's worth, or two (a
  // restart that waited in vain for a reader, on a loaded machine, is tried
  // again kRestart frames later), not the three written.
  constexpr std::uintmax_t kFrameBytes = 4096 + 24;
  const auto wal = std::filesystem::file_size(db.dir() + "/guichet.db-wal");
  EXPECT_LT(wal, 5 * kRestart / 2 * kFrameBytes) << wal;
}

// FTS5 merges a level of its index whole, in one transaction, once it holds
// 'crisismerge' segments; from 'automerge' segments on it merges a slice per
// transaction instead. With the two equal (16, 015's automerge and FTS5's
// default crisismerge) every merge was whole: over a million requests one
// commit of the writer rewrote the largest segments, hundreds of megabytes,
// and creates waited 1.6 s (docs/performance.md). Migration 022.
TEST(SqliteStore, TheSearchIndexMergesASlicePerCommit) {
  testing::TestDatabase db(false);
  const auto url = Url(db.url());
  storage::MigrateDatabase(url);
  storage::sqlite::SqliteConnection c(url.target);
  auto setting = [&](const char* key) {
    const storage::sql::Value p[] = {std::string(key)};
    auto rows = c.Query("SELECT v FROM search_fts_config WHERE k = ?", p);
    return rows->Next() ? rows->Int(0) : std::int64_t{0};
  };
  const auto automerge = setting("automerge");
  const auto crisismerge = setting("crisismerge");
  EXPECT_EQ(automerge, 16);
  EXPECT_GE(crisismerge, 4 * automerge) << "a level would be merged whole before any slice";
}

// A bulk load (seed-demo --requests) leaves SQLite's full-text index in many
// segments, which the first writes after it merge and every search reads:
// CompactSearchIndex merges them into one (PostgreSQL has nothing to do), and
// every document stays found.
TEST_P(StoreTest, CompactingTheSearchIndexLeavesOneSegmentAndLosesNothing) {
  const bool sqlite = GetParam() == Backend::kSqlite;
  std::vector<std::string> refs;
  for (int i = 0; i < 5; ++i) {  // five commits: five segments
    refs.push_back("GU-2026-CMP00" + std::to_string(i));
    Request r = NewRequest(refs.back());
    r.description = "Lampadaire éteint numéro " + std::to_string(i);
    ASSERT_TRUE(IsOk(store_->WriteSync([&](WriteTx& tx) -> Status {
      auto id = tx.InsertRequest(r);
      return id.ok() ? Status::Ok() : Status(id.error());
    })));
  }
  auto segments = [&] {
    return store_->WithReader([](storage::sql::Connection& c) {
      auto rows = c.Query("SELECT count(DISTINCT segid) FROM search_fts_idx");
      return rows->Next() ? rows->Int(0) : std::int64_t{-1};
    });
  };
  if (sqlite) EXPECT_GE(segments(), 5);
  ASSERT_TRUE(IsOk(store_->CompactSearchIndex()));
  if (sqlite) EXPECT_EQ(segments(), 1);
  domain::AccessScope all;
  all.all = true;
  auto hits = store_->Search("lampadaires eteints", all, 10);
  ASSERT_TRUE(IsOk(hits));
  std::vector<std::string> found;
  for (const auto& h : *hits) found.push_back(h.request.reference);
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, refs);
}

TEST(Migrations, BothDatabasesHaveTheSameMigrations) {
  auto names = [](const auto& files) {
    std::vector<std::string> out;
    for (const auto& [name, _] : files) out.emplace_back(name);
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(names(embedded::SqliteMigrations()), names(embedded::PostgresMigrations()));
}

}  // namespace
}  // namespace guichet
