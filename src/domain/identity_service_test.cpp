// Identity use cases on the in-memory stores: password rule, TOTP, session
// expiry, single-use links, throttling, per-team roles. No I/O.
#include "domain/identity_service.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "domain/credentials.hpp"
#include "domain/memory_identity_store.hpp"
#include "domain/memory_store.hpp"

namespace guichet::domain {
namespace {

constexpr Timestamp kMinute = 60 * kMicrosPerSecond;
constexpr const char* kGood = "Mairie-Unit-2026!x";

TEST(PasswordRule, FollowsTheCnilEntropyRuleAndRefusesCommonPasswords) {
  struct Case {
    const char* password;
    bool accepted;
  };
  const Case cases[] = {
      {"Mairie-Unit-2026!x", true},        // 18 characters, four classes
      {"Court-1!", false},                 // too short
      {"abcdefghij12", false},             // 12 characters, two classes: too little entropy
      {"aaaaaaaaaaaaaaaaaaaaaaa", false},  // entropy by length, but cracklib refuses it
      {"Password123!", false},             // four classes, but a dictionary word
  };
  for (const auto& c : cases) {
    EXPECT_EQ(!PasswordProblem(c.password).has_value(), c.accepted) << c.password;
  }
  EXPECT_TRUE(PasswordProblem("Dupontel-2026!xyz", "jeanne.dupontel@example.org").has_value());
  EXPECT_TRUE(PasswordProblem(std::string(kMaxPasswordBytes + 1, 'a')).has_value());
}

TEST(Passwords, HashIsArgon2idAndVerifiesOnlyTheSamePassword) {
  const std::string h = HashPassword(kGood);
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u) << h;
  EXPECT_TRUE(VerifyPassword(kGood, h));
  EXPECT_FALSE(VerifyPassword("autre chose", h));
  EXPECT_FALSE(VerifyPassword(kGood, "pas un hachage"));
}

TEST(Totp, AcceptsOneStepOfDriftAndNothingElse) {
  const std::string secret = NewTotpSecret();
  const Timestamp now = 1'800'000'000 * kMicrosPerSecond;
  const auto step = TotpStepOf(now);
  EXPECT_EQ(TotpStep(secret, TotpCode(secret, step), now), step);
  EXPECT_EQ(TotpStep(secret, TotpCode(secret, step - 1), now), step - 1);
  EXPECT_EQ(TotpStep(secret, TotpCode(secret, step + 1), now), step + 1);
  EXPECT_FALSE(TotpStep(secret, TotpCode(secret, step + 3), now).has_value());
  EXPECT_FALSE(TotpStep(secret, "12345", now).has_value());
  EXPECT_FALSE(TotpStep(secret, "abcdef", now).has_value());
  // RFC 6238 appendix B, SHA-1, 59 s → 94287082 (8 digits); its last 6.
  EXPECT_EQ(TotpCode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1), "287082");
}

class IdentityServiceTest : public ::testing::Test {
 protected:
  IdentityServiceTest() : clock_(1'800'000'000 * kMicrosPerSecond) {
    EXPECT_TRUE(
        store_.WriteSync([](WriteTx& tx) {
                return tx.UpsertTeam({"voirie", "Voirie", ""});
              })
            .ok());
    EXPECT_TRUE(
        store_.WriteSync([](WriteTx& tx) {
                return tx.UpsertTeam({"accueil", "Accueil", ""});
              })
            .ok());
  }
  std::string LastToken() {
    auto sent = mailer_.Sent();
    std::smatch m;
    if (sent.empty() || !std::regex_search(sent.back().text, m, std::regex("token=([\\w-]+)"))) {
      return "";
    }
    return m[1];
  }
  IssuedSession Verified(const std::string& email) {
    EXPECT_TRUE(service_.SignUp(email, kGood, "Léa").ok());
    auto s = service_.VerifyEmail(LastToken());
    EXPECT_TRUE(s.ok());
    return s.ok() ? *s : IssuedSession{};
  }

  MemoryStore store_;
  MemoryIdentityStore identities_;
  MemoryMailer mailer_;
  ManualClock clock_;
  IdentityService service_{identities_, store_, mailer_, clock_, IdentityOptions{}};
};

TEST_F(IdentityServiceTest, SessionsExpireWhenIdleAndAtTheirAbsoluteLimit) {
  const auto s = Verified("lea@example.org");
  clock_.Advance(29 * kMinute);
  EXPECT_TRUE(service_.Resolve(s.token).ok());
  clock_.Advance(29 * kMinute);  // touched at the previous resolve: still alive
  EXPECT_TRUE(service_.Resolve(s.token).ok());
  clock_.Advance(31 * kMinute);
  EXPECT_FALSE(service_.Resolve(s.token).ok());

  const auto busy = service_.Login("lea@example.org", kGood, "127.0.0.1");
  ASSERT_TRUE(busy.ok());
  for (int i = 0; i < 12 * 3; ++i) {  // active every 20 minutes for 12 hours
    clock_.Advance(20 * kMinute);
    if (i < 12 * 3 - 1) {
      EXPECT_TRUE(service_.Resolve(busy->token).ok()) << i;
    }
  }
  EXPECT_FALSE(service_.Resolve(busy->token).ok());
}

