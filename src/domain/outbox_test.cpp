#include "domain/outbox.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/case_service.hpp"
#include "domain/memory_store.hpp"
#include "domain/outbox_service.hpp"

namespace guichet::domain {
namespace {

constexpr Timestamp kNoon = 1'764'331'200LL * kMicrosPerSecond;  // 2025-11-28T12:00:00Z

template <typename T>
Result<T> Sync(const std::function<void(Done<T>)>& start) {
  std::optional<Result<T>> out;
  start([&](Result<T> r) { out.emplace(std::move(r)); });
  return std::move(*out);
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.WriteSync(SeedGeneralContact).ok());
    ASSERT_TRUE(cases_.LoadCatalogue().ok());
  }

  Request NewCase(Contact contact, std::optional<std::int64_t> citizen = std::nullopt) {
    NewRequest in;
    in.service_id = "question-generale";
    in.description = "Une question";
    in.contact = std::move(contact);
    in.citizen_id = citizen;
    auto c = Sync<Created>([&](auto done) {
      cases_.Create(std::move(in), Actor(Actor::Kind::kApi), std::nullopt, std::move(done));
    });
    EXPECT_TRUE(c.ok());
    return c->request;
  }

  std::int64_t NewCitizen(const Citizen& c) {
    std::int64_t id = 0;
    EXPECT_TRUE(store_
                    .WriteSync([&](WriteTx& tx) -> Status {
                      auto inserted = tx.InsertCitizen(c);
                      if (!inserted.ok()) return inserted.error();
                      id = *inserted;
                      return Status::Ok();
                    })
                    .ok());
    return id;
  }

  Result<EventAdded> Reply(const Request& r, std::optional<Channel> channel) {
    NewEvent ev;
    ev.kind = EventKind::kMessageOut;
    ev.channel = channel;
    ev.body = "Votre demande est traitée.";
    return Sync<EventAdded>([&](auto done) {
      cases_.AddEvent(r.id, std::move(ev), Actor(Actor::Kind::kAgent, 3), std::nullopt,
                      std::nullopt, std::move(done));
    });
  }

  std::vector<OutboxMessage> Claim() {
    auto r =
        Sync<std::vector<OutboxMessage>>([&](auto done) { outbox_.ClaimDue(10, std::move(done)); });
    EXPECT_TRUE(r.ok());
    return *r;
  }

  Result<OutboxMessage> Complete(const OutboxMessage& m, Delivery d) {
    return Sync<OutboxMessage>([&](auto done) { outbox_.Complete(m, d, std::move(done)); });
  }

  std::vector<nlohmann::json> DeliveryEvents(std::int64_t request_id) {
    std::vector<nlohmann::json> out;
    auto events = store_.ListEvents(request_id);
    for (const auto& e : *events) {
      if (e.kind == EventKind::kDelivery) out.push_back(nlohmann::json::parse(e.data_json));
    }
    return out;
  }

  MemoryStore store_;
  ManualClock clock_{kNoon};
  CaseService cases_{store_, clock_};
  OutboxPolicy policy_{};
  OutboxService outbox_{store_, clock_, policy_};
};

TEST_F(OutboxTest, AReplyQueuesOneRowInItsTransaction) {
  const Request r = NewCase({"Jeanne", "jeanne@example.org", ""});
  auto added = Reply(r, Channel::kEmail);
  ASSERT_TRUE(added.ok());
  auto rows = store_.ListOutbox(std::nullopt, r.id, std::nullopt, 10, std::nullopt);
  ASSERT_EQ(rows->size(), 1u);
  const auto& m = rows->front();
  EXPECT_EQ(m.event_id, added->event.id);
  EXPECT_EQ(m.channel, Channel::kEmail);
  EXPECT_EQ(m.recipient, "jeanne@example.org");
  EXPECT_EQ(m.state, OutboxState::kPending);
  EXPECT_EQ(m.body, "Votre demande est traitée.");
  EXPECT_EQ(nlohmann::json::parse(added->event.data_json)["delivery"], "pending");
}

