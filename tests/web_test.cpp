// End-to-end tests of the portal's server side (issue #7): "Suivre ma
// demande" without an account (no enumeration, citizen-visible timeline,
// replies, ratings, the rate limit), the public quality figures in JSON and
// CSV, and the static front end (caching, ETag, SPA fallback that never
// shadows the API, security headers). The real binary, on SQLite and
// PostgreSQL.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/test_support.hpp"

namespace guichet::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kEmail = "Jeanne.Martin@example.org";
constexpr const char* kNoMatch =
    "Aucune demande ne correspond à cette référence et à ces coordonnées.";

json Report() {
  return {{"contact", {{"name", "Jeanne Martin"}, {"email", kEmail}, {"phone", "06 12 34 56 78"}}},
          {"location", {{"lat", 45.764}, {"lon", 4.8357}, {"address", "12 rue de la République"}}},
          {"data",
           {{"nature", "nid_de_poule"},
            {"titre", "Nid-de-poule devant le 12"},
            {"description", "Un trou profond sur la voie cyclable."},
            {"danger", true}}}};
}

void WriteFile(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

class WebTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    // A built front end, small and known: what the server must serve as is.
    const fs::path dist = fs::path(dist_.path());
    WriteFile(dist / "index.html", "<!doctype html><title>Guichet</title>");
    WriteFile(dist / "assets" / "index-4f9a1c.js", "console.log('guichet');");
    WriteFile(dist / "dsfr" / "dsfr.min.css", "body{margin:0}");
    server_ = std::make_unique<ServerProcess>(
        db_->url(), std::map<std::string, std::string>{{"GUICHET_WEB_DIST", dist.string()}});
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

  std::string Submit() {
    auto res = HttpJson(port(), "POST", "/api/v1/services/signalement-voirie/requests", Report());
    EXPECT_EQ(res.status, 201) << res.body;
    return res.Json().value("reference", "");
  }
  HttpResponse Track(const std::string& reference, const std::string& contact) {
    return HttpJson(port(), "POST", "/api/v1/track",
                    {{"reference", reference}, {"contact", contact}});
  }

  TempDir dist_;
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(WebTest, TrackingAnswersTheSameForAWrongReferenceAndAWrongContact) {
  const std::string ref = Submit();
  auto wrong_contact = Track(ref, "autre@example.org");
  auto wrong_ref = Track("GU-2026-ZZZZZZ", kEmail);
  auto not_a_ref = Track("n’importe quoi", kEmail);
  for (const auto* res : {&wrong_contact, &wrong_ref, &not_a_ref}) {
    EXPECT_EQ(res->status, 404) << res->body;
    EXPECT_EQ(res->Json().value("detail", ""), kNoMatch);
  }
  auto missing = HttpJson(port(), "POST", "/api/v1/track", {{"reference", ref}, {"x", 1}});
  ASSERT_EQ(missing.status, 400) << missing.body;
  const auto errors = missing.Json()["errors"];
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0]["field"], "x");
  EXPECT_EQ(errors[1]["field"], "contact");
}

TEST_P(WebTest, TrackingShowsTheCitizenTimelineButNeverInternalNotes) {
  const std::string ref = Submit();
  auto note = HttpJson(port(), "POST", "/api/v1/requests/" + ref + "/events",
                       {{"kind", "note"}, {"body", "Note interne : rappeler le chef d’équipe."}});
  ASSERT_EQ(note.status, 201) << note.body;
  // The email in another case, the phone as written at submission: both prove it.
  for (const std::string contact : {"jeanne.martin@EXAMPLE.org", "06.12.34.56.78"}) {
    auto res = Track(ref, contact);
    ASSERT_EQ(res.status, 200) << contact << ": " << res.body;
    const json t = res.Json();
    EXPECT_EQ(t["reference"], ref);
    EXPECT_EQ(t["status_label"], "Signalement reçu");
    EXPECT_EQ(t["category"], "new");
    EXPECT_EQ(t["can_rate"], false);
    EXPECT_EQ(t["rating"], nullptr);
    ASSERT_EQ(t["deadlines"].size(), 1u);
    EXPECT_EQ(t["deadlines"][0]["name"], "intervention");
    EXPECT_EQ(res.Header("cache-control"), "no-store");
    bool saw_intake = false, saw_ack = false;
    for (const auto& e : t["timeline"]) {
      EXPECT_NE(e["kind"], "note");
      EXPECT_EQ(e["body"].get<std::string>().find("Note interne"), std::string::npos);
      saw_intake = saw_intake || e["kind"] == "message_in";
      saw_ack = saw_ack || e["kind"] == "message_out";
    }
    EXPECT_TRUE(saw_intake);
    EXPECT_TRUE(saw_ack);
  }
}

