// End-to-end tests of the agent back-office over HTTP, on SQLite and on
// PostgreSQL: inbox, counts, full-text search, assignment, notes, replies,
// canned responses, merge, links, bulk actions and the audit log.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "storage/open.hpp"
#include "support/test_support.hpp"

namespace guichet::testing {
namespace {

using nlohmann::json;

class BackofficeTest : public ::testing::TestWithParam<bool> {
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

  json Create(const std::string& service, const std::string& title, const std::string& description,
              json contact = {{"name", "Jeanne Dupont"}, {"email", "jeanne@example.org"}}) {
    json body = {{"service", service},
                 {"title", title},
                 {"description", description},
                 {"channel", "phone"},
                 {"contact", contact}};
    if (service == "signalement-voirie") {
      body["location"] = {{"lat", 45.76}, {"lon", 4.83}, {"address", "Place des Terreaux"}};
    }
    auto res = HttpJson(port(), "POST", "/api/v1/requests", body);
    EXPECT_EQ(res.status, 201) << res.body;
    return res.Json();
  }

  json Get(const std::string& target, int expected = 200) {
    auto res = Http(port(), "GET", target);
    EXPECT_EQ(res.status, expected) << target << " " << res.body;
    return res.Json();
  }

  static std::string Ref(const json& r) { return r["reference"].get<std::string>(); }
  static std::string IdOf(const json& r) { return std::to_string(r["id"].get<std::int64_t>()); }