TEST_F(OutboxTest, OnlyPendingMessagesAreQueued) {
  const Request r = NewCase({"Jeanne", "jeanne@example.org", ""});
  ASSERT_TRUE(Reply(r, Channel::kPhone).ok());  // said on the phone: nothing to send
  NewEvent note;
  note.body = "Note interne";
  ASSERT_TRUE(Sync<EventAdded>([&](auto done) {
                cases_.AddEvent(r.id, note, Actor(Actor::Kind::kAgent, 3), std::nullopt,
                                std::nullopt, std::move(done));
              }).ok());
  EXPECT_TRUE(store_.ListOutbox(std::nullopt, r.id, std::nullopt, 10, std::nullopt)->empty());
}

TEST_F(OutboxTest, AnOpFailingAfterTheAppendLeavesNoRow) {
  const Request r = NewCase({"Jeanne", "jeanne@example.org", ""});
  auto s = store_.WriteSync([&](WriteTx& tx) -> Status {
    Event e;
    e.request_id = r.id;
    e.kind = EventKind::kMessageOut;
    e.channel = Channel::kEmail;
    e.data_json = R"({"delivery":"pending","to":"jeanne@example.org"})";
    GUICHET_TRY(tx.AppendEvent(e));
    return Error::Conflict("rolled back");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(
      store_.ListOutbox(std::nullopt, std::nullopt, std::nullopt, 10, std::nullopt)->empty());
}

TEST_F(OutboxTest, AReplyWithoutChannelUsesTheCitizensPreference) {
  Citizen c;
  c.name = "Jeanne";
  c.email = "jeanne@example.org";
  c.phone = "+33612345678";
  c.preferred_channel = Channel::kSms;
  const std::int64_t citizen = NewCitizen(c);
  const Request r = NewCase({"Jeanne", "jeanne@example.org", "+33612345678"}, citizen);
  auto added = Reply(r, std::nullopt);
  ASSERT_TRUE(added.ok()) << added.error().message();
  EXPECT_EQ(added->event.channel, Channel::kSms);
  auto rows = store_.ListOutbox(std::nullopt, r.id, std::nullopt, 10, std::nullopt);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().recipient, "+33612345678");
}

TEST_F(OutboxTest, ASentMessageIsMarkedAndShownOnTheTimeline) {
  const Request r = NewCase({"Jeanne", "jeanne@example.org", ""});
  ASSERT_TRUE(Reply(r, Channel::kEmail).ok());
  auto claimed = Claim();
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].state, OutboxState::kSending);
  EXPECT_EQ(claimed[0].attempts, 1);
  EXPECT_TRUE(Claim().empty());  // claimed: nobody else gets it
  auto done = Complete(claimed[0], Delivery::Sent("id-1"));
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, OutboxState::kSent);
  const auto events = DeliveryEvents(r.id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["status"], "sent");
  EXPECT_EQ(events[0]["outbox_id"], claimed[0].id);
}

