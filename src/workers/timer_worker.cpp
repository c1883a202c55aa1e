#include "workers/timer_worker.hpp"

#include <future>
#include <stdexcept>

namespace guichet::workers {

TimerWorker::TimerWorker(domain::CaseService& cases, domain::DraftService& drafts,
                         domain::Store& store, const Clock& clock,
                         std::chrono::milliseconds interval)
    : cases_(cases), drafts_(drafts), store_(store), clock_(clock), interval_(interval) {}

TimerWorker::~TimerWorker() { Stop(); }

void TimerWorker::Start(FailureReport report) {
  loop_.Start(
      "timers", interval_, [this] { return RunOnce(); }, std::move(report));
}

void TimerWorker::Stop() { loop_.Stop(); }

Result<int> TimerWorker::RunOnce() {
  auto due = store_.ListDueTimers(clock_.Now(), kBatch);
  if (!due.ok()) return due.error();
  int fired = 0;
  for (const auto& timer : *due) {
    std::promise<Result<bool>> done;
    auto result = done.get_future();
    cases_.FireTimer(timer, [&done](Result<bool> r) { done.set_value(std::move(r)); });
    auto r = result.get();
    if (!r.ok()) return r.error();
    if (*r) ++fired;
  }
  // Expired drafts are deleted once a minute, not at every pass: each purge
  // is a transaction, and a commit costs an fsync.
  const Timestamp now = clock_.Now();
  if (now - last_purge_ >= kPurgeInterval) {
    auto purged = drafts_.Purge();
    if (!purged.ok()) return purged.error();
    last_purge_ = now;
  }
  return fired;
}

}  // namespace guichet::workers
