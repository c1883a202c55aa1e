// End-to-end tests of API v1: the real binary, over HTTP, on SQLite and on
// PostgreSQL.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <set>
#include <string>

#include "support/test_support.hpp"

namespace guichet::testing {
namespace {

using nlohmann::json;

class HttpApiTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    std::string out;
    ASSERT_EQ(RunGuichet({"seed-demo"}, {{"GUICHET_DATABASE", db_->url()}}, out), 0) << out;
    server_ = std::make_unique<ServerProcess>(db_->url());
    server_->Start();
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->Stop(SIGTERM), 0);
    }
    server_.reset();
    db_.reset();
  }

  unsigned short port() const { return server_->port(); }

  json Create(const json& body, int expected = 201) {
    auto res = HttpJson(port(), "POST", "/api/v1/requests", body);
    EXPECT_EQ(res.status, expected) << res.body;
    return res.Json();
  }

  static json Pothole(const std::string& description = "Nid-de-poule devant le 12") {
    return {
        {"service", "signalement-voirie"},
        {"description", description},
        {"channel", "web"},
        {"contact", {{"name", "Jeanne Dupont"}, {"email", "jeanne@example.org"}}},
        {"location", {{"lat", 45.764}, {"lon", 4.8357}, {"address", "12 rue de la République"}}}};
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(HttpApiTest, HealthReadinessAndMetricsAnswer) {
  EXPECT_EQ(Http(port(), "GET", "/healthz").status, 200);
  auto ready = Http(port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.Json()["database"], "ok");
  auto metrics = Http(port(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find(
                "guichet_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("guichet_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.body.find("guichet_db_pool_connections_open"), std::string::npos);
  EXPECT_FALSE(Http(port(), "GET", "/healthz").Header("x-request-id").empty());
}

TEST_P(HttpApiTest, CreatedRequestIsReadableByIdAndReference) {
  auto created = HttpJson(port(), "POST", "/api/v1/requests", Pothole());
  ASSERT_EQ(created.status, 201) << created.body;
  const json r = created.Json();
  EXPECT_EQ(created.Header("etag"), "\"v1\"");
  EXPECT_EQ(created.Header("location"), "/api/v1/requests/" + r["reference"].get<std::string>());
  EXPECT_TRUE(r["reference"].get<std::string>().starts_with("GU-"));
  EXPECT_EQ(r["status"], "nouveau");  // the street-report workflow of the catalogue
  EXPECT_EQ(r["category"], "new");
  EXPECT_EQ(r["team"], "voirie");
  EXPECT_EQ(r["channel"], "web");
  EXPECT_DOUBLE_EQ(r["location"]["lat"].get<double>(), 45.764);
  EXPECT_FALSE(r["due_at"].is_null());

  for (const std::string& key :
       {std::to_string(r["id"].get<int64_t>()), r["reference"].get<std::string>()}) {
    auto got = Http(port(), "GET", "/api/v1/requests/" + key);
    ASSERT_EQ(got.status, 200) << key;
    EXPECT_EQ(got.Json(), r);
  }
  // Conditional GET.
  auto again = Http(port(), "GET", "/api/v1/requests/" + r["reference"].get<std::string>(), "",
                    {{"If-None-Match", "\"v1\""}});
  EXPECT_EQ(again.status, 304);
  // The first timeline event is the citizen's message on the channel of origin;
  // the workflow's first status acknowledges it (a notification to send).
  auto events =
      Http(port(), "GET", "/api/v1/requests/" + r["reference"].get<std::string>() + "/events");
  ASSERT_EQ(events.status, 200);
  ASSERT_EQ(events.Json()["items"].size(), 2u);
  EXPECT_EQ(events.Json()["items"][0]["kind"], "message_in");
  EXPECT_EQ(events.Json()["items"][0]["channel"], "web");
  const json ack = events.Json()["items"][1];
  EXPECT_EQ(ack["kind"], "message_out");
  EXPECT_EQ(ack["channel"], "email");
  EXPECT_EQ(ack["data"]["template"], "accuse_reception");
  EXPECT_EQ(ack["data"]["delivery"], "pending");
  EXPECT_NE(ack["body"].get<std::string>().find(r["reference"].get<std::string>()),
            std::string::npos);
}

TEST_P(HttpApiTest, UnknownRequestIs404ProblemDetails) {
  for (const char* target : {"/api/v1/requests/999999", "/api/v1/requests/GU-2026-ZZZZZZ",
                             "/api/v1/requests/n-importe-quoi", "/nulle-part"}) {
    auto res = Http(port(), "GET", target);
    EXPECT_EQ(res.status, 404) << target;
    EXPECT_EQ(res.Header("content-type"), "application/problem+json; charset=utf-8");
    EXPECT_EQ(res.Json()["status"], 404);
    EXPECT_FALSE(res.Json()["detail"].get<std::string>().empty());
  }
}

TEST_P(HttpApiTest, BadInputGetsEveryFieldErrorAtOnce) {
  auto res = HttpJson(port(), "POST", "/api/v1/requests",
                      {{"service", "inconnu"},
                       {"description", ""},
                       {"channel", "pigeon"},
                       {"contact", {{"email", "pas-une-adresse"}, {"phone", "123"}}},
                       {"location", {{"lat", 123.0}, {"lon", 4.0}}},
                       {"surprise", true}});
  ASSERT_EQ(res.status, 400) << res.body;
  std::set<std::string> fields;
  const json problem = res.Json();
  for (const auto& e : problem["errors"]) fields.insert(e["field"].get<std::string>());
  for (const char* f : {"service", "description", "channel", "contact.email", "contact.phone",
                        "location.lat", "surprise"}) {
    EXPECT_TRUE(fields.count(f)) << "missing field error for " << f << " in " << res.body;
  }
  // Nothing was written.
  auto list = Http(port(), "GET", "/api/v1/requests?service=inconnu");
  EXPECT_EQ(list.Json()["items"].size(), 0u);
}

// PostgreSQL's text cannot hold a NUL byte (libpq would cut "avant\0après" to
// "avant") where SQLite would keep it: both refuse it, naming the field, and
// store nothing.
TEST_P(HttpApiTest, ANulCharacterIsRefusedWithItsFieldOnBothStores) {
  const auto stored = [&] {
    return Http(port(), "GET", "/api/v1/requests?limit=100").Json()["items"].size();
  };
  const size_t before = stored();
  json body = Pothole(std::string("avant") + '\0' + "après");
  auto res = HttpJson(port(), "POST", "/api/v1/requests", body);
  ASSERT_EQ(res.status, 400) << res.body;
  ASSERT_EQ(res.Json()["errors"].size(), 1u) << res.body;
  EXPECT_EQ(res.Json()["errors"][0]["field"], "description");

  body = Pothole();
  body["contact"]["name"] = std::string("Jeanne") + '\0';
  res = HttpJson(port(), "POST", "/api/v1/requests", body);
  ASSERT_EQ(res.status, 400) << res.body;
  EXPECT_EQ(res.Json()["errors"][0]["field"], "contact.name");

  EXPECT_EQ(stored(), before);
  // In a path, %00 is a malformed escape.
  EXPECT_EQ(Http(port(), "GET", "/api/v1/requests/GU%00").status, 400);
}

TEST_P(HttpApiTest, MalformedBodiesAreRefusedWithTheRightStatus) {
  struct Case {
    std::string body;
    std::string content_type;
    int status;
  };
  const std::vector<Case> cases = {
      {"{pas du json", "application/json", 400},
      {"[1, 2]", "application/json", 400},
      {R"({"service":"signalement-voirie","description":"x"})", "text/plain", 415},
      {R"({"service":"signalement-voirie","description":"x"})", "", 415},
      {"{\"description\":\"" + std::string(2 << 20, 'a') + "\"}", "application/json", 413},
  };
  for (const auto& c : cases) {
    std::map<std::string, std::string> h;
    if (!c.content_type.empty()) h["Content-Type"] = c.content_type;
    auto res = Http(port(), "POST", "/api/v1/requests", c.body, h);
    EXPECT_EQ(res.status, c.status) << c.body.substr(0, 40);
    EXPECT_EQ(res.Json()["status"], c.status);
  }
  auto res = Http(port(), "DELETE", "/api/v1/requests/1");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.Header("allow"), "GET, PATCH");
  EXPECT_EQ(Http(port(), "GET", "/api/v1/requests?limit=1000").status, 400);
  EXPECT_EQ(Http(port(), "GET", "/api/v1/requests?couleur=bleu").status, 400);
  EXPECT_EQ(Http(port(), "GET", "/api/v1/requests?cursor=abc").status, 400);
  // Oversized headers.
  EXPECT_EQ(Http(port(), "GET", "/healthz", "", {{"X-Big", std::string(20000, 'x')}}).status, 431);
}

TEST_P(HttpApiTest, IdempotencyKeyMakesRetriesSafe) {
  const std::map<std::string, std::string> key = {{"Idempotency-Key", "retry-42"}};
  auto first = HttpJson(port(), "POST", "/api/v1/requests", Pothole(), key);
  auto second = HttpJson(port(), "POST", "/api/v1/requests", Pothole(), key);
  ASSERT_EQ(first.status, 201);
  ASSERT_EQ(second.status, 201);
  EXPECT_EQ(second.Header("idempotent-replayed"), "true");
  EXPECT_EQ(first.Json()["id"], second.Json()["id"]);
  auto other = HttpJson(port(), "POST", "/api/v1/requests", Pothole("Autre chose"), key);
  EXPECT_EQ(other.status, 422) << other.body;
  auto list = Http(port(), "GET", "/api/v1/requests?service=signalement-voirie&limit=100");
  int copies = 0;
  const json items = list.Json()["items"];
  for (const auto& r : items) copies += r["id"] == first.Json()["id"];
  EXPECT_EQ(copies, 1);
}

TEST_P(HttpApiTest, StaleIfMatchIsRefusedAndNothingIsLost) {
  const json r = Create(Pothole());
  const std::string path = "/api/v1/requests/" + std::to_string(r["id"].get<int64_t>());
  auto note = HttpJson(port(), "POST", path + "/events",
                       {{"kind", "note"}, {"body", "Équipe prévenue"}}, {{"If-Match", "\"v1\""}});
  ASSERT_EQ(note.status, 201) << note.body;
  EXPECT_EQ(note.Header("etag"), "\"v2\"");
  // A second writer still holding v1 is refused.
  auto stale = HttpJson(port(), "POST", path + "/transitions", {{"to", "pris_en_compte"}},
                        {{"If-Match", "\"v1\""}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  auto stale_patch =
      HttpJson(port(), "PATCH", path, {{"team", "proprete"}}, {{"If-Match", "\"v1\""}});
  EXPECT_EQ(stale_patch.status, 412);
  auto current = Http(port(), "GET", path).Json();
  EXPECT_EQ(current["version"], 2);
  EXPECT_EQ(current["status"], "nouveau");
  EXPECT_EQ(current["team"], "voirie");
  auto ok = HttpJson(port(), "POST", path + "/transitions", {{"to", "pris_en_compte"}},
                     {{"If-Match", "\"v2\""}});
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_P(HttpApiTest, WorkflowAllowsOnlyItsTransitions) {
  const json r = Create(Pothole());
  const std::string path = "/api/v1/requests/" + r["reference"].get<std::string>();
  const json allowed = Http(port(), "GET", path + "/transitions").Json();
  std::set<std::string> targets;
  for (const auto& t : allowed["items"]) targets.insert(t["to"].get<std::string>());
  EXPECT_EQ(targets, (std::set<std::string>{"pris_en_compte", "en_cours", "resolu",
                                            "hors_competence", "doublon"}));

  auto illegal = HttpJson(port(), "POST", path + "/transitions", {{"to", "cloture"}});
  ASSERT_EQ(illegal.status, 422) << illegal.body;
  EXPECT_EQ(illegal.Json()["allowed"].size(), 5u);

  auto no_comment = HttpJson(port(), "POST", path + "/transitions", {{"to", "hors_competence"}});
  EXPECT_EQ(no_comment.status, 400) << no_comment.body;

  auto open = HttpJson(port(), "POST", path + "/transitions", {{"to", "pris_en_compte"}});
  ASSERT_EQ(open.status, 200);
  // Only supervisors reopen a closed report; the loopback API acts as an agent.
  auto resolved = HttpJson(port(), "POST", path + "/transitions",
                           {{"to", "resolu"}, {"comment", "Trou rebouché ce matin."}});
  ASSERT_EQ(resolved.status, 200);
  EXPECT_EQ(resolved.Json()["category"], "resolved");
  EXPECT_FALSE(resolved.Json()["closed_at"].is_null());

  std::vector<json> changes;
  const json events = Http(port(), "GET", path + "/events").Json();
  for (const auto& e : events["items"]) {
    if (e["kind"] == "status_change") changes.push_back(e);
  }
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0]["data"]["from"], "nouveau");
  EXPECT_EQ(changes[0]["data"]["to"], "pris_en_compte");
  EXPECT_EQ(changes[1]["body"], "Trou rebouché ce matin.");
}

TEST_P(HttpApiTest, TimelineRecordsMessagesNotesAndAssignments) {
  const json r = Create(Pothole());
  const std::string path = "/api/v1/requests/" + r["reference"].get<std::string>();
  EXPECT_EQ(
      HttpJson(port(), "POST", path + "/events",
               {{"kind", "message_out"}, {"channel", "email"}, {"body", "Merci, c’est noté."}})
          .status,
      201);
  EXPECT_EQ(
      HttpJson(port(), "POST", path + "/events", {{"kind", "note"}, {"body", "Voir avec la DDT"}})
          .status,
      201);
  auto missing_channel =
      HttpJson(port(), "POST", path + "/events", {{"kind", "message_in"}, {"body", "x"}});
  EXPECT_EQ(missing_channel.status, 400);
  auto bad_kind =
      HttpJson(port(), "POST", path + "/events", {{"kind", "status_change"}, {"body", "x"}});
  EXPECT_EQ(bad_kind.status, 400);
  auto assigned = HttpJson(port(), "PATCH", path, {{"team", "proprete"}, {"agent_id", 1}});
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(assigned.Json()["team"], "proprete");
  EXPECT_EQ(assigned.Json()["agent_id"], 1);
  EXPECT_EQ(HttpJson(port(), "PATCH", path, {{"team", "inexistante"}}).status, 400);
  EXPECT_EQ(HttpJson(port(), "PATCH", path, {{"agent_id", 9999}}).status, 400);

  // After the citizen's message and the acknowledgement of the workflow:
  auto events = Http(port(), "GET", path + "/events").Json()["items"];
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[2]["kind"], "message_out");
  EXPECT_EQ(events[2]["channel"], "email");
  EXPECT_EQ(events[3]["kind"], "note");
  EXPECT_TRUE(events[3]["channel"].is_null());
  EXPECT_EQ(events[4]["kind"], "assignment");
  EXPECT_EQ(events[4]["data"]["team"], "proprete");
}

TEST_P(HttpApiTest, ListFiltersAndPaginatesWithAStableCursor) {
  std::set<int64_t> mine;
  for (int i = 0; i < 23; ++i) {
    json body = Pothole("Signalement numéro " + std::to_string(i));
    body["channel"] = i % 2 ? "sms" : "phone";
    mine.insert(Create(body)["id"].get<int64_t>());
  }
  std::set<int64_t> seen;
  std::optional<std::string> cursor;
  int64_t last = INT64_MAX;
  int pages = 0;
  do {
    std::string target = "/api/v1/requests?service=signalement-voirie&limit=5";
    if (cursor) target += "&cursor=" + *cursor;
    auto page = Http(port(), "GET", target);
    ASSERT_EQ(page.status, 200) << page.body;
    const json body = page.Json();
    for (const auto& r : body["items"]) {
      const int64_t id = r["id"].get<int64_t>();
      EXPECT_LT(id, last);  // newest first, no repeats
      last = id;
      EXPECT_TRUE(seen.insert(id).second);
    }
    const auto& next = body["next_cursor"];
    cursor = next.is_null() ? std::nullopt : std::optional<std::string>(next.get<std::string>());
    ++pages;
  } while (cursor && pages < 20);
  for (int64_t id : mine) EXPECT_TRUE(seen.count(id)) << id;

  auto sms = Http(port(), "GET", "/api/v1/requests?channel=sms&limit=100").Json()["items"];
  EXPECT_EQ(sms.size(), 11u + 1u);  // 11 of ours + one from the demo data
  for (const auto& r : sms) EXPECT_EQ(r["channel"], "sms");
  auto text = Http(port(), "GET", "/api/v1/requests?q=num%C3%A9ro%2017").Json()["items"];
  ASSERT_EQ(text.size(), 1u);
  auto by_status =
      Http(port(), "GET", "/api/v1/requests?status=nouveau&team=voirie&limit=100").Json()["items"];
  EXPECT_GE(by_status.size(), 23u);
  auto by_category =
      Http(port(), "GET", "/api/v1/requests?category=closed,rejected").Json()["items"];
  EXPECT_EQ(by_category.size(), 0u);
}

TEST_P(HttpApiTest, CatalogueAndOpenApiAreServed) {
  auto services = Http(port(), "GET", "/api/v1/services").Json()["items"];
  EXPECT_GE(services.size(), 8u);
  auto teams = Http(port(), "GET", "/api/v1/teams").Json()["items"];
  EXPECT_GE(teams.size(), 7u);
  auto doc = Http(port(), "GET", "/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.Json()["openapi"], "3.1.0");
}

TEST_P(HttpApiTest, SigtermFinishesCleanly) {
  Create(Pothole());
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  server_->Start();
  EXPECT_EQ(Http(port(), "GET", "/readyz").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Databases, HttpApiTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

TEST(Cli, InvalidConfigurationNamesTheKey) {
  struct Case {
    std::map<std::string, std::string> env;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{{"GUICHET_LISTEN", "0.0.0.0:8080"}}, "server.listen"},
      {{{"GUICHET_LISTEN", "127.0.0.1:99999"}}, "server.listen"},
      {{{"GUICHET_DATABASE", "mysql://x"}}, "database.url"},
      {{{"GUICHET_THREADS", "beaucoup"}}, "server.threads"},
  };
  for (const auto& c : cases) {
    std::string out;
    EXPECT_EQ(RunGuichet({"check-config"}, c.env, out), 2) << out;
    EXPECT_NE(out.find(c.expected), std::string::npos) << out;
    EXPECT_EQ(out.find("terminate"), std::string::npos) << out;
  }
  TempDir dir;
  const std::string path = dir.path() + "/guichet.toml";
  {
    std::ofstream f(path);
    f << "[server]\nlisten = \"127.0.0.1:8081\"\n[database]\nurl = \"sqlite:/tmp/x.db\"\ncouleur = "
         "3\n";
  }
  std::string out;
  EXPECT_EQ(RunGuichet({"check-config", "--config", path}, {}, out), 2);
  EXPECT_NE(out.find("database.couleur"), std::string::npos) << out;
  {
    std::ofstream f(path);
    f << "[server]\nlisten = \"127.0.0.1:8081\"\n";
  }
  EXPECT_EQ(RunGuichet({"check-config", "--config", path}, {}, out), 0) << out;
  EXPECT_EQ(RunGuichet({"version"}, {}, out), 0);
  EXPECT_NE(out.find("guichet "), std::string::npos);
}

TEST(Cli, MigratingTwiceIsANoOp) {
  TempDir dir;
  const std::map<std::string, std::string> env = {
      {"GUICHET_DATABASE", "sqlite:" + dir.path() + "/g.db"}};
  std::string out;
  ASSERT_EQ(RunGuichet({"migrate"}, env, out), 0) << out;
  EXPECT_NE(out.find("001_case_model.sql"), std::string::npos) << out;
  ASSERT_EQ(RunGuichet({"migrate"}, env, out), 0) << out;
  EXPECT_EQ(out.find("001_case_model.sql"), std::string::npos) << out;
}

}  // namespace
}  // namespace guichet::testing
