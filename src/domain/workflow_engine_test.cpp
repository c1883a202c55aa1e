// The workflow engine on the in-memory store with a hand-built procedure:
// each action, role checks, and deadlines across a correction request.
// (tests/timers_test.cpp runs the shipped catalogue on both databases.)
#include "domain/workflow_engine.hpp"

#include <gtest/gtest.h>

#include "domain/case_service.hpp"
#include "domain/memory_store.hpp"

namespace guichet::domain {
namespace {

// Monday 4 January 2027, 09:00 Paris.
const Timestamp kMonday = *ParseIso8601("2027-01-04T08:00:00Z");

Transition T(std::string name, std::string from, std::string to,
             std::vector<std::string> roles = {}, bool comment = false) {
  Transition t;
  t.name = std::move(name);
  t.from = std::move(from);
  t.to = std::move(to);
  t.roles = std::move(roles);
  t.comment_required = comment;
  return t;
}

Action Do(Action::Kind kind, std::string name = "", Delay delay = {}) {
  Action a;
  a.kind = kind;
  a.name = std::move(name);
  a.delay = delay;
  return a;
}

std::shared_ptr<const Catalogue> MakeCatalogue() {
  using K = Action::Kind;
  using C = StatusCategory;
  auto cat = std::make_shared<Catalogue>();
  cat->teams = {{"accueil", "Accueil", ""}, {"urbanisme", "Urbanisme", ""}};
  std::vector<WorkflowStatus> statuses = {
      {"depose", C::kNew, "Déposée", {Do(K::kNotify, "accuse")}, {}},
      {"instruction",
       C::kOpen,
       "En instruction",
       {Do(K::kAssignTeam, "urbanisme"), Do(K::kAssignAgent, "agent@mairie.example"),
        Do(K::kSetDeadline, "instruction")},
       {}},
      {"complement", C::kWaitingCitizen, "Complément demandé", {Do(K::kRequestCorrection)}, {}},
      {"accorde",
       C::kResolved,
       "Accordée",
       {Do(K::kClearDeadline, "instruction"), Do(K::kUnassignAgent),
        Do(K::kScheduleTransition, "archiver", {10, DelayUnit::kCalendarDays})},
       {}},
      {"archive", C::kClosed, "Archivée", {}, {}},
  };
  std::vector<Transition> transitions = {
      T("instruire", "depose", "instruction"),
      T("demander", "instruction", "complement", {}, true),
      T("completer", "complement", "instruction", {"citizen", "agent"}),
      T("accorder", "instruction", "accorde"),
      T("accorder_tacitement", "instruction", "accorde", {"system"}),
      T("archiver", "accorde", "archive", {"system", "supervisor"}),
  };
  cat->workflows["test"] =
      std::make_shared<Workflow>("test", "depose", std::move(statuses), std::move(transitions));
  Procedure p;
  p.slug = "terrasse";
  p.title = "Terrasse";
  p.team_id = "accueil";
  p.workflow_id = "test";
  p.deadlines = {{"instruction",
                  "Délai d’instruction",
                  {15, DelayUnit::kWorkingDays},
                  true,
                  "accorder_tacitement",
                  OnCorrection::kSuspend}};
  p.templates = {{"accuse", "Demande {{reference}} reçue", "Statut : {{status}}. {{inconnu}}"}};
  cat->procedures.emplace(p.slug, p);
  return cat;
}

class WorkflowEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_
                    .WriteSync([](WriteTx& tx) -> Status {
                      auto id = tx.InsertAgent({0, "Agent", "agent@mairie.example", "urbanisme"});
                      return id.ok() ? Status::Ok() : Status(id.error());
                    })
                    .ok());
    ASSERT_TRUE(cases_.InstallCatalogue(MakeCatalogue()).ok());
  }

  Request Create() {
    NewRequest in;
    in.service_id = "terrasse";
    in.description = "Terrasse de 12 m²";
    in.contact.email = "cafe@example.org";
    std::optional<Result<Created>> out;
    cases_.Create(in, Actor(Actor::Kind::kApi), std::nullopt,
                  [&](Result<Created> r) { out.emplace(std::move(r)); });
    EXPECT_TRUE(out->ok());
    return (*out)->request;
  }

  Result<Request> Move(const Request& r, const std::string& to, Actor actor,
                       const std::string& comment = "") {
    std::optional<Result<Request>> out;
    cases_.ChangeStatus(r.id, to, comment, actor, std::nullopt,
                        [&](Result<Request> res) { out.emplace(std::move(res)); });
    return std::move(*out);
  }

  int FireDue() {
    int fired = 0;
    const auto due = store_.ListDueTimers(clock_.Now(), 100);
    for (const auto& t : *due) {
      cases_.FireTimer(t, [&](Result<bool> r) { fired += r.ok() && *r; });
    }
    return fired;
  }

  std::vector<Event> Events(const Request& r) { return *store_.ListEvents(r.id); }

  MemoryStore store_;
  ManualClock clock_{kMonday};
  CaseService cases_{store_, clock_};
  const Actor agent_{Actor::Kind::kAgent, 1};
};

