// Inbound email into requests: one raw RFC 5322 message in, stored whole and
// threaded onto a request (a reply), or a new request in the general-contact
// service, or a bounce recorded against the address it came back from.
//
// What happens, in order:
//  - the raw bytes are the identity of the message: the same bytes delivered
//    twice are stored once (the MTA retries after a crash);
//  - a reply is recognised by the reference in a plus-address
//    (demarches+GU-2026-7KQ4MX@…), in In-Reply-To / References (the outbox's
//    Message-IDs carry it: <outbox-ID.GU-2026-7KQ4MX@domain>), or in the subject;
//  - the raw message, its attachments, the timeline events and the
//    acknowledgement (a `message_out` event with "delivery": "pending" that
//    the outbox delivers) commit in one transaction;
//  - no acknowledgement to automatic mail (Auto-Submitted other than "no",
//    Precedence bulk/list/junk, List-Id, a null return path, a DSN), to our
//    own addresses, nor beyond `ack_limit` per sender per `ack_window`.
//
// Thread-safe; `done` runs on the store's writer thread (or the caller's for
// an early answer) exactly once.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "channels/mail/message.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "domain/case_service.hpp"
#include "domain/drafts.hpp"
#include "domain/store.hpp"

namespace guichet::channels::mail {

struct IntakeOptions {
  std::string general_service = "question-generale";
  // Our own addresses (lower-case); mail from them is never acknowledged.
  // A plus-address of one (demarches+…@) is ours too.
  std::vector<std::string> own_addresses;
  int ack_limit = 5;
  std::chrono::seconds ack_window = std::chrono::hours(1);
  // Called before the first new request, from the thread calling Ingest: a
  // short-lived process loads the catalogue only when it creates a request
  // (replies, bounces and duplicates do without). An error is passed on.
  std::function<Status()> before_new_request;
};

struct IntakeResult {
  // "request", "reply", "bounce", "receipt" (a DSN reporting delivery),
  // "ignored", or "unprocessed" (kept raw: the
  // use cases refused it for a reason retrying would not change).
  std::string disposition;
  std::optional<std::string> reference;
  bool duplicate = false;  // the same bytes were stored before: nothing written
  bool acknowledged = false;
  std::vector<std::string> flags;
};

// The request references (GU-2026-7KQ4MX) in `text`, in order: a Message-ID,
// a subject, the detail of a plus-address. Case does not matter.
std::vector<std::string> ReferencesIn(std::string_view text);

class MailIntake {
 public:
  MailIntake(domain::CaseService& cases, domain::Store& store, domain::ContentSniffer& sniffer,
             const Clock& clock, IntakeOptions options);

  // Errors: kUnavailable when the database is (the caller asks the MTA to
  // retry); kInvalidArgument for a message over kMaxMessageBytes.
  void Ingest(std::string raw, domain::Done<IntakeResult> done);
  Result<IntakeResult> IngestSync(std::string raw);

  // What Ingest works out before writing (intake.cpp).
  struct Prepared;

 private:
  Result<std::optional<domain::Request>> FindThread(const ParsedMail& m) const;
  bool IsOwnAddress(const std::string& address) const;
  void Bounce(std::shared_ptr<Prepared> p, std::optional<domain::Request> thread,
              domain::Done<IntakeResult> done);
  void Reply(std::shared_ptr<Prepared> p, const domain::Request& thread,
             domain::Done<IntakeResult> done);
  void NewRequest(std::shared_ptr<Prepared> p, domain::Done<IntakeResult> done);
  void StoreOnly(std::shared_ptr<Prepared> p, std::string disposition,
                 std::optional<std::int64_t> request_id, domain::Done<IntakeResult> done,
                 std::vector<std::string> extra_flags = {});
  // Keeps a message the use cases refused for good (kept raw, flagged).
  void Unprocessed(std::shared_ptr<Prepared> p, const Error& why, domain::Done<IntakeResult> done);

  domain::CaseService& cases_;
  domain::Store& store_;
  domain::ContentSniffer& sniffer_;
  const Clock& clock_;
  IntakeOptions options_;
};

}  // namespace guichet::channels::mail
