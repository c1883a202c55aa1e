#include "domain/counter.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/memory_store.hpp"

namespace guichet::domain {
namespace {

constexpr Timestamp kNoon = 1'764'331'200LL * kMicrosPerSecond;  // 2025-11-28T12:00:00Z

template <typename T>
Result<T> Sync(const std::function<void(Done<T>)>& start) {
  std::optional<Result<T>> out;
  start([&](Result<T> r) { out.emplace(std::move(r)); });
  return std::move(*out);
}

TEST(CitizenLookup, ReadsEmailsPhonesAndNames) {
  using By = CitizenLookup::By;
  const std::vector<std::tuple<std::string, By, std::string>> cases = {
      {" Jeanne@Example.ORG ", By::kEmail, "jeanne@example.org"},
      {"06 12 34 56 78", By::kPhone, "+33612345678"},
      {"+33 (0)6 12 34 56 78", By::kPhone, "+33612345678"},
      {"06-12-34-56-78", By::kPhone, "+33612345678"},
      {"  Hélène   LEFÈVRE-Durand ", By::kName, "hélène lefÈvre durand"},
      {"o'brien", By::kName, "o brien"},
  };
  for (const auto& [in, by, value] : cases) {
    auto q = ParseCitizenLookup(in, 5);
    ASSERT_TRUE(q.ok()) << in;
    EXPECT_EQ(q->by, by) << in;
    EXPECT_EQ(q->value, value) << in;
    EXPECT_EQ(q->limit, 5);
  }
  const std::vector<std::string> bads = {
      "", "   ", "0612", "pas@une@adresse", "--", std::string(201, 'a'), "\xff\xfe"};
  for (const std::string& bad : bads) {
    auto q = ParseCitizenLookup(bad, 5);
    ASSERT_FALSE(q.ok()) << bad;
    EXPECT_EQ(q.error().fields().front().field, "q");
  }
}

// Fails a set number of times, then reads "Bonjour".
class FlakyExtractor final : public TextExtractor {
 public:
  explicit FlakyExtractor(int failures) : failures_(failures) {}
  Result<std::string> Extract(const std::string&, const std::string&) override {
    if (calls_++ < failures_) return Error::Unavailable("tesseract absent");
    return std::string("Bonjour Madame");
  }

 private:
  int failures_;
  int calls_ = 0;
};

class PostalScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.WriteSync(SeedGeneralContact).ok());
    ASSERT_TRUE(cases_.LoadCatalogue().ok());
    Upload u;
    u.id = "scan-1";
    u.filename = "lettre.png";
    u.content_type = "image/png";
    u.size = 4;
    u.created_at = kNoon;
    ASSERT_TRUE(store_.WriteSync([u](WriteTx& tx) { return tx.InsertUpload(u, "\x89PNG"); }).ok());
    PostalLetter letter;
    letter.upload_id = "scan-1";
    letter.service_id = "question-generale";
    auto r = Sync<Recorded>([&](auto done) {
      counter_.ReceiveLetter(letter, Actor(Actor::Kind::kAgent, 7), std::move(done));
    });
    ASSERT_TRUE(r.ok()) << r.error().message();
    request_ = r->request;
  }

  // One pass of what the OCR worker does.
  int Pass(TextExtractor& x) {
    auto due = counter_.DueScans(10);
    EXPECT_TRUE(due.ok());
    int n = 0;
    for (auto s : *due) {
      if (!*counter_.ClaimScan(s.id, 60 * kMicrosPerSecond)) continue;
      s.attempts += 1;
      EXPECT_TRUE(counter_.CompleteScan(s, x.Extract("image/png", "")).ok());
      ++n;
    }
    return n;
  }

  std::vector<Event> Notes() {
    std::vector<Event> out;
    const auto events = store_.ListEvents(request_.id);  // bound: not a member of a temporary
    for (const auto& e : *events) {
      if (e.kind == EventKind::kNote) out.push_back(e);
    }
    return out;
  }

  MemoryStore store_;
  ManualClock clock_{kNoon};
  CaseService cases_{store_, clock_};
  CounterService counter_{store_, cases_, clock_};
  Request request_;
};

TEST_F(PostalScanTest, AttachesTheScanAndQueuesItsReadingWithTheRequest) {
  EXPECT_EQ(request_.channel, Channel::kPostal);
  EXPECT_EQ(store_.GetUpload("scan-1")->request_id, request_.id);
  auto scans = counter_.Scans(request_.id);
  ASSERT_EQ(scans->size(), 1u);
  EXPECT_EQ((*scans)[0].state, PostalScan::State::kPending);
  bool attached = false;
  const auto events = store_.ListEvents(request_.id);
  for (const auto& e : *events) {
    attached = attached || (e.kind == EventKind::kAttachment && e.channel == Channel::kPostal &&
                            e.author == "agent:7");
  }
  EXPECT_TRUE(attached);
}

TEST_F(PostalScanTest, RetriesAFailedReadingThenRecordsTheFailureAndKeepsTheScan) {
  FlakyExtractor never(100);
  EXPECT_EQ(Pass(never), 1);
  EXPECT_EQ((*counter_.Scans(request_.id))[0].state, PostalScan::State::kPending);
  EXPECT_EQ(Pass(never), 0) << "not due before its backoff";
  EXPECT_TRUE(Notes().empty());
  clock_.Advance(31 * kMicrosPerSecond);
  EXPECT_EQ(Pass(never), 1);
  clock_.Advance(61 * kMicrosPerSecond);
  EXPECT_EQ(Pass(never), 1);
  const auto s = (*counter_.Scans(request_.id))[0];
  EXPECT_EQ(s.state, PostalScan::State::kFailed);
  EXPECT_EQ(s.attempts, kMaxScanAttempts);
  EXPECT_EQ(s.error, "tesseract absent");
  ASSERT_EQ(Notes().size(), 1u);
  EXPECT_NE(Notes()[0].body.find("n’a pas pu être extrait"), std::string::npos);
  EXPECT_TRUE(store_.GetUploadBytes("scan-1").ok());
  clock_.Advance(3600 * kMicrosPerSecond);
  EXPECT_EQ(Pass(never), 0) << "a failed job is not taken again";
}

TEST_F(PostalScanTest, RecordsTheTextOnTheTimelineOnceRead) {
  FlakyExtractor once(1);
  EXPECT_EQ(Pass(once), 1);
  clock_.Advance(31 * kMicrosPerSecond);
  EXPECT_EQ(Pass(once), 1);
  const auto s = (*counter_.Scans(request_.id))[0];
  EXPECT_EQ(s.state, PostalScan::State::kDone);
  EXPECT_EQ(s.text, "Bonjour Madame");
  ASSERT_EQ(Notes().size(), 1u);
  EXPECT_NE(Notes()[0].body.find("Bonjour Madame"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(Notes()[0].data_json)["ocr"]["state"], "done");
}

TEST_F(PostalScanTest, RefusesAnUploadThatIsNotAScanOrIsAttachedAlready) {
  PostalLetter again;
  again.upload_id = "scan-1";
  again.service_id = "question-generale";
  auto r = Sync<Recorded>([&](auto done) {
    counter_.ReceiveLetter(again, Actor(Actor::Kind::kAgent, 7), std::move(done));
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fields().front().field, "upload_id");
}

}  // namespace
}  // namespace guichet::domain
