// The background loop of postal mail: extracts the text of scanned letters
// (domain::TextExtractor) outside of any HTTP request, and records it on the
// request's timeline, where the back-office search finds it.
//
// Jobs are claimed with a lease (domain::CounterService::ClaimScan), so
// several servers on one PostgreSQL database never OCR one scan twice at
// once, and a job whose server died is taken again once its lease runs out.
// A failure is retried, then recorded; the scan itself is never touched.
#pragma once

#include <chrono>

#include "domain/counter.hpp"
#include "workers/periodic.hpp"

namespace guichet::workers {

class OcrWorker {
 public:
  // Jobs taken per pass; OCR is slow, the next pass comes soon after.
  static constexpr int kBatch = 4;
  // How long a claimed job is ours: longer than the extractor's time limits.
  static constexpr Timestamp kLease = 15 * 60 * kMicrosPerSecond;

  OcrWorker(domain::CounterService& counter, domain::Store& store, domain::TextExtractor& extractor,
            std::chrono::milliseconds interval);
  ~OcrWorker();  // Stop()

  // `report`: told when passes start failing and when they work again.
  void Start(FailureReport report = {});
  void Stop();
  // One pass on the calling thread; returns the number of jobs completed
  // (done, failed or put back for a retry). Not to be called concurrently.
  Result<int> RunOnce();

 private:
  domain::CounterService& counter_;
  domain::Store& store_;
  domain::TextExtractor& extractor_;
  const std::chrono::milliseconds interval_;
  PeriodicLoop loop_;
};

}  // namespace guichet::workers
