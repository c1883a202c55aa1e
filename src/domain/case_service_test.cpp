#include "domain/case_service.hpp"

#include <gtest/gtest.h>

#include "core/reference.hpp"
#include "domain/memory_store.hpp"
#include "domain/validation.hpp"
#include "domain/workflow_engine.hpp"

namespace guichet::domain {
namespace {

constexpr Timestamp kNoon = 1'764'331'200LL * kMicrosPerSecond;  // 2025-11-28T12:00:00Z

class CaseServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        store_
            .WriteSync([](WriteTx& tx) -> Status {
              GUICHET_TRY(tx.UpsertTeam({"voirie", "Voirie", ""}));
              GUICHET_TRY(tx.UpsertTeam({"proprete", "Propreté", ""}));
              GUICHET_TRY(
                  tx.UpsertService({"signalement-voirie", "Signalement", "", "voirie", 15, true}));
              GUICHET_TRY(tx.UpsertService({"ferme", "Service fermé", "", "voirie", 15, false}));
              return Status::Ok();
            })
            .ok());
    ASSERT_TRUE(cases_.LoadCatalogue().ok());
  }

  // The memory store completes writes synchronously, so callbacks have run on return.
  Result<Created> Create(NewRequest in, std::optional<Idempotency> idem = std::nullopt) {
    std::optional<Result<Created>> out;
    cases_.Create(std::move(in), Actor{Actor::Kind::kApi}, idem,
                  [&](Result<Created> r) { out.emplace(std::move(r)); });
    return std::move(*out);
  }
  Result<Request> Change(std::int64_t id, const std::string& to, const std::string& comment = "",
                         std::optional<std::int64_t> version = std::nullopt) {
    std::optional<Result<Request>> out;
    cases_.ChangeStatus(id, to, comment, Actor{Actor::Kind::kAgent, 7}, version,
                        [&](Result<Request> r) { out.emplace(std::move(r)); });
    return std::move(*out);
  }
  static NewRequest Pothole() {
    NewRequest in;
    in.service_id = "signalement-voirie";
    in.description = "Nid-de-poule";
    in.channel = Channel::kSms;
    in.contact.phone = "06 12 34 56 78";
    return in;
  }

  MemoryStore store_;
  ManualClock clock_{kNoon};
  CaseService cases_{store_, clock_};
};

TEST_F(CaseServiceTest, CreateFillsTheCaseAndOpensTheTimeline) {
  auto r = Create(Pothole());
  ASSERT_TRUE(r.ok()) << r.error().message();
  const Request& req = r->request;
  EXPECT_TRUE(LooksLikeReference(req.reference)) << req.reference;
  EXPECT_EQ(req.reference.substr(0, 8), "GU-2025-");
  EXPECT_EQ(req.status, "new");
  EXPECT_EQ(req.team_id, "voirie");
  EXPECT_EQ(req.title, "Signalement");  // defaults to the service name
  EXPECT_EQ(req.contact.phone, "+33612345678");
  EXPECT_EQ(req.created_at, kNoon);
  // The default delay runs to the end of its last day, Paris time.
  EXPECT_EQ(req.due_at,
            DelayExpiry(kNoon, {15, DelayUnit::kCalendarDays}, HolidayRegion::kMetropole));
  auto events = cases_.Timeline(req.id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind, EventKind::kMessageIn);
  EXPECT_EQ((*events)[0].channel, Channel::kSms);
  EXPECT_EQ((*events)[0].author, "api");
}

TEST_F(CaseServiceTest, AddedMessagesKeepTheirDetails) {
  auto r = Create(Pothole());
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto add = [&](std::string data_json) {
    NewEvent in;
    in.kind = EventKind::kMessageIn;
    in.channel = Channel::kOpen311;
    in.body = "Toujours là";
    in.data_json = std::move(data_json);
    std::optional<Result<EventAdded>> out;
    cases_.AddEvent(r->request.id, in, Actor{Actor::Kind::kApi}, std::nullopt, std::nullopt,
                    [&](Result<EventAdded> e) { out.emplace(std::move(e)); });
    return std::move(*out);
  };
  auto added = add(R"({"media_url":"https://x.example/1.jpg"})");
  ASSERT_TRUE(added.ok()) << added.error().message();
  auto events = cases_.Timeline(r->request.id);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->back().data_json, R"({"media_url":"https://x.example/1.jpg"})");
  EXPECT_EQ(events->back().channel, Channel::kOpen311);
  for (const char* bad : {"[]", "pas du json", ""}) {
    auto refused = add(bad);
    ASSERT_FALSE(refused.ok()) << bad;
    ASSERT_EQ(refused.error().fields().size(), 1u) << bad;
    EXPECT_EQ(refused.error().fields()[0].field, "data");
  }
}

TEST_F(CaseServiceTest, InstallingACatalogueRecordsWhen) {
  EXPECT_EQ(cases_.catalogue_installed_at(), kNoon);
  clock_.Advance(60 * kMicrosPerSecond);
  ASSERT_TRUE(cases_.InstallCatalogue(std::make_shared<const Catalogue>()).ok());
  EXPECT_EQ(cases_.catalogue_installed_at(), kNoon + 60 * kMicrosPerSecond);
  CaseService fresh(store_, clock_);
  EXPECT_EQ(fresh.catalogue_installed_at(), std::nullopt);
}

TEST_F(CaseServiceTest, ValidationReportsEveryFieldAtOnce) {
  NewRequest in;
  in.service_id = "ferme";
  in.contact.email = "nope";
  in.contact.phone = "12";
  in.location = Location{91, 200, ""};
  in.data_json = "[1]";
  std::vector<std::string> fields;
  for (const auto& e : cases_.Validate(in)) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"service", "data", "description", "contact.email",
                                              "contact.phone", "location.lat", "location.lon"}));
  EXPECT_EQ(store_.CountRequests().value(), 0);
}

