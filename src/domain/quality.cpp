#include "domain/quality.hpp"

#include <algorithm>
#include <map>

namespace guichet::domain {

namespace {

constexpr double kMicrosPerHour = 3600.0 * kMicrosPerSecond;

// Accumulates the samples of one service over one period.
struct Accumulator {
  int received = 0;
  std::vector<double> first_answer, resolution;
  int within = 0, base = 0;
  int rating_sum = 0, ratings = 0;

  void Add(const QualitySample& s, Timestamp now) {
    ++received;
    if (s.first_answer_at) {
      first_answer.push_back(static_cast<double>(*s.first_answer_at - s.created_at) /
                             kMicrosPerHour);
    }
    if (s.closed_at) {
      resolution.push_back(static_cast<double>(*s.closed_at - s.created_at) / kMicrosPerHour);
    }
    if (s.due_at && (s.closed_at || *s.due_at < now)) {
      ++base;
      if (s.closed_at && *s.closed_at <= *s.due_at) ++within;
    }
    if (s.score) {
      rating_sum += *s.score;
      ++ratings;
    }
  }

  QualityFigures Figures() const {
    QualityFigures f;
    f.received = received;
    f.answered = static_cast<int>(first_answer.size());
    f.median_first_answer_hours = Median(first_answer);
    f.resolved = static_cast<int>(resolution.size());
    f.median_resolution_hours = Median(resolution);
    f.commitment_base = base;
    if (base > 0) f.within_commitment = static_cast<double>(within) / base;
    f.ratings = ratings;
    if (ratings > 0) f.satisfaction = static_cast<double>(rating_sum) / ratings;
    return f;
  }
};

}  // namespace

std::optional<double> Median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

std::vector<ServiceQuality> ComputeQuality(const std::vector<QualitySample>& samples,
                                           const std::vector<Service>& services, Timestamp now) {
  std::map<std::string, std::pair<Accumulator, Accumulator>> by_service;
  for (const auto& s : samples) {
    if (s.created_at < now - kQualityLongPeriod || s.created_at > now) continue;
    auto& [short_acc, long_acc] = by_service[s.service_id];
    long_acc.Add(s, now);
    if (s.created_at >= now - kQualityShortPeriod) short_acc.Add(s, now);
  }
  std::vector<ServiceQuality> out;
  for (const auto& svc : services) {
    ServiceQuality q{svc.id, svc.name, {}, {}};
    if (auto it = by_service.find(svc.id); it != by_service.end()) {
      q.last_30_days = it->second.first.Figures();
      q.last_12_months = it->second.second.Figures();
    }
    out.push_back(std::move(q));
  }
  return out;
}

}  // namespace guichet::domain
