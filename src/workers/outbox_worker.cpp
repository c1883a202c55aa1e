#include "workers/outbox_worker.hpp"
#include "core/text.hpp"
#include "core/thread_name.hpp"

#include <algorithm>
#include <cctype>
#include <future>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace guichet::workers {

OutboxWorker::OutboxWorker(domain::OutboxService& outbox, domain::Store& store,
                           std::map<domain::Channel, domain::Sender*> senders,
                           std::chrono::milliseconds interval,
                           const domain::TemplateService* templates)
    : outbox_(outbox),
      store_(store),
      senders_(std::move(senders)),
      interval_(interval),
      templates_(templates) {}

OutboxWorker::~OutboxWorker() { Stop(); }

void OutboxWorker::Start(FailureReport report) {
  thread_ = std::thread([this, report = std::move(report)] {
    NameThisThread("outbox");
    // Broken infrastructure (the database went away): reported, and the next pass retries.
    PassFailures failures("outbox", report);
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      const int sent = failures.Run([this] { return RunOnce(); });
      lock.lock();
      // A full pass may have left more due rows: go on at once.
      if (sent >= kBatch) continue;
      cv_.wait_for(lock, interval_, [this] { return stop_ || nudged_; });
      nudged_ = false;
    }
  });
}

void OutboxWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OutboxWorker::Nudge() {
  {
    std::lock_guard lock(mu_);
    nudged_ = true;
  }
  cv_.notify_all();
}

std::optional<domain::Event> OutboxWorker::EventOf(const domain::OutboxMessage& m) {
  if (!m.request_id || !m.event_id) return std::nullopt;
  auto events = store_.ListEvents(*m.request_id);
  if (!events.ok()) return std::nullopt;
  for (auto& e : *events) {
    if (e.id == *m.event_id) return std::move(e);
  }
  return std::nullopt;
}

void OutboxWorker::Render(domain::OutboxMessage& m, const domain::Request& r,
                          const domain::Event& e) {
  const auto data = nlohmann::json::parse(e.data_json, nullptr, false);
  // Messages written before templates existed, and agents' messages, are replies.
  std::string event = "reply";
  if (data.is_object() && data.contains("notification") && data["notification"].is_string()) {
    event = data["notification"].get<std::string>();
  }
  if (domain::TemplateVariables(event).empty()) event = "reply";
  const auto rendered =
      templates_->Render(event, m.channel, templates_->RequestValues(r, m.body, m.subject));
  if (m.channel != domain::Channel::kSms) m.subject = rendered.subject;
  m.body = rendered.body;
}

std::set<std::string> OutboxWorker::Bounced(const std::vector<domain::OutboxMessage>& batch) {
  // The mail side records bounces of our mail; sending there again would
  // only bounce again, so the fallback chain takes over at once.
  std::set<std::string> addresses;  // the mail side records them in lower case
  for (const auto& m : batch) {
    if (m.channel == domain::Channel::kEmail) addresses.insert(AsciiLower(m.recipient));
  }
  std::set<std::string> failing;
  if (addresses.empty()) return failing;
  // The store reads failing addresses in a transaction only (the mail side
  // writes them there): one for the batch, not one per email — each was a
  // round trip through the writer's queue and a commit of its own.
  const Status s = store_.WriteSync([&addresses, &failing](domain::WriteTx& tx) -> Status {
    failing.clear();  // an op may run twice (Store::Write)
    for (const auto& a : addresses) {
      if (tx.FindFailingAddress(a)) failing.insert(a);
    }
    return Status::Ok();
  });
  if (!s.ok()) failing.clear();
  return failing;
}

Result<int> OutboxWorker::RunOnce() {
  std::promise<Result<std::vector<domain::OutboxMessage>>> claimed_p;
  auto claimed_f = claimed_p.get_future();
  outbox_.ClaimDue(kBatch, [&claimed_p](auto r) { claimed_p.set_value(std::move(r)); });
  auto claimed = claimed_f.get();
  if (!claimed.ok()) return claimed.error();
  int sent = 0;
  const std::set<std::string> bounced = Bounced(*claimed);
  std::vector<std::future<Result<domain::OutboxMessage>>> marks;
  for (const auto& claimed_row : *claimed) {
    domain::OutboxMessage m = claimed_row;
    std::optional<domain::Request> request;
    if (m.request_id) {
      auto r = store_.GetRequest(*m.request_id);
      if (r.ok()) request = std::move(*r);
    }
    if (m.channel == domain::Channel::kPostal && request && request->citizen_id) {
      auto citizen = store_.GetCitizen(*request->citizen_id);
      if (citizen.ok()) m.postal_address = citizen->postal_address;
    }
    if (auto e = EventOf(m)) {
      if (m.channel == domain::Channel::kEmail) m.in_reply_to = domain::InReplyToOf(*e);
      if (templates_ && request) Render(m, *request, *e);
    }
    auto it = senders_.find(m.channel);
    domain::Delivery d =
        it == senders_.end() ? domain::Delivery::Permanent("canal sans moyen d’envoi : " +
                                                           std::string(ToString(m.channel)))
        : m.channel == domain::Channel::kEmail && bounced.contains(AsciiLower(m.recipient))
            ? domain::Delivery::Permanent("adresse en échec (rebonds reçus) : " + m.recipient)
            : it->second->Send(m, request ? &*request : nullptr);
    if (d.outcome == domain::Delivery::Outcome::kSent) ++sent;
    // Marks are group-committed while the next message goes out.
    auto p = std::make_shared<std::promise<Result<domain::OutboxMessage>>>();
    marks.push_back(p->get_future());
    outbox_.Complete(m, std::move(d), [p](auto r) { p->set_value(std::move(r)); });
  }
  for (auto& f : marks) (void)f.get();
  return sent;
}

}  // namespace guichet::workers