TEST_F(CaseServiceTest, IdempotencyKeyReturnsTheFirstRequest) {
  auto a = Create(Pothole(), Idempotency{"k1", "fp"});
  auto b = Create(Pothole(), Idempotency{"k1", "fp"});
  auto c = Create(Pothole(), Idempotency{"k1", "another"});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->request.id, b->request.id);
  EXPECT_TRUE(b->replayed);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), ErrorCode::kBusinessRule);
  EXPECT_EQ(store_.CountRequests().value(), 1);
}

TEST_F(CaseServiceTest, TransitionsFollowTheWorkflow) {
  auto r = Create(Pothole());
  const auto id = r->request.id;
  auto bad = Change(id, "waiting_citizen");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kBusinessRule);
  EXPECT_EQ(bad.error().allowed(),
            (std::vector<std::string>{"open", "resolved", "rejected", "closed"}));
  auto needs_comment = Change(id, "rejected");
  ASSERT_FALSE(needs_comment.ok());
  EXPECT_EQ(needs_comment.error().code(), ErrorCode::kInvalidArgument);

  clock_.Advance(kMicrosPerDay);
  auto open = Change(id, "prendre_en_charge");  // by transition name
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->status, "open");
  EXPECT_EQ(open->version, 2);
  auto stale = Change(id, "resolved", "", 1);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code(), ErrorCode::kPreconditionFailed);
  auto done = Change(id, "resolved", "Réparé", 2);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->category, StatusCategory::kResolved);
  EXPECT_EQ(done->closed_at, clock_.Now());
  auto reopened = Change(id, "open");
  ASSERT_TRUE(reopened.ok());
  EXPECT_FALSE(reopened->closed_at.has_value());
  EXPECT_EQ(cases_.Timeline(id)->size(), 4u);
}

TEST_F(CaseServiceTest, AssignmentChecksTeamAndAgent) {
  auto r = Create(Pothole());
  std::optional<Result<Request>> out;
  Assignment a;
  a.team_id = "inconnue";
  cases_.Assign(r->request.id, a, Actor{}, std::nullopt,
                [&](Result<Request> x) { out.emplace(x); });
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().fields()[0].field, "team");
  a.team_id = "proprete";
  a.agent_id = std::optional<std::int64_t>(42);
  cases_.Assign(r->request.id, a, Actor{}, std::nullopt,
                [&](Result<Request> x) { out.emplace(x); });
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().fields()[0].field, "agent_id");
  // The failed op left nothing behind.
  EXPECT_EQ(store_.GetRequest(r->request.id)->team_id, "voirie");
  a.agent_id.reset();
  cases_.Assign(r->request.id, a, Actor{}, std::nullopt,
                [&](Result<Request> x) { out.emplace(x); });
  ASSERT_TRUE(out->ok());
  EXPECT_EQ((*out)->team_id, "proprete");
}

TEST_F(CaseServiceTest, LookupByReferenceIsCaseInsensitive) {
  auto r = Create(Pothole());
  std::string lower = r->request.reference;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto found = cases_.Get(" " + lower + " ");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, r->request.id);
  EXPECT_EQ(cases_.Get("GU-2025-ZZZZZZ").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(cases_.Get("n’importe quoi").error().code(), ErrorCode::kNotFound);
}

TEST(Validation, PhoneNumbersNormaliseToE164) {
  const std::vector<std::pair<std::string, std::optional<std::string>>> cases = {
      {"06 12 34 56 78", "+33612345678"},       {"06.12.34.56.78", "+33612345678"},
      {"+33 6 12 34 56 78", "+33612345678"},    {"0033612345678", "+33612345678"},
      {"+14155552671", "+14155552671"},         {"0612", std::nullopt},
      {"00 12 34 56 78", std::nullopt},         {"06 12 34 56 7x", std::nullopt},
      {"+33 (0)6 12 34 56 78", "+33612345678"}, {"(06) 12-34-56-78", "+33612345678"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(NormalizePhone(in), want) << in;
}

TEST(Validation, EmailsNeedALocalPartAndADottedDomain) {
  for (const char* ok : {"a@b.fr", "jean.dupont+mairie@example.org"}) EXPECT_TRUE(IsValidEmail(ok));
  for (const char* bad : {"", "a@b", "@b.fr", "a b@c.fr", "a@@b.fr", "a@b..fr"}) {
    EXPECT_FALSE(IsValidEmail(bad)) << bad;
  }
}

TEST(Validation, Utf8IsCheckedAndCountedInCodePoints) {
  EXPECT_TRUE(IsValidUtf8("Pâques à l’école"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xFF\xFE"));
  EXPECT_EQ(Utf8Length("été"), 3u);
}

}  // namespace
}  // namespace guichet::domain
