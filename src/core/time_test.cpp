#include "core/time.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/reference.hpp"

namespace guichet {
namespace {

TEST(Time, FormatsAndParsesIso8601) {
  const Timestamp t = StartOfDay({2026, 11, 28}) + (9 * 3600 + 5 * 60 + 3) * kMicrosPerSecond;
  EXPECT_EQ(FormatIso8601(t), "2026-11-28T09:05:03Z");
  EXPECT_EQ(ParseIso8601("2026-11-28T09:05:03Z"), t);
  EXPECT_EQ(ParseIso8601("2026-11-28T10:05:03+01:00"), t);
  EXPECT_EQ(ParseIso8601("2026-11-28T09:05:03.5Z"), t + kMicrosPerSecond / 2);
  EXPECT_EQ(ParseIso8601("2026-11-28"), StartOfDay({2026, 11, 28}));
}

TEST(Time, RefusesAmbiguousOrInvalidDates) {
  for (const char* bad : {"2026-11-28T09:05:03", "2026-02-30", "2026-13-01T00:00Z", "hier", "",
                          "2026-11-28T25:00:00Z"}) {
    EXPECT_FALSE(ParseIso8601(bad).has_value()) << bad;
  }
}

TEST(Time, WeekdaysAndCivilDaysRoundTrip) {
  EXPECT_EQ(Weekday({2026, 11, 28}), 5);  // a Saturday
  EXPECT_EQ(Weekday({1970, 1, 1}), 3);    // a Thursday
  for (std::int64_t d = -1000; d < 30000; d += 37) EXPECT_EQ(DaysFromCivil(CivilFromDays(d)), d);
  EXPECT_EQ(DateOf(-1), (Date{1969, 12, 31}));
}

TEST(Reference, IsWellFormedAndDrawnAtRandom) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string r = NewReference(2026);
    EXPECT_TRUE(LooksLikeReference(r)) << r;
    seen.insert(r);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_FALSE(LooksLikeReference("GU-2026-7KQ4M0"));  // 0 is not in the alphabet
  EXPECT_FALSE(LooksLikeReference("GU-2026-AEIOUY"));  // vowels are not either
  EXPECT_EQ(NormalizeReference(" gu-2026-7kq4mx\n"), "GU-2026-7KQ4MX");
}

}  // namespace
}  // namespace guichet
