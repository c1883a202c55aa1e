// The workflow engine's timers against real databases, driven by a
// controllable clock: legal deadlines, silence vaut accord, suspension on a
// correction request, delayed transitions, and firing exactly once when
// several workers race on the same database.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "catalogue/loader.hpp"
#include "domain/case_service.hpp"
#include "domain/drafts.hpp"
#include "domain/workflow_engine.hpp"
#include "storage/open.hpp"
#include "support/test_support.hpp"
#include "workers/timer_worker.hpp"

namespace guichet {
namespace {

using domain::Actor;
using domain::Request;
using domain::Timer;

// 2027-01-11 10:00 Paris (a Monday, no holiday nearby).
const Timestamp kStart = *ParseIso8601("2027-01-11T09:00:00Z");

class NoSniffer final : public domain::ContentSniffer {
 public:
  std::string MimeType(std::string_view) override { return "application/octet-stream"; }
};

template <typename T, typename Start>
Result<T> Wait(Start start) {
  std::promise<Result<T>> p;
  auto f = p.get_future();
  start([&p](Result<T> r) { p.set_value(std::move(r)); });
  return f.get();
}

// One "server process": its own store, use cases and worker, on a shared database.
struct Node {
  Node(const std::string& url, const Clock& clock)
      : store(storage::OpenStore(*storage::ParseDatabaseUrl(url), 2)),
        cases(*store, clock),
        drafts(*store, clock, cases, sniffer, std::chrono::hours(24)),
        worker(cases, drafts, *store, clock, std::chrono::milliseconds(10)) {
    auto loaded = catalogue::LoadCatalogue(GUICHET_SOURCE_DIR "/catalogue");
    EXPECT_TRUE(loaded.problems.empty());
    EXPECT_TRUE(cases.InstallCatalogue(loaded.catalogue).ok());
  }
  std::unique_ptr<storage::SqlStore> store;
  NoSniffer sniffer;
  domain::CaseService cases;
  domain::DraftService drafts;
  workers::TimerWorker worker;
};

class TimersTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam());
    storage::MigrateDatabase(*storage::ParseDatabaseUrl(db_->url()));
    node_ = std::make_unique<Node>(db_->url(), clock_);
  }

  Request Create(const std::string& service, const std::string& email = "lea@example.org") {
    domain::NewRequest in;
    in.service_id = service;
    in.description = "Demande de test";
    in.contact = {"Léa Martin", email, ""};
    auto created = Wait<domain::Created>([&](auto done) {
      node_->cases.Create(in, Actor{Actor::Kind::kApi}, std::nullopt, std::move(done));
    });
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message());
    return created->request;
  }

  Result<Request> Move(const Request& r, const std::string& to, const std::string& comment = "",
                       Actor actor = Actor{Actor::Kind::kApi}) {
    return Wait<Request>([&](auto done) {
      node_->cases.ChangeStatus(r.id, to, comment, actor, std::nullopt, std::move(done));
    });
  }

  Request Reload(const Request& r) { return *node_->store->GetRequest(r.id); }

  int Fire() {
    auto n = node_->worker.RunOnce();
    EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().cause());
    return n.ok() ? *n : -1;
  }

  std::vector<domain::Event> Events(const Request& r) { return *node_->store->ListEvents(r.id); }

  ManualClock clock_{kStart};
  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<Node> node_;
};

