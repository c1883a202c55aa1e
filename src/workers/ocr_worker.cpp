#include "workers/ocr_worker.hpp"

namespace guichet::workers {

OcrWorker::OcrWorker(domain::CounterService& counter, domain::Store& store,
                     domain::TextExtractor& extractor, std::chrono::milliseconds interval)
    : counter_(counter), store_(store), extractor_(extractor), interval_(interval) {}

OcrWorker::~OcrWorker() { Stop(); }

void OcrWorker::Start(FailureReport report) {
  loop_.Start(
      "ocr", interval_, [this] { return RunOnce(); }, std::move(report));
}

void OcrWorker::Stop() { loop_.Stop(); }

Result<int> OcrWorker::RunOnce() {
  auto due = counter_.DueScans(kBatch);
  if (!due.ok()) return due.error();
  int completed = 0;
  for (auto scan : *due) {
    auto claimed = counter_.ClaimScan(scan.id, kLease);
    if (!claimed.ok()) return claimed.error();
    if (!*claimed) continue;  // another worker has it
    scan.attempts += 1;       // what the claim counted
    Result<std::string> text = Error::Unavailable("document introuvable");
    auto upload = store_.GetUpload(scan.upload_id);
    auto bytes = store_.GetUploadBytes(scan.upload_id);
    if (upload.ok() && bytes.ok()) {
      try {
        text = extractor_.Extract(upload->content_type, *bytes);
      } catch (const std::exception& e) {
        text = Error::Unavailable(std::string("extraction interrompue : ") + e.what());
      }
    }
    auto s = counter_.CompleteScan(scan, text);
    if (!s.ok()) return s.error();
    ++completed;
  }
  return completed;
}

}  // namespace guichet::workers
