// Time values and the clock port.
//
// A Timestamp is microseconds since the Unix epoch, UTC. Calendar dates are
// proleptic Gregorian. Everything here is pure except SystemClock.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace guichet {

using Timestamp = std::int64_t;  // µs since 1970-01-01T00:00:00Z

constexpr Timestamp kMicrosPerSecond = 1'000'000;
constexpr Timestamp kMicrosPerDay = 86'400 * kMicrosPerSecond;

struct Date {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  auto operator<=>(const Date&) const = default;
};

// Days since 1970-01-01 for a civil date, and back (H. Hinnant's algorithms).
std::int64_t DaysFromCivil(Date d);
Date CivilFromDays(std::int64_t days);
// 0 = Monday … 6 = Sunday.
int Weekday(Date d);
Date AddDays(Date d, std::int64_t n);
bool IsValidDate(int year, int month, int day);
int DaysInMonth(int year, int month);

Date DateOf(Timestamp t);  // the UTC date of an instant
Timestamp StartOfDay(Date d);

// Legal time of metropolitan France (Europe/Paris): UTC+1, UTC+2 from the
// last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC (the
// EU rule since 1996). Legal deadlines are counted in these local days.
int ParisUtcOffsetSeconds(Timestamp t);
Date ParisDateOf(Timestamp t);
// The instant local midnight of `d` begins in Paris.
Timestamp StartOfParisDay(Date d);

// "2026-11-28T09:05:03Z" (seconds precision, or ".123456" when `micros`).
std::string FormatIso8601(Timestamp t, bool micros = false);
std::string FormatDate(Date d);  // "2026-11-28"
// Accepts "YYYY-MM-DD", "YYYY-MM-DDThh:mm[:ss[.frac]]" followed by "Z" or
// "±hh:mm" (a date-time without an offset is refused: it would be ambiguous).
std::optional<Timestamp> ParseIso8601(std::string_view s);
std::optional<Date> ParseDate(std::string_view s);

// The clock port. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
};

// A clock tests move by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : now_(start) {}
  Timestamp Now() const override { return now_.load(); }
  void Set(Timestamp t) { now_.store(t); }
  void Advance(Timestamp delta) { now_.fetch_add(delta); }

 private:
  std::atomic<Timestamp> now_;
};

}  // namespace guichet
