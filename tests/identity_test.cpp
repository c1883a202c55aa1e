// End-to-end tests of identity: citizen and agent journeys over HTTP against
// the real binary, on SQLite and PostgreSQL. Mails are read from the
// server's drop directory.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "domain/credentials.hpp"
#include "support/test_support.hpp"

namespace guichet::testing {
namespace {

using nlohmann::json;

constexpr const char* kPassword = "Mairie-Test-2026!x";
constexpr const char* kDemoPassword = "Guichet-Demo-2026!";
constexpr const char* kDemoTotp = "JBSWY3DPEHPK3PXP";
const std::map<std::string, std::string> kAnonymous = {{"Authorization", ""}};

struct Session {
  std::string cookie;  // "guichet_session=…"
  std::string csrf;
  json body;
};

class IdentityTest : public ::testing::TestWithParam<bool> {
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

  HttpResponse Anon(const std::string& method, const std::string& path, const json& body) {
    return HttpJson(port(), method, path, body, kAnonymous);
  }
  // A call with the session's cookie and, for writes, its CSRF token.
  HttpResponse As(const Session& s, const std::string& method, const std::string& path,
                  const json& body = nullptr, bool csrf = true) {
    std::map<std::string, std::string> h = {{"Authorization", ""}, {"Cookie", s.cookie}};
    if (csrf && method != "GET") h["X-CSRF-Token"] = s.csrf;
    if (body.is_null()) return Http(port(), method, path, method == "GET" ? "" : "{}", h);
    h["Content-Type"] = "application/json";
    return Http(port(), method, path, body.dump(), h);
  }
  static Session SessionOf(const HttpResponse& res) {
    Session s;
    const std::string set = res.Header("set-cookie");
    s.cookie = set.substr(0, set.find(';'));
    s.body = res.Json();
    s.csrf = s.body.value("csrf_token", "");
    return s;
  }

