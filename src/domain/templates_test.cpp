#include "domain/templates.hpp"

#include <gtest/gtest.h>

#include "domain/memory_store.hpp"

namespace guichet::domain {
namespace {

constexpr Timestamp kNoon = 1'764'331'200LL * kMicrosPerSecond;  // 2025-11-28T12:00:00Z

TEST(FillPlaceholders, FillsKnownNamesAndLeavesTheRest) {
  const PlaceholderValues v = {{"reference", "GU-1"}, {"town", "Mairie"}};
  EXPECT_EQ(FillPlaceholders("{{reference}} / {{ town }} / {{ autre }} / {{ ouvert", v),
            "GU-1 / Mairie / {{ autre }} / {{ ouvert");
  EXPECT_EQ(FillPlaceholders("", v), "");
}

TEST(PlaceholderProblems, NamesEachMistake) {
  const std::vector<std::string> allowed = {"message", "reference"};
  const struct {
    std::string text;
    std::string problem;  // a piece of the message, "" when none
  } cases[] = {
      {"Bonjour {{ message }} ({{reference}})", ""},
      {"Bonjour {{ nom }}", "« nom » est inconnue"},
      {"Bonjour {{ message", "n’est pas fermée"},
      {"Bonjour {{ }}", "vide"},
      {"Bonjour {{ Message }}", "n’est pas un nom de variable"},
      {"{% if message %}oui{% endif %}", "ne sont pas pris en charge"},
      {"{{ {{ message }}", "n’est pas fermée"},
  };
  for (const auto& c : cases) {
    const auto problems = PlaceholderProblems(c.text, allowed);
    if (c.problem.empty()) {
      EXPECT_TRUE(problems.empty()) << c.text;
    } else {
      ASSERT_FALSE(problems.empty()) << c.text;
      EXPECT_NE(problems.front().find(c.problem), std::string::npos) << problems.front();
    }
  }
}

TEST(TemplateIds, CoverEveryEventOnItsChannels) {
  const auto ids = TemplateIds();
  EXPECT_EQ(ids.size(), 3u * 3u + 4u);
  EXPECT_NE(std::find(ids.begin(), ids.end(), "reply.sms"), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), "account_magic_link.email"), ids.end());
  EXPECT_EQ(ParseTemplateId("account_magic_link.sms"), std::nullopt);  // account mails: email only
  EXPECT_EQ(ParseTemplateId("reply"), std::nullopt);
  EXPECT_EQ(ParseTemplateId("inconnu.email"), std::nullopt);
}

TEST(TemplateErrors, RefusesUnknownVariablesAndSmsSubjects) {
  EXPECT_TRUE(
      TemplateErrors("reply.email", {"Votre demande {{ reference }}", "{{ message }}"}).empty());
  auto errs = TemplateErrors("reply.email", {"Objet", "Lien : {{ link }}"});
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, "body");  // link belongs to account mails
  errs = TemplateErrors("reply.sms", {"Objet", "{{ message }}"});
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, "subject");
  errs = TemplateErrors("reply.postal", {"", " "});
  EXPECT_EQ(errs.size(), 2u);
  errs = TemplateErrors("reply.email", {"Deux\nlignes", "x"});
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, "subject");
}

template <typename T>
Result<T> Sync(const std::function<void(Done<T>)>& start) {
  std::optional<Result<T>> out;
  start([&](Result<T> r) { out.emplace(std::move(r)); });
  return std::move(*out);
}

class TemplateServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.WriteSync(SeedGeneralContact).ok());
    ASSERT_TRUE(cases_.LoadCatalogue().ok());
  }
  static TemplateDefaults Defaults() {
    TemplateDefaults d;
    for (const auto& id : TemplateIds()) {
      const bool sms = ParseTemplateId(id)->second == Channel::kSms;
      d[id] = {sms ? ""
                   : "Objet {{ " + std::string(id.rfind("account", 0) == 0 ? "link" : "reference") +
                         " }}",
               id.rfind("account", 0) == 0 ? "Lien {{ link }}" : "{{ message }}"};
    }
    return d;
  }
  // A measure that says how long the text is, so the preview's figures can be checked.
  static SmsSize Measure(std::string_view text) {
    return {"GSM-7", static_cast<int>(text.size()), text.size() > 160 ? 2 : 1};
  }

  MemoryStore store_;
  ManualClock clock_{kNoon};
  CaseService cases_{store_, clock_};
  TemplateService templates_{store_, cases_, clock_, Defaults(), Measure, "https://guichet.test"};
};

