#include "core/calendar.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace guichet {
namespace {

constexpr HolidayRegion kMetropole = HolidayRegion::kMetropole;
constexpr HolidayRegion kAlsace = HolidayRegion::kAlsaceMoselle;

// Dates are written as ISO strings so a failure prints readable values.
Date D(std::string_view iso) { return ParseDate(iso).value(); }

std::vector<std::string> Describe(const std::vector<Holiday>& holidays) {
  std::vector<std::string> out;
  for (const Holiday& h : holidays) out.push_back(FormatDate(h.date) + " " + h.name);
  return out;
}

TEST(Calendar, EasterSundayMatchesKnownDates) {
  const struct {
    int year;
    std::string_view easter;
  } kCases[] = {
      {1818, "1818-03-22"},  // earliest possible date
      {1886, "1886-04-25"},  // latest possible date
      {1943, "1943-04-25"}, {2000, "2000-04-23"}, {2008, "2008-03-23"}, {2019, "2019-04-21"},
      {2024, "2024-03-31"}, {2025, "2025-04-20"}, {2026, "2026-04-05"}, {2027, "2027-03-28"},
      {2028, "2028-04-16"}, {2029, "2029-04-01"}, {2030, "2030-04-21"}, {2038, "2038-04-25"},
      {2285, "2285-03-22"},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(FormatDate(EasterSunday(c.year)), c.easter) << c.year;
  }
}

// Written out by hand from the Easter Mondays 2024-04-01, 2025-04-21, 2026-04-06, 2027-03-29,
// 2028-04-17, 2029-04-02, 2030-04-22 (Ascension = Easter Monday + 38, Pentecôte + 49).
struct YearHolidays {
  int year;
  std::vector<std::string> holidays;
};

const std::vector<YearHolidays>& MetropoleTable() {
  static const std::vector<YearHolidays> kTable = {
      {2024,
       {"2024-01-01 Jour de l'an", "2024-04-01 Lundi de Pâques", "2024-05-01 Fête du Travail",
        "2024-05-08 Victoire 1945", "2024-05-09 Ascension", "2024-05-20 Lundi de Pentecôte",
        "2024-07-14 Fête nationale", "2024-08-15 Assomption", "2024-11-01 Toussaint",
        "2024-11-11 Armistice 1918", "2024-12-25 Noël"}},
      {2025,
       {"2025-01-01 Jour de l'an", "2025-04-21 Lundi de Pâques", "2025-05-01 Fête du Travail",
        "2025-05-08 Victoire 1945", "2025-05-29 Ascension", "2025-06-09 Lundi de Pentecôte",
        "2025-07-14 Fête nationale", "2025-08-15 Assomption", "2025-11-01 Toussaint",
        "2025-11-11 Armistice 1918", "2025-12-25 Noël"}},
      {2026,
       {"2026-01-01 Jour de l'an", "2026-04-06 Lundi de Pâques", "2026-05-01 Fête du Travail",
        "2026-05-08 Victoire 1945", "2026-05-14 Ascension", "2026-05-25 Lundi de Pentecôte",
        "2026-07-14 Fête nationale", "2026-08-15 Assomption", "2026-11-01 Toussaint",
        "2026-11-11 Armistice 1918", "2026-12-25 Noël"}},
      // Ascension comes before Victoire 1945 this year.
      {2027,
       {"2027-01-01 Jour de l'an", "2027-03-29 Lundi de Pâques", "2027-05-01 Fête du Travail",
        "2027-05-06 Ascension", "2027-05-08 Victoire 1945", "2027-05-17 Lundi de Pentecôte",
        "2027-07-14 Fête nationale", "2027-08-15 Assomption", "2027-11-01 Toussaint",
        "2027-11-11 Armistice 1918", "2027-12-25 Noël"}},
      {2028,
       {"2028-01-01 Jour de l'an", "2028-04-17 Lundi de Pâques", "2028-05-01 Fête du Travail",
        "2028-05-08 Victoire 1945", "2028-05-25 Ascension", "2028-06-05 Lundi de Pentecôte",
        "2028-07-14 Fête nationale", "2028-08-15 Assomption", "2028-11-01 Toussaint",
        "2028-11-11 Armistice 1918", "2028-12-25 Noël"}},
      {2029,
       {"2029-01-01 Jour de l'an", "2029-04-02 Lundi de Pâques", "2029-05-01 Fête du Travail",
        "2029-05-08 Victoire 1945", "2029-05-10 Ascension", "2029-05-21 Lundi de Pentecôte",
        "2029-07-14 Fête nationale", "2029-08-15 Assomption", "2029-11-01 Toussaint",
        "2029-11-11 Armistice 1918", "2029-12-25 Noël"}},
      {2030,
       {"2030-01-01 Jour de l'an", "2030-04-22 Lundi de Pâques", "2030-05-01 Fête du Travail",
        "2030-05-08 Victoire 1945", "2030-05-30 Ascension", "2030-06-10 Lundi de Pentecôte",
        "2030-07-14 Fête nationale", "2030-08-15 Assomption", "2030-11-01 Toussaint",
        "2030-11-11 Armistice 1918", "2030-12-25 Noël"}},
  };
  return kTable;
}

// Good Friday is Easter Monday - 3.
const struct {
  int year;
  std::string_view good_friday;
} kGoodFridays[] = {
    {2024, "2024-03-29"}, {2025, "2025-04-18"}, {2026, "2026-04-03"}, {2027, "2027-03-26"},
    {2028, "2028-04-14"}, {2029, "2029-03-30"}, {2030, "2030-04-19"},
};

std::vector<std::string> AlsaceExpected(const YearHolidays& metropole,
                                        std::string_view good_friday) {
  std::vector<std::string> out = metropole.holidays;
  out.push_back(std::string(good_friday) + " Vendredi saint");
  out.push_back(std::to_string(metropole.year) + "-12-26 Saint-Étienne");
  // The ISO date prefix makes string order the date order.
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Calendar, MetropoleHolidaysMatchKnownLists2024To2030) {
  for (const YearHolidays& y : MetropoleTable()) {
    EXPECT_EQ(Describe(PublicHolidays(y.year, kMetropole)), y.holidays) << y.year;
  }
}

TEST(Calendar, AlsaceMoselleAddsGoodFridayAndSaintEtienne) {
  ASSERT_EQ(std::size(kGoodFridays), MetropoleTable().size());
  for (std::size_t i = 0; i < MetropoleTable().size(); ++i) {
    const YearHolidays& y = MetropoleTable()[i];
    ASSERT_EQ(kGoodFridays[i].year, y.year);
    const std::vector<std::string> expected = AlsaceExpected(y, kGoodFridays[i].good_friday);
    ASSERT_EQ(expected.size(), 13u);
    EXPECT_EQ(Describe(PublicHolidays(y.year, kAlsace)), expected) << y.year;
  }
}

TEST(Calendar, IsPublicHolidayMatchesTheTablesOnEveryDay) {
  std::set<Date> metropole;
  std::set<Date> alsace;
  for (std::size_t i = 0; i < MetropoleTable().size(); ++i) {
    const YearHolidays& y = MetropoleTable()[i];
    for (const std::string& h : y.holidays) metropole.insert(D(std::string_view(h).substr(0, 10)));
    for (const std::string& h : AlsaceExpected(y, kGoodFridays[i].good_friday)) {
      alsace.insert(D(std::string_view(h).substr(0, 10)));
    }
  }
  for (Date d = D("2024-01-01"); d <= D("2030-12-31"); d = AddDays(d, 1)) {
    EXPECT_EQ(IsPublicHoliday(d, kMetropole), metropole.count(d) == 1) << FormatDate(d);
    EXPECT_EQ(IsPublicHoliday(d, kAlsace), alsace.count(d) == 1) << FormatDate(d);
    const bool weekend = Weekday(d) >= 5;
    EXPECT_EQ(IsWorkingDay(d, kMetropole), !weekend && metropole.count(d) == 0) << FormatDate(d);
    EXPECT_EQ(IsWorkingDay(d, kAlsace), !weekend && alsace.count(d) == 0) << FormatDate(d);
  }
}

TEST(Calendar, ListsBothFeastsWhenAscensionFallsOnMayDay) {
  // Easter 2008 was 23 March, so Ascension (+39) was 1 May.
  const std::vector<std::string> got = Describe(PublicHolidays(2008, kMetropole));
  ASSERT_EQ(got.size(), 11u);
  EXPECT_EQ(got[2], "2008-05-01 Fête du Travail");
  EXPECT_EQ(got[3], "2008-05-01 Ascension");
  EXPECT_EQ(got[4], "2008-05-08 Victoire 1945");
  EXPECT_TRUE(IsPublicHoliday(D("2008-05-01"), kMetropole));
}

TEST(Calendar, IsWorkingDayExamples) {
  const struct {
    std::string_view date;
    HolidayRegion region;
    bool working;
  } kCases[] = {
      {"2026-05-07", kMetropole, true},   // ordinary Thursday
      {"2026-05-08", kMetropole, false},  // Victoire 1945 on a Friday
      {"2026-05-09", kMetropole, false},  // Saturday
      {"2026-05-10", kMetropole, false},  // Sunday
      {"2026-05-25", kMetropole, false},  // Lundi de Pentecôte
      {"2026-04-03", kMetropole, true},   // Vendredi saint is worked outside Alsace-Moselle
      {"2026-04-03", kAlsace, false},
      {"2025-12-26", kMetropole, true},  // Saint-Étienne likewise
      {"2025-12-26", kAlsace, false},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(IsWorkingDay(D(c.date), c.region), c.working) << c.date;
  }
}

struct DelayCase {
  std::string_view start;
  Delay delay;
  HolidayRegion region;
  std::string_view expiry;
};

void ExpectExpiries(const std::vector<DelayCase>& cases) {
  for (const DelayCase& c : cases) {
    EXPECT_EQ(FormatDate(AddDelay(D(c.start), c.delay, c.region)), c.expiry)
        << c.start << " + " << c.delay.amount << " " << ToString(c.delay.unit)
        << (c.region == kAlsace ? " (Alsace-Moselle)" : "");
  }
}

constexpr DelayUnit kWorking = DelayUnit::kWorkingDays;
constexpr DelayUnit kCalendar = DelayUnit::kCalendarDays;
constexpr DelayUnit kMonths = DelayUnit::kMonths;

TEST(Calendar, SkipsEasterMonday) {
  ExpectExpiries({
      {"2026-04-03", {1, kWorking}, kMetropole, "2026-04-07"},    // Fri → Tue
      {"2026-04-02", {1, kWorking}, kMetropole, "2026-04-03"},    // Good Friday is worked here
      {"2026-04-02", {1, kWorking}, kAlsace, "2026-04-07"},       // but not in Alsace-Moselle
      {"2026-03-25", {10, kCalendar}, kMetropole, "2026-04-07"},  // Sat 4 → Tue 7
  });
}

TEST(Calendar, WorkingDaysSkipHolidayWeekends) {
  ExpectExpiries({
      // 8 May 2026 is a Friday holiday: Thursday's next working day is Monday.
      {"2026-05-07", {1, kWorking}, kMetropole, "2026-05-11"},
      {"2026-05-07", {2, kWorking}, kMetropole, "2026-05-12"},
      {"2026-05-13", {1, kWorking}, kMetropole, "2026-05-15"},  // Ascension
      {"2026-05-22", {1, kWorking}, kMetropole, "2026-05-26"},  // Lundi de Pentecôte
      {"2026-05-04", {10, kWorking}, kMetropole, "2026-05-20"},
      {"2026-05-09", {1, kWorking}, kMetropole, "2026-05-11"},  // from a Saturday
      {"2026-12-24", {1, kWorking}, kMetropole, "2026-12-28"},
      {"2025-12-24", {1, kWorking}, kMetropole, "2025-12-26"},
      {"2025-12-24", {1, kWorking}, kAlsace, "2025-12-29"},
      // 2026 has 252 working days, the last on Thursday 31 December.
      {"2025-12-31", {252, kWorking}, kMetropole, "2026-12-31"},
  });
}

TEST(Calendar, CalendarDaysExpiryCarriedToNextWorkingDay) {
  ExpectExpiries({
      {"2026-05-01", {2, kCalendar}, kMetropole, "2026-05-04"},   // Sunday → Monday
      {"2026-03-02", {15, kCalendar}, kMetropole, "2026-03-17"},  // a Tuesday: unchanged
      {"2026-05-07", {1, kCalendar}, kMetropole, "2026-05-11"},   // holiday Friday → Monday
      {"2025-12-20", {12, kCalendar}, kMetropole, "2026-01-02"},  // Jour de l'an
      {"2026-01-01", {30, kCalendar}, kMetropole, "2026-02-02"},  // Saturday → Monday
      {"2026-03-24", {10, kCalendar}, kMetropole, "2026-04-03"},
      {"2026-03-24", {10, kCalendar}, kAlsace, "2026-04-07"},  // Vendredi saint → Tuesday
  });
}

TEST(Calendar, MonthsClampToTheLastDayOfTheMonth) {
  ExpectExpiries({
      {"2025-01-31", {1, kMonths}, kMetropole, "2025-02-28"},
      {"2024-01-31", {1, kMonths}, kMetropole, "2024-02-29"},  // leap year
      {"2025-03-31", {1, kMonths}, kMetropole, "2025-04-30"},
      {"2024-02-29", {12, kMonths}, kMetropole, "2025-02-28"},
      {"2025-11-15", {2, kMonths}, kMetropole, "2026-01-15"},  // across the year end
      {"2026-03-15", {2, kMonths}, kMetropole, "2026-05-15"},
      {"2026-01-10", {24, kMonths}, kMetropole, "2028-01-10"},
  });
}

TEST(Calendar, MonthsExpiryCarriedToNextWorkingDay) {
  ExpectExpiries({
      {"2026-01-31", {1, kMonths}, kMetropole, "2026-03-02"},  // clamped to Sat 28 Feb
      {"2025-08-31", {6, kMonths}, kMetropole, "2026-03-02"},
      {"2025-10-01", {3, kMonths}, kMetropole, "2026-01-02"},  // Jour de l'an
      {"2026-04-14", {1, kMonths}, kMetropole, "2026-05-15"},  // Ascension
      {"2025-10-26", {2, kMonths}, kMetropole, "2025-12-26"},
      {"2025-10-26", {2, kMonths}, kAlsace, "2025-12-29"},  // Saint-Étienne
  });
}

TEST(Calendar, ZeroOrNegativeAmountExpiresOnStart) {
  ExpectExpiries({
      {"2026-05-12", {0, kCalendar}, kMetropole, "2026-05-12"},
      {"2026-05-12", {-5, kCalendar}, kMetropole, "2026-05-12"},
      {"2026-05-12", {-1, kMonths}, kMetropole, "2026-05-12"},
      {"2026-05-09", {0, kCalendar}, kMetropole, "2026-05-11"},  // still carried from Saturday
      {"2026-05-09", {0, kWorking}, kMetropole, "2026-05-09"},   // 0th working day is start
      {"2026-05-09", {-3, kWorking}, kMetropole, "2026-05-09"},
  });
}

TEST(Calendar, WorkingDaysBetweenExamples) {
  const struct {
    std::string_view from;
    std::string_view to;
    HolidayRegion region;
    int expected;
  } kCases[] = {
      {"2026-05-07", "2026-05-11", kMetropole, 1},
      {"2026-05-04", "2026-05-08", kMetropole, 3},  // Tue–Thu; Friday is 8 May
      {"2026-05-15", "2026-05-18", kMetropole, 1},  // Friday to Monday
      {"2026-05-09", "2026-05-10", kMetropole, 0},  // Saturday to Sunday
      {"2026-05-07", "2026-05-07", kMetropole, 0},
      {"2026-05-11", "2026-05-07", kMetropole, 0},  // reversed
      {"2025-12-31", "2026-12-31", kMetropole, 252},
      {"2025-12-31", "2026-12-31", kAlsace, 251},  // Vendredi saint; 26 Dec is a Saturday
      {"2024-12-31", "2025-12-31", kMetropole, 251},
      {"2024-12-31", "2026-12-31", kMetropole, 503},
      // Fête du Travail and Ascension share 1 May 2008: one working day lost, not two.
      {"2008-04-30", "2008-05-01", kMetropole, 0},
      {"2008-04-30", "2008-05-02", kMetropole, 1},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(WorkingDaysBetween(D(c.from), D(c.to), c.region), c.expected)
        << c.from << " → " << c.to;
  }
}

// Day-by-day references, to check the week-skipping arithmetic on many inputs.
int NaiveWorkingDaysBetween(Date from, Date to, HolidayRegion region) {
  int n = 0;
  for (Date d = AddDays(from, 1); d <= to; d = AddDays(d, 1)) n += IsWorkingDay(d, region) ? 1 : 0;
  return n;
}

Date NaiveNthWorkingDayAfter(Date start, int n, HolidayRegion region) {
  Date d = start;
  while (n > 0) {
    d = AddDays(d, 1);
    if (IsWorkingDay(d, region)) --n;
  }
  return d;
}

TEST(Calendar, WorkingDayArithmeticAgreesWithDayByDayCount) {
  const int kAmounts[] = {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 15, 20, 30, 61, 100, 253};
  for (HolidayRegion region : {kMetropole, kAlsace}) {
    // A step prime to 7 visits every weekday and every position around the holidays.
    for (Date start = D("2023-12-20"); start <= D("2030-12-31"); start = AddDays(start, 11)) {
      for (int n : kAmounts) {
        const Date expiry = AddDelay(start, {n, kWorking}, region);
        ASSERT_EQ(FormatDate(expiry), FormatDate(NaiveNthWorkingDayAfter(start, n, region)))
            << FormatDate(start) << " + " << n;
        ASSERT_TRUE(IsWorkingDay(expiry, region)) << FormatDate(start) << " + " << n;
        ASSERT_EQ(WorkingDaysBetween(start, expiry, region), n) << FormatDate(start) << " + " << n;
        ASSERT_EQ(WorkingDaysBetween(start, AddDays(expiry, -1), region), n - 1)
            << FormatDate(start) << " + " << n;
      }
      const Date to = AddDays(start, 400);
      ASSERT_EQ(WorkingDaysBetween(start, to, region), NaiveWorkingDaysBetween(start, to, region))
          << FormatDate(start);
    }
  }
}

TEST(Calendar, VeryLongWorkingDayDelayIsFastAndExact) {
  // About 400 years: the week-skipping path must land exactly.
  const Date start = D("2026-05-07");
  const Date expiry = AddDelay(start, {100'000, kWorking}, kMetropole);
  EXPECT_TRUE(IsWorkingDay(expiry, kMetropole));
  EXPECT_EQ(WorkingDaysBetween(start, expiry, kMetropole), 100'000);
  EXPECT_EQ(WorkingDaysBetween(start, AddDays(expiry, -1), kMetropole), 99'999);
}

TEST(Calendar, DelayUnitRoundTripsThroughItsSpelling) {
  const struct {
    DelayUnit unit;
    std::string_view spelling;
  } kCases[] = {
      {kCalendar, "calendar_days"},
      {kWorking, "working_days"},
      {kMonths, "months"},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(ToString(c.unit), c.spelling);
    EXPECT_EQ(ParseDelayUnit(c.spelling), c.unit) << c.spelling;
  }
}

TEST(Calendar, ParseDelayUnitRejectsOtherSpellings) {
  for (std::string_view s : {"", "days", "Months", "MONTHS", "working days", "calendar_days ",
                             "month", "jours_ouvres"}) {
    EXPECT_EQ(ParseDelayUnit(s), std::nullopt) << '"' << s << '"';
  }
}

}  // namespace
}  // namespace guichet
