#include "core/calendar.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace guichet {

namespace {

// Floored division and modulo, so the formulas below also hold before year 0.
constexpr std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}
constexpr std::int64_t FloorMod(std::int64_t a, std::int64_t b) { return a - FloorDiv(a, b) * b; }

constexpr int kSaturday = 5;  // Weekday(): 0 = Monday … 6 = Sunday

// One line per holiday, in calendar order: PublicHolidays() sorts stably, so
// this order also breaks ties when a movable feast meets a fixed one.
struct HolidayRule {
  std::string_view name;
  bool from_easter;  // `offset` days after Easter Sunday; otherwise fixed `month`/`day`
  int month;
  int day;
  int offset;
  bool alsace_moselle_only;
};

constexpr HolidayRule Fixed(std::string_view name, int month, int day, bool alsace = false) {
  return {name, false, month, day, 0, alsace};
}
constexpr HolidayRule FromEaster(std::string_view name, int offset, bool alsace = false) {
  return {name, true, 0, 0, offset, alsace};
}

constexpr std::array kRules = {
    Fixed("Jour de l'an", 1, 1),
    FromEaster("Vendredi saint", -2, /*alsace=*/true),
    FromEaster("Lundi de Pâques", 1),
    Fixed("Fête du Travail", 5, 1),
    Fixed("Victoire 1945", 5, 8),
    FromEaster("Ascension", 39),
    FromEaster("Lundi de Pentecôte", 50),
    Fixed("Fête nationale", 7, 14),
    Fixed("Assomption", 8, 15),
    Fixed("Toussaint", 11, 1),
    Fixed("Armistice 1918", 11, 11),
    Fixed("Noël", 12, 25),
    Fixed("Saint-Étienne", 12, 26, /*alsace=*/true),
};

bool Applies(const HolidayRule& rule, HolidayRegion region) {
  return !rule.alsace_moselle_only || region == HolidayRegion::kAlsaceMoselle;
}

Date DateOfRule(const HolidayRule& rule, int year, Date easter) {
  return rule.from_easter ? AddDays(easter, rule.offset) : Date{year, rule.month, rule.day};
}

// Monday to Friday in [day 0 .. m) when day 0 is a Monday: 5 per whole week
// plus up to 5 of the partial one.
std::int64_t WeekdaysBefore(std::int64_t m) {
  return FloorDiv(m, 7) * 5 + std::min<std::int64_t>(FloorMod(m, 7), 5);
}

std::int64_t CountWorkingDays(Date from, Date to, HolidayRegion region) {
  if (to <= from) return 0;
  // Shift so that index 0 is a Monday: 1970-01-01 (day 0) was a Thursday.
  constexpr std::int64_t kToMonday = 3;
  std::int64_t count = WeekdaysBefore(DaysFromCivil(to) + kToMonday + 1) -
                       WeekdaysBefore(DaysFromCivil(from) + kToMonday + 1);
  for (int year = from.year; year <= to.year; ++year) {
    const Date easter = EasterSunday(year);
    std::array<Date, kRules.size()> days{};
    std::size_t n = 0;
    for (const HolidayRule& rule : kRules) {
      if (!Applies(rule, region)) continue;
      const Date d = DateOfRule(rule, year, easter);
      if (from < d && d <= to && Weekday(d) < kSaturday) days[n++] = d;
    }
    // Two feasts on one day (Ascension on 1 May) remove only one working day.
    std::sort(days.begin(), days.begin() + n);
    count -= std::unique(days.begin(), days.begin() + n) - days.begin();
  }
  return count;
}

Date NextWorkingDayFrom(Date d, HolidayRegion region) {
  while (!IsWorkingDay(d, region)) d = AddDays(d, 1);
  return d;
}

Date NthWorkingDayAfter(Date start, std::int64_t n, HolidayRegion region) {
  Date current = start;
  std::int64_t remaining = n;
  // Long delays jump whole weeks: (remaining - 1) / 5 weeks hold fewer than
  // `remaining` working days, so the target stays strictly ahead of the jump.
  while (remaining > 5) {
    const Date next = AddDays(current, (remaining - 1) / 5 * 7);
    remaining -= CountWorkingDays(current, next, region);
    current = next;
  }
  while (remaining > 0) {
    current = AddDays(current, 1);
    if (IsWorkingDay(current, region)) --remaining;
  }
  return current;
}

