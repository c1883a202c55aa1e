// A background thread that runs a pass every `interval` until stopped, and
// what a worker says when its passes fail. A pass that fails (broken
// infrastructure: the database went away) is retried at the next one, and
// reported: the workers run unattended, and whoever runs the server must
// learn from the log that the outbox or the deadlines stopped, and why.
// Shared by the workers' loops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "core/result.hpp"
#include "core/thread_name.hpp"

namespace guichet::workers {

// Called on the worker's thread. `cause` non-empty: passes fail (the
// `failures`-th in a row); empty: a pass worked again after `failures`
// failed ones. The server writes it to its log.
using FailureReport =
    std::function<void(std::string_view worker, std::string_view cause, int failures)>;

// Turns a worker's pass outcomes into reports: the first failure, then one a
// minute while they go on, then the recovery, rather than a line per pass
// (a second apart) for as long as the database is away. Not thread-safe: one
// worker thread uses it.
class PassFailures {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::minutes kRepeat{1};

  PassFailures(std::string worker, FailureReport report)
      : worker_(std::move(worker)), report_(std::move(report)) {}

  void Failed(std::string_view cause, Clock::time_point now = Clock::now()) {
    ++failures_;
    if (failures_ == 1 || now - last_report_ >= kRepeat) {
      last_report_ = now;
      if (report_) report_(worker_, cause.empty() ? "échec sans cause connue" : cause, failures_);
    }
  }
  void Succeeded() {
    if (failures_ > 0 && report_) report_(worker_, "", failures_);
    failures_ = 0;
  }
  // Runs `pass` and records how it went; an exception is a failure too.
  // Returns what the pass returned, or 0 when it failed.
  int Run(const std::function<Result<int>()>& pass) {
    try {
      auto r = pass();
      if (r.ok()) {
        Succeeded();
        return *r;
      }
      Failed(r.error().cause_or_message());
    } catch (const std::exception& e) {
      Failed(e.what());
    }
    return 0;
  }

 private:
  std::string worker_;
  FailureReport report_;
  int failures_ = 0;
  Clock::time_point last_report_{};
};

class PeriodicLoop {
 public:
  PeriodicLoop() = default;
  ~PeriodicLoop() { Stop(); }
  PeriodicLoop(const PeriodicLoop&) = delete;
  PeriodicLoop& operator=(const PeriodicLoop&) = delete;

  // `name` names the thread and the reports.
  void Start(std::string name, std::chrono::milliseconds interval,
             std::function<Result<int>()> pass, FailureReport report = {}) {
    thread_ = std::thread([this, name = std::move(name), interval, pass = std::move(pass),
                           report = std::move(report)] {
      NameThisThread(name);
      PassFailures failures(name, report);
      std::unique_lock lock(mu_);
      while (!stop_) {
        lock.unlock();
        failures.Run(pass);
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