TEST_F(IdentityServiceTest, LinksAreSingleUseAndExpire) {
  Verified("lea@example.org");
  ASSERT_TRUE(service_.SendMagicLink("lea@example.org").ok());
  const std::string token = LastToken();
  EXPECT_TRUE(service_.ConsumeMagicLink(token).ok());
  EXPECT_FALSE(service_.ConsumeMagicLink(token).ok());
  ASSERT_TRUE(service_.SendMagicLink("lea@example.org").ok());
  clock_.Advance(16 * kMinute);
  EXPECT_FALSE(service_.ConsumeMagicLink(LastToken()).ok());
  // Nothing is sent for an unknown address, and the answer is the same.
  const auto before = mailer_.Sent().size();
  EXPECT_TRUE(service_.SendMagicLink("inconnu@example.org").ok());
  EXPECT_EQ(mailer_.Sent().size(), before);
}

TEST_F(IdentityServiceTest, ThrottlesPerAccountAndPerAddress) {
  Verified("lea@example.org");
  IdentityOptions strict;
  strict.max_failures_per_account = 2;
  strict.max_failures_per_ip = 3;
  IdentityService service(identities_, store_, mailer_, clock_, strict);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(service.Login("lea@example.org", "faux", "10.0.0.1").error().code(),
              ErrorCode::kUnauthenticated);
  }
  // Even the right password, while the account is throttled.
  EXPECT_EQ(service.Login("lea@example.org", kGood, "10.0.0.2").error().code(),
            ErrorCode::kRateLimited);
  clock_.Advance(16 * kMinute);
  EXPECT_TRUE(service.Login("lea@example.org", kGood, "10.0.0.2").ok());
  for (int i = 0; i < 3; ++i) {
    (void)service.Login("x" + std::to_string(i) + "@example.org", "faux", "10.0.0.9");
  }
  EXPECT_EQ(service.Login("lea@example.org", kGood, "10.0.0.9").error().code(),
            ErrorCode::kRateLimited);
}

TEST_F(IdentityServiceTest, AgentRolesFollowTheirTeamsAndRequireTotpAboveAgent) {
  auto sup =
      service_.CreateAgent({"Nora",
                            "nora@ville.example",
                            kGood,
                            {{"voirie", TeamRole::kSupervisor}, {"accueil", TeamRole::kAgent}},
                            false});
  ASSERT_TRUE(sup.ok());
  EXPECT_FALSE(sup->totp_uri.empty());
  const Actor a = sup->account.ToActor();
  EXPECT_EQ(a.team_ids, (std::vector<std::string>{"voirie", "accueil"}));
  EXPECT_EQ(a.roles, (std::vector<std::string>{"agent", "supervisor"}));
  EXPECT_FALSE(service_.AgentLogin("nora@ville.example", kGood, "", "1.2.3.4").ok());
  const std::string code = TotpCode(sup->account.totp_secret, TotpStepOf(clock_.Now()));
  EXPECT_TRUE(service_.AgentLogin("nora@ville.example", kGood, code, "1.2.3.4").ok());
  EXPECT_FALSE(service_.AgentLogin("nora@ville.example", kGood, code, "1.2.3.4").ok());

  auto plain = service_.CreateAgent(
      {"Paul", "paul@ville.example", kGood, {{"accueil", TeamRole::kAgent}}, false});
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->totp_uri.empty());
  EXPECT_TRUE(service_.AgentLogin("paul@ville.example", kGood, "", "1.2.3.4").ok());
  auto unknown_team = service_.CreateAgent(
      {"Zoé", "zoe@ville.example", kGood, {{"nulle-part", TeamRole::kAgent}}, false});
  ASSERT_FALSE(unknown_team.ok());
  EXPECT_EQ(unknown_team.error().fields().front().field, "teams");
}

TEST_F(IdentityServiceTest, ResetClosesEverySessionAndProviderLoginLinksVerifiedEmails) {
  const auto s = Verified("lea@example.org");
  ASSERT_TRUE(service_.SendPasswordReset("lea@example.org").ok());
  ASSERT_TRUE(service_.ResetPassword(LastToken(), "Autre-Secret-2026?").ok());
  EXPECT_FALSE(service_.Resolve(s.token).ok());
  EXPECT_EQ(identities_.SessionCount(), 0u);

  auto linked =
      service_.LoginWithProvider({"sub-1", "LEA@example.org", true, "Léa", "Martin", "1990-04-01"});
  ASSERT_TRUE(linked.ok());
  EXPECT_EQ(linked->actor.id, s.actor.id);
  auto acc = identities_.GetCitizen(s.actor.id);
  EXPECT_EQ(acc->citizen.family_name, "Martin");
  // An unverified email is never linked to the existing account.
  auto other =
      service_.LoginWithProvider({"sub-2", "lea@example.org", false, "Faux", "Compte", ""});
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->actor.id, s.actor.id);
}

}  // namespace
}  // namespace guichet::domain