Date AddMonthsClamped(Date start, std::int64_t months) {
  const std::int64_t index =
      static_cast<std::int64_t>(start.year) * 12 + (start.month - 1) + months;
  const int year = static_cast<int>(FloorDiv(index, 12));
  const int month = static_cast<int>(FloorMod(index, 12)) + 1;
  return Date{year, month, std::min(start.day, DaysInMonth(year, month))};
}

}  // namespace

Date EasterSunday(int year) {
  const std::int64_t y = year;
  const std::int64_t a = FloorMod(y, 19);
  const std::int64_t b = FloorDiv(y, 100);
  const std::int64_t c = FloorMod(y, 100);
  const std::int64_t d = FloorDiv(b, 4);
  const std::int64_t e = FloorMod(b, 4);
  const std::int64_t f = FloorDiv(b + 8, 25);
  const std::int64_t g = FloorDiv(b - f + 1, 3);
  const std::int64_t h = FloorMod(19 * a + b - d - g + 15, 30);
  const std::int64_t i = FloorDiv(c, 4);
  const std::int64_t k = FloorMod(c, 4);
  const std::int64_t l = FloorMod(32 + 2 * e + 2 * i - h - k, 7);
  const std::int64_t m = FloorDiv(a + 11 * h + 22 * l, 451);
  const std::int64_t n = h + l - 7 * m + 114;
  return Date{year, static_cast<int>(n / 31), static_cast<int>(n % 31) + 1};
}

std::vector<Holiday> PublicHolidays(int year, HolidayRegion region) {
  const Date easter = EasterSunday(year);
  std::vector<Holiday> out;
  out.reserve(kRules.size());
  for (const HolidayRule& rule : kRules) {
    if (Applies(rule, region)) {
      out.push_back({DateOfRule(rule, year, easter), std::string(rule.name)});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Holiday& x, const Holiday& y) { return x.date < y.date; });
  return out;
}

bool IsPublicHoliday(Date d, HolidayRegion region) {
  const Date easter = EasterSunday(d.year);
  return std::any_of(kRules.begin(), kRules.end(), [&](const HolidayRule& rule) {
    return Applies(rule, region) && DateOfRule(rule, d.year, easter) == d;
  });
}

bool IsWorkingDay(Date d, HolidayRegion region) {
  return Weekday(d) < kSaturday && !IsPublicHoliday(d, region);
}

std::optional<DelayUnit> ParseDelayUnit(std::string_view s) {
  for (DelayUnit unit : {DelayUnit::kCalendarDays, DelayUnit::kWorkingDays, DelayUnit::kMonths}) {
    if (s == ToString(unit)) return unit;
  }
  return std::nullopt;
}

std::string_view ToString(DelayUnit unit) {
  switch (unit) {
    case DelayUnit::kCalendarDays:
      return "calendar_days";
    case DelayUnit::kWorkingDays:
      return "working_days";
    case DelayUnit::kMonths:
      return "months";
  }
  return "calendar_days";  // unreachable for a valid enumerator; keeps -Wreturn-type quiet
}

Date AddDelay(Date start, Delay delay, HolidayRegion region) {
  const std::int64_t amount = std::max(delay.amount, 0);
  if (delay.unit == DelayUnit::kWorkingDays) return NthWorkingDayAfter(start, amount, region);
  const Date expiry =
      delay.unit == DelayUnit::kMonths ? AddMonthsClamped(start, amount) : AddDays(start, amount);
  // Art. 642 CPC: an expiry on a Saturday, Sunday or holiday moves to the next working day.
  return NextWorkingDayFrom(expiry, region);
}

int WorkingDaysBetween(Date from, Date to, HolidayRegion region) {
  return static_cast<int>(CountWorkingDays(from, to, region));
}

}  // namespace guichet
