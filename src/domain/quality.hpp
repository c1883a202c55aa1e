// The public quality figures (the /qualite page and GET /api/v1/quality):
// per service, over the last 30 days and the last 12 months, computed from
// one sample per request received in the period (Store::ListQualitySamples).
// Pure: no I/O.
//
// Definitions (docs/api.md):
// - received: requests created in the period;
// - first answer: the first message out or status change made by an agent
//   or a channel — not by the system (acknowledgements, timers);
// - resolution: the request entered a finished status (closed_at);
// - within the commitment: resolved no later than its due date, among the
//   requests with a due date that are resolved or already overdue (those
//   still open and not yet due are not counted either way);
// - satisfaction: the mean of the citizens' ratings (1 to 5).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/model.hpp"
#include "domain/store.hpp"

namespace guichet::domain {

struct QualityFigures {
  int received = 0;
  std::optional<double> median_first_answer_hours;  // nullopt: none answered yet
  int answered = 0;
  std::optional<double> median_resolution_hours;
  int resolved = 0;
  std::optional<double> within_commitment;  // share, 0..1
  int commitment_base = 0;                  // requests the share is computed on
  std::optional<double> satisfaction;       // mean rating, 1..5
  int ratings = 0;
};

struct ServiceQuality {
  std::string service_id;
  std::string name;
  QualityFigures last_30_days;
  QualityFigures last_12_months;
};

inline constexpr Timestamp kQualityShortPeriod = 30 * kMicrosPerDay;
inline constexpr Timestamp kQualityLongPeriod = 365 * kMicrosPerDay;

// Figures of every service in `services` (those without requests too), in
// their order. `samples` must cover at least the long period before `now`.
std::vector<ServiceQuality> ComputeQuality(const std::vector<QualitySample>& samples,
                                           const std::vector<Service>& services, Timestamp now);

// The median of the values (mean of the two middle ones); nullopt when empty.
std::optional<double> Median(std::vector<double> values);

}  // namespace guichet::domain