TEST_P(TimersTest, SilenceVautAccordAfterTheLegalDelayAndOnlyOnce) {
  Request r = Create("occupation-domaine-public");
  EXPECT_EQ(r.status, "en_construction");
  r = *Move(r, "passer_en_instruction");
  // Two months from 11 January: 11 March 2027 (a Thursday) is the last day.
  const Timestamp expiry = StartOfParisDay({2027, 3, 12});
  ASSERT_TRUE(r.due_at.has_value());
  EXPECT_EQ(*r.due_at, expiry);
  EXPECT_EQ(domain::FrenchLastDay(*r.due_at), "11 mars 2027");

  clock_.Set(expiry - kMicrosPerSecond);
  EXPECT_EQ(Fire(), 0);
  EXPECT_EQ(Reload(r).status, "en_instruction");

  clock_.Set(expiry);
  EXPECT_EQ(Fire(), 1);
  const Request decided = Reload(r);
  EXPECT_EQ(decided.status, "accepte");
  EXPECT_EQ(decided.category, domain::StatusCategory::kResolved);
  EXPECT_EQ(decided.closed_at, expiry);
  // The decision is the system's, explained on the timeline.
  const auto events = Events(r);
  const auto change = std::find_if(events.rbegin(), events.rend(), [](const domain::Event& e) {
    return e.kind == domain::EventKind::kStatusChange;
  });
  ASSERT_NE(change, events.rend());
  EXPECT_EQ(change->author, "system");
  EXPECT_NE(change->body.find("Décision implicite"), std::string::npos);

  clock_.Advance(30 * kMicrosPerDay);
  EXPECT_EQ(Fire(), 0);
  EXPECT_EQ(Reload(r).version, decided.version);
}

TEST_P(TimersTest, AnExpressDecisionStopsTheClock) {
  Request r = Create("occupation-domaine-public");
  r = *Move(r, "passer_en_instruction");
  clock_.Advance(10 * kMicrosPerDay);
  r = *Move(r, "refuser", "Trottoir trop étroit pour une terrasse.");
  EXPECT_FALSE(r.due_at.has_value());
  clock_.Advance(90 * kMicrosPerDay);
  EXPECT_EQ(Fire(), 0);
  EXPECT_EQ(Reload(r).status, "refuse");
}

TEST_P(TimersTest, ACorrectionRequestRestartsTheDelayWhenTheCitizenAnswers) {
  Request r = Create("occupation-domaine-public");
  r = *Move(r, "passer_en_instruction");
  clock_.Advance(20 * kMicrosPerDay);  // 31 January
  r = *Move(r, "demander_correction", "Le plan de la terrasse manque.");
  EXPECT_EQ(r.category, domain::StatusCategory::kWaitingCitizen);
  EXPECT_FALSE(r.due_at.has_value());
  auto deadlines = node_->cases.Deadlines(r);
  ASSERT_TRUE(deadlines.ok());
  ASSERT_EQ(deadlines->size(), 1u);
  EXPECT_EQ((*deadlines)[0].state, Timer::State::kSuspended);

  // Months pass while the citizen does not answer: no tacit decision.
  clock_.Advance(100 * kMicrosPerDay);
  EXPECT_EQ(Fire(), 0);
  EXPECT_EQ(Reload(r).status, "correction_demandee");

  // The citizen answers on 11 May 2027: the two months start again (restart).
  clock_.Set(*ParseIso8601("2027-05-11T08:00:00Z"));
  domain::Correction c;
  c.email = "LEA@example.org";
  c.message = "Voici le plan.";
  auto wrong = Wait<Request>([&](auto done) {
    domain::Correction bad = c;
    bad.email = "quelquun@example.org";
    node_->cases.SubmitCorrection(r.id, bad, std::nullopt, std::move(done));
  });
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kForbidden);
  auto answered = Wait<Request>(
      [&](auto done) { node_->cases.SubmitCorrection(r.id, c, std::nullopt, std::move(done)); });
  ASSERT_TRUE(answered.ok()) << answered.error().message();
  EXPECT_EQ(answered->status, "en_instruction");
  // 11 July 2027 is a Sunday: the delay runs to Monday 12 July (art. 642 CPC).
  EXPECT_EQ(answered->due_at, StartOfParisDay({2027, 7, 13}));
  EXPECT_EQ(domain::FrenchLastDay(*answered->due_at), "12 juillet 2027");
  clock_.Set(StartOfParisDay({2027, 7, 13}) - 1);
  EXPECT_EQ(Fire(), 0);
  clock_.Set(StartOfParisDay({2027, 7, 13}));
  EXPECT_EQ(Fire(), 1);
  EXPECT_EQ(Reload(r).status, "accepte");
}

