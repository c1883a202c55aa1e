// Use cases of the outbox: claim due messages, record what a delivery
// attempt gave (sent; retry later with exponential backoff; fall back to the
// next channel of the chain; dead letter), list messages, retry a dead one.
// Every delivery status is also a `delivery` event on the request's
// timeline, written in the transaction that changes the row.
//
// Thread-safe. Writes complete asynchronously like CaseService's.
#pragma once

#include <functional>
#include <vector>

#include "core/result.hpp"
#include "domain/access.hpp"
#include "domain/case_service.hpp"
#include "domain/identity.hpp"
#include "domain/outbox.hpp"
#include "domain/store.hpp"

namespace guichet::domain {

struct OutboxPolicy {
  std::vector<Channel> fallback = {Channel::kEmail, Channel::kSms, Channel::kPostal};
  int max_attempts = 8;  // per channel, then the next one
  Timestamp backoff_base = 30 * kMicrosPerSecond;
  Timestamp backoff_cap = 3600 * kMicrosPerSecond;
  // A claim older than this is taken as a crashed worker's: the row is due
  // again. Longer than any SMTP or gateway timeout.
  Timestamp lease = 120 * kMicrosPerSecond;
};

inline constexpr int kMaxOutboxPage = 200;

class OutboxService {
 public:
  OutboxService(Store& store, const Clock& clock, OutboxPolicy policy);

  // Claims up to `limit` due rows in one transaction; returns them as
  // claimed (state sending, attempts counted). Rows another worker claimed
  // first are left out.
  void ClaimDue(int limit, Done<std::vector<OutboxMessage>> done);
  // Records the outcome of one attempt on a row this worker claimed (`m` as
  // ClaimDue returned it). kPreconditionFailed when the claim was lost (the
  // lease ran out and another worker took the row).
  void Complete(OutboxMessage m, Delivery d, Done<OutboxMessage> done);

  // Newest first, only rows of requests `scope` allows (rows without a
  // request: only for `scope.all`).
  Result<std::vector<OutboxMessage>> List(const AccessScope& scope,
                                          std::optional<OutboxState> state,
                                          std::optional<std::int64_t> request_id,
                                          std::optional<std::int64_t> before_id, int limit) const;
  Result<OutboxMessage> Get(const AccessScope& scope, std::int64_t id) const;
  // A dead row goes back to pending, due now, on its current channel, with
  // the fallback chain open again. kBusinessRule unless it is dead.
  void Retry(std::int64_t id, Actor actor, Done<OutboxMessage> done);

  // A delivery receipt of the SMS gateway for its message `sid`:
  // `delivered` or not, with the gateway's error when not. kNotFound when no
  // sent SMS has that id (yet: a receipt may overtake the record of the
  // sending, and the gateway tries again).
  void SmsReceipt(const std::string& sid, bool delivered, std::string detail, Done<bool> done);

  // Letters sent to the print spool, newest first, in `scope`: the ones
  // still to print, or the printed ones.
  Result<std::vector<OutboxMessage>> Letters(const AccessScope& scope, bool printed,
                                             std::optional<std::int64_t> before_id,
                                             int limit) const;
  // The print room printed letter `id`: recorded on the row and the
  // request's timeline (`delivery`, status `printed`). kBusinessRule when it
  // is no letter waiting for printing.
  void MarkPrinted(std::int64_t id, Actor actor, Done<OutboxMessage> done);

  const OutboxPolicy& policy() const { return policy_; }

 private:
  Store& store_;
  const Clock& clock_;
  const OutboxPolicy policy_;
};

// Account emails (invitations, password resets, address checks) as outbox
// rows without a request, so they go out over SMTP with retries and dead
// letters like every other message. Used when SMTP is configured; without
// it app::MailDrop writes files instead. Thread-safe (the store is).
class OutboxAccountMailer final : public AccountMailer {
 public:
  OutboxAccountMailer(Store& store, const Clock& clock);
  // kUnavailable etc. when the row cannot be written; Ok once it is queued.
  Status Send(const std::string& to, const std::string& subject, const std::string& text) override;

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace guichet::domain