TEST_P(WebTest, CitizenRepliesAndAddsADocumentByTheSameProof) {
  const std::string ref = Submit();
  auto up = Http(port(), "POST", "/api/v1/uploads?filename=note.txt", "Le trou s'agrandit.\n",
                 {{"Content-Type", "application/octet-stream"}});
  ASSERT_EQ(up.status, 201) << up.body;
  const std::string file = up.Json()["id"];
  auto empty = HttpJson(port(), "POST", "/api/v1/track/messages",
                        {{"reference", ref}, {"contact", kEmail}, {"message", "  "}});
  EXPECT_EQ(empty.status, 400) << empty.body;
  auto stranger =
      HttpJson(port(), "POST", "/api/v1/track/messages",
               {{"reference", ref}, {"contact", "x@example.org"}, {"message", "Bonjour"}});
  EXPECT_EQ(stranger.status, 404) << stranger.body;
  auto sent = HttpJson(port(), "POST", "/api/v1/track/messages",
                       {{"reference", ref},
                        {"contact", kEmail},
                        {"message", "Le trou s’est agrandi."},
                        {"files", {file}}});
  ASSERT_EQ(sent.status, 201) << sent.body;
  // A file is joined once.
  auto twice = HttpJson(port(), "POST", "/api/v1/track/messages",
                        {{"reference", ref}, {"contact", kEmail}, {"files", {file}}});
  EXPECT_EQ(twice.status, 400) << twice.body;
  const json t = Track(ref, kEmail).Json();
  bool message = false, attachment = false;
  for (const auto& e : t["timeline"]) {
    message = message || e["body"] == "Le trou s’est agrandi.";
    attachment = attachment || (e["kind"] == "attachment" && e["file"]["filename"] == "note.txt");
  }
  EXPECT_TRUE(message);
  EXPECT_TRUE(attachment);
  EXPECT_EQ(Http(port(), "GET", "/api/v1/uploads/" + file).Json()["request_id"],
            Http(port(), "GET", "/api/v1/requests/" + ref).Json()["id"]);
}

TEST_P(WebTest, AFinishedRequestIsRatedOnceAndTheQualityPageCountsIt) {
  const std::string ref = Submit();
  const json rating = {
      {"reference", ref}, {"contact", kEmail}, {"score", 4}, {"comment", "Merci !"}};
  auto early = HttpJson(port(), "POST", "/api/v1/track/rating", rating);
  EXPECT_EQ(early.status, 422) << early.body;
  auto fixed = HttpJson(port(), "POST", "/api/v1/requests/" + ref + "/transitions",
                        {{"to", "resolu"}, {"comment", "Rebouché."}});
  ASSERT_EQ(fixed.status, 200) << fixed.body;
  auto bad = HttpJson(port(), "POST", "/api/v1/track/rating",
                      {{"reference", ref}, {"contact", kEmail}, {"score", 7}});
  ASSERT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.Json()["errors"][0]["field"], "score");
  EXPECT_EQ(Track(ref, kEmail).Json()["can_rate"], true);
  auto rated = HttpJson(port(), "POST", "/api/v1/track/rating", rating);
  ASSERT_EQ(rated.status, 201) << rated.body;
  EXPECT_EQ(rated.Json()["score"], 4);
  EXPECT_EQ(HttpJson(port(), "POST", "/api/v1/track/rating", rating).status, 409);
  const json t = Track(ref, kEmail).Json();
  EXPECT_EQ(t["rating"]["comment"], "Merci !");
  EXPECT_EQ(t["can_rate"], false);

  // Another report, still open: received, not answered.
  Submit();
  auto quality = Http(port(), "GET", "/api/v1/quality");
  ASSERT_EQ(quality.status, 200) << quality.body;
  json voirie;
  const json report = quality.Json();
  for (const auto& item : report["items"]) {
    if (item["service"] == "signalement-voirie") voirie = item;
  }
  ASSERT_FALSE(voirie.is_null()) << quality.body;
  for (const char* period : {"last_30_days", "last_12_months"}) {
    const json& f = voirie[period];
    EXPECT_EQ(f["received"], 2) << period;
    EXPECT_EQ(f["answered"], 1) << period;  // the acknowledgement is not an answer
    EXPECT_EQ(f["resolved"], 1) << period;
    EXPECT_EQ(f["commitment_base"], 1) << period;  // the open one is not due yet
    EXPECT_EQ(f["within_commitment"], 1.0) << period;
    EXPECT_EQ(f["ratings"], 1) << period;
    EXPECT_EQ(f["satisfaction"], 4.0) << period;
    EXPECT_TRUE(f["median_first_answer_hours"].is_number()) << period;
  }
  auto csv = Http(port(), "GET", "/api/v1/quality?format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.Header("content-type"), "text/csv; charset=utf-8");
  EXPECT_NE(csv.body.find("signalement-voirie,Signaler un problème sur la voie publique,30j,2,1,"),
            std::string::npos)
      << csv.body;
  EXPECT_EQ(Http(port(), "GET", "/api/v1/quality?format=xlsx").status, 400);
}

