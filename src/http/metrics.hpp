// Prometheus metrics of the HTTP server: requests by route, method and
// status, a latency histogram per route, open connections. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace guichet::http {

class Metrics {
 public:
  using Gauges = std::function<std::vector<std::pair<std::string, double>>()>;

  void Record(const std::string& route, const std::string& method, unsigned status, double seconds);
  void ConnectionOpened() { ++connections_; }
  void ConnectionClosed() { --connections_; }
  // Extra gauges (database pool…) rendered with the rest.
  void AddGauges(Gauges g) { gauges_.push_back(std::move(g)); }

  std::string Render() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, unsigned>, std::uint64_t>
      requests_;                              // GUARDED_BY(mu_)
  std::map<std::string, Histogram> latency_;  // GUARDED_BY(mu_)
  std::atomic<long> connections_{0};
  std::vector<Gauges> gauges_;  // set at start-up only
};

}  // namespace guichet::http
