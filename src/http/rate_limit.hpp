// A per-key (client address) fixed-window rate limit, for the routes a
// stranger could use to guess: "Suivre ma demande" answers whether a
// reference and a contact go together. Thread-safe (one mutex).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace guichet::http {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(int limit, Clock::duration window) : limit_(limit), window_(window) {}

  // True when `key` may make one more call now; counts it.
  bool Allow(const std::string& key, Clock::time_point now = Clock::now());
  // Seconds until the window of `key` ends (for Retry-After).
  long RetryAfterSeconds(const std::string& key, Clock::time_point now = Clock::now());

 private:
  struct Window {
    Clock::time_point start;
    int count = 0;
  };
  // Past this many keys, finished windows are dropped (bounded memory).
  static constexpr size_t kMaxKeys = 100'000;
  const int limit_;
  const Clock::duration window_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;  // GUARDED_BY(mu_)
};

}  // namespace guichet::http
