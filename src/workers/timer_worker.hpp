// The background loop of procedures: fires due workflow timers (legal
// deadlines, silence-vaut-décision, delayed transitions) and deletes expired
// drafts.
//
// Several server processes may run it against one PostgreSQL database: each
// timer is claimed inside the transaction that applies it, so it fires once.
// A timer due while the server was stopped fires at the next pass.
#pragma once

#include <chrono>

#include "domain/case_service.hpp"
#include "domain/drafts.hpp"
#include "workers/periodic.hpp"

namespace guichet::workers {

class TimerWorker {
 public:
  // Timers fired per pass at most; the rest wait for the next pass.
  static constexpr int kBatch = 200;
  static constexpr Timestamp kPurgeInterval = 60 * kMicrosPerSecond;

  TimerWorker(domain::CaseService& cases, domain::DraftService& drafts, domain::Store& store,
              const Clock& clock, std::chrono::milliseconds interval);
  ~TimerWorker();  // Stop()

  // Runs passes every `interval` on a thread of its own until Stop().
  // `report`: told when passes start failing and when they work again.
  void Start(FailureReport report = {});
  void Stop();

  // One pass on the calling thread: fires every due timer (up to kBatch) and,
  // once per kPurgeInterval, deletes expired drafts. Returns the number of
  // timers this pass fired. Not to be called concurrently on one worker.
  Result<int> RunOnce();

 private:
  domain::CaseService& cases_;
  domain::DraftService& drafts_;
  domain::Store& store_;
  const Clock& clock_;
  const std::chrono::milliseconds interval_;
  Timestamp last_purge_ = 0;  // RunOnce() callers take turns (one thread, or tests)
  PeriodicLoop loop_;
};

}  // namespace guichet::workers