TEST(WorkflowEngine, DelaysExpireAtParisMidnightAfterTheirLastDay) {
  // 15 working days from Monday 4 January 2027: Monday 25 January.
  EXPECT_EQ(DelayExpiry(kMonday, {15, DelayUnit::kWorkingDays}, HolidayRegion::kMetropole),
            StartOfParisDay({2027, 1, 26}));
  EXPECT_EQ(FrenchLastDay(StartOfParisDay({2027, 1, 26})), "25 janvier 2027");
  EXPECT_EQ(FrenchLastDay(StartOfParisDay({2027, 5, 2})), "1er mai 2027");
}

TEST(WorkflowEngine, RolesDefaultToTheStaff) {
  const Transition staff = T("t", "a", "b");
  EXPECT_TRUE(MayFire(staff, Actor(Actor::Kind::kApi)));
  EXPECT_TRUE(MayFire(staff, Actor(Actor::Kind::kAgent, 1, {"supervisor"})));
  EXPECT_FALSE(MayFire(staff, Actor(Actor::Kind::kCitizen)));
  EXPECT_FALSE(MayFire(staff, Actor(Actor::Kind::kSystem)));
  EXPECT_TRUE(MayFire(T("t", "a", "b", {"system"}), Actor(Actor::Kind::kSystem)));
}

TEST_F(WorkflowEngineTest, EnteringTheFirstStatusNotifiesWithTheTemplate) {
  const Request r = Create();
  const auto events = Events(r);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, EventKind::kMessageOut);
  EXPECT_EQ(events[1].channel, Channel::kEmail);
  EXPECT_EQ(events[1].body, "Statut : Déposée. {{inconnu}}");  // unknown placeholders stay
  EXPECT_NE(events[1].data_json.find("Demande " + r.reference + " reçue"), std::string::npos);
}

TEST_F(WorkflowEngineTest, ActionsAssignAndStartTheLegalDeadline) {
  Request r = *Move(Create(), "instruire", agent_);
  EXPECT_EQ(r.team_id, "urbanisme");
  EXPECT_EQ(r.agent_id, 1);
  EXPECT_EQ(r.due_at, StartOfParisDay({2027, 1, 26}));
  r = *Move(r, "accorder", agent_);
  EXPECT_FALSE(r.agent_id.has_value());
  EXPECT_FALSE(r.due_at.has_value());
  EXPECT_TRUE(r.closed_at.has_value());
}

TEST_F(WorkflowEngineTest, RolesCommentsAndIllegalMovesAreRefused) {
  Request r = *Move(Create(), "instruire", agent_);
  EXPECT_EQ(Move(r, "accorder_tacitement", agent_).error().code(), ErrorCode::kForbidden);
  EXPECT_EQ(Move(r, "demander", agent_).error().code(), ErrorCode::kInvalidArgument);
  auto illegal = Move(r, "archiver", agent_);
  ASSERT_EQ(illegal.error().code(), ErrorCode::kBusinessRule);
  EXPECT_EQ(illegal.error().allowed(), (std::vector<std::string>{"complement", "accorde"}));
  EXPECT_EQ(Move(r, "instruire", Actor(Actor::Kind::kCitizen)).error().code(),
            ErrorCode::kBusinessRule);
}

TEST_F(WorkflowEngineTest, ACorrectionSuspendsTheDeadlineForTheDaysLeft) {
  Request r = *Move(Create(), "instruire", agent_);   // due: start of 26 January
  clock_.Set(*ParseIso8601("2027-01-14T10:00:00Z"));  // Thursday 14: 12 days left
  r = *Move(r, "demander", agent_, "Plan manquant");
  EXPECT_FALSE(r.due_at.has_value());
  clock_.Set(*ParseIso8601("2027-03-01T10:00:00Z"));
  EXPECT_EQ(FireDue(), 0);  // suspended: no tacit decision
  r = *Move(r, "completer", Actor(Actor::Kind::kCitizen));
  EXPECT_EQ(r.due_at, StartOfParisDay({2027, 3, 13}));  // 1 March + the 12 days left
  clock_.Set(StartOfParisDay({2027, 3, 13}));
  EXPECT_EQ(FireDue(), 1);
  r = *store_.GetRequest(r.id);
  EXPECT_EQ(r.status, "accorde");
  // The system's decision is on the timeline, after the note on the expired delay.
  const auto events = Events(r);
  const auto decision = std::find_if(events.begin(), events.end(), [](const Event& e) {
    return e.kind == EventKind::kStatusChange && e.author == "system";
  });
  ASSERT_NE(decision, events.end());
  EXPECT_NE(decision->data_json.find("accorder_tacitement"), std::string::npos);
}

TEST_F(WorkflowEngineTest, ScheduledTransitionsFireOnceFromTheirStatus) {
  Request r = *Move(*Move(Create(), "instruire", agent_), "accorder", agent_);
  clock_.Advance(9 * kMicrosPerDay);
  EXPECT_EQ(FireDue(), 0);
  clock_.Advance(3 * kMicrosPerDay);
  EXPECT_EQ(FireDue(), 1);
  EXPECT_EQ(store_.GetRequest(r.id)->status, "archive");
  EXPECT_EQ(FireDue(), 0);
}

}  // namespace
}  // namespace guichet::domain
