// A background thread that runs a pass every `interval` until stopped; a
// pass that throws (broken infrastructure: the database went away) is
// simply retried at the next one. Shared by the workers' loops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/thread_name.hpp"

namespace guichet::workers {

class PeriodicLoop {
 public:
  PeriodicLoop() = default;
  ~PeriodicLoop() { Stop(); }
  PeriodicLoop(const PeriodicLoop&) = delete;
  PeriodicLoop& operator=(const PeriodicLoop&) = delete;

  void Start(std::string name, std::chrono::milliseconds interval, std::function<void()> pass) {
    thread_ = std::thread([this, name = std::move(name), interval, pass = std::move(pass)] {
      NameThisThread(name);
      std::unique_lock lock(mu_);
      while (!stop_) {
        lock.unlock();
        try {
          pass();
        } catch (const std::exception&) {
          // The next pass retries.
        }
        lock.lock();
        cv_.wait_for(lock, interval, [this] { return stop_; });
      }
    });
  }
  // Idempotent; waits for a pass in progress to end.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace guichet::workers