  // Audit lines are appended after the response: wait for them.
  json AuditOf(const std::string& request_id, size_t at_least) {
    json items;
    for (int i = 0; i < 100; ++i) {
      items = Get("/api/v1/audit?request_id=" + request_id)["items"];
      if (items.size() >= at_least) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return items;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(BackofficeTest, InboxFiltersAndPagesByDeadlineWithoutRepeats) {
  for (int i = 0; i < 5; ++i) {
    Create("signalement-voirie", "Trottoir abîmé " + std::to_string(i), "Dalles descellées.");
  }
  const json voirie = Get("/api/v1/inbox?team=voirie&limit=100")["items"];
  ASSERT_GE(voirie.size(), 5u);
  for (const auto& r : voirie) EXPECT_EQ(r["team"], "voirie");

  // Deadline order, two at a time, every request once.
  std::set<std::int64_t> seen;
  std::string last_due;  // RFC 3339 in UTC: text order is time order
  std::string cursor;
  int pages = 0;
  do {
    const json page = Get("/api/v1/inbox?team=voirie&sort=due&limit=2" +
                          (cursor.empty() ? "" : "&cursor=" + cursor));
    for (const auto& r : page["items"]) {
      EXPECT_TRUE(seen.insert(r["id"].get<std::int64_t>()).second) << r.dump();
      ASSERT_FALSE(r["due_at"].is_null());
      const std::string due = r["due_at"].get<std::string>();
      EXPECT_LE(last_due, due);
      last_due = due;
    }
    cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 50);
  EXPECT_EQ(seen.size(), voirie.size());
  EXPECT_GE(pages, 3);

  // Unassigned, then assigned to an agent: the filters follow.
  const auto count = [&](const std::string& query) {
    return Get("/api/v1/inbox?limit=100&" + query)["items"].size();
  };
  const size_t unassigned = count("assignee=unassigned&team=voirie");
  const size_t camille = count("assignee=1");
  ASSERT_GE(unassigned, 5u);
  auto assigned = HttpJson(port(), "POST", "/api/v1/requests/" + IdOf(voirie[0]) + "/assign",
                           {{"agent_id", 1}});
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(assigned.Json()["agent_id"], 1);
  EXPECT_EQ(count("assignee=1"), camille + 1);
  EXPECT_EQ(count("assignee=unassigned&team=voirie"), unassigned - 1);
  EXPECT_TRUE(Get("/api/v1/inbox?overdue=true")["items"].empty());
  // The five phone reports and the demo's phone request, by last activity.
  const json phone = Get("/api/v1/inbox?channel=phone&sort=activity&limit=100")["items"];
  EXPECT_EQ(phone.size(), 6u);
  EXPECT_EQ(phone[0]["id"], voirie[0]["id"]);  // assigned last
}

TEST_P(BackofficeTest, InboxRejectsBadParametersFieldByField) {
  auto res = Http(port(), "GET",
                  "/api/v1/inbox?sort=random&assignee=quelqu-un&overdue=peut-etre&from=hier&x=1");
  ASSERT_EQ(res.status, 400) << res.body;
  std::set<std::string> fields;
  const json problem = res.Json();
  for (const auto& e : problem["errors"]) fields.insert(e["field"].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"sort", "assignee", "overdue", "from", "x"}));
  EXPECT_EQ(Http(port(), "GET", "/api/v1/inbox?sort=due&cursor=12").status, 400);
  // "me" needs a signed-in agent; the anonymous API caller is not one.
  EXPECT_EQ(Http(port(), "GET", "/api/v1/inbox?assignee=me").status, 400);
}

TEST_P(BackofficeTest, CountsAddUpToTheInbox) {
  Create("signalement-voirie", "Lampadaire", "Éteint.");
  const json c = Get("/api/v1/inbox/counts");
  std::int64_t by_cat = 0, by_channel = 0;
  for (const auto& [_, n] : c["by_category"].items()) by_cat += n.get<std::int64_t>();
  for (const auto& [_, n] : c["by_channel"].items()) by_channel += n.get<std::int64_t>();
  EXPECT_EQ(c["total"].get<std::int64_t>(), 9);  // 8 demo requests and this one
  EXPECT_EQ(by_cat, 9);
  EXPECT_EQ(by_channel, 9);
  EXPECT_EQ(c["overdue"], 0);
  EXPECT_EQ(c["mine"], 0);
  EXPECT_EQ(c["by_channel"]["phone"], 2);
  const json voirie = Get("/api/v1/inbox/counts?team=voirie");
  EXPECT_EQ(voirie["total"].get<std::int64_t>(), 3);  // two demo reports and this one
  EXPECT_EQ(Http(port(), "GET", "/api/v1/inbox/counts?status=x").status, 400);
}

TEST_P(BackofficeTest, CountsHonourTheActiveFilters) {
  Create("signalement-voirie", "Lampadaire clignotant", "Il clignote toute la nuit.");
  Create("encombrants", "Canapé", "À enlever.");
  // Each filter: the counts describe exactly the requests the inbox lists.
  for (const std::string q :
       {"team=voirie", "channel=phone", "team=voirie&channel=phone", "service=encombrants",
        "q=lampadaire", "from=2000-01-01&to=2000-01-02", "team=voirie&q=clignote"}) {
    const json c = Get("/api/v1/inbox/counts?" + q);
    const json listed = Get("/api/v1/inbox?limit=100&" + q)["items"];
    EXPECT_EQ(c["total"].get<std::int64_t>(), static_cast<std::int64_t>(listed.size())) << q;
    std::int64_t unassigned = 0;
    for (const auto& r : listed) unassigned += r["agent_id"].is_null() ? 1 : 0;
    EXPECT_EQ(c["unassigned"].get<std::int64_t>(), unassigned) << q;
  }
  EXPECT_EQ(Get("/api/v1/inbox/counts?from=2000-01-01&to=2000-01-02")["total"], 0);
  EXPECT_GE(Get("/api/v1/inbox/counts?q=lampadaire")["total"].get<std::int64_t>(), 1);
  // The facets the sidebar counts by are not filters of the counts.
  auto bad = Http(port(), "GET", "/api/v1/inbox/counts?category=new&channel=pigeon");
  ASSERT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.Json()["errors"].size(), 1u);  // category refused before the values are read
}

// A NUL inside a quoted FTS5 query ended SQLite's reading of it (a 503); %00 is
// now kept as its three characters, and control bytes separate words.
TEST_P(BackofficeTest, ASearchHoldingANulOrControlBytesIsAnsweredNotFailed) {
  const json lamp = Create("signalement-voirie", "Lampadaire", "Un lampadaire cassé.");
  for (const std::string route :
       {"/api/v1/search?q=", "/api/v1/inbox?q=", "/api/v1/inbox/counts?q="}) {
    for (const std::string q : {"%00", "lampadaire%00", "a%00b%1Fc", "lampadaire%01"}) {
      auto res = Http(port(), "GET", route + q);
      EXPECT_EQ(res.status, 200) << route << q << " " << res.body;
    }
  }
  const json hits = Get("/api/v1/search?q=lampadaire%01casse")["items"];
  ASSERT_EQ(hits.size(), 1u) << hits.dump();
  EXPECT_EQ(hits[0]["request"]["reference"], Ref(lamp));
}

TEST_P(BackofficeTest, SearchFoldsAccentsAndStemsFrenchWords) {
  const json lamp = Create("signalement-voirie", "Lampadaires cassés près de l’église",
                           "Deux lampadaires sont tombés après la tempête.");
  const json bins = Create("encombrants", "Enlèvement", "Un vieux buffet à enlever.");
  auto note = HttpJson(port(), "POST", "/api/v1/requests/" + IdOf(bins) + "/notes",
                       {{"body", "Les conteneurs sont pleins aussi dans la cour."}});
  ASSERT_EQ(note.status, 201) << note.body;

  // Other inflections, no accents, other case.
  json hits = Get("/api/v1/search?q=LAMPADAIRE%20casse%20eglise")["items"];
  ASSERT_EQ(hits.size(), 1u) << hits.dump();
  EXPECT_EQ(hits[0]["request"]["reference"], Ref(lamp));
  EXPECT_NE(hits[0]["snippet"].get<std::string>().find("<mark>"), std::string::npos);

  // A note's words find its request.
  hits = Get("/api/v1/search?q=conteneur%20plein")["items"];
  ASSERT_EQ(hits.size(), 1u) << hits.dump();
  EXPECT_EQ(hits[0]["request"]["reference"], Ref(bins));

  EXPECT_TRUE(Get("/api/v1/search?q=piscine%20municipale")["items"].empty());
  // What Guichet wrote itself — the acknowledgement on every timeline — is
  // not searched: it would match every request.
  const json events = Get("/api/v1/requests/" + IdOf(lamp) + "/events")["items"];
  const bool acknowledged = std::any_of(events.begin(), events.end(), [](const json& e) {
    return e["author"] == "system" &&
           e["body"].get<std::string>().find("bien reçu") != std::string::npos;
  });
  ASSERT_TRUE(acknowledged) << events.dump();
  EXPECT_TRUE(Get("/api/v1/search?q=avons%20bien%20re%C3%A7u")["items"].empty());
  // The inbox filters on the same index.
  const json inbox = Get("/api/v1/inbox?q=lampadaires%20eglise&team=voirie")["items"];
  ASSERT_EQ(inbox.size(), 1u) << inbox.dump();
  EXPECT_EQ(inbox[0]["reference"], Ref(lamp));
  // FTS syntax in the words is just text.
  EXPECT_EQ(Http(port(), "GET", "/api/v1/search?q=%22NEAR(a%20b)%20OR%20*").status, 200);
  EXPECT_EQ(Http(port(), "GET", "/api/v1/search?q=").status, 400);
  EXPECT_EQ(Http(port(), "GET", "/api/v1/search?q=" + std::string(201, 'a')).status, 400);
}

TEST_P(BackofficeTest, RepliesArePendingMessagesOnTheCitizensChannel) {
  const json r = Create("signalement-voirie", "Nid-de-poule", "Rue Garibaldi.");
  auto reply = HttpJson(port(), "POST", "/api/v1/requests/" + Ref(r) + "/replies",
                        {{"body", "Nous intervenons demain."}});
  ASSERT_EQ(reply.status, 201) << reply.body;
  const json e = reply.Json();
  EXPECT_EQ(e["kind"], "message_out");
  EXPECT_EQ(e["channel"], "email");
  EXPECT_EQ(e["data"]["delivery"], "pending");
  EXPECT_EQ(e["data"]["to"], "jeanne@example.org");

  // No phone number: no SMS.
  auto sms = HttpJson(port(), "POST", "/api/v1/requests/" + Ref(r) + "/replies",
                      {{"body", "x"}, {"channel", "sms"}});
  EXPECT_EQ(sms.status, 400) << sms.body;
  EXPECT_EQ(
      HttpJson(port(), "POST", "/api/v1/requests/" + Ref(r) + "/replies", json::object()).status,
      400);
  EXPECT_EQ(
      HttpJson(port(), "POST", "/api/v1/requests/GU-2026-ZZZZZZ/replies", {{"body", "x"}}).status,
      404);
}

TEST_P(BackofficeTest, CannedResponsesAreRenderedForTheRequest) {
  auto created = HttpJson(port(), "POST", "/api/v1/canned-responses",
                          {{"title", "Accusé de réception"},
                           {"body",
                            "Bonjour {{citizen_name}}, votre demande {{reference}} ({{service}}) "
                            "sera traitée avant le {{deadline}}."}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = std::to_string(created.Json()["id"].get<std::int64_t>());
  EXPECT_EQ(Get("/api/v1/canned-responses")["items"].size(), 1u);

  const json r = Create("signalement-voirie", "Nid-de-poule", "Rue Garibaldi.");
  auto reply = HttpJson(port(), "POST", "/api/v1/requests/" + Ref(r) + "/replies",
                        {{"canned_response_id", std::stoll(id)}});
  ASSERT_EQ(reply.status, 201) << reply.body;
  const std::string body = reply.Json()["body"].get<std::string>();
  EXPECT_NE(body.find("Bonjour Jeanne Dupont, votre demande " + Ref(r)), std::string::npos) << body;
  EXPECT_EQ(body.find("{{"), std::string::npos) << body;

  auto updated = HttpJson(port(), "PUT", "/api/v1/canned-responses/" + id,
                          {{"title", "AR"}, {"body", "Bien reçu."}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Get("/api/v1/canned-responses/" + id)["title"], "AR");
  auto bad = HttpJson(port(), "POST", "/api/v1/canned-responses",
                      {{"title", ""}, {"body", " "}, {"team", "inconnue"}});
  ASSERT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.Json()["errors"].size(), 3u) << bad.body;
  EXPECT_EQ(
      HttpJson(port(), "POST", "/api/v1/canned-responses", {{"title", "x"}, {"body", 3}}).status,
      400);
  EXPECT_EQ(Http(port(), "DELETE", "/api/v1/canned-responses/" + id).status, 204);
  EXPECT_EQ(Http(port(), "GET", "/api/v1/canned-responses/" + id).status, 404);
  EXPECT_EQ(HttpJson(port(), "POST", "/api/v1/requests/" + Ref(r) + "/replies",
                     {{"canned_response_id", std::stoll(id)}})
                .status,
            400);
}

TEST_P(BackofficeTest, MergeJoinsTimelinesAndClosesTheDuplicate) {
  const json keep = Create("signalement-voirie", "Arbre tombé", "Un arbre barre la rue.");
  const json dup = Create("signalement-voirie", "Arbre sur la chaussée", "Même arbre, appel bis.");
  auto merged =
      HttpJson(port(), "POST", "/api/v1/requests/" + Ref(dup) + "/merge", {{"into", Ref(keep)}});
  ASSERT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(merged.Json()["duplicate"]["category"], "closed");
  EXPECT_EQ(merged.Json()["duplicate"]["status"], "doublon");  // the workflow's first closed status

  const json events = Get("/api/v1/requests/" + Ref(keep) + "/events")["items"];
  bool has_dup_message = false;
  for (const auto& e : events) {
    has_dup_message = has_dup_message || e["body"] == "Même arbre, appel bis.";
  }
  EXPECT_TRUE(has_dup_message) << events.dump();
  const json links = Get("/api/v1/requests/" + Ref(dup) + "/links")["items"];
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0]["kind"], "duplicate");
  EXPECT_EQ(links[0]["to"], keep["id"]);

  EXPECT_EQ(
      HttpJson(port(), "POST", "/api/v1/requests/" + Ref(dup) + "/merge", {{"into", Ref(keep)}})
          .status,
      409);
  EXPECT_EQ(
      HttpJson(port(), "POST", "/api/v1/requests/" + Ref(keep) + "/merge", {{"into", Ref(keep)}})
          .status,
      400);

  const json other = Create("encombrants", "Canapé", "À enlever.");
  auto linked = HttpJson(port(), "POST", "/api/v1/requests/" + Ref(keep) + "/links",
                         {{"request", Ref(other)}});
  ASSERT_EQ(linked.status, 201) << linked.body;
  EXPECT_EQ(Get("/api/v1/requests/" + Ref(other) + "/links")["items"][0]["kind"], "related");
  // The link's audit line is about the request of the path, not the one the body names.
  EXPECT_FALSE(
      AuditLine(port(), "request_id=" + IdOf(keep), "/api/v1/requests/{id}/links").is_null());
}

TEST_P(BackofficeTest, BulkActionsAnswerItemByItem) {
  const json a = Create("signalement-voirie", "A", "Premier.");
  const json b = Create("signalement-voirie", "B", "Second.");
  auto res = HttpJson(port(), "POST", "/api/v1/bulk/status",
                      {{"ids", {a["id"], Ref(b), 999999}}, {"to", "en_cours"}});
  ASSERT_EQ(res.status, 200) << res.body;
  const json items = res.Json()["items"];
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0]["status"], 200) << items.dump();
  EXPECT_EQ(items[1]["status"], 200);
  EXPECT_EQ(items[2]["status"], 404);
  // The call's audit line is about several requests: it names none of them
  // (each change is on its request's timeline).
  const json bulk_line = AuditLine(port(), "action=POST&limit=100", "/api/v1/bulk/status");
  ASSERT_FALSE(bulk_line.is_null());
  EXPECT_TRUE(bulk_line["request_id"].is_null()) << bulk_line.dump();
  EXPECT_EQ(bulk_line["record"]["id"], "") << bulk_line.dump();
  // Already there: the workflow refuses, the others are unaffected.
  res = HttpJson(port(), "POST", "/api/v1/bulk/status", {{"ids", {a["id"]}}, {"to", "en_cours"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.Json()["items"][0]["status"], 422) << res.body;

  res = HttpJson(port(), "POST", "/api/v1/bulk/assign",
                 {{"ids", {a["id"], b["id"]}}, {"team", "proprete"}});
  ASSERT_EQ(res.status, 200) << res.body;
  const json assigned = res.Json()["items"];
  for (const auto& i : assigned) EXPECT_EQ(i["request"]["team"], "proprete");
  EXPECT_EQ(HttpJson(port(), "POST", "/api/v1/bulk/assign", {{"ids", json::array()}}).status, 400);
}

TEST_P(BackofficeTest, RoundRobinTeamsGiveNewRequestsToTheirAgentsInTurn) {
  // Propreté has round_robin = true and two demo agents.
  const json first = Create("encombrants", "Canapé", "À enlever.");
  const json second = Create("encombrants", "Matelas", "À enlever.");
  const json third = Create("encombrants", "Armoire", "À enlever.");
  ASSERT_FALSE(first["agent_id"].is_null()) << first.dump();
  EXPECT_NE(first["agent_id"], second["agent_id"]);
  EXPECT_EQ(first["agent_id"], third["agent_id"]);
  // Voirie has none: unassigned.
  EXPECT_TRUE(Create("signalement-voirie", "Nid", "Trou.")["agent_id"].is_null());
}

TEST_P(BackofficeTest, RequestsMovedToARoundRobinTeamGoToItsAgentsInTurn) {
  const json a = Create("signalement-voirie", "Tags", "Sur le mur de l’école.");
  const json b = Create("signalement-voirie", "Dépôt sauvage", "Rue Neuve.");
  ASSERT_TRUE(a["agent_id"].is_null());
  auto moved_a =
      HttpJson(port(), "POST", "/api/v1/requests/" + IdOf(a) + "/assign", {{"team", "proprete"}});
  auto moved_b =
      HttpJson(port(), "POST", "/api/v1/requests/" + IdOf(b) + "/assign", {{"team", "proprete"}});
  ASSERT_EQ(moved_a.status, 200) << moved_a.body;
  ASSERT_EQ(moved_b.status, 200) << moved_b.body;
  EXPECT_EQ(moved_a.Json()["team"], "proprete");
  ASSERT_FALSE(moved_a.Json()["agent_id"].is_null()) << moved_a.body;
  ASSERT_FALSE(moved_b.Json()["agent_id"].is_null());
  EXPECT_NE(moved_a.Json()["agent_id"], moved_b.Json()["agent_id"]);
  // The agents of that team are who the turn goes to.
  const json agents = Get("/api/v1/teams/proprete/agents")["items"];
  std::set<std::int64_t> ids;
  for (const auto& ag : agents) ids.insert(ag["id"].get<std::int64_t>());
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_TRUE(ids.count(moved_a.Json()["agent_id"].get<std::int64_t>()));
  // An agent named with the move is kept; a team without round robin leaves it unassigned.
  const json c = Create("signalement-voirie", "Banc cassé", "Square.");
  const std::int64_t named = *ids.begin();
  auto chosen = HttpJson(port(), "POST", "/api/v1/requests/" + IdOf(c) + "/assign",
                         {{"team", "proprete"}, {"agent_id", named}});
  ASSERT_EQ(chosen.status, 200) << chosen.body;
  EXPECT_EQ(chosen.Json()["agent_id"], named);
  const json events = Get("/api/v1/requests/" + IdOf(a) + "/events")["items"];
  EXPECT_EQ(events.back()["kind"], "assignment");
}

TEST_P(BackofficeTest, TeamsCreatedByTheAdministrationApiAreListedAndAssignable) {
  auto put = HttpJson(port(), "PUT", "/api/v1/admin/teams/quartiers",
                      {{"name", "Mairies de quartier"}, {"round_robin", true}});
  ASSERT_EQ(put.status, 200) << put.body;
  const json teams = Get("/api/v1/teams")["items"];
  bool found = false;
  for (const auto& t : teams) {
    if (t["id"] == "quartiers") {
      found = true;
      EXPECT_EQ(t["name"], "Mairies de quartier");
      EXPECT_EQ(t["round_robin"], true);
    }
    if (t["id"] == "proprete") {
      EXPECT_EQ(t["round_robin"], true);
    }
    if (t["id"] == "voirie") {
      EXPECT_EQ(t["round_robin"], false);
    }
  }
  EXPECT_TRUE(found) << teams.dump();
  const json r = Create("signalement-voirie", "Trottoir", "Abîmé.");
  auto moved =
      HttpJson(port(), "POST", "/api/v1/requests/" + IdOf(r) + "/assign", {{"team", "quartiers"}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.Json()["team"], "quartiers");
  EXPECT_TRUE(moved.Json()["agent_id"].is_null());  // nobody in that team yet
  EXPECT_TRUE(Get("/api/v1/teams/quartiers/agents")["items"].empty());
}

TEST_P(BackofficeTest, AuditRecordsWritesAndReadsWithPurposeAndIsTamperEvident) {
  const json r = Create("signalement-voirie", "Banc cassé", "Le banc du square est cassé.");
  auto read = Http(port(), "GET", "/api/v1/requests/" + Ref(r), "",
                   {{"Guichet-Purpose", "Appel de la citoyenne"}, {"User-Agent", "test-agent"}});
  ASSERT_EQ(read.status, 200);
  const json items = AuditOf(IdOf(r), 2);
  ASSERT_GE(items.size(), 2u) << items.dump();
  // Newest first: the read, then the creation.
  EXPECT_EQ(items[0]["action"], "read");
  EXPECT_EQ(items[0]["purpose"], "Appel de la citoyenne");
  EXPECT_EQ(items[0]["user_agent"], "test-agent");
  EXPECT_EQ(items[0]["ip"], "127.0.0.1");
  EXPECT_EQ(items[1]["action"], "POST");
  EXPECT_EQ(items[0]["prev_hash"].get<std::string>().size(), 64u);

  // Reading the log is itself in the log.
  json audit_reads;
  for (int i = 0; i < 100 && audit_reads.empty(); ++i) {
    const json page = Get("/api/v1/audit?action=read&limit=100")["items"];
    for (const auto& e : page) {
      if (e["record"]["type"] == "/api/v1/audit") audit_reads.push_back(e);
    }
    if (audit_reads.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_FALSE(audit_reads.empty());
  EXPECT_EQ(Http(port(), "GET", "/api/v1/audit?limit=abc").status, 400);

  ASSERT_EQ(server_->Stop(SIGTERM), 0);
  server_.reset();
  const std::map<std::string, std::string> env = {{"GUICHET_DATABASE", db_->url()}};
  std::string out;
  ASSERT_EQ(RunGuichet({"audit", "verify"}, env, out), 0) << out;
  EXPECT_NE(out.find("intacte"), std::string::npos) << out;

  // The database refuses to change or remove a line…
  auto conn = storage::Connect(*storage::ParseDatabaseUrl(db_->url()));
  EXPECT_ANY_THROW(conn->Execute("UPDATE audit_log SET purpose = 'rien'"));
  EXPECT_ANY_THROW(conn->Execute("DELETE FROM audit_log"));
  // …and one who disables that is caught by the chain.
  conn->ExecScript(db_->postgres() ? "DROP TRIGGER audit_log_no_change ON audit_log"
                                   : "DROP TRIGGER audit_log_no_update");
  conn->Execute("UPDATE audit_log SET purpose = 'rien' WHERE id = (SELECT MAX(id) FROM audit_log)");
  EXPECT_EQ(RunGuichet({"audit", "verify"}, env, out), 1) << out;
  EXPECT_NE(out.find("rompue"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Databases, BackofficeTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace guichet::testing