TEST_P(TimersTest, ADelayedTransitionFiresOnlyIfTheRequestStayed) {
  // Street reports close themselves 30 days after being fixed…
  Request fixed = Create("signalement-voirie");
  fixed = *Move(fixed, "resoudre");
  // …unless reopened in between.
  Request reopened = Create("signalement-voirie");
  reopened = *Move(reopened, "resoudre");
  clock_.Advance(5 * kMicrosPerDay);
  reopened = *Move(reopened, "rouvrir", "Le trou est revenu.");

  clock_.Advance(20 * kMicrosPerDay);
  EXPECT_EQ(Fire(), 0);
  clock_.Advance(20 * kMicrosPerDay);
  EXPECT_EQ(Fire(), 1);
  EXPECT_EQ(Reload(fixed).status, "cloture");
  EXPECT_EQ(Reload(reopened).status, "en_cours");
}

TEST_P(TimersTest, OnlySystemFiresTacitDecisionsAndStaffRolesAreChecked) {
  Request r = Create("occupation-domaine-public");
  r = *Move(r, "passer_en_instruction");
  auto by_agent = Move(r, "accepter_tacitement");
  ASSERT_FALSE(by_agent.ok());
  EXPECT_EQ(by_agent.error().code(), ErrorCode::kForbidden);
  r = *Move(r, "accepter");
  auto reopen = Move(r, "repasser_en_instruction", "Erreur de saisie.");
  ASSERT_FALSE(reopen.ok());
  EXPECT_EQ(reopen.error().code(), ErrorCode::kForbidden);
  Actor supervisor{Actor::Kind::kAgent, 1, {"supervisor"}};
  auto by_supervisor = Move(r, "repasser_en_instruction", "Erreur de saisie.", supervisor);
  ASSERT_TRUE(by_supervisor.ok()) << by_supervisor.error().message();
  EXPECT_EQ(by_supervisor->status, "en_instruction");
  // Back in instruction, the deadline runs again from today.
  EXPECT_TRUE(by_supervisor->due_at.has_value());
}

TEST_P(TimersTest, RacingWorkersFireEachTimerExactlyOnce) {
  constexpr int kRequests = 20;
  std::vector<Request> requests;
  for (int i = 0; i < kRequests; ++i) {
    requests.push_back(*Move(Create("occupation-domaine-public"), "passer_en_instruction"));
  }
  Node other(db_->url(), clock_);
  clock_.Advance(70 * kMicrosPerDay);
  std::atomic<int> fired{0};
  auto run = [&fired](Node& n) {
    for (int pass = 0; pass < 3; ++pass) {
      auto r = n.worker.RunOnce();
      if (r.ok()) fired += *r;
    }
  };
  std::thread a(run, std::ref(*node_));
  std::thread b(run, std::ref(other));
  a.join();
  b.join();
  EXPECT_EQ(fired.load(), kRequests);
  for (const auto& r : requests) {
    EXPECT_EQ(Reload(r).status, "accepte");
    int expiries = 0;
    for (const auto& e : Events(r)) {
      if (e.kind == domain::EventKind::kNote && e.author == "system") ++expiries;
    }
    EXPECT_EQ(expiries, 1) << r.reference;
  }
}

TEST_P(TimersTest, ExpiredDraftsAreDeleted) {
  auto saved = Wait<domain::SavedDraft>([&](auto done) {
    node_->drafts.Save("question-generale", "", R"({"objet":"Horaires"})", std::move(done));
  });
  ASSERT_TRUE(saved.ok()) << saved.error().message();
  EXPECT_TRUE(node_->drafts.Get(saved->token).ok());
  clock_.Advance(25 * 3600 * kMicrosPerSecond);
  EXPECT_FALSE(node_->drafts.Get(saved->token).ok());
  EXPECT_EQ(Fire(), 0);
  EXPECT_EQ(node_->store->GetDraft(saved->draft.id).error().code(), ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Databases, TimersTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace guichet