TEST_F(TemplateServiceTest, AnAdministratorsVersionReplacesTheDefault) {
  auto before = templates_.Get("reply.sms");
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->customised);
  auto saved = Sync<NotificationTemplate>([&](auto done) {
    templates_.Put("reply.sms", {"", "{{ town }} : {{ message }}"}, Actor(Actor::Kind::kApi),
                   std::move(done));
  });
  ASSERT_TRUE(saved.ok()) << saved.error().message();
  EXPECT_TRUE(saved->customised);
  EXPECT_EQ(templates_.Get("reply.sms")->text.body, "{{ town }} : {{ message }}");
  EXPECT_EQ(templates_.Get("reply.sms")->defaults.body, "{{ message }}");
  const auto m =
      templates_.Render("reply", Channel::kSms, {{"town", "Mairie"}, {"message", "Oui"}});
  EXPECT_EQ(m.body, "Mairie : Oui");
  ASSERT_TRUE(m.sms.has_value());
  EXPECT_EQ(m.sms->units, 12);
}

TEST_F(TemplateServiceTest, AResetBringsBackTheShippedTextForTheNextMessages) {
  ASSERT_TRUE(Sync<NotificationTemplate>([&](auto done) {
                templates_.Put("reply.sms", {"", "{{ town }} : {{ message }}"},
                               Actor(Actor::Kind::kApi), std::move(done));
              }).ok());
  auto reset = Sync<NotificationTemplate>(
      [&](auto done) { templates_.Reset("reply.sms", std::move(done)); });
  ASSERT_TRUE(reset.ok()) << reset.error().message();
  EXPECT_FALSE(reset->customised);
  EXPECT_EQ(reset->text.body, "{{ message }}");
  EXPECT_FALSE(templates_.Get("reply.sms")->customised);
  EXPECT_EQ(
      templates_.Render("reply", Channel::kSms, {{"town", "Mairie"}, {"message", "Oui"}}).body,
      "Oui");
  // Nothing to reset is no error; an unknown template is.
  EXPECT_TRUE(Sync<NotificationTemplate>([&](auto done) {
                templates_.Reset("reply.sms", std::move(done));
              }).ok());
  auto unknown = Sync<NotificationTemplate>(
      [&](auto done) { templates_.Reset("reply.fax", std::move(done)); });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST_F(TemplateServiceTest, APutWithAnUnknownVariableIsRefusedFieldByField) {
  auto refused = Sync<NotificationTemplate>([&](auto done) {
    templates_.Put("reply.email", {"{{ sujet }}", "{{ message"}, Actor(Actor::Kind::kApi),
                   std::move(done));
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  ASSERT_EQ(refused.error().fields().size(), 2u);
  EXPECT_EQ(refused.error().fields()[0].field, "subject");
  EXPECT_EQ(refused.error().fields()[1].field, "body");
  EXPECT_FALSE(templates_.Get("reply.email")->customised);
  auto unknown = Sync<NotificationTemplate>([&](auto done) {
    templates_.Put("reply.fax", {"", "x"}, Actor(Actor::Kind::kApi), std::move(done));
  });
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST_F(TemplateServiceTest, APreviewUsesSampleOrGivenValuesAndChecksThem) {
  auto sample = templates_.Preview("reply.email", std::nullopt, {});
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->subject, "Objet GU-2026-7KQ4M");
  EXPECT_FALSE(sample->sms.has_value());
  auto given = templates_.Preview("reply.sms", TemplateText{"", "{{ reference }} {{ message }}"},
                                  {{"message", "Bonjour"}});
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->body, "GU-2026-7KQ4M Bonjour");
  ASSERT_TRUE(given->sms.has_value());
  EXPECT_EQ(given->sms->segments, 1);
  auto bad = templates_.Preview("reply.sms", std::nullopt, {{"link", "x"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().fields().at(0).field, "variables.link");
}

TEST_F(TemplateServiceTest, RequestValuesNameTheCitizenTheReferenceAndThePortal) {
  NewRequest in;
  in.service_id = "question-generale";
  in.description = "Une question";
  in.contact = {"Jeanne Dupont", "jeanne@example.org", ""};
  auto c = Sync<Created>([&](auto done) {
    cases_.Create(std::move(in), Actor(Actor::Kind::kApi), std::nullopt, std::move(done));
  });
  ASSERT_TRUE(c.ok());
  const auto v = templates_.RequestValues(c->request, "Le texte", "");
  EXPECT_EQ(v.at("citizen_name"), "Jeanne Dupont");
  EXPECT_EQ(v.at("message"), "Le texte");
  EXPECT_EQ(v.at("subject"), "Votre demande " + c->request.reference);
  EXPECT_EQ(v.at("portal_link"), "https://guichet.test/suivi?reference=" + c->request.reference);
  for (const auto& name : TemplateVariables("reply")) EXPECT_TRUE(v.count(name)) << name;
}

}  // namespace
}  // namespace guichet::domain