TEST_P(WebTest, TrackingIsRateLimitedPerAddress) {
  int limited = 0;
  HttpResponse last;
  for (int i = 0; i < 35; ++i) {
    last = Track("GU-2026-ZZZZZZ", kEmail);
    if (last.status == 429) ++limited;
  }
  EXPECT_EQ(limited, 5);
  EXPECT_FALSE(last.Header("retry-after").empty());
  EXPECT_EQ(last.Header("content-type"), "application/problem+json; charset=utf-8");
}

TEST_P(WebTest, TheFrontEndIsServedWithCachingAndSecurityHeaders) {
  auto index = Http(port(), "GET", "/");
  ASSERT_EQ(index.status, 200) << index.body;
  EXPECT_EQ(index.body, "<!doctype html><title>Guichet</title>");
  EXPECT_EQ(index.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.Header("cache-control"), "no-cache");
  EXPECT_EQ(index.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(index.Header("referrer-policy"), "same-origin");
  const std::string csp = index.Header("content-security-policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("http"), std::string::npos) << "no third-party host: " << csp;
  // Client routes get the page; the API, Open311 and the probes keep theirs.
  for (const char* route :
       {"/suivi", "/qualite", "/demarches/signalement-voirie", "/agents/demandes/42"}) {
    auto page = Http(port(), "GET", route);
    EXPECT_EQ(page.status, 200) << route;
    EXPECT_EQ(page.body, index.body) << route;
  }
  for (const char* reserved : {"/api/v1/inconnu", "/api/v2", "/open311/inconnu", "/metrics/x"}) {
    auto res = Http(port(), "GET", reserved);
    EXPECT_EQ(res.status, 404) << reserved;
    EXPECT_EQ(res.Header("content-type"), "application/problem+json; charset=utf-8") << reserved;
  }
  EXPECT_EQ(Http(port(), "GET", "/healthz").Header("content-type"),
            "application/json; charset=utf-8");
  EXPECT_EQ(Http(port(), "GET", "/api/v1/services").status, 200);
  // Hashed assets are immutable; other files are revalidated; ETag gives 304.
  auto js = Http(port(), "GET", "/assets/index-4f9a1c.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.Header("cache-control"), "public, max-age=31536000, immutable");
  auto again =
      Http(port(), "GET", "/assets/index-4f9a1c.js", "", {{"If-None-Match", js.Header("etag")}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  auto css = Http(port(), "GET", "/dsfr/dsfr.min.css");
  EXPECT_EQ(css.Header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(css.Header("cache-control"), "no-cache");
  // Unknown files, escapes out of dist and writes.
  EXPECT_EQ(Http(port(), "GET", "/assets/absent.js").status, 404);
  EXPECT_EQ(Http(port(), "GET", "/inconnu").status, 404);
  EXPECT_EQ(Http(port(), "GET", "/assets/../../etc/passwd").status, 404);
  EXPECT_EQ(Http(port(), "GET", "/%2e%2e/%2e%2e/etc/passwd").status, 404);
  auto post = Http(port(), "POST", "/suivi", "x");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("allow"), "GET, HEAD");
}

TEST_P(WebTest, ThePortalDescribesTheTownHall) {
  auto res = Http(port(), "GET", "/api/v1/portal");
  ASSERT_EQ(res.status, 200) << res.body;
  const json p = res.Json();
  EXPECT_EQ(p["town"], "Mairie de Villeneuve-sur-Exemple");
  EXPECT_EQ(p["map"]["tile_url"], nullptr);
  bool voirie = false;
  for (const auto& proc : p["procedures"]) voirie = voirie || proc["slug"] == "signalement-voirie";
  EXPECT_TRUE(voirie);
  EXPECT_NE(std::find(p["categories"].begin(), p["categories"].end(), "Voirie et propreté"),
            p["categories"].end());
}

INSTANTIATE_TEST_SUITE_P(Databases, WebTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace guichet::testing
