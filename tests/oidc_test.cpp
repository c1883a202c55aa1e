// OpenID Connect login against a real provider: the npm package oidc-provider
// (tests/oidc/provider.mjs, installed by `npm ci` in scripts/test.sh) started
// on loopback for each test and stopped whatever the outcome, and the real
// binary on SQLite and PostgreSQL. The test plays the browser: it follows the
// redirects from /api/v1/auth/oidc/start through the provider (cookies kept)
// and brings the provider's answer to the callback with the state cookie.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "support/test_support.hpp"

namespace guichet::testing {
namespace {

using nlohmann::json;

constexpr const char* kPassword = "Lea-Martin-Guichet-2026!";
// The provider sends the browser there; the test reads the answer from the Location.
constexpr const char* kRedirectUri = "http://localhost/api/v1/auth/oidc/callback";
const std::map<std::string, std::string> kAnonymous = {{"Authorization", ""}};

// `node tests/oidc/provider.mjs PORT REDIRECT_URI`, waited for until "ready".
class Provider {
 public:
  Provider() : port_(FreePort()) {
    const std::string dir = std::string(GUICHET_SOURCE_DIR) + "/tests/oidc";
    if (!std::filesystem::exists(dir + "/node_modules/oidc-provider")) {
      throw std::runtime_error("oidc-provider absent: run `npm ci` in tests/oidc");
    }
    std::string line;
    pid_ = SpawnAndReadFirstLine({"node", "provider.mjs", std::to_string(port_), kRedirectUri}, dir,
                                 line);
    if (line != "ready") {
      Stop();
      throw std::runtime_error("provider.mjs did not start: " + line);
    }
  }
  ~Provider() { Stop(); }
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;

  unsigned short port() const { return port_; }
  std::string issuer() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The claims of the next account to sign in.
  void NextLogin(const json& claims) {
    auto r = HttpJson(port_, "PUT", "/test/next-login", claims);
    if (r.status != 204) throw std::runtime_error("next-login: " + r.body);
  }
  // The next ID token is rewritten: forge, expired, nonce, audience, issuer, none.
  void Tamper(const std::string& mode) {
    auto r = HttpJson(port_, "PUT", "/test/tamper", {{"mode", mode}});
    if (r.status != 204) throw std::runtime_error("tamper: " + r.body);
  }

 private:
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st = 0;
      waitpid(pid_, &st, 0);
      pid_ = -1;
    }
  }
  unsigned short port_;
  pid_t pid_ = -1;
};

// What the provider hands back to the browser, and the browser's state cookie.
struct Answer {
  std::string query;         // "code=…&state=…&iss=…"
  std::string state_cookie;  // "guichet_oidc_state=…"
};

std::string QueryParam(const std::string& query, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(query, m, std::regex("(^|&)" + name + "=([^&]*)"))) return "";
  return m[2];
}

class OidcTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    provider_ = std::make_unique<Provider>();
    db_ = std::make_unique<TestDatabase>(GetParam());
    server_ = std::make_unique<ServerProcess>(
        db_->url(),
        std::map<std::string, std::string>{{"GUICHET_OIDC_ISSUER", provider_->issuer()},
                                           {"GUICHET_OIDC_CLIENT_ID", "guichet"},
                                           {"GUICHET_OIDC_CLIENT_SECRET", "secret-de-test-guichet"},
                                           {"GUICHET_OIDC_REDIRECT_URI", kRedirectUri}});
    server_->Start();
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->Stop(SIGTERM), 0);
    }
    server_.reset();
    db_.reset();
    provider_.reset();
  }
  unsigned short port() const { return server_->port(); }

  // /start, then the provider's redirects with its cookies, up to our callback.
  Answer SignInAtProvider() {
    auto start = Http(port(), "GET", "/api/v1/auth/oidc/start", "", kAnonymous);
    EXPECT_EQ(start.status, 302) << start.body;
    Answer a;
    const std::string set = start.Header("set-cookie");
    a.state_cookie = set.substr(0, set.find(';'));
    std::string location = start.Header("location");
    const std::string origin = provider_->issuer();
    EXPECT_EQ(location.rfind(origin + "/", 0), 0u) << location;
    EXPECT_NE(location.find("code_challenge_method=S256"), std::string::npos);
    std::map<std::string, std::string> jar;
    for (int hop = 0; hop < 8 && location.rfind(origin, 0) == 0; ++hop) {
      std::string cookies;
      for (const auto& [k, v] : jar) cookies += (cookies.empty() ? "" : "; ") + k + "=" + v;
      auto r =
          Http(provider_->port(), "GET", location.substr(origin.size()), "", {{"Cookie", cookies}});
      for (const auto& c : r.set_cookies) {
        const auto eq = c.find('='), semi = c.find(';');
        jar[c.substr(0, eq)] = c.substr(eq + 1, semi - eq - 1);
      }
      EXPECT_TRUE(r.status == 302 || r.status == 303) << r.status << " " << r.body;
      location = r.Header("location");
      // The provider answers with paths or with absolute URLs.
      if (location.rfind("/", 0) == 0) location = origin + location;
    }
    EXPECT_EQ(location.rfind(std::string(kRedirectUri) + "?", 0), 0u) << location;
    a.query = location.substr(location.find('?') + 1);
    return a;
  }
  HttpResponse Callback(const Answer& a) {
    return Http(port(), "GET", "/api/v1/auth/oidc/callback?" + a.query, "",
                {{"Authorization", ""}, {"Cookie", a.state_cookie}});
  }
  // The session cookie of a successful callback ("guichet_session=…").
  static std::string SessionCookieOf(const HttpResponse& res) {
    for (const auto& c : res.set_cookies) {
      if (c.rfind("guichet_session=", 0) == 0) return c.substr(0, c.find(';'));
    }
    return "";
  }
  HttpResponse WithCookie(const std::string& cookie, const std::string& path) {
    return Http(port(), "GET", path, "", {{"Authorization", ""}, {"Cookie", cookie}});
  }
  // A refused callback: 401, a French problem, no session.
  static void ExpectRefused(const HttpResponse& res) {
    EXPECT_EQ(res.status, 401) << res.body;
    EXPECT_EQ(res.Header("content-type").rfind("application/problem+json", 0), 0u);
    EXPECT_NE(res.Json().value("detail", "").find("connexion"), std::string::npos) << res.body;
    EXPECT_EQ(SessionCookieOf(res), "");
  }

  std::unique_ptr<Provider> provider_;
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(OidcTest, ASuccessfulLoginCreatesTheCitizenAndOpensASessionWithCsrf) {
  auto res = Callback(SignInAtProvider());
  ASSERT_EQ(res.status, 303) << res.body;
  EXPECT_EQ(res.Header("location"), "/compte");  // the account page shows who signed in
  const std::string cookie = SessionCookieOf(res);
  ASSERT_FALSE(cookie.empty());
  for (const auto& c : res.set_cookies) {
    if (c.rfind("guichet_session=", 0) == 0) {
      EXPECT_NE(c.find("HttpOnly; Secure; SameSite=Lax"), std::string::npos) << c;
    }
  }
  auto me = WithCookie(cookie, "/api/v1/me");
  ASSERT_EQ(me.status, 200) << me.body;
  const json m = me.Json();
  EXPECT_EQ(m["given_name"], "Léa");
  EXPECT_EQ(m["family_name"], "Martin");
  EXPECT_EQ(m["birthdate"], "1990-04-01");
  EXPECT_EQ(m["email"], "lea@example.org");
  EXPECT_EQ(m["email_verified"], true);
  EXPECT_EQ(m["franceconnect"], true);
  auto session = WithCookie(cookie, "/api/v1/auth/session");
  ASSERT_EQ(session.status, 200);
  EXPECT_EQ(session.Json()["kind"], "citizen");
  const std::string csrf = session.Json().value("csrf_token", "");
  EXPECT_GE(csrf.size(), 32u);
  // The same CSRF rule as a password session: a write without the token is refused.
  auto bare = Http(port(), "POST", "/api/v1/auth/logout", "{}",
                   {{"Authorization", ""}, {"Cookie", cookie}});
  EXPECT_EQ(bare.status, 403);
  auto out = Http(port(), "POST", "/api/v1/auth/logout", "{}",
                  {{"Authorization", ""}, {"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(out.status, 204);

  // The next login by the same subject finds the same citizen.
  auto again = Callback(SignInAtProvider());
  ASSERT_EQ(again.status, 303) << again.body;
  auto session2 = WithCookie(SessionCookieOf(again), "/api/v1/auth/session");
  EXPECT_EQ(session2.Json()["id"], session.Json()["id"]);
}

TEST_P(OidcTest, AVerifiedEmailLinksTheExistingAccountAnUnverifiedOneDoesNot) {
  auto up = HttpJson(port(), "POST", "/api/v1/auth/signup",
                     {{"email", "lea@example.org"}, {"password", kPassword}, {"name", "Léa"}},
                     kAnonymous);
  ASSERT_EQ(up.status, 202) << up.body;
  // The account's id, through the administrator's view would need an agent:
  // an OIDC login with an unverified address must not land on it.
  provider_->NextLogin({{"sub", "sub-imposteur"},
                        {"given_name", "Faux"},
                        {"family_name", "Compte"},
                        {"birthdate", "1980-01-01"},
                        {"email", "lea@example.org"},
                        {"email_verified", false}});
  auto impostor = Callback(SignInAtProvider());
  ASSERT_EQ(impostor.status, 303) << impostor.body;
  auto me1 = WithCookie(SessionCookieOf(impostor), "/api/v1/me").Json();
  EXPECT_EQ(me1["email_verified"], false);
  provider_->NextLogin({{"sub", "sub-lea"},
                        {"given_name", "Léa"},
                        {"family_name", "Martin"},
                        {"birthdate", "1990-04-01"},
                        {"email", "lea@example.org"},
                        {"email_verified", true}});
  auto lea = Callback(SignInAtProvider());
  ASSERT_EQ(lea.status, 303) << lea.body;
  auto me2 = WithCookie(SessionCookieOf(lea), "/api/v1/me").Json();
  EXPECT_NE(me2["id"], me1["id"]);
  EXPECT_EQ(me2["name"], "Léa");  // the name given at sign-up: the account was linked
  EXPECT_EQ(me2["email_verified"], true);
  EXPECT_EQ(me2["franceconnect"], true);
  // Linked: the password of the sign-up now opens the same account.
  auto login = HttpJson(port(), "POST", "/api/v1/auth/login",
                        {{"email", "lea@example.org"}, {"password", kPassword}}, kAnonymous);
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.Json()["id"], me2["id"]);
}

TEST_P(OidcTest, ReplayedStateAndInjectedCodeAreRefused) {
  const Answer first = SignInAtProvider();
  ASSERT_EQ(Callback(first).status, 303);
  // The same answer again: the state was single use.
  ExpectRefused(Callback(first));
  // The used code with a fresh flow of this browser: the provider refuses it
  // (already redeemed, and not this flow's PKCE verifier).
  Answer fresh = SignInAtProvider();
  Answer injected = fresh;
  injected.query =
      "code=" + QueryParam(first.query, "code") + "&state=" + QueryParam(fresh.query, "state");
  ExpectRefused(Callback(injected));
}

TEST_P(OidcTest, AnAnswerBroughtToAnotherBrowserIsRefused) {
  const Answer a = SignInAtProvider();
  Answer elsewhere = a;
  elsewhere.state_cookie = "";  // login CSRF: the victim's browser never started this flow
  ExpectRefused(Callback(elsewhere));
  elsewhere.state_cookie = "guichet_oidc_state=" + std::string(43, 'A');
  ExpectRefused(Callback(elsewhere));
  // A browser is sent back to the portal's account page, which explains the
  // code, instead of being shown JSON; still no session.
  auto browser = Http(port(), "GET", "/api/v1/auth/oidc/callback?" + a.query, "",
                      {{"Authorization", ""}, {"Accept", "text/html,application/xhtml+xml"}});
  EXPECT_EQ(browser.status, 303) << browser.body;
  EXPECT_EQ(browser.Header("location"), "/compte?oidc_error=navigateur");
  EXPECT_EQ(SessionCookieOf(browser), "");
}

TEST_P(OidcTest, ThePortalOffersTheLoginWhenConfigured) {
  auto portal = Http(port(), "GET", "/api/v1/portal", "", kAnonymous);
  ASSERT_EQ(portal.status, 200) << portal.body;
  EXPECT_EQ(portal.Json()["oidc_login"], true);
}

TEST_P(OidcTest, ForgedExpiredAndMisdirectedIdTokensAreRefused) {
  for (const char* mode : {"forge", "none", "expired", "nonce", "audience", "issuer"}) {
    SCOPED_TRACE(mode);
    const Answer a = SignInAtProvider();
    provider_->Tamper(mode);
    ExpectRefused(Callback(a));
  }
  // The provider itself is fine: an untouched token still signs in.
  EXPECT_EQ(Callback(SignInAtProvider()).status, 303);
}

TEST_P(OidcTest, TheProvidersRefusalIsAFrenchProblem) {
  const Answer a = SignInAtProvider();
  Answer cancelled = a;
  cancelled.query = "error=access_denied&state=" + QueryParam(a.query, "state");
  ExpectRefused(Callback(cancelled));
  Answer missing = a;
  missing.query = "state=" + QueryParam(a.query, "state");
  auto res = Callback(missing);
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_EQ(res.Json()["errors"][0]["field"], "code") << res.body;
}

INSTANTIATE_TEST_SUITE_P(Databases, OidcTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

// Without [oidc], the routes say so rather than half-work.
TEST(OidcNotConfigured, TheRoutesAnswer503WithAFrenchProblem) {
  TestDatabase db(false);
  ServerProcess server(db.url());
  server.Start();
  for (const char* path :
       {"/api/v1/auth/oidc/start", "/api/v1/auth/oidc/callback?code=a&state=b"}) {
    auto res = Http(server.port(), "GET", path, "", kAnonymous);
    EXPECT_EQ(res.status, 503) << path;
    EXPECT_NE(res.Json().value("detail", "").find("FranceConnect"), std::string::npos);
    auto browser =
        Http(server.port(), "GET", path, "", {{"Authorization", ""}, {"Accept", "text/html"}});
    EXPECT_EQ(browser.status, 303) << path;
    EXPECT_EQ(browser.Header("location"), "/compte?oidc_error=indisponible") << path;
  }
  auto portal = Http(server.port(), "GET", "/api/v1/portal", "", kAnonymous);
  ASSERT_EQ(portal.status, 200) << portal.body;
  EXPECT_EQ(portal.Json()["oidc_login"], false);
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace guichet::testing
