// A small, bounded pool of threads for blocking work that must not run on
// the I/O threads: Argon2id password hashing (deliberately slow) and the
// identity use cases that wait for a durable write. When `queue_limit` jobs
// are waiting, new ones are refused (503) rather than queued without bound,
// so a flood of logins cannot starve the rest of the server. Thread-safe.
#pragma once

#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <string>

#include "core/result.hpp"
#include "core/thread_name.hpp"
#include "http/server.hpp"

namespace guichet::http {

class BlockingPool {
 public:
  // `name`: the threads' name in `top -H` and perf (15 bytes at most).
  BlockingPool(std::string name, std::size_t threads, std::size_t queue_limit)
      : name_(std::move(name)), pool_(threads), limit_(queue_limit) {}
  ~BlockingPool() { pool_.join(); }

  // Runs `fn` on the pool; false (and `fn` dropped) when the queue is full.
  bool Post(std::function<void()> fn) {
    if (pending_.fetch_add(1) >= limit_) {
      pending_.fetch_sub(1);
      return false;
    }
    asio::post(pool_, [this, fn = std::move(fn)] {
      // asio::thread_pool starts its threads itself: each takes the pool's
      // name with its first job.
      thread_local bool named = false;
      if (!named) {
        NameThisThread(name_);
        named = true;
      }
      fn();
      pending_.fetch_sub(1);
    });
    return true;
  }
  std::size_t pending() const { return pending_.load(); }

 private:
  const std::string name_;
  asio::thread_pool pool_;
  const std::size_t limit_;
  std::atomic<std::size_t> pending_{0};
};

// Runs `fn` (returning Result<T> or Status) on `pool` and resumes the
// calling coroutine with its value; kUnavailable when the pool is full.
template <typename R, typename Fn>
asio::awaitable<R> OnPool(BlockingPool& pool, Fn fn) {
  co_return co_await AwaitCallback<R>([&pool, &fn](auto done) {
    auto shared = std::make_shared<decltype(done)>(std::move(done));
    if (!pool.Post([&fn, shared] { (*shared)(fn()); })) {
      (*shared)(R(Error(ErrorCode::kUnavailable,
                        "Le serveur est très sollicité : réessayez dans un instant.")));
    }
  });
}

}  // namespace guichet::http
