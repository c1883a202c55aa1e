// The background loop of the outbox: claims due messages, hands each to the
// sender of its channel (SMTP, SMS gateway, letters) and records the outcome
// (domain/outbox_service.hpp). Several server processes may run it against
// one PostgreSQL database: a row is claimed by a conditional UPDATE, so one
// worker sends it. A message is marked sent only after the SMTP server or the
// gateway accepted it: a crash between the two makes it go again once its
// lease runs out, with the same Message-ID / Idempotency-Key — the only
// window in which a receiver can see it twice.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "domain/outbox_service.hpp"
#include "domain/templates.hpp"
#include "workers/periodic.hpp"

namespace guichet::workers {

class OutboxWorker {
 public:
  static constexpr int kBatch = 100;  // rows claimed per pass

  // `senders`: one per channel delivered; not owned, used from this worker's thread only.
  // `templates`: when set, a message about a request is rendered through the
  // template of its event and of the channel it goes out on (not owned).
  OutboxWorker(domain::OutboxService& outbox, domain::Store& store,
               std::map<domain::Channel, domain::Sender*> senders,
               std::chrono::milliseconds interval,
               const domain::TemplateService* templates = nullptr);
  ~OutboxWorker();  // Stop()

  // `report`: told when passes start failing and when they work again.
  void Start(FailureReport report = {});
  void Stop();
  // Wakes the loop before its interval ends (a message was just queued).
  void Nudge();

  // One pass on the calling thread; returns how many messages were sent.
  Result<int> RunOnce();

 private:
  // The row's message_out event, when it has one.
  std::optional<domain::Event> EventOf(const domain::OutboxMessage& m);
  // Subject and text of `m` from the template of its event and channel.
  void Render(domain::OutboxMessage& m, const domain::Request& r, const domain::Event& e);
  // The email addresses among `batch` for which the mail side recorded
  // bounces, in lower case: one transaction for the whole batch.
  std::set<std::string> Bounced(const std::vector<domain::OutboxMessage>& batch);

  domain::OutboxService& outbox_;
  domain::Store& store_;
  std::map<domain::Channel, domain::Sender*> senders_;
  const std::chrono::milliseconds interval_;
  const domain::TemplateService* templates_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;    // GUARDED_BY(mu_)
  bool nudged_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace guichet::workers
