// The French legal-deadline calendar: public holidays, working days, and the
// expiry date of an administrative delay.
//
// Everything here is pure (no I/O, no clock, no global mutable state) and
// therefore safe to call concurrently from any number of threads. Dates are
// proleptic Gregorian `Date` values (see core/time.hpp); callers pass valid
// dates (IsValidDate). Today's list of holidays is applied to every year:
// historical changes to that list are not modelled.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace guichet {

// Easter Sunday of `year` (anonymous Gregorian algorithm, a.k.a. Meeus/Jones/Butcher).
Date EasterSunday(int year);

// Which list of public holidays applies: the three departements of
// Alsace-Moselle (Bas-Rhin, Haut-Rhin, Moselle) keep two extra days.
enum class HolidayRegion {
  kMetropole,
  kAlsaceMoselle,  // adds Vendredi saint and Saint-Étienne (26 December)
};

struct Holiday {
  Date date;
  std::string name;  // French, e.g. "Lundi de Pâques"
  bool operator==(const Holiday&) const = default;
};

// The public holidays (jours fériés) of `year` in `region`, sorted by date.
// When two feasts fall on the same day (Ascension on 1 May in 2008), both are
// listed, in the order Fête du Travail / Victoire 1945 first, then Ascension.
std::vector<Holiday> PublicHolidays(int year, HolidayRegion region);

// True when `d` is a public holiday in `region`, whatever its weekday.
bool IsPublicHoliday(Date d, HolidayRegion region);

// True for a "jour ouvré" of the administration: Monday to Friday and not a
// public holiday. (Lundi de Pentecôte counts as a holiday even though it is
// the "journée de solidarité" in some services.)
bool IsWorkingDay(Date d, HolidayRegion region);

enum class DelayUnit {
  kCalendarDays,  // "calendar_days"
  kWorkingDays,   // "working_days"
  kMonths,        // "months"
};

// A legal or regulatory delay, e.g. {2, kMonths} for the silence-vaut-décision rule.
struct Delay {
  int amount = 0;  // a negative amount is treated as 0
  DelayUnit unit = DelayUnit::kCalendarDays;
  bool operator==(const Delay&) const = default;
};

// Parses the snake_case spelling used in configuration and the API
// ("calendar_days", "working_days", "months"); nullopt for anything else
// (matching is exact and case-sensitive).
std::optional<DelayUnit> ParseDelayUnit(std::string_view s);
// The spelling ParseDelayUnit accepts; the returned view is a static string.
std::string_view ToString(DelayUnit unit);

// The date on which `delay`, starting on `start`, expires (the last day on
// which the act may still be done), following French administrative practice:
//   - calendar days: start + amount;
//   - working days: the amount-th working day after start (start itself is
//     not counted; an amount of 0 returns start unchanged);
//   - months: the same day number `amount` months later, clamped to the last
//     day of that month (31 January + 1 month = 28 or 29 February).
// For calendar days and months, an expiry falling on a Saturday, Sunday or
// public holiday is carried to the next working day (article 642 of the Code
// de procédure civile, applied to administrative delays alike).
Date AddDelay(Date start, Delay delay, HolidayRegion region);

// The number of working days d with from < d <= to; 0 when to <= from.
// AddDelay(start, {n, kWorkingDays}, r) is the first day `to` with
// WorkingDaysBetween(start, to, r) == n.
int WorkingDaysBetween(Date from, Date to, HolidayRegion region);

}  // namespace guichet
