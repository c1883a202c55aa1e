#include "http/metrics.hpp"

#include <fmt/format.h>

namespace guichet::http {

void Metrics::Record(const std::string& route, const std::string& method, unsigned status,
                     double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, method, status}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::Render() const {
  std::string out;
  out += "# HELP guichet_http_requests_total HTTP requests by route, method and status.\n";
  out += "# TYPE guichet_http_requests_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out +=
        fmt::format("guichet_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
                    route, method, status, n);
  }
  out += "# HELP guichet_http_request_duration_seconds Time from request read to response ready.\n";
  out += "# TYPE guichet_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out +=
          fmt::format("guichet_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                      route, kBuckets[i], h.counts[i]);
    }
    out +=
        fmt::format("guichet_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                    route, h.count);
    out +=
        fmt::format("guichet_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("guichet_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route,
                       h.count);
  }
  out += "# TYPE guichet_http_connections_open gauge\n";
  out += fmt::format("guichet_http_connections_open {}\n", connections_.load());
  for (const auto& g : gauges_) {
    for (const auto& [name, value] : g()) {
      out += fmt::format("# TYPE {} gauge\n{} {}\n", name, name, value);
    }
  }
  return out;
}

}  // namespace guichet::http
