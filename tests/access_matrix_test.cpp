// The role matrix: every route of the OpenAPI document, tried with every
// kind of caller, against the set of callers allowed. A route of the
// document missing from the matrix fails the test, so no route added later
// escapes it. "Allowed" means neither 401 nor 403 (and, on a request's own
// routes, not 404: the record is visible); "refused" means 401, 403, or 404
// on a record the caller may not see.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "domain/credentials.hpp"
#include "support/test_support.hpp"

namespace guichet::testing {
namespace {

using nlohmann::json;

constexpr const char* kDemoPassword = "Guichet-Demo-2026!";
constexpr const char* kDemoTotp = "JBSWY3DPEHPK3PXP";
constexpr const char* kCitizenPassword = "Matrice-Citoyen-2026!";

// The callers, in this order in the matrix strings below.
const std::vector<std::string> kRoles = {"anonymous",   "citizen",    "other_citizen", "team_agent",
                                         "other_agent", "supervisor", "admin",         "api_key"};

// Allowed callers per route: one letter per role of kRoles — x allowed, . refused.
//                                       anon cit oth agt oag sup adm api
const std::map<std::string, std::string> kMatrix = {
    {"GET /healthz", "xxxxxxxx"},
    {"GET /readyz", "xxxxxxxx"},
    {"GET /metrics", "xxxxxxxx"},  // loopback only: the test runs there
    {"GET /api/v1/openapi.json", "xxxxxxxx"},
    {"GET /api/v1/services", "xxxxxxxx"},
    {"GET /api/v1/teams", "xxxxxxxx"},
    {"GET /api/v1/teams/{id}/agents", "...xxxxx"},
    {"GET /api/v1/services/{slug}", "xxxxxxxx"},
    {"POST /api/v1/services/{slug}/requests", "xxxxxxxx"},
    {"POST /api/v1/services/{slug}/drafts", "xxxxxxxx"},
    {"GET /api/v1/drafts/{token}", "xxxxxxxx"},
    {"PUT /api/v1/drafts/{token}", "xxxxxxxx"},
    {"DELETE /api/v1/drafts/{token}", "xxxxxxxx"},
    {"POST /api/v1/drafts/{token}/submit", "xxxxxxxx"},
    {"POST /api/v1/uploads", "xxxxxxxx"},
    {"GET /api/v1/uploads/{id}", "xxxxxxxx"},
    {"GET /api/v1/uploads/{id}/content", "xxxxxxxx"},
    {"POST /api/v1/requests/{id}/corrections", "xxxxxxxx"},
    {"POST /api/v1/requests", ".xxxxxxx"},
    {"GET /api/v1/requests", ".xxxxxxx"},
    // The request belongs to `citizen` and to the team of `team_agent` and `supervisor`.
    {"GET /api/v1/requests/{id}", ".x.x.xxx"},
    {"PATCH /api/v1/requests/{id}", "...x.xxx"},
    {"GET /api/v1/requests/{id}/events", ".x.x.xxx"},
    {"POST /api/v1/requests/{id}/events", "...x.xxx"},
    {"GET /api/v1/requests/{id}/transitions", ".x.x.xxx"},
    {"POST /api/v1/requests/{id}/transitions", "...x.xxx"},
    {"GET /api/v1/requests/{id}/deadlines", ".x.x.xxx"},
    {"POST /api/v1/auth/signup", "xxxxxxxx"},
    {"POST /api/v1/auth/verify", "xxxxxxxx"},
    {"POST /api/v1/auth/verify/resend", "xxxxxxxx"},
    {"POST /api/v1/auth/login", "xxxxxxxx"},
    {"POST /api/v1/auth/magic-link", "xxxxxxxx"},
    {"POST /api/v1/auth/magic-link/consume", "xxxxxxxx"},
    {"POST /api/v1/auth/password-reset", "xxxxxxxx"},
    {"POST /api/v1/auth/password-reset/confirm", "xxxxxxxx"},
    {"POST /api/v1/auth/agent-login", "xxxxxxxx"},
    {"GET /api/v1/auth/oidc/start", "xxxxxxxx"},  // 503 here: no [oidc] in the test config
    {"GET /api/v1/auth/oidc/callback", "xxxxxxxx"},
    {"GET /api/v1/auth/session", ".xxxxxxx"},
    {"POST /api/v1/auth/logout", ".xxxxxxx"},
    {"POST /api/v1/auth/logout-all", ".xxxxxxx"},
    {"POST /api/v1/auth/totp/enroll", "...xxxx."},
    {"POST /api/v1/auth/totp/confirm", "...xxxx."},
    {"GET /api/v1/me", ".xx....."},
    {"PATCH /api/v1/me", ".xx....."},
    {"POST /api/v1/admin/catalogue/reload", "......x."},
    {"GET /api/v1/admin/agents", "......x."},
    {"POST /api/v1/admin/agents", "......x."},
    {"GET /api/v1/admin/agents/{id}", "......x."},
    {"PATCH /api/v1/admin/agents/{id}", "......x."},
    {"PUT /api/v1/admin/teams/{id}", "......x."},
    // The back-office: agents see their teams' requests only.
    {"GET /api/v1/inbox", "...xxxxx"},
    {"GET /api/v1/inbox/counts", "...xxxxx"},
    {"GET /api/v1/search", "...xxxxx"},
    {"POST /api/v1/requests/{id}/assign", "...x.xxx"},
    {"POST /api/v1/requests/{id}/notes", "...x.xxx"},
    {"POST /api/v1/requests/{id}/replies", "...x.xxx"},
    {"POST /api/v1/requests/{id}/merge", "...x.xxx"},
    {"GET /api/v1/requests/{id}/links", "...x.xxx"},
    {"POST /api/v1/requests/{id}/links", "...x.xxx"},
    {"POST /api/v1/bulk/status", "...xxxxx"},
    {"POST /api/v1/bulk/assign", "...xxxxx"},
    {"GET /api/v1/canned-responses", "...xxxxx"},
    {"GET /api/v1/canned-responses/{id}", "...xxxxx"},
    {"POST /api/v1/canned-responses", ".....xx."},
    {"PUT /api/v1/canned-responses/{id}", ".....xx."},
    {"DELETE /api/v1/canned-responses/{id}", ".....xx."},
    {"GET /api/v1/audit", "......x."},
    // Calls, counter visits and postal mail recorded by agents: any agent
    // finds or creates a citizen and records a new request; a request named
    // must be of the agent's teams.
    {"GET /api/v1/citizens", "...xxxxx"},
    {"POST /api/v1/citizens", "...xxxxx"},
    {"POST /api/v1/contacts", "...xxxxx"},
    {"POST /api/v1/postal-mail", "...xxxxx"},
    {"GET /api/v1/requests/{id}/scans", "...x.xxx"},
    // Outbound messages; the SMS webhook needs the gateway's signature.
    {"GET /api/v1/outbox", "...xxxxx"},
    {"GET /api/v1/outbox/{id}", "...xxxxx"},
    {"POST /api/v1/outbox/{id}/retry", "...xxxxx"},
    {"POST /api/v1/channels/sms/inbound", "........"},
    // Mail from mailgate needs the [mail] ingest_secret none of these callers has.
    {"POST /api/v1/channels/mail/inbound", "........"},
    {"POST /api/v1/channels/sms/status", "........"},
    // Letters to print; notification templates (changed by an administrator).
    {"GET /api/v1/letters", "...xxxxx"},
    {"GET /api/v1/letters/{id}/pdf", "...xxxxx"},
    {"POST /api/v1/letters/{id}/printed", "...xxxxx"},
    {"GET /api/v1/templates", "...xxxxx"},
    {"GET /api/v1/templates/{id}", "...xxxxx"},
    {"PUT /api/v1/templates/{id}", "......x."},
    {"DELETE /api/v1/templates/{id}", "......x."},
    {"POST /api/v1/templates/{id}/preview", "...xxxxx"},
    // The citizen portal, without an account.
    {"GET /api/v1/portal", "xxxxxxxx"},
    {"POST /api/v1/track", "xxxxxxxx"},
    {"POST /api/v1/track/messages", "xxxxxxxx"},
    {"POST /api/v1/track/rating", "xxxxxxxx"},
    {"POST /api/v1/track/attach", ".xx....."},
    {"GET /api/v1/quality", "xxxxxxxx"},
};

// These end the caller's session: tried last, the first with fresh sessions.
const std::vector<std::string> kSessionEnders = {"POST /api/v1/auth/logout",
                                                 "POST /api/v1/auth/logout-all"};

struct Caller {
  std::map<std::string, std::string> headers;
  std::int64_t id = 0;
};

class AccessMatrixTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    std::string out;
    ASSERT_EQ(RunGuichet({"seed-demo"}, {{"GUICHET_DATABASE", db_->url()}}, out), 0) << out;
    ASSERT_EQ(RunGuichet({"api-key", "create", "--name", "partenaire", "--scope", "api"},
                         {{"GUICHET_DATABASE", db_->url()}}, out),
              0)
        << out;
    api_key_ = ApiKeyPrinted(out);
    server_ = std::make_unique<ServerProcess>(db_->url());
    server_->Start();
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->Stop(SIGTERM), 0);
    }
  }
  unsigned short port() const { return server_->port(); }

  static Caller FromSession(const HttpResponse& res) {
    Caller c;
    const std::string set = res.Header("set-cookie");
    c.headers = {{"Authorization", ""},
                 {"Cookie", set.substr(0, set.find(';'))},
                 {"X-CSRF-Token", res.Json().value("csrf_token", "")}};
    c.id = res.Json().value("id", std::int64_t{0});
    return c;
  }
  Caller Citizen(const std::string& email) {
    auto up = HttpJson(port(), "POST", "/api/v1/auth/signup",
                       {{"email", email}, {"password", kCitizenPassword}}, {{"Authorization", ""}});
    EXPECT_EQ(up.status, 202) << up.body;
    std::string token;
    for (const auto& e : std::filesystem::directory_iterator(server_->mail_dir())) {
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      std::smatch m;
      const std::string mail = ss.str();
      if (mail.find("To: " + email) != std::string::npos &&
          std::regex_search(mail, m, std::regex("token=([A-Za-z0-9_-]+)"))) {
        token = m[1];
      }
    }
    auto res = HttpJson(port(), "POST", "/api/v1/auth/verify", {{"token", token}},
                        {{"Authorization", ""}});
    EXPECT_EQ(res.status, 200) << res.body;
    return FromSession(res);
  }
  Caller CitizenLogin(const std::string& email) {
    auto res =
        HttpJson(port(), "POST", "/api/v1/auth/login",
                 {{"email", email}, {"password", kCitizenPassword}}, {{"Authorization", ""}});
    EXPECT_EQ(res.status, 200) << res.body;
    return FromSession(res);
  }
  Caller Agent(const std::string& email, const std::string& totp_secret = "") {
    json body = {{"email", email}, {"password", kDemoPassword}};
    if (!totp_secret.empty()) {
      // One code per time step and account: the step is the latest not used.
      const std::int64_t step = domain::TotpStepOf(std::time(nullptr) * std::int64_t{1'000'000});
      auto& used = last_step_[email];
      const std::int64_t s = std::max(step - 1, used + 1);
      used = s;
      body["totp"] = domain::TotpCode(totp_secret, s);
    }
    auto res = HttpJson(port(), "POST", "/api/v1/auth/agent-login", body, {{"Authorization", ""}});
    EXPECT_EQ(res.status, 200) << email << " " << res.body;
    return FromSession(res);
  }

  std::map<std::string, Caller> LogInEveryone() {
    std::map<std::string, Caller> c;
    c["anonymous"] = Caller{{{"Authorization", ""}}, 0};
    c["citizen"] = CitizenLogin("citoyenne@example.org");
    c["other_citizen"] = CitizenLogin("autre@example.org");
    c["team_agent"] = Agent("camille.martin@mairie-exemple.fr");
    c["other_agent"] = Agent("sophie.lefevre@mairie-exemple.fr");
    c["supervisor"] = Agent("nora@mairie-exemple.fr", nora_secret_);
    c["admin"] = Agent("admin@mairie-exemple.fr", kDemoTotp);
    c["api_key"] = Caller{{{"Authorization", "Bearer " + api_key_}}, 0};
    return c;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ServerProcess> server_;
  std::string api_key_;
  std::string nora_secret_;
  Caller citizen_, other_citizen_;
  std::map<std::string, std::int64_t> last_step_;
};

