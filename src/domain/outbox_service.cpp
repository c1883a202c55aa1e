#include "domain/outbox_service.hpp"

#include <memory>
#include <nlohmann/json.hpp>

namespace guichet::domain {
namespace {

using nlohmann::json;

// A delivery status on the timeline of the row's request (none without one).
Status RecordStatus(WriteTx& tx, const OutboxMessage& m, const std::string& status,
                    std::string body, json extra, Timestamp now, const std::string& author) {
  if (!m.request_id) return Status::Ok();
  Event e;
  e.request_id = *m.request_id;
  e.kind = EventKind::kDelivery;
  e.channel = m.channel;
  e.author = author;
  e.body = std::move(body);
  json data = {{"status", status}, {"outbox_id", m.id}, {"attempts", m.attempts}};
  if (m.event_id) data["event_id"] = *m.event_id;
  for (auto& [k, v] : extra.items()) data[k] = v;
  e.data_json = data.dump();
  e.created_at = now;
  auto id = tx.AppendEvent(e);
  if (!id.ok()) return id.error();
  return Status::Ok();
}

template <typename T>
Store::WriteDone Deliver(std::shared_ptr<T> out, Done<T> done) {
  return [out, done = std::move(done)](Status s) {
    if (!s.ok()) return done(s.error());
    done(std::move(*out));
  };
}

}  // namespace

OutboxService::OutboxService(Store& store, const Clock& clock, OutboxPolicy policy)
    : store_(store), clock_(clock), policy_(std::move(policy)) {}

void OutboxService::ClaimDue(int limit, Done<std::vector<OutboxMessage>> done) {
  const Timestamp now = clock_.Now();
  auto due = store_.ListDueOutbox(now, limit);
  if (!due.ok()) return done(due.error());
  if (due->empty()) return done(std::vector<OutboxMessage>{});
  auto out = std::make_shared<std::vector<OutboxMessage>>();
  const Timestamp lease_until = now + policy_.lease;
  store_.Write(
      [rows = std::move(*due), out, now, lease_until](WriteTx& tx) -> Status {
        out->clear();  // the op may run twice
        for (const auto& m : rows) {
          if (!tx.ClaimOutbox(m.id, now, lease_until)) continue;
          auto claimed = tx.GetOutbox(m.id);
          if (!claimed.ok()) return claimed.error();
          out->push_back(std::move(*claimed));
        }
        return Status::Ok();
      },
      Deliver(out, std::move(done)));
}

void OutboxService::Complete(OutboxMessage m, Delivery d, Done<OutboxMessage> done) {
  const Timestamp now = clock_.Now();
  auto out = std::make_shared<OutboxMessage>();
  std::optional<Request> request;
  if (m.request_id) {
    auto r = store_.GetRequest(*m.request_id);
    if (r.ok()) request = std::move(*r);
  }
  store_.Write(
      [this, m, d, now, out, request](WriteTx& tx) -> Status {
        OutboxMessage w = m;
        w.updated_at = now;
        w.lease_until.reset();
        const std::string via = ChannelLabel(m.channel);
        if (d.outcome == Delivery::Outcome::kSent) {
          w.state = OutboxState::kSent;
          w.sent_at = now;
          w.provider_id = d.provider_id;
          w.last_error.clear();
          GUICHET_TRY(tx.UpdateOutbox(w, OutboxState::kSending, m.attempts));
          json extra = {{"to", w.recipient}, {"provider_id", w.provider_id}};
          // The letter as sent joins the case's documents (scan of record).
          if (!d.document.empty() && w.request_id) {
            Upload u = NewUpload(w.provider_id.empty() ? "courrier.pdf" : w.provider_id,
                                 "application/pdf", d.document, now);
            u.request_id = w.request_id;
            GUICHET_TRY(tx.InsertUpload(u, d.document));
            extra["upload_id"] = u.id;
          }
          GUICHET_TRY(RecordStatus(tx, w, "sent", "Message envoyé par " + via + ".",
                                   std::move(extra), now, "system"));
          *out = w;
          return Status::Ok();
        }
        w.last_error = d.detail;
        if (d.outcome == Delivery::Outcome::kTransient && m.attempts < policy_.max_attempts) {
          w.state = OutboxState::kPending;
          w.next_attempt_at = now + Backoff(m.attempts, policy_.backoff_base, policy_.backoff_cap);
          GUICHET_TRY(tx.UpdateOutbox(w, OutboxState::kSending, m.attempts));
          *out = w;
          return Status::Ok();
        }
        // This channel failed for good: the next one of the chain, or the dead letters.
        std::optional<Route> next;
        if (request) {
          const auto citizen = RequesterOf(tx, *request);
          next = NextRoute(w, *request, policy_.fallback, citizen ? &*citizen : nullptr);
        }
        if (next) {
          w.tried_channels.push_back(w.channel);
          w.state = OutboxState::kPending;
          w.attempts = 0;
          w.next_attempt_at = now;
          GUICHET_TRY(RecordStatus(tx, m, "failed",
                                   "Échec de l’envoi par " + via + " (" + d.detail +
                                       ") : nouvel essai par " + ChannelLabel(next->channel) + ".",
                                   {{"error", d.detail}, {"fallback_to", ToString(next->channel)}},
                                   now, "system"));
          w.channel = next->channel;
          w.recipient = next->recipient;
          GUICHET_TRY(tx.UpdateOutbox(w, OutboxState::kSending, m.attempts));
          GUICHET_TRY(RecordStatus(
              tx, w, "queued", "Message en attente d’envoi par " + ChannelLabel(w.channel) + ".",
              {{"to", w.recipient}, {"fallback", true}}, now, "system"));
        } else {
          w.state = OutboxState::kDead;
          GUICHET_TRY(tx.UpdateOutbox(w, OutboxState::kSending, m.attempts));
          GUICHET_TRY(RecordStatus(
              tx, m, "failed",
              "Échec définitif de l’envoi par " + via + " (" + d.detail +
                  ") : aucun autre canal ; le message attend une relance par un agent.",
              {{"error", d.detail}, {"dead", true}}, now, "system"));
        }
        *out = w;
        return Status::Ok();
      },
      Deliver(out, std::move(done)));
}

Result<std::vector<OutboxMessage>> OutboxService::List(const AccessScope& scope,
                                                       std::optional<OutboxState> state,
                                                       std::optional<std::int64_t> request_id,
                                                       std::optional<std::int64_t> before_id,
                                                       int limit) const {
  return store_.ListOutbox(state, request_id, before_id, limit, scope);
}

Result<OutboxMessage> OutboxService::Get(const AccessScope& scope, std::int64_t id) const {
  auto m = store_.GetOutbox(id);
  if (!m.ok() || scope.all) return m;
  if (m->request_id) {
    auto r = store_.GetRequest(*m->request_id);
    if (r.ok() && scope.Allows(*r)) return m;
  }
  return Error::NotFound("Ce message sortant n’existe pas.");
}

void OutboxService::Retry(std::int64_t id, Actor actor, Done<OutboxMessage> done) {
  const Timestamp now = clock_.Now();
  auto out = std::make_shared<OutboxMessage>();
  const AccessScope scope = ScopeOf(actor);
  auto visible = Get(scope, id);
  if (!visible.ok()) return done(visible.error());
  store_.Write(
      [id, now, out, actor](WriteTx& tx) -> Status {
        auto m = tx.GetOutbox(id);
        if (!m.ok()) return m.error();
        if (m->state != OutboxState::kDead) {
          return Error::Rule("Seul un message en échec définitif (dead) peut être relancé.");
        }
        OutboxMessage w = *m;
        w.state = OutboxState::kPending;
        w.attempts = 0;
        w.next_attempt_at = now;
        w.tried_channels.clear();
        w.updated_at = now;
        GUICHET_TRY(tx.UpdateOutbox(w, OutboxState::kDead, m->attempts));
        GUICHET_TRY(RecordStatus(
            tx, w, "queued",
            "Nouvel essai d’envoi par " + ChannelLabel(w.channel) + " demandé par un agent.",
            {{"to", w.recipient}, {"retry", true}}, now, actor.Label()));
        *out = w;
        return Status::Ok();
      },
      Deliver(out, std::move(done)));
}

void OutboxService::SmsReceipt(const std::string& sid, bool delivered, std::string detail,
                               Done<bool> done) {
  const Timestamp now = clock_.Now();
  store_.Write(
      [sid, delivered, detail, now](WriteTx& tx) -> Status {
        auto id = tx.FindOutboxByProvider(Channel::kSms, sid);
        if (!id) return Error::NotFound("Aucun SMS envoyé ne porte cet identifiant.");
        return RecordReceipt(tx, *id, delivered, detail, now);
      },
      [done = std::move(done)](Status s) {
        if (!s.ok()) return done(s.error());
        done(true);
      });
}

Result<std::vector<OutboxMessage>> OutboxService::Letters(const AccessScope& scope, bool printed,
                                                          std::optional<std::int64_t> before_id,
                                                          int limit) const {
  // Each with its citizen's postal address (what the PDF holds).
  return store_.ListLetters(printed, before_id, limit, scope);
}

void OutboxService::MarkPrinted(std::int64_t id, Actor actor, Done<OutboxMessage> done) {
  const Timestamp now = clock_.Now();
  auto visible = Get(ScopeOf(actor), id);
  if (!visible.ok()) return done(visible.error());
  auto out = std::make_shared<OutboxMessage>();
  store_.Write(
      [id, now, out, actor](WriteTx& tx) -> Status {
        if (!tx.MarkLetterPrinted(id, now)) {
          return Error::Rule("Ce message n’est pas un courrier en attente d’impression.");
        }
        auto m = tx.GetOutbox(id);
        if (!m.ok()) return m.error();
        GUICHET_TRY(RecordStatus(tx, *m, "printed", "Courrier imprimé pour l’envoi postal.",
                                 {{"file", m->provider_id}}, now, actor.Label()));
        *out = std::move(*m);
        return Status::Ok();
      },
      Deliver(out, std::move(done)));
}

OutboxAccountMailer::OutboxAccountMailer(Store& store, const Clock& clock)
    : store_(store), clock_(clock) {}

Status OutboxAccountMailer::Send(const std::string& to, const std::string& subject,
                                 const std::string& text) {
  OutboxMessage m;
  m.channel = Channel::kEmail;
  m.recipient = to;
  m.subject = subject;
  m.body = text;
  m.state = OutboxState::kPending;
  m.created_at = m.updated_at = m.next_attempt_at = clock_.Now();
  return store_.WriteSync([&m](WriteTx& tx) -> Status {
    GUICHET_TRY(tx.InsertOutbox(m));
    return Status::Ok();
  });
}

}  // namespace guichet::domain
