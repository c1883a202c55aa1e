#include "domain/quality.hpp"

#include <gtest/gtest.h>

namespace guichet::domain {
namespace {

constexpr Timestamp kHour = 3600 * kMicrosPerSecond;
constexpr Timestamp kNow = 1'800'000'000LL * kMicrosPerSecond;

QualitySample Sample(Timestamp created, std::optional<Timestamp> answered,
                     std::optional<Timestamp> closed, std::optional<Timestamp> due,
                     std::optional<int> score = std::nullopt, std::string service = "voirie") {
  return {std::move(service), created, answered, closed, due, score};
}

TEST(Median, OddEvenAndEmpty) {
  EXPECT_FALSE(Median({}).has_value());
  EXPECT_DOUBLE_EQ(*Median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(*Median({4, 1, 3, 2}), 2.5);
}

TEST(Quality, SplitsThePeriodsAndComputesEachFigure) {
  const std::vector<Service> services = {{"voirie", "Voirie", "", "voirie", 15, true},
                                         {"etat-civil", "État civil", "", "ec", 15, true}};
  const Timestamp recent = kNow - 2 * kMicrosPerDay;
  const Timestamp old = kNow - 100 * kMicrosPerDay;
  const std::vector<QualitySample> samples = {
      // answered after 2 h, closed after 10 h, before its due date, rated 5
      Sample(recent, recent + 2 * kHour, recent + 10 * kHour, recent + 48 * kHour, 5),
      // answered after 4 h, still open, not yet due: not in the commitment base
      Sample(recent, recent + 4 * kHour, std::nullopt, kNow + kHour),
      // older: closed late (after its due date), rated 2
      Sample(old, old + 30 * kHour, old + 100 * kHour, old + 50 * kHour, 2),
      // open and overdue: counts against the commitment
      Sample(old, std::nullopt, std::nullopt, old + 10 * kHour),
      // older than a year: ignored
      Sample(kNow - 400 * kMicrosPerDay, std::nullopt, std::nullopt, std::nullopt),
  };
  const auto q = ComputeQuality(samples, services, kNow);
  ASSERT_EQ(q.size(), 2u);
  const auto& s30 = q[0].last_30_days;
  EXPECT_EQ(s30.received, 2);
  EXPECT_DOUBLE_EQ(*s30.median_first_answer_hours, 3);
  EXPECT_DOUBLE_EQ(*s30.median_resolution_hours, 10);
  EXPECT_EQ(s30.commitment_base, 1);
  EXPECT_DOUBLE_EQ(*s30.within_commitment, 1.0);
  EXPECT_DOUBLE_EQ(*s30.satisfaction, 5);
  const auto& s12 = q[0].last_12_months;
  EXPECT_EQ(s12.received, 4);
  EXPECT_EQ(s12.answered, 3);
  EXPECT_DOUBLE_EQ(*s12.median_first_answer_hours, 4);
  EXPECT_EQ(s12.resolved, 2);
  EXPECT_EQ(s12.commitment_base, 3);
  EXPECT_NEAR(*s12.within_commitment, 1.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(*s12.satisfaction, 3.5);
  // A service without requests is listed with empty figures.
  EXPECT_EQ(q[1].service_id, "etat-civil");
  EXPECT_EQ(q[1].last_12_months.received, 0);
  EXPECT_FALSE(q[1].last_12_months.satisfaction.has_value());
}

}  // namespace
}  // namespace guichet::domain