TEST_F(OutboxTest, AGatewayReceiptSaysDeliveredOnceOnTheTimeline) {
  const Request r = NewCase({"Jeanne", "", "+33612345678"});
  ASSERT_TRUE(Reply(r, Channel::kSms).ok());
  auto claimed = Claim();
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_TRUE(Complete(claimed[0], Delivery::Sent("SM000042")).ok());
  auto receipt =
      Sync<bool>([&](auto done) { outbox_.SmsReceipt("SM000042", true, "", std::move(done)); });
  ASSERT_TRUE(receipt.ok());
  // The gateway sends it again: nothing more.
  ASSERT_TRUE(Sync<bool>([&](auto done) {
                outbox_.SmsReceipt("SM000042", false, "x", std::move(done));
              }).ok());
  const auto events = DeliveryEvents(r.id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["status"], "delivered");
  EXPECT_EQ(store_.GetOutbox(claimed[0].id)->receipt, "delivered");
  auto timeline = store_.ListEvents(r.id);
  const auto statuses = DeliveryStatuses(*timeline);
  EXPECT_EQ(statuses.at(*claimed[0].event_id), "delivered");
  // A receipt for a message nobody sent is refused so the gateway tries again later.
  auto unknown =
      Sync<bool>([&](auto done) { outbox_.SmsReceipt("SM999999", true, "", std::move(done)); });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST_F(OutboxTest, AFailedReceiptIsAFailedDelivery) {
  const Request r = NewCase({"Jeanne", "jeanne@example.org", ""});
  ASSERT_TRUE(Reply(r, Channel::kEmail).ok());
  auto claimed = Claim();
  ASSERT_TRUE(Complete(claimed[0], Delivery::Sent("m")).ok());
  ASSERT_TRUE(store_
                  .WriteSync([&](WriteTx& tx) {
                    return RecordReceipt(tx, claimed[0].id, false, "5.1.1 unknown user", kNoon);
                  })
                  .ok());
  const auto events = DeliveryEvents(r.id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["status"], "failed");
  EXPECT_EQ(events[1]["error"], "5.1.1 unknown user");
}

TEST_F(OutboxTest, ALetterWaitsForPrintingUntilMarkedPrinted) {
  Citizen c;
  c.name = "Jeanne Dupont";
  c.postal_address = "12 rue de la République, 69002 Lyon";
  c.preferred_channel = Channel::kPostal;
  const std::int64_t citizen = NewCitizen(c);
  const Request r = NewCase({"Jeanne Dupont", "", ""}, citizen);
  ASSERT_TRUE(Reply(r, Channel::kPostal).ok());
  auto claimed = Claim();
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_TRUE(Complete(claimed[0], Delivery::Sent("courrier-1.pdf")).ok());
  AccessScope all;
  all.all = true;
  auto queue = outbox_.Letters(all, false, std::nullopt, 10);
  ASSERT_EQ(queue->size(), 1u);
  EXPECT_EQ(queue->front().postal_address, "12 rue de la République, 69002 Lyon");
  const Actor agent(Actor::Kind::kApi);
  auto printed = Sync<OutboxMessage>(
      [&](auto done) { outbox_.MarkPrinted(claimed[0].id, agent, std::move(done)); });
  ASSERT_TRUE(printed.ok()) << printed.error().message();
  EXPECT_TRUE(printed->printed_at.has_value());
  EXPECT_TRUE(outbox_.Letters(all, false, std::nullopt, 10)->empty());
  EXPECT_EQ(outbox_.Letters(all, true, std::nullopt, 10)->size(), 1u);
  EXPECT_EQ(DeliveryEvents(r.id).back()["status"], "printed");
  auto twice = Sync<OutboxMessage>(
      [&](auto done) { outbox_.MarkPrinted(claimed[0].id, agent, std::move(done)); });
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), ErrorCode::kBusinessRule);
}

TEST(OutboxIdOfMessageId, ReadsOnlyOurMessageIds) {
  EXPECT_EQ(OutboxIdOfMessageId("outbox-42.GU-2026-7KQ4MX@ville.example"), 42);
  EXPECT_EQ(OutboxIdOfMessageId("<outbox-7.1780000000@ville.example>"), 7);
  EXPECT_EQ(OutboxIdOfMessageId("m1@citoyen.example"), std::nullopt);
  EXPECT_EQ(OutboxIdOfMessageId("outbox-.x@y"), std::nullopt);
  EXPECT_EQ(OutboxIdOfMessageId("outbox-12"), std::nullopt);
  EXPECT_EQ(OutboxIdOfMessageId("outbox-99999999999999999999.x@y"), std::nullopt);
}

