#include "http/rate_limit.hpp"

#include <algorithm>

namespace guichet::http {

bool RateLimiter::Allow(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (windows_.size() >= kMaxKeys) {
    std::erase_if(windows_, [&](const auto& kv) { return now - kv.second.start >= window_; });
  }
  Window& w = windows_[key];
  if (w.count == 0 || now - w.start >= window_) w = {now, 0};
  if (w.count >= limit_) return false;
  ++w.count;
  return true;
}

long RateLimiter::RetryAfterSeconds(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = windows_.find(key);
  if (it == windows_.end()) return 0;
  const auto left = it->second.start + window_ - now;
  return std::max<long>(1, std::chrono::ceil<std::chrono::seconds>(left).count());
}

}  // namespace guichet::http