TEST_P(AccessMatrixTest, EveryRouteOfTheDocumentAnswersOnlyItsAllowedCallers) {
  // The document the server serves is the one in docs/ (openapi_test checks it).
  const json doc = Http(port(), "GET", "/api/v1/openapi.json").Json();
  std::vector<std::string> routes;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      std::string m = method;
      for (auto& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (m == "GET" || m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE") {
        routes.push_back(m + " " + path);
      }
    }
  }
  std::set<std::string> documented(routes.begin(), routes.end());
  for (const auto& r : routes) {
    EXPECT_TRUE(kMatrix.count(r)) << "route absente de la matrice des rôles : " << r;
  }
  for (const auto& [r, allowed] : kMatrix) {
    EXPECT_TRUE(documented.count(r)) << "route de la matrice absente du document : " << r;
    EXPECT_EQ(allowed.size(), kRoles.size()) << r;
  }
  if (HasFailure()) return;

  // The cast: two citizens, the supervisor of voirie (created by the admin
  // key), a throwaway agent for the admin routes, and a voirie request of `citizen`.
  citizen_ = Citizen("citoyenne@example.org");
  other_citizen_ = Citizen("autre@example.org");
  auto nora = HttpJson(port(), "POST", "/api/v1/admin/agents",
                       {{"name", "Nora Superviseure"},
                        {"email", "nora@mairie-exemple.fr"},
                        {"password", kDemoPassword},
                        {"teams", {{{"team_id", "voirie"}, {"role", "supervisor"}}}}});
  ASSERT_EQ(nora.status, 201) << nora.body;
  const std::string uri = nora.Json()["otpauth_uri"];
  const size_t at = uri.find("secret=") + 7;
  nora_secret_ = uri.substr(at, uri.find('&', at) - at);
  auto spare = HttpJson(port(), "POST", "/api/v1/admin/agents",
                        {{"name", "Agent Jetable"},
                         {"email", "jetable@mairie-exemple.fr"},
                         {"teams", {{{"team_id", "accueil"}, {"role", "agent"}}}}});
  ASSERT_EQ(spare.status, 201) << spare.body;
  const std::string spare_id = std::to_string(spare.Json()["id"].get<std::int64_t>());
  auto req = Http(port(), "POST", "/api/v1/requests",
                  json{{"service", "signalement-voirie"},
                       {"title", "Dalle descellée"},
                       {"description", "Devant le 4 rue Neuve."},
                       {"channel", "web"}}
                      .dump(),
                  [&] {
                    auto h = citizen_.headers;
                    h["Content-Type"] = "application/json";
                    return h;
                  }());
  ASSERT_EQ(req.status, 201) << req.body;
  const std::string ref = req.Json()["reference"];
  ASSERT_EQ(req.Json()["team"], "voirie");

  auto target = [&](const std::string& path) {
    std::string p = path;
    auto put = [&](const std::string& from, const std::string& to) {
      if (auto i = p.find(from); i != std::string::npos) p.replace(i, from.size(), to);
    };
    if (p.rfind("/api/v1/requests/", 0) == 0) put("{id}", ref);
    if (p.rfind("/api/v1/admin/agents/", 0) == 0) put("{id}", spare_id);
    put("{id}", p.rfind("/api/v1/admin/teams/", 0) == 0 ? "voirie" : "inexistant");
    put("{slug}", "signalement-voirie");
    put("{token}", "jeton-inexistant");
    return p;
  };
  auto body_of = [](const std::string& route) -> json {
    if (route == "POST /api/v1/requests/{id}/events") return {{"kind", "note"}, {"body", "m"}};
    // Not allowed from the first status: 422 for whoever may try it.
    if (route == "POST /api/v1/requests/{id}/transitions") return {{"to", "cloture"}};
    // Refused as malformed (400) before any proof is checked.
    if (route == "POST /api/v1/requests/{id}/corrections") return {{"inconnu", true}};
    return json::object();
  };
  auto check = [&](const std::string& route, std::map<std::string, Caller>& callers) {
    const std::string method = route.substr(0, route.find(' '));
    const std::string path = route.substr(route.find(' ') + 1);
    const bool record = path.rfind("/api/v1/requests/{id}", 0) == 0;
    for (size_t i = 0; i < kRoles.size(); ++i) {
      auto headers = callers[kRoles[i]].headers;
      std::string body;
      if (method != "GET" && method != "DELETE") {
        headers["Content-Type"] = "application/json";
        body = body_of(route).dump();
      }
      const auto res = Http(port(), method, target(path), body, headers);
      const bool allowed = kMatrix.at(route)[i] == 'x';
      const bool refused = res.status == 401 || res.status == 403 || (record && res.status == 404);
      EXPECT_EQ(allowed, !refused)
          << route << " as " << kRoles[i] << " → " << res.status << " " << res.body;
    }
  };
  auto callers = LogInEveryone();
  for (const auto& route : routes) {
    if (std::find(kSessionEnders.begin(), kSessionEnders.end(), route) == kSessionEnders.end()) {
      check(route, callers);
    }
  }
  for (const auto& route : kSessionEnders) {
    callers = LogInEveryone();
    check(route, callers);
  }
}

INSTANTIATE_TEST_SUITE_P(Databases, AccessMatrixTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace guichet::testing