TEST_F(OutboxTest, TransientFailuresBackOffExponentiallyThenFallBack) {
  const Request r = NewCase({"Jeanne", "jeanne@example.org", "+33612345678"});
  ASSERT_TRUE(Reply(r, Channel::kEmail).ok());
  Timestamp previous_wait = 0;
  for (int attempt = 1; attempt < policy_.max_attempts; ++attempt) {
    auto claimed = Claim();
    ASSERT_EQ(claimed.size(), 1u) << attempt;
    auto m = Complete(claimed[0], Delivery::Transient("connexion refusée"));
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->state, OutboxState::kPending);
    const Timestamp wait = m->next_attempt_at - clock_.Now();
    EXPECT_GE(wait, previous_wait);
    EXPECT_LE(wait, policy_.backoff_cap);
    previous_wait = wait;
    EXPECT_TRUE(Claim().empty());  // not due before its backoff
    clock_.Advance(wait);
  }
  auto last = Claim();
  ASSERT_EQ(last.size(), 1u);
  auto m = Complete(last[0], Delivery::Transient("connexion refusée"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->channel, Channel::kSms);
  EXPECT_EQ(m->recipient, "+33612345678");
  EXPECT_EQ(m->attempts, 0);
  EXPECT_EQ(m->state, OutboxState::kPending);
  const auto events = DeliveryEvents(r.id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["status"], "failed");
  EXPECT_EQ(events[0]["fallback_to"], "sms");
  EXPECT_EQ(events[1]["status"], "queued");
}

TEST_F(OutboxTest, APermanentFailureWithNoOtherChannelIsADeadLetterAgentsRetry) {
  const Request r = NewCase({"", "rebond@example.org", ""});
  ASSERT_TRUE(Reply(r, Channel::kEmail).ok());
  auto claimed = Claim();
  ASSERT_EQ(claimed.size(), 1u);
  auto m = Complete(claimed[0], Delivery::Permanent("550 boîte inconnue"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->state, OutboxState::kDead);
  EXPECT_EQ(
      store_.ListOutbox(OutboxState::kDead, std::nullopt, std::nullopt, 10, std::nullopt)->size(),
      1u);
  EXPECT_TRUE(DeliveryEvents(r.id).back()["dead"].get<bool>());

  auto retried = Sync<OutboxMessage>(
      [&](auto done) { outbox_.Retry(m->id, Actor(Actor::Kind::kApi), std::move(done)); });
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->state, OutboxState::kPending);
  EXPECT_EQ(Claim().size(), 1u);
  auto again = Sync<OutboxMessage>(
      [&](auto done) { outbox_.Retry(m->id, Actor(Actor::Kind::kApi), std::move(done)); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kBusinessRule);
}

TEST_F(OutboxTest, ALostClaimIsNotMarked) {
  const Request r = NewCase({"", "jeanne@example.org", ""});
  ASSERT_TRUE(Reply(r, Channel::kEmail).ok());
  auto first = Claim();
  ASSERT_EQ(first.size(), 1u);
  clock_.Advance(policy_.lease);  // the first worker is taken for dead
  auto second = Claim();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attempts, 2);
  auto late = Complete(first[0], Delivery::Sent());
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code(), ErrorCode::kPreconditionFailed);
  EXPECT_TRUE(Complete(second[0], Delivery::Sent()).ok());
}

TEST_F(OutboxTest, AnAccountMailIsQueuedWithoutARequestAndClaimedLikeAnyOther) {
  OutboxAccountMailer mailer(store_, clock_);
  ASSERT_TRUE(mailer.Send("agent@ville.example", "Votre compte", "Bienvenue.").ok());
  const auto claimed = Claim();
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_FALSE(claimed[0].request_id);
  EXPECT_EQ(claimed[0].channel, Channel::kEmail);
  EXPECT_EQ(claimed[0].recipient, "agent@ville.example");
  EXPECT_EQ(claimed[0].subject, "Votre compte");
  EXPECT_EQ(claimed[0].body, "Bienvenue.");
  auto done = Complete(claimed[0], Delivery::Sent("x"));
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, OutboxState::kSent);
}