  // Every mail dropped for `to`, oldest first.
  std::vector<std::string> MailsTo(const std::string& to) {
    std::vector<std::filesystem::path> files;
    if (!std::filesystem::exists(server_->mail_dir())) return {};
    for (const auto& e : std::filesystem::directory_iterator(server_->mail_dir())) {
      if (e.path().extension() == ".eml") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (const auto& f : files) {
      std::ifstream in(f);
      std::stringstream ss;
      ss << in.rdbuf();
      if (ss.str().find("To: " + to + "\r\n") != std::string::npos) out.push_back(ss.str());
    }
    return out;
  }
  static std::string TokenIn(const std::string& mail) {
    std::smatch m;
    if (!std::regex_search(mail, m, std::regex("token=([A-Za-z0-9_-]+)"))) return "";
    return m[1];
  }

  Session SignUpAndVerify(const std::string& email) {
    auto up = Anon("POST", "/api/v1/auth/signup",
                   {{"email", email}, {"password", kPassword}, {"name", "Léa Martin"}});
    EXPECT_EQ(up.status, 202) << up.body;
    auto mails = MailsTo(email);
    EXPECT_EQ(mails.size(), 1u);
    if (mails.empty()) return {};
    auto verified = Anon("POST", "/api/v1/auth/verify", {{"token", TokenIn(mails.back())}});
    EXPECT_EQ(verified.status, 200) << verified.body;
    return SessionOf(verified);
  }

  Session AgentLogin(const std::string& email, const std::string& totp = "") {
    json body = {{"email", email}, {"password", kDemoPassword}};
    if (!totp.empty()) body["totp"] = totp;
    auto res = Anon("POST", "/api/v1/auth/agent-login", body);
    EXPECT_EQ(res.status, 200) << res.body;
    return SessionOf(res);
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(IdentityTest, CitizenSignsUpVerifiesAndLogsInWithARotatedSession) {
  const Session first = SignUpAndVerify("lea@example.org");
  EXPECT_EQ(first.body["kind"], "citizen");
  EXPECT_FALSE(first.csrf.empty());
  auto me = As(first, "GET", "/api/v1/auth/session");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json()["id"], first.body["id"]);

  auto login =
      Anon("POST", "/api/v1/auth/login", {{"email", "LEA@example.org"}, {"password", kPassword}});
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string set = login.Header("set-cookie");
  for (const char* attr : {"HttpOnly", "Secure", "SameSite=Lax", "Path=/"}) {
    EXPECT_NE(set.find(attr), std::string::npos) << set;
  }
  const Session second = SessionOf(login);
  EXPECT_NE(second.cookie, first.cookie);  // a new token at every login
  EXPECT_NE(second.csrf, first.csrf);
}

TEST_P(IdentityTest, FailedLoginsNeverTellWhetherTheAccountExists) {
  SignUpAndVerify("lea@example.org");
  auto wrong =
      Anon("POST", "/api/v1/auth/login", {{"email", "lea@example.org"}, {"password", "Faux-1234"}});
  auto unknown = Anon("POST", "/api/v1/auth/login",
                      {{"email", "personne@example.org"}, {"password", "Faux-1234"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.Json()["detail"], unknown.Json()["detail"]);
  // Sign-up, magic link and reset answer alike for known and unknown addresses.
  for (const char* path :
       {"/api/v1/auth/magic-link", "/api/v1/auth/password-reset", "/api/v1/auth/signup"}) {
    json known = {{"email", "lea@example.org"}}, other = {{"email", "personne2@example.org"}};
    if (std::string(path) == "/api/v1/auth/signup") {
      known["password"] = other["password"] = kPassword;
    }
    auto a = Anon("POST", path, known), b = Anon("POST", path, other);
    EXPECT_EQ(a.status, 202) << path << a.body;
    EXPECT_EQ(b.status, 202) << path << b.body;
    EXPECT_EQ(a.body, b.body) << path;
  }
  // The account's owner learns of the second sign-up by mail.
  auto mails = MailsTo("lea@example.org");
  ASSERT_FALSE(mails.empty());
  EXPECT_NE(mails.back().find("=?UTF-8?B?"), std::string::npos);  // encoded subject
}

TEST_P(IdentityTest, WeakAndCommonPasswordsAreRefusedPerField) {
  for (const char* pw :
       {"Court-1!", "aaaaaaaaaaaaaaaaaaaaaaaa", "Password-1234!", "azertyuiopqsdfghjklm"}) {
    auto res = Anon("POST", "/api/v1/auth/signup",
                    {{"email", "lea@example.org"}, {"password", pw}, {"name", "Léa"}});
    ASSERT_EQ(res.status, 400) << pw << " " << res.body;
    EXPECT_EQ(res.Json()["errors"][0]["field"], "password") << res.body;
  }
  auto long_pw = Anon("POST", "/api/v1/auth/signup",
                      {{"email", "lea@example.org"}, {"password", std::string(5000, 'x')}});
  EXPECT_EQ(long_pw.status, 400);
  EXPECT_TRUE(MailsTo("lea@example.org").empty());
}

TEST_P(IdentityTest, UnverifiedAccountsCannotLogInWithAPassword) {
  auto up =
      Anon("POST", "/api/v1/auth/signup", {{"email", "lea@example.org"}, {"password", kPassword}});
  ASSERT_EQ(up.status, 202);
  auto login =
      Anon("POST", "/api/v1/auth/login", {{"email", "lea@example.org"}, {"password", kPassword}});
  EXPECT_EQ(login.status, 401);
}

TEST_P(IdentityTest, MagicLinkLogsInOnceOnly) {
  SignUpAndVerify("lea@example.org");
  ASSERT_EQ(Anon("POST", "/api/v1/auth/magic-link", {{"email", "lea@example.org"}}).status, 202);
  const std::string token = TokenIn(MailsTo("lea@example.org").back());
  auto first = Anon("POST", "/api/v1/auth/magic-link/consume", {{"token", token}});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Json()["kind"], "citizen");
  auto replay = Anon("POST", "/api/v1/auth/magic-link/consume", {{"token", token}});
  EXPECT_EQ(replay.status, 404) << replay.body;
  // A verification token is not a login token.
  auto wrong_kind = Anon("POST", "/api/v1/auth/verify", {{"token", token}});
  EXPECT_EQ(wrong_kind.status, 404);
}

TEST_P(IdentityTest, PasswordResetChangesThePasswordAndClosesEverySession) {
  const Session s = SignUpAndVerify("lea@example.org");
  ASSERT_EQ(Anon("POST", "/api/v1/auth/password-reset", {{"email", "lea@example.org"}}).status,
            202);
  const std::string token = TokenIn(MailsTo("lea@example.org").back());
  auto weak = Anon("POST", "/api/v1/auth/password-reset/confirm",
                   {{"token", token}, {"password", "faible"}});
  EXPECT_EQ(weak.status, 400);
  const std::string fresh = "Nouveau-Secret-2026?";
  auto done =
      Anon("POST", "/api/v1/auth/password-reset/confirm", {{"token", token}, {"password", fresh}});
  ASSERT_EQ(done.status, 204) << done.body;
  EXPECT_EQ(As(s, "GET", "/api/v1/auth/session").status, 401);
  EXPECT_EQ(
      Anon("POST", "/api/v1/auth/login", {{"email", "lea@example.org"}, {"password", kPassword}})
          .status,
      401);
  EXPECT_EQ(Anon("POST", "/api/v1/auth/login", {{"email", "lea@example.org"}, {"password", fresh}})
                .status,
            200);
}

TEST_P(IdentityTest, CookieWritesNeedTheCsrfTokenAndLogoutEndsTheSession) {
  const Session s = SignUpAndVerify("lea@example.org");
  auto forged = As(s, "POST", "/api/v1/auth/logout", nullptr, false);
  EXPECT_EQ(forged.status, 403) << forged.body;
  auto bad = As(Session{s.cookie, "pas-le-bon", {}}, "POST", "/api/v1/auth/logout");
  EXPECT_EQ(bad.status, 403);
  auto out = As(s, "POST", "/api/v1/auth/logout");
  ASSERT_EQ(out.status, 204) << out.body;
  EXPECT_NE(out.Header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(As(s, "GET", "/api/v1/auth/session").status, 401);
}

TEST_P(IdentityTest, LogoutEverywhereEndsEverySessionOfTheAccount) {
  const Session a = SignUpAndVerify("lea@example.org");
  auto login =
      Anon("POST", "/api/v1/auth/login", {{"email", "lea@example.org"}, {"password", kPassword}});
  const Session b = SessionOf(login);
  ASSERT_EQ(As(b, "POST", "/api/v1/auth/logout-all").status, 204);
  EXPECT_EQ(As(a, "GET", "/api/v1/auth/session").status, 401);
  EXPECT_EQ(As(b, "GET", "/api/v1/auth/session").status, 401);
}

TEST_P(IdentityTest, LoginsAreThrottledPerAccountEvenWithTheRightPassword) {
  SignUpAndVerify("lea@example.org");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Anon("POST", "/api/v1/auth/login",
                   {{"email", "lea@example.org"}, {"password", "Mauvais-Mot-2026!"}})
                  .status,
              401);
  }
  auto locked =
      Anon("POST", "/api/v1/auth/login", {{"email", "lea@example.org"}, {"password", kPassword}});
  EXPECT_EQ(locked.status, 429) << locked.body;
  // The same for an address without an account: nothing told apart.
  for (int i = 0; i < 5; ++i) {
    Anon("POST", "/api/v1/auth/login", {{"email", "nul@example.org"}, {"password", "x"}});
  }
  EXPECT_EQ(
      Anon("POST", "/api/v1/auth/login", {{"email", "nul@example.org"}, {"password", "x"}}).status,
      429);
}

TEST_P(IdentityTest, ACitizenSubmitsUnderTheirAccountAndSeesOnlyTheirRequests) {
  const Session lea = SignUpAndVerify("lea@example.org");
  const Session marc = SignUpAndVerify("marc@example.org");
  const json body = {{"title", "Trottoir abîmé"},
                     {"description", "Une dalle descellée devant le 4."},
                     {"channel", "web"},
                     {"service", "signalement-voirie"}};
  auto created = As(lea, "POST", "/api/v1/requests", body);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string ref = created.Json()["reference"];
  EXPECT_EQ(created.Json()["citizen_id"], lea.body["id"]);

  auto mine = As(lea, "GET", "/api/v1/requests");
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(mine.Json()["items"].size(), 1u);
  EXPECT_EQ(mine.Json()["items"][0]["reference"], ref);
  EXPECT_EQ(As(lea, "GET", "/api/v1/requests/" + ref).status, 200);
  EXPECT_EQ(As(marc, "GET", "/api/v1/requests/" + ref).status, 404);
  EXPECT_EQ(As(marc, "GET", "/api/v1/requests").Json()["items"].size(), 0u);
  // Staff writes are not for citizens.
  EXPECT_EQ(
      As(lea, "POST", "/api/v1/requests/" + ref + "/events", {{"kind", "note"}, {"body", "x"}})
          .status,
      403);
  EXPECT_EQ(Http(port(), "GET", "/api/v1/requests/" + ref, "", kAnonymous).status, 401);
}

TEST_P(IdentityTest, ACitizenAttachesARequestMadeWithoutAnAccountByItsReferenceAndContact) {
  const Session lea = SignUpAndVerify("lea@example.org");
  const Session marc = SignUpAndVerify("marc@example.org");
  // Filed by phone for someone without an account (the API key here).
  auto filed = HttpJson(port(), "POST", "/api/v1/requests",
                        {{"title", "Lampadaire éteint"},
                         {"description", "Rue des Lilas."},
                         {"channel", "phone"},
                         {"service", "signalement-voirie"},
                         {"contact", {{"name", "Léa"}, {"email", "lea.perso@example.org"}}}});
  ASSERT_EQ(filed.status, 201) << filed.body;
  const std::string ref = filed.Json()["reference"];
  ASSERT_TRUE(filed.Json()["citizen_id"].is_null());

  // A wrong contact and an unknown reference get the same answer.
  auto wrong = As(lea, "POST", "/api/v1/track/attach",
                  {{"reference", ref}, {"contact", "autre@example.org"}});
  auto unknown = As(lea, "POST", "/api/v1/track/attach",
                    {{"reference", "GU-2026-BCDFGH"}, {"contact", "lea.perso@example.org"}});
  EXPECT_EQ(wrong.status, 404) << wrong.body;
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(wrong.Json()["detail"], unknown.Json()["detail"]);
  // The session alone proves nothing about a request that is not the account's.
  EXPECT_EQ(As(lea, "POST", "/api/v1/track/attach", {{"reference", ref}}).status, 400);
  EXPECT_EQ(As(lea, "POST", "/api/v1/track", {{"reference", ref}}).status, 404);

  auto attached = As(lea, "POST", "/api/v1/track/attach",
                     {{"reference", ref}, {"contact", "LEA.perso@example.org"}});
  ASSERT_EQ(attached.status, 200) << attached.body;
  EXPECT_EQ(attached.Json()["citizen_id"], lea.body["id"]);
  auto mine = As(lea, "GET", "/api/v1/requests");
  ASSERT_EQ(mine.Json()["items"].size(), 1u);
  EXPECT_EQ(mine.Json()["items"][0]["reference"], ref);
  // Now the account follows it, replies and would rate it without the contact.
  auto tracked = As(lea, "POST", "/api/v1/track", {{"reference", ref}});
  ASSERT_EQ(tracked.status, 200) << tracked.body;
  EXPECT_EQ(tracked.Json()["reference"], ref);
  EXPECT_EQ(
      As(lea, "POST", "/api/v1/track/messages", {{"reference", ref}, {"message", "Merci."}}).status,
      201);
  // Another account cannot take it, even with the right contact: the same 404.
  auto taken = As(marc, "POST", "/api/v1/track/attach",
                  {{"reference", ref}, {"contact", "lea.perso@example.org"}});
  EXPECT_EQ(taken.status, 404);
  EXPECT_EQ(taken.Json()["detail"], unknown.Json()["detail"]);
  EXPECT_EQ(As(marc, "POST", "/api/v1/track", {{"reference", ref}}).status, 404);
  // Agents are not citizens.
  EXPECT_EQ(
      Anon("POST", "/api/v1/track/attach", {{"reference", ref}, {"contact", "x@y.fr"}}).status,
      401);
  // Attempts are limited per account (10 an hour): the eleventh is 429.
  int last = 0;
  for (int i = 0; i < 12; ++i) {
    last = As(marc, "POST", "/api/v1/track/attach",
              {{"reference", "GU-2026-BCDFGH"}, {"contact", "x@example.org"}})
               .status;
  }
  EXPECT_EQ(last, 429);
}

TEST_P(IdentityTest, AccountMailsAreLimitedPerAddressAndPerIpWhateverTheAccountState) {
  SignUpAndVerify("lea@example.org");  // one mail to lea
  // Five account mails an hour per address: the same answers for an
  // address with an account and one without.
  std::vector<int> known, unknown;
  std::vector<std::string> known_bodies, unknown_bodies;
  const char* paths[] = {"/api/v1/auth/magic-link", "/api/v1/auth/password-reset",
                         "/api/v1/auth/verify/resend", "/api/v1/auth/magic-link",
                         "/api/v1/auth/magic-link"};
  for (const char* path : paths) {
    auto a = Anon("POST", path, {{"email", "lea@example.org"}});
    auto b = Anon("POST", path, {{"email", "personne@example.org"}});
    known.push_back(a.status);
    unknown.push_back(b.status);
    known_bodies.push_back(a.body);
    unknown_bodies.push_back(b.body);
  }
  EXPECT_EQ(known, (std::vector<int>{202, 202, 202, 202, 429}));
  EXPECT_EQ(unknown, (std::vector<int>{202, 202, 202, 202, 202}));
  EXPECT_EQ(known_bodies[0], unknown_bodies[0]);
  auto sixth = Anon("POST", "/api/v1/auth/magic-link", {{"email", "personne@example.org"}});
  EXPECT_EQ(sixth.status, 429);
  EXPECT_FALSE(sixth.Header("retry-after").empty());
  // The refused call sent nothing: the verification, two links and a reset.
  EXPECT_EQ(MailsTo("lea@example.org").size(), 4u);
  // Thirty an hour from one client address, whatever the addresses.
  int accepted = 0, refused_at = 0;
  for (int i = 0; i < 40 && !refused_at; ++i) {
    auto r = Anon("POST", "/api/v1/auth/magic-link",
                  {{"email", "inconnu" + std::to_string(i) + "@example.org"}});
    if (r.status == 202) ++accepted;
    if (r.status == 429) refused_at = i;
  }
  // 1 sign-up and 11 calls above, then 18 more.
  EXPECT_EQ(accepted, 18);
  EXPECT_EQ(refused_at, 18);
}

TEST_P(IdentityTest, AnAdministratorResetsASecondFactorAndTheAgentEnrolsAgainAtLogin) {
  const std::int64_t now = std::time(nullptr) * std::int64_t{1'000'000};
  const Session admin =
      AgentLogin("admin@mairie-exemple.fr", domain::TotpCode(kDemoTotp, domain::TotpStepOf(now)));
  auto created = As(admin, "POST", "/api/v1/admin/agents",
                    {{"name", "Nora Sup"},
                     {"email", "nora@mairie-exemple.fr"},
                     {"password", kDemoPassword},
                     {"teams", {{{"team_id", "voirie"}, {"role", "supervisor"}}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string nora =
      "/api/v1/admin/agents/" + std::to_string(created.Json()["id"].get<int>());
  const auto secret_of = [](const std::string& uri) {
    const size_t at = uri.find("secret=") + 7;
    return uri.substr(at, uri.find('&', at) - at);
  };
  const std::string old_secret = secret_of(created.Json()["otpauth_uri"]);
  const Session before =
      AgentLogin("nora@mairie-exemple.fr", domain::TotpCode(old_secret, domain::TotpStepOf(now)));

  auto reset = As(admin, "PATCH", nora, {{"reset_totp", true}});
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(reset.Json()["totp_enrolled"], false);
  EXPECT_EQ(As(before, "GET", "/api/v1/auth/session").status, 401);  // sessions closed

  // A wrong password still says nothing; the right one hands out a new secret, no session.
  auto bad = Anon("POST", "/api/v1/auth/agent-login",
                  {{"email", "nora@mairie-exemple.fr"}, {"password", "Pas-le-bon-2026!"}});
  EXPECT_EQ(bad.status, 401);
  auto enrol = Anon("POST", "/api/v1/auth/agent-login",
                    {{"email", "nora@mairie-exemple.fr"}, {"password", kDemoPassword}});
  ASSERT_EQ(enrol.status, 202) << enrol.body;
  EXPECT_TRUE(enrol.Header("set-cookie").empty());
  EXPECT_EQ(enrol.Json()["status"], "totp_enrolment_required");
  const std::string new_secret = secret_of(enrol.Json()["otpauth_uri"]);
  EXPECT_NE(new_secret, old_secret);
  // Asked again, the same pending secret; the old factor's code does not open a session.
  auto again = Anon("POST", "/api/v1/auth/agent-login",
                    {{"email", "nora@mairie-exemple.fr"},
                     {"password", kDemoPassword},
                     {"totp", domain::TotpCode(old_secret, domain::TotpStepOf(now) + 1)}});
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(secret_of(again.Json()["otpauth_uri"]), new_secret);
  const Session after =
      AgentLogin("nora@mairie-exemple.fr", domain::TotpCode(new_secret, domain::TotpStepOf(now)));
  EXPECT_EQ(after.body["kind"], "agent");
  EXPECT_EQ(As(admin, "GET", nora).Json()["totp_enrolled"], true);
  // Enrolled: the password alone is refused again.
  EXPECT_EQ(Anon("POST", "/api/v1/auth/agent-login",
                 {{"email", "nora@mairie-exemple.fr"}, {"password", kDemoPassword}})
                .status,
            401);
}

TEST_P(IdentityTest, NotificationPreferencesAreCheckedPerField) {
  const Session s = SignUpAndVerify("lea@example.org");
  auto no_phone = As(s, "PATCH", "/api/v1/me", {{"preferred_channel", "sms"}});
  ASSERT_EQ(no_phone.status, 400) << no_phone.body;
  EXPECT_EQ(no_phone.Json()["errors"][0]["field"], "phone");
  auto ok = As(s, "PATCH", "/api/v1/me", {{"preferred_channel", "sms"}, {"phone", "+33612345678"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(As(s, "GET", "/api/v1/me").Json()["preferred_channel"], "sms");
  auto postal = As(s, "PATCH", "/api/v1/me", {{"preferred_channel", "postal"}});
  EXPECT_EQ(postal.status, 400);
}

TEST_P(IdentityTest, SupervisorsNeedAFreshTotpCode) {
  // Without the code, then with it, then replaying it.
  auto bare = Anon("POST", "/api/v1/auth/agent-login",
                   {{"email", "karim.benali@mairie-exemple.fr"}, {"password", kDemoPassword}});
  EXPECT_EQ(bare.status, 401);
  const std::int64_t now = std::time(nullptr) * std::int64_t{1'000'000};
  const std::string code = domain::TotpCode(kDemoTotp, domain::TotpStepOf(now));
  const Session karim = AgentLogin("karim.benali@mairie-exemple.fr", code);
  EXPECT_EQ(karim.body["kind"], "agent");
  EXPECT_NE(std::find(karim.body["roles"].begin(), karim.body["roles"].end(), "supervisor"),
            karim.body["roles"].end());
  auto replay = Anon(
      "POST", "/api/v1/auth/agent-login",
      {{"email", "karim.benali@mairie-exemple.fr"}, {"password", kDemoPassword}, {"totp", code}});
  EXPECT_EQ(replay.status, 401) << replay.body;
}

TEST_P(IdentityTest, AgentsSeeOnlyTheirTeamsRequests) {
  const Session camille = AgentLogin("camille.martin@mairie-exemple.fr");  // voirie
  const Session sophie = AgentLogin("sophie.lefevre@mairie-exemple.fr");   // accueil
  auto list = As(camille, "GET", "/api/v1/requests?limit=100");
  ASSERT_EQ(list.status, 200) << list.body;
  const json items = list.Json()["items"];  // bound: never range-for over a temporary's member
  ASSERT_FALSE(items.empty());
  std::string voirie_ref;
  for (const auto& r : items) {
    EXPECT_EQ(r["team"], "voirie") << r;
    voirie_ref = r["reference"].get<std::string>();
  }
  EXPECT_EQ(As(sophie, "GET", "/api/v1/requests/" + voirie_ref).status, 404);
  EXPECT_EQ(As(sophie, "GET", "/api/v1/requests?team=voirie").Json()["items"].size(), 0u);
  // An agent's note on their team's request, with the CSRF token.
  auto note = As(camille, "POST", "/api/v1/requests/" + voirie_ref + "/events",
                 {{"kind", "note"}, {"body", "Vu sur place."}});
  EXPECT_EQ(note.status, 201) << note.body;
  EXPECT_EQ(note.Json()["author"], "agent:" + std::to_string(camille.body["id"].get<int>()));
  // Administration is for platform administrators.
  EXPECT_EQ(As(camille, "GET", "/api/v1/admin/agents").status, 403);
}

TEST_P(IdentityTest, AdministratorsCreateAgentsWhoEnrolTheirSecondFactor) {
  const std::int64_t now = std::time(nullptr) * std::int64_t{1'000'000};
  const Session admin =
      AgentLogin("admin@mairie-exemple.fr", domain::TotpCode(kDemoTotp, domain::TotpStepOf(now)));
  ASSERT_EQ(admin.body["platform_admin"], true);
  auto invalid = As(admin, "POST", "/api/v1/admin/agents",
                    {{"name", " "}, {"email", "pas-une-adresse"}, {"teams", json::array()}});
  ASSERT_EQ(invalid.status, 400) << invalid.body;
  EXPECT_GE(invalid.Json()["errors"].size(), 3u);

  auto created = As(admin, "POST", "/api/v1/admin/agents",
                    {{"name", "Nora Sup"},
                     {"email", "nora@mairie-exemple.fr"},
                     {"password", kDemoPassword},
                     {"teams", {{{"team_id", "voirie"}, {"role", "supervisor"}}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string uri = created.Json()["otpauth_uri"];
  ASSERT_EQ(uri.rfind("otpauth://totp/Guichet:nora@mairie-exemple.fr?secret=", 0), 0u) << uri;
  const std::string secret =
      uri.substr(uri.find("secret=") + 7, uri.find('&') - uri.find("secret=") - 7);
  AgentLogin("nora@mairie-exemple.fr", domain::TotpCode(secret, domain::TotpStepOf(now)));

  // A plain agent enrols by choice: the code must match the new secret.
  Session camille = AgentLogin("camille.martin@mairie-exemple.fr");
  auto enrol = As(camille, "POST", "/api/v1/auth/totp/enroll");
  ASSERT_EQ(enrol.status, 200) << enrol.body;
  const std::string u2 = enrol.Json()["otpauth_uri"];
  const std::string s2 = u2.substr(u2.find("secret=") + 7, u2.find('&') - u2.find("secret=") - 7);
  EXPECT_EQ(As(camille, "POST", "/api/v1/auth/totp/confirm", {{"code", "000000"}}).status, 400);
  EXPECT_EQ(As(camille, "POST", "/api/v1/auth/totp/confirm",
               {{"code", domain::TotpCode(s2, domain::TotpStepOf(now))}})
                .status,
            204);
  auto without = Anon("POST", "/api/v1/auth/agent-login",
                      {{"email", "camille.martin@mairie-exemple.fr"}, {"password", kDemoPassword}});
  EXPECT_EQ(without.status, 401);

  // Deactivating an agent ends their sessions at once.
  const int nora_id = created.Json()["id"];
  auto off =
      As(admin, "PATCH", "/api/v1/admin/agents/" + std::to_string(nora_id), {{"active", false}});
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(off.Json()["active"], false);
}

TEST_P(IdentityTest, TheCommandLineBootstrapsTheFirstAdministrator) {
  std::string out;
  // The password comes on standard input: here from a file.
  TempDir dir;
  const std::string pw = dir.path() + "/pw";
  std::ofstream(pw) << kDemoPassword << "\n";
  const int rc =
      RunGuichet({"agent", "create", "--name", "Première Admin", "--email",
                  "premiere@mairie-exemple.fr", "--team", "accueil:administrator", "--admin"},
                 {{"GUICHET_DATABASE", db_->url()}, {"GUICHET_TEST_STDIN", pw}}, out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("otpauth://totp/"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Databases, IdentityTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace guichet::testing
