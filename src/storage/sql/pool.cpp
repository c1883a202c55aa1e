#include "storage/sql/pool.hpp"

namespace guichet::storage::sql {

ConnectionPool::ConnectionPool(Factory factory, size_t max_size)
    : factory_(std::move(factory)), max_size_(max_size) {}

ConnectionPool::Lease::~Lease() {
  if (pool_) pool_->Release(std::move(conn_));
}

ConnectionPool::Lease ConnectionPool::Acquire() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      ++in_use_;
      return Lease(this, std::move(conn));
    }
    if (open_ < max_size_) {
      ++open_;
      ++in_use_;
      lock.unlock();
      try {
        return Lease(this, factory_());
      } catch (...) {
        lock.lock();
        --open_;
        --in_use_;
        throw;
      }
    }
    ++waits_;
    if (!cv_.wait_for(lock, kAcquireTimeout, [&] { return !idle_.empty() || open_ < max_size_; })) {
      throw DbError("no database connection free after 5 s");
    }
  }
}

void ConnectionPool::ForEachIdle(const std::function<void(Connection&)>& fn) {
  std::lock_guard lock(mu_);
  for (auto& c : idle_) fn(*c);
}

void ConnectionPool::Release(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard lock(mu_);
    --in_use_;
    if (conn) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
  }
  cv_.notify_one();
}

ConnectionPool::Stats ConnectionPool::stats() const {
  std::lock_guard lock(mu_);
  return {open_, in_use_, max_size_, waits_};
}

}  // namespace guichet::storage::sql