TEST_F(OutboxTest, AnAgentsPageHoldsTheRowsOfTheirTeamsRequestsOnly) {
  const Request r = NewCase({"Jeanne", "jeanne@example.org", ""});
  ASSERT_TRUE(Reply(r, Channel::kEmail).ok());
  // The newest row is an account mail, tied to no request.
  OutboxAccountMailer mailer(store_, clock_);
  ASSERT_TRUE(mailer.Send("agent@ville.example", "Votre compte", "Bienvenue.").ok());
  const AccessScope all{true, {}, std::nullopt};
  const AccessScope accueil{false, {"accueil"}, std::nullopt};
  const AccessScope voirie{false, {"voirie"}, std::nullopt};
  const auto every = outbox_.List(all, std::nullopt, std::nullopt, std::nullopt, 50);
  ASSERT_TRUE(every.ok());
  ASSERT_GE(every->size(), 2u);
  EXPECT_FALSE(every->front().request_id);
  // A page of one for the team: its newest row, not an empty page because
  // the newest row of all is not theirs.
  const auto page = outbox_.List(accueil, std::nullopt, std::nullopt, std::nullopt, 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ(page->front().request_id, r.id);
  EXPECT_EQ(outbox_.List(accueil, std::nullopt, std::nullopt, std::nullopt, 50)->size(),
            every->size() - 1);
  EXPECT_TRUE(outbox_.List(voirie, std::nullopt, std::nullopt, std::nullopt, 50)->empty());
}

TEST(NextRoute, SkipsTriedChannelsAndChannelsWithoutAddress) {
  Request r;
  r.contact = {"Jeanne", "", "+33612345678"};
  OutboxMessage m;
  m.channel = Channel::kEmail;
  const std::vector<Channel> chain = {Channel::kEmail, Channel::kSms, Channel::kPostal};
  auto next = NextRoute(m, r, chain);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->channel, Channel::kSms);
  m.channel = Channel::kSms;
  m.tried_channels = {Channel::kEmail};
  EXPECT_FALSE(NextRoute(m, r, chain));  // no postal address
  // The place of a report is not where its reporter lives: no letter there.
  r.location = Location{45.7, 4.8, "1 rue A, 69002 Lyon"};
  EXPECT_FALSE(NextRoute(m, r, chain));
  Citizen c;
  c.name = "Jeanne Martin";
  EXPECT_FALSE(NextRoute(m, r, chain, &c));  // a citizen without a postal address
  c.postal_address = "3 rue Haute\n69002 Lyon";
  next = NextRoute(m, r, chain, &c);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->channel, Channel::kPostal);
  EXPECT_EQ(next->recipient, "Jeanne Martin");
}

TEST(Backoff, DoublesUpToTheCap) {
  EXPECT_EQ(Backoff(1, 10, 1000), 10);
  EXPECT_EQ(Backoff(2, 10, 1000), 20);
  EXPECT_EQ(Backoff(4, 10, 1000), 80);
  EXPECT_EQ(Backoff(30, 10, 1000), 1000);
}

TEST(MessageIdOf, IsStablePerRow) {
  OutboxMessage m;
  m.id = 7;
  m.created_at = 123;
  EXPECT_EQ(MessageIdOf(m, "GU-2026-7KQ4MX", "ville.example"),
            "outbox-7.GU-2026-7KQ4MX@ville.example");
  EXPECT_EQ(MessageIdOf(m, "", "ville.example"), "outbox-7.123@ville.example");
}

TEST(InReplyToOf, ReadsTheAnsweredMessageIdFromTheEventData) {
  Event e;
  e.data_json = R"({"delivery":"pending","in_reply_to":"m1@x"})";
  EXPECT_EQ(InReplyToOf(e), "m1@x");
  e.data_json = "{}";
  EXPECT_EQ(InReplyToOf(e), "");
  e.data_json = "not json";
  EXPECT_EQ(InReplyToOf(e), "");
}

}  // namespace
}  // namespace guichet::domain
