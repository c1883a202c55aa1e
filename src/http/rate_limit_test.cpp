#include "http/rate_limit.hpp"

#include <gtest/gtest.h>

namespace guichet::http {
namespace {

TEST(RateLimiter, RefusesPastTheLimitUntilTheWindowEnds) {
  RateLimiter limiter(2, std::chrono::seconds(60));
  const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(limiter.Allow("a", t0));
  EXPECT_TRUE(limiter.Allow("a", t0 + std::chrono::seconds(1)));
  EXPECT_FALSE(limiter.Allow("a", t0 + std::chrono::seconds(2)));
  EXPECT_EQ(limiter.RetryAfterSeconds("a", t0 + std::chrono::seconds(2)), 58);
  // Another client is counted apart.
  EXPECT_TRUE(limiter.Allow("b", t0 + std::chrono::seconds(2)));
  EXPECT_TRUE(limiter.Allow("a", t0 + std::chrono::seconds(61)));
}

}  // namespace
}  // namespace guichet::http
