// The outbox: the one way anything is sent to a citizen.
//
// A `message_out` event appended with `"delivery": "pending"` in its data
// (by the workflow engine's notify action, an agent's reply, an
// acknowledgement…) makes the store write an outbox row in the same
// transaction (WriteTx::AppendEvent applies OutboxFor), so no caller can
// record a message and forget to send it. The outbox worker
// (workers/outbox_worker.hpp) delivers rows through the senders below and
// records each delivery status on the request's timeline as a `delivery`
// event. Rows not tied to a request (account emails) are inserted with
// WriteTx::InsertOutbox directly.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "domain/model.hpp"

namespace guichet::domain {

enum class OutboxState { kPending, kSending, kSent, kDead };
std::string_view ToString(OutboxState s);
std::optional<OutboxState> ParseOutboxState(std::string_view s);

struct OutboxMessage {
  std::int64_t id = 0;
  std::optional<std::int64_t> request_id;
  std::optional<std::int64_t> event_id;
  Channel channel = Channel::kEmail;  // email, sms or postal
  std::string recipient;              // email address, E.164 number, postal name
  std::string subject;
  std::string body;
  OutboxState state = OutboxState::kPending;
  // Claims so far; the claim count also identifies the claim a worker holds.
  int attempts = 0;
  Timestamp next_attempt_at = 0;
  std::optional<Timestamp> lease_until;  // while sending
  std::vector<Channel> tried_channels;   // channels that failed for good
  std::string last_error;
  std::string provider_id;  // the gateway's message id, the letter's file name
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
  std::optional<Timestamp> sent_at;
  std::optional<Timestamp> printed_at;  // letters: when the print room printed it
  std::string receipt;                  // the receiver's final word: "delivered", "failed" or ""
  // Not stored: the Message-ID this message answers (an acknowledgement's
  // `data.in_reply_to`), filled by the worker from the row's event.
  std::string in_reply_to;
  // Not stored: letters: the citizen's postal address, filled by the worker
  // from the citizen of the request (never the request's location: a pothole
  // is not where its reporter lives).
  std::string postal_address;
};

// The outbox rule: the row an appended event (with its id set) must add, or
// nullopt when it sends nothing.
std::optional<OutboxMessage> OutboxFor(const Event& e);

// "courriel", "SMS", "courrier postal": a channel as the timeline names it.
std::string ChannelLabel(Channel c);

// "email,sms" ⇄ channels.
std::string JoinChannels(const std::vector<Channel>& channels);
std::vector<Channel> SplitChannels(std::string_view text);

// The stable Message-ID of a row (without angle brackets): the same for
// every attempt, so a receiver can drop a copy sent again after a crash.
// `outbox-ID.REFERENCE@domain` when the row belongs to a request, so that a
// citizen's reply (In-Reply-To/References) or a bounce threads onto it — the
// form channels/mail/intake reads; `outbox-ID.CREATED@domain` otherwise.
std::string MessageIdOf(const OutboxMessage& m, std::string_view reference,
                        std::string_view domain);
// The Message-ID an event's data says it answers (`in_reply_to`), or empty.
std::string InReplyToOf(const Event& e);

// Where the next attempt goes after `m.channel` failed for good: the first
// channel of `chain` not tried yet for which the request has an address.
// nullopt when none is left.
struct Route {
  Channel channel;
  std::string recipient;
};
std::optional<Route> NextRoute(const OutboxMessage& m, const Request& r,
                               const std::vector<Channel>& chain, const Citizen* citizen = nullptr);
// The address of `r` on `c`, empty when it has none. A letter goes to the
// request's citizen (`citizen`, when the request has one) at their postal
// address; the recipient is then their name.
std::string AddressOn(Channel c, const Request& r, const Citizen* citizen = nullptr);

class WriteTx;
// The channel a message to the requester goes out on: the citizen's
// preferred channel when the request has an address on it, else email,
// SMS, then postal mail — whichever the contact has first.
Channel PreferredChannel(WriteTx& tx, const Request& r);
// The citizen the request was filed by or for, if any.
std::optional<Citizen> RequesterOf(WriteTx& tx, const Request& r);
// The data of a message_out event the outbox will send on `channel`.
std::string PendingDeliveryData(Channel channel, const Request& r, std::string subject,
                                std::string extra_json = "{}", const Citizen* citizen = nullptr);

// The delivery status of each outbound message of a timeline, by the id of
// its message_out event: "queued" once recorded, then the status of its
// latest `delivery` event ("sent", "delivered", "failed", "printed"…).
// Messages that were never to be sent (given at the counter) have none.
std::map<std::int64_t, std::string> DeliveryStatuses(const std::vector<Event>& timeline);

// What an outbox row's Message-ID (MessageIdOf) says of its id; nullopt for
// a Message-ID that is not one of ours.
std::optional<std::int64_t> OutboxIdOfMessageId(std::string_view message_id);

// The receiver's final word on a sent message — a gateway's delivery receipt,
// a DSN: "delivered" or "failed" on the row's timeline (a `delivery` event),
// once per row (a second receipt changes nothing). Ok without effect for an
// unknown row.
Status RecordReceipt(WriteTx& tx, std::int64_t outbox_id, bool delivered, const std::string& detail,
                     Timestamp now);

// The wait before attempt `attempts + 1`: base · 2^(attempts-1), capped.
Timestamp Backoff(int attempts, Timestamp base, Timestamp cap);

// What one delivery attempt gave.
struct Delivery {
  enum class Outcome {
    kSent,       // accepted by the SMTP server, the gateway, the print queue
    kTransient,  // try again later (connection refused, 4xx, timeout)
    kPermanent,  // this channel will never work for this recipient (5xx, invalid number)
  };
  Outcome outcome = Outcome::kTransient;
  std::string detail;       // for the timeline and the log: no secret in it
  std::string provider_id;  // set when sent
  // A letter's PDF as sent: kept on the request (an upload) whatever the
  // print room does with its spool, since what the town hall sent is part
  // of the case. Empty for the other channels.
  std::string document;
  static Delivery Sent(std::string id = {}) { return {Outcome::kSent, {}, std::move(id), {}}; }
  static Delivery Transient(std::string why) {
    return {Outcome::kTransient, std::move(why), {}, {}};
  }
  static Delivery Permanent(std::string why) {
    return {Outcome::kPermanent, std::move(why), {}, {}};
  }
};

// A channel's transport (SMTP, SMS gateway, letters). Called from the outbox
// worker's thread only; implementations need not be thread-safe.
class Sender {
 public:
  virtual ~Sender() = default;
  // `request` is the request the message belongs to, when there is one.
  virtual Delivery Send(const OutboxMessage& m, const Request* request) = 0;
};

}  // namespace guichet::domain
