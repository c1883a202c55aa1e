// What a worker reports of its passes: the first failure, one a minute while
// they go on, the recovery; and the loop reports what a pass returns or throws.
#include "workers/periodic.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace guichet::workers {
namespace {

struct Line {
  std::string worker, cause;
  int failures;
};

class PassFailuresTest : public ::testing::Test {
 protected:
  FailureReport Recorder() {
    return [this](std::string_view worker, std::string_view cause, int failures) {
      lines_.push_back({std::string(worker), std::string(cause), failures});
    };
  }
  std::vector<Line> lines_;
};

TEST_F(PassFailuresTest, ReportsTheFirstFailureThenOneAMinuteThenTheRecovery) {
  PassFailures f("outbox", Recorder());
  const auto t0 = PassFailures::Clock::time_point{} + std::chrono::hours(1);
  f.Succeeded();
  EXPECT_TRUE(lines_.empty());
  f.Failed("database is locked", t0);
  f.Failed("database is locked", t0 + std::chrono::seconds(1));
  f.Failed("database is locked", t0 + std::chrono::seconds(59));
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0].worker, "outbox");
  EXPECT_EQ(lines_[0].cause, "database is locked");
  EXPECT_EQ(lines_[0].failures, 1);
  f.Failed("disk I/O error", t0 + std::chrono::seconds(60));
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[1].cause, "disk I/O error");
  EXPECT_EQ(lines_[1].failures, 4);
  f.Succeeded();
  ASSERT_EQ(lines_.size(), 3u);
  EXPECT_EQ(lines_[2].cause, "");
  EXPECT_EQ(lines_[2].failures, 4);
  f.Succeeded();
  EXPECT_EQ(lines_.size(), 3u);
  // A new run of failures is reported at once.
  f.Failed("database is locked", t0 + std::chrono::seconds(61));
  ASSERT_EQ(lines_.size(), 4u);
  EXPECT_EQ(lines_[3].failures, 1);
}

TEST_F(PassFailuresTest, RunReportsAnErrorOrAnExceptionAndReturnsZero) {
  PassFailures f("timers", Recorder());
  EXPECT_EQ(f.Run([]() -> Result<int> { return 3; }), 3);
  EXPECT_TRUE(lines_.empty());
  EXPECT_EQ(f.Run([]() -> Result<int> { return Error::Unavailable("COMMIT: disk full"); }), 0);
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0].cause, "COMMIT: disk full");
  EXPECT_EQ(f.Run([]() -> Result<int> { return 1; }), 1);
  EXPECT_EQ(f.Run([]() -> Result<int> { throw std::runtime_error("connection lost"); }), 0);
  ASSERT_EQ(lines_.size(), 3u);
  EXPECT_EQ(lines_[1].cause, "");
  EXPECT_EQ(lines_[2].cause, "connection lost");
}

TEST(PeriodicLoop, ReportsAFailingPassUnderItsName) {
  std::atomic<int> passes{0};
  std::mutex mu;
  std::vector<std::string> causes;
  {
    PeriodicLoop loop;
    loop.Start(
        "ocr", std::chrono::milliseconds(1),
        [&]() -> Result<int> {
          ++passes;
          throw std::runtime_error("no such table: scans");
        },
        [&](std::string_view worker, std::string_view cause, int) {
          std::lock_guard lock(mu);
          causes.push_back(std::string(worker) + ": " + std::string(cause));
        });
    for (int i = 0; i < 2000 && passes < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  EXPECT_GE(passes.load(), 3);
  // Three failed passes within a minute: one line.
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0], "ocr: no such table: scans");
}

}  // namespace
}  // namespace guichet::workers
