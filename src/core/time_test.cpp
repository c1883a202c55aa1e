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

TEST(Time, FormatsEveryFieldWithItsZeros) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIso8601(0, true), "1970-01-01T00:00:00.000000Z");
  const Timestamp last = StartOfDay({2000, 1, 1}) - 1;
  EXPECT_EQ(FormatIso8601(last), "1999-12-31T23:59:59Z");
  EXPECT_EQ(FormatIso8601(last, true), "1999-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatIso8601(StartOfDay({2026, 3, 4}) + 7 * kMicrosPerSecond + 8, true),
            "2026-03-04T00:00:07.000008Z");
  EXPECT_EQ(FormatIso8601(StartOfDay({9999, 12, 31})), "9999-12-31T00:00:00Z");
  // Past four digits of year, as before (snprintf).
  EXPECT_EQ(FormatIso8601(StartOfDay({10000, 1, 1})), "10000-01-01T00:00:00Z");
  EXPECT_EQ(FormatIso8601(StartOfDay({10000, 1, 1}), true), "10000-01-01T00:00:00.000000Z");
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

// Known instants around the 2026 changes: 29 March and 25 October, 01:00 UTC.
TEST(ParisTime, FollowsTheEuropeanSummerTimeRule) {
  struct Case {
    const char* utc;
    int offset;
    const char* local_date;
  };
  const Case cases[] = {
      {"2026-03-29T00:59:59Z", 3600, "2026-03-29"}, {"2026-03-29T01:00:00Z", 7200, "2026-03-29"},
      {"2026-10-25T00:59:59Z", 7200, "2026-10-25"}, {"2026-10-25T01:00:00Z", 3600, "2026-10-25"},
      {"2026-11-28T23:30:00Z", 3600, "2026-11-29"}, {"2026-07-14T22:30:00Z", 7200, "2026-07-15"},
      {"2030-03-31T01:00:00Z", 7200, "2030-03-31"},
  };
  for (const auto& c : cases) {
    const Timestamp t = *ParseIso8601(c.utc);
    EXPECT_EQ(ParisUtcOffsetSeconds(t), c.offset) << c.utc;
    EXPECT_EQ(FormatDate(ParisDateOf(t)), c.local_date) << c.utc;
  }
}

TEST(ParisTime, LocalMidnightIsTheRightUtcInstant) {
  EXPECT_EQ(FormatIso8601(StartOfParisDay({2026, 1, 15})), "2026-01-14T23:00:00Z");
  EXPECT_EQ(FormatIso8601(StartOfParisDay({2026, 7, 15})), "2026-07-14T22:00:00Z");
  // The nights of the changes: midnight is before the jump both times.
  EXPECT_EQ(FormatIso8601(StartOfParisDay({2026, 3, 29})), "2026-03-28T23:00:00Z");
  EXPECT_EQ(FormatIso8601(StartOfParisDay({2026, 10, 25})), "2026-10-24T22:00:00Z");
  EXPECT_EQ(FormatIso8601(StartOfParisDay({2026, 10, 26})), "2026-10-25T23:00:00Z");
}

}  // namespace
}  // namespace guichet
