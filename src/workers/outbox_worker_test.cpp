#include "workers/outbox_worker.hpp"

#include <gtest/gtest.h>

#include "domain/case_service.hpp"
#include "domain/memory_store.hpp"

namespace guichet::workers {
namespace {

using domain::Channel;

constexpr Timestamp kNoon = 1'764'331'200LL * kMicrosPerSecond;  // 2025-11-28T12:00:00Z

// Records what it was asked to send and accepts it.
class RecordingSender final : public domain::Sender {
 public:
  domain::Delivery Send(const domain::OutboxMessage& m, const domain::Request*) override {
    sent.push_back(m);
    return domain::Delivery::Sent("id-" + std::to_string(m.id));
  }
  std::vector<domain::OutboxMessage> sent;
};

class OutboxWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.WriteSync(domain::SeedGeneralContact).ok());
    ASSERT_TRUE(cases_.LoadCatalogue().ok());
  }

  domain::Request NewCase() {
    domain::NewRequest in;
    in.service_id = "question-generale";
    in.description = "Une question";
    in.contact = {"Jeanne", "jeanne@example.org", "+33612345678"};
    std::optional<Result<domain::Created>> out;
    cases_.Create(std::move(in), domain::Actor(domain::Actor::Kind::kApi), std::nullopt,
                  [&](Result<domain::Created> r) { out.emplace(std::move(r)); });
    EXPECT_TRUE(out && out->ok());
    return (*out)->request;
  }

  // A pending email on the request's timeline, as the mail intake writes an acknowledgement.
  void QueueEmail(const domain::Request& r, const std::string& data_json) {
    ASSERT_TRUE(store_
                    .WriteSync([&](domain::WriteTx& tx) -> Status {
                      domain::Event e;
                      e.request_id = r.id;
                      e.kind = domain::EventKind::kMessageOut;
                      e.channel = Channel::kEmail;
                      e.body = "Bien reçu.";
                      e.data_json = data_json;
                      e.created_at = kNoon;
                      GUICHET_TRY(tx.AppendEvent(e));
                      return Status::Ok();
                    })
                    .ok());
  }

  domain::MemoryStore store_;
  ManualClock clock_{kNoon};
  domain::CaseService cases_{store_, clock_};
  domain::OutboxService outbox_{store_, clock_, domain::OutboxPolicy{}};
  RecordingSender email_;
  RecordingSender sms_;
  OutboxWorker worker_{outbox_,
                       store_,
                       {{Channel::kEmail, &email_}, {Channel::kSms, &sms_}},
                       std::chrono::milliseconds(50)};
};

TEST_F(OutboxWorkerTest, AnAcknowledgementAnswersTheInboundMessageId) {
  const auto r = NewCase();
  QueueEmail(r, R"({"delivery":"pending","to":"jeanne@example.org","in_reply_to":"m1@x"})");
  ASSERT_TRUE(worker_.RunOnce().ok());
  ASSERT_EQ(email_.sent.size(), 1u);
  EXPECT_EQ(email_.sent[0].in_reply_to, "m1@x");
}

TEST_F(OutboxWorkerTest, AnAddressTheMailSideSawBounceFallsBackToSmsWithoutSending) {
  const auto r = NewCase();
  ASSERT_TRUE(
      store_
          .WriteSync([](domain::WriteTx& tx) {
            return tx.MarkAddressFailing({"jeanne@example.org", "5.1.1 unknown user", 1, kNoon});
          })
          .ok());
  QueueEmail(r, R"({"delivery":"pending","to":"Jeanne@Example.org"})");
  // In the same batch, an address that never bounced goes out.
  QueueEmail(r, R"({"delivery":"pending","to":"paul@example.org"})");
  ASSERT_TRUE(worker_.RunOnce().ok());
  ASSERT_EQ(email_.sent.size(), 1u);
  EXPECT_EQ(email_.sent[0].recipient, "paul@example.org");
  ASSERT_TRUE(worker_.RunOnce().ok());  // the fallback row
  ASSERT_EQ(sms_.sent.size(), 1u);
  EXPECT_EQ(sms_.sent[0].recipient, "+33612345678");
  EXPECT_EQ(email_.sent.size(), 1u);
}

}  // namespace
}  // namespace guichet::workers
