// The storage port the domain owns. Implemented in src/storage/ for SQLite
// and PostgreSQL, and in memory for unit tests (domain/memory_store.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "domain/access.hpp"
#include "domain/backoffice_model.hpp"
#include "domain/counter_model.hpp"
#include "domain/model.hpp"
#include "domain/outbox.hpp"

namespace guichet::domain {

struct RequestQuery {
  std::vector<std::string> statuses;
  std::vector<StatusCategory> categories;
  std::optional<std::string> team_id;
  std::vector<std::string> team_ids;  // any of these (an agent's teams); empty: no filter
  std::optional<Channel> channel;
  std::optional<std::string> service_id;
  std::optional<std::int64_t> agent_id;
  std::optional<std::int64_t> citizen_id;
  std::string text;  // matched against reference, title and description
  // Open311: any of these references / services (empty: no filter), created
  // in [created_from, created_to], located inside `bbox`.
  std::vector<std::string> references;
  std::vector<std::string> service_ids;
  std::optional<Timestamp> created_from;
  std::optional<Timestamp> created_to;
  struct BoundingBox {
    double min_lat = 0, min_lon = 0, max_lat = 0, max_lon = 0;
  };
  // Served by a spatial index (grid cells / B-tree); a box lists by creation
  // time, newest first, and is paged by `offset` (no cursor).
  std::optional<BoundingBox> bbox;
  // Newest first; the page holds ids strictly below `before_id` when set.
  std::optional<std::int64_t> before_id;
  int offset = 0;  // rows skipped after the filters (Open311 page numbers)
  int limit = 50;

  // --- Back-office inbox (issue 4) ---
  // What the caller may see, pushed into the SQL so pages and counts never
  // hold another team's requests. Absent: no restriction (internal callers).
  std::optional<AccessScope> scope;
  bool unassigned = false;  // agent_id IS NULL
  // Full-text (see Store::Search): every word in the request or its messages.
  std::string fulltext;
  std::optional<Timestamp> overdue_at;  // due before this instant and not finished
  enum class Sort { kNewest, kDueDate, kLastActivity };
  Sort sort = Sort::kNewest;
  // Keyset of kDueDate (ascending, no deadline last) and kLastActivity
  // (descending): the page starts strictly after (key, id).
  std::optional<std::pair<std::int64_t, std::int64_t>> after;
  // --- end back-office ---
};

struct RequestPage {
  std::vector<Request> items;
  std::optional<std::int64_t> next_before_id;  // set when more may follow
  // Sorts other than kNewest: the (key, id) the next page starts after.
  std::optional<std::pair<std::int64_t, std::int64_t>> next_after;
};

// What an Idempotency-Key was used for: the resource it created and a
// fingerprint of the payload, so a reuse with another payload is refused.
struct IdempotencyRecord {
  std::string scope;
  std::string key;
  std::string fingerprint;
  std::int64_t resource_id = 0;
  Timestamp created_at = 0;
};

// A clock running on a request: a deadline of its procedure, or a workflow
// transition to fire later. Fired at most once: firing claims the row.
struct Timer {
  enum class Kind { kDeadline, kTransition };
  enum class State { kRunning, kSuspended, kFired, kCancelled };
  std::int64_t id = 0;
  std::int64_t request_id = 0;
  Kind kind = Kind::kDeadline;
  std::string name;    // the deadline's name, or the transition's
  std::string status;  // the request's status when set; a transition fires only from it
  State state = State::kRunning;
  std::optional<Timestamp> due_at;  // set while running
  // While suspended: the time that was left, or nullopt when the full delay
  // restarts on resumption.
  std::optional<Timestamp> remaining;
  Timestamp created_at = 0;
  std::optional<Timestamp> fired_at;
};
std::string_view ToString(Timer::Kind k);
std::string_view ToString(Timer::State s);
std::optional<Timer::Kind> ParseTimerKind(std::string_view s);
std::optional<Timer::State> ParseTimerState(std::string_view s);

// A form saved before it is complete. `id` is the SHA-256 (hex) of the token
// the citizen holds, so the database alone does not give drafts away.
struct Draft {
  std::string id;
  std::string service_id;
  std::string data_json = "{}";
  std::optional<std::int64_t> citizen_id;
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
  Timestamp expires_at = 0;
};

// A file a citizen or an agent sent, typed from its content.
struct Upload {
  std::string id;  // random, unguessable
  std::string filename;
  std::string content_type;
  std::int64_t size = 0;
  std::string sha256;                      // hex
  std::optional<std::int64_t> request_id;  // set once attached to a request
  Timestamp created_at = 0;
};
// The record of `bytes` about to be stored as an upload: a fresh unguessable
// id (128 random bits), their size and SHA-256; not attached to a request.
Upload NewUpload(std::string filename, std::string content_type, std::string_view bytes,
                 Timestamp at);

// A key a partner application calls the API with. Only the SHA-256 of the
// secret is stored; the secret itself is shown once, at creation.
struct ApiKey {
  std::int64_t id = 0;
  std::string name;   // who it was given to: "Application FixMyStreet"
  std::string scope;  // what it may do: "open311", "api", "admin"
  std::string hash;   // SHA-256 (hex) of the secret
  Timestamp created_at = 0;
  std::optional<Timestamp> revoked_at;
  std::string team_id;  // "api": sees only this team's requests; empty: every team
};

// ---- Inbound mail (channels/mail, migration 008_mail) ----------------------
// One inbound email as received, whatever became of it. Its raw bytes are an
// Upload (message/rfc822) so that they download like any file.
struct MailMessage {
  std::string sha256;  // of the raw bytes: the same message delivered twice is stored once
  std::string message_id;
  std::string sender;  // lower-case address; "" when the From header is unusable
  std::string subject;
  // "request" (a new request), "reply" (threaded onto one), "bounce" (a DSN),
  // "ignored" (nothing to do: a loop, our own address…).
  std::string disposition;
  std::string flags_json = "[]";  // ["malformed", "auto_submitted", "bulk", "rate_limited"…]
  std::optional<std::int64_t> request_id;
  std::string raw_upload_id;
  bool acknowledged = false;  // an acknowledgement was queued for the sender
  Timestamp received_at = 0;
};

// An address our mail bounced from (a delivery status notification). The
// outbox's fallback reads it to choose another channel.
struct FailingAddress {
  std::string address;  // lower-case
  std::string reason;   // the DSN's status code and diagnostic
  std::int64_t bounces = 1;
  Timestamp failed_at = 0;  // the last bounce
};
// ---- end of inbound mail ----------------------------------------------------
// --- outbound templates (issue #5) ---
// A platform administrator's version of a notification template
// (domain/templates.hpp); the shipped default applies to ids not stored.
struct TemplateOverride {
  std::string id;  // "reply.sms"
  std::string subject;
  std::string body;
  Timestamp updated_at = 0;
  std::string updated_by;  // Actor::Label()
};
// --- web (issue #7): satisfaction ratings and the public quality figures ---
// A citizen's rating of a finished request: one per request.
struct Rating {
  std::int64_t request_id = 0;
  int score = 0;  // 1..5
  std::string comment;
  Timestamp created_at = 0;
};
// What the quality page needs of one request received in a period: when it
// was first answered (first message_out or status change not made by the
// system), resolved (closed_at), due, and its rating if any.
struct QualitySample {
  std::string service_id;
  Timestamp created_at = 0;
  std::optional<Timestamp> first_answer_at;
  std::optional<Timestamp> closed_at;
  std::optional<Timestamp> due_at;
  std::optional<int> score;
};
// --- end web ---

// Operations available inside one write transaction. Not thread-safe: a
// WriteTx lives only for the duration of the op it is passed to.
class WriteTx {
 public:
  virtual ~WriteTx() = default;

  // Assigns id; fails with kConflict when the reference is taken.
  virtual Result<std::int64_t> InsertRequest(const Request& r) = 0;
  // Writes every mutable field of `r` when the stored version is
  // `expected_version`; sets version to expected_version + 1.
  // kPreconditionFailed when the version moved, kNotFound when absent.
  virtual Status UpdateRequest(const Request& r, std::int64_t expected_version) = 0;
  virtual Result<Request> GetRequest(std::int64_t id) = 0;
  virtual bool ReferenceExists(const std::string& reference) = 0;
  virtual Result<std::int64_t> AppendEvent(const Event& e) = 0;

  virtual std::optional<IdempotencyRecord> FindIdempotency(const std::string& scope,
                                                           const std::string& key) = 0;
  virtual Status SaveIdempotency(const IdempotencyRecord& rec) = 0;

  virtual Status UpsertTeam(const Team& t) = 0;
  virtual Status UpsertService(const Service& s) = 0;
  virtual Result<std::int64_t> InsertAgent(const Agent& a) = 0;
  virtual bool AgentExists(std::int64_t id) = 0;
  virtual Result<std::int64_t> InsertCitizen(const Citizen& c) = 0;
  virtual std::optional<std::int64_t> FindAgentByEmail(const std::string& email) = 0;

  // Timers of the request, every state, oldest first.
  virtual std::vector<Timer> ListTimers(std::int64_t request_id) = 0;
  virtual Result<std::int64_t> InsertTimer(const Timer& t) = 0;
  // Writes state, due_at, remaining and fired_at.
  virtual Status UpdateTimer(const Timer& t) = 0;
  // Marks a running timer fired; false when it is not running any more (it
  // fired elsewhere, or was cancelled): the caller must then do nothing.
  virtual bool ClaimTimer(std::int64_t id, Timestamp now) = 0;

  // Inserts or replaces.
  virtual Status SaveDraft(const Draft& d) = 0;
  virtual Status DeleteDraft(const std::string& id) = 0;
  // Returns how many expired drafts were deleted.
  virtual std::int64_t DeleteExpiredDrafts(Timestamp now) = 0;

  virtual Status InsertUpload(const Upload& u, const std::string& bytes) = 0;
  virtual Status AttachUpload(const std::string& upload_id, std::int64_t request_id) = 0;

  // Assigns id; kConflict when the hash is already stored.
  virtual Result<std::int64_t> InsertApiKey(const ApiKey& k) = 0;
  // kNotFound when absent; revoking a revoked key keeps the first date.
  virtual Status RevokeApiKey(std::int64_t id, Timestamp now) = 0;

  // --- Back-office (issue 4) ---
  // Appends `entries` to the audit log in their order, chaining each to the
  // one before (prev_hash and hash are computed here); serialised against
  // other writers of the log.
  virtual Status AppendAudit(std::span<const AuditEntry> entries) = 0;
  // Inserts (id 0) or replaces a canned response; kNotFound for an unknown id.
  virtual Result<std::int64_t> SaveCannedResponse(const CannedResponse& c) = 0;
  virtual Status DeleteCannedResponse(std::int64_t id) = 0;
  // Does nothing when the same link exists.
  virtual Status InsertLink(const RequestLink& l) = 0;
  // The agent of `team_id` after the one it last gave a request to (by id,
  // wrapping around), remembered for next time; nullopt without agents.
  virtual std::optional<std::int64_t> NextRoundRobinAgent(const std::string& team_id) = 0;
  // --- end back-office ---
  // ---- Inbound mail (channels/mail) ----
  virtual bool MailMessageStored(const std::string& sha256) = 0;
  // Does nothing when a message with this sha256 is stored already.
  virtual Status InsertMailMessage(const MailMessage& m) = 0;
  // Acknowledgements queued for `sender` since `since` (inclusive).
  virtual std::int64_t CountMailAcks(const std::string& sender, Timestamp since) = 0;
  // Inserts, or counts one more bounce with the new reason and date.
  virtual Status MarkAddressFailing(const FailingAddress& f) = 0;
  virtual std::optional<FailingAddress> FindFailingAddress(const std::string& address) = 0;
  // ---- end of inbound mail ----
  // --- web (issue #7) ---
  // kConflict when the request is already rated.
  virtual Status InsertRating(const Rating& r) = 0;
  // --- end web ---
  // --- outbox (issue #5) ---------------------------------------------------
  // AppendEvent also inserts the row OutboxFor(event) asks for, once per
  // event however often the op runs. InsertOutbox adds a row not tied to an
  // event (account emails); returns its id.
  virtual Result<std::int64_t> InsertOutbox(const OutboxMessage& m) = 0;
  virtual Result<OutboxMessage> GetOutbox(std::int64_t id) = 0;
  // Claims a due row (pending and due, or sending with its lease run out):
  // state sending, attempts + 1, leased until `lease_until`. False when
  // another worker has it or it is not due: the caller must then not send.
  virtual bool ClaimOutbox(std::int64_t id, Timestamp now, Timestamp lease_until) = 0;
  // Writes every mutable field of `m` when the stored row is still in
  // `expected` with `expected_attempts` claims (the claim the caller holds);
  // kPreconditionFailed otherwise.
  virtual Status UpdateOutbox(const OutboxMessage& m, OutboxState expected,
                              int expected_attempts) = 0;
  // STOP by SMS: no more SMS to this number.
  virtual Status AddSmsOptOut(const std::string& phone, Timestamp now) = 0;
  virtual std::optional<Citizen> FindCitizen(std::int64_t id) = 0;
  // Inserts or replaces the override of `t.id`.
  virtual Status SaveTemplateOverride(const TemplateOverride& t) = 0;
  // Removes the override of `id` (the shipped default applies again); Ok
  // when there was none.
  virtual Status DeleteTemplateOverride(const std::string& id) = 0;
  // Marks a sent letter printed; false when the row is no sent letter or is
  // printed already.
  virtual bool MarkLetterPrinted(std::int64_t id, Timestamp now) = 0;
  // Records the receiver's final word ("delivered", "failed") on a row that
  // has none yet; false when it has one (a receipt sent twice).
  virtual bool SetOutboxReceipt(std::int64_t id, const std::string& receipt) = 0;
  // The row sent on `channel` whose provider id (the gateway's message id) is `provider_id`.
  virtual std::optional<std::int64_t> FindOutboxByProvider(Channel channel,
                                                           const std::string& provider_id) = 0;
  // --- end outbox ----------------------------------------------------------
  // --- counter, phone and postal intake (domain/counter.hpp) ---------------
  // The citizen whose email (without case) or phone (E.164) is one of these
  // (an empty one matches nothing); the lowest id first.
  virtual std::optional<Citizen> FindCitizenByContact(const std::string& email,
                                                      const std::string& phone) = 0;
  // Assigns id.
  virtual Result<std::int64_t> InsertScan(const PostalScan& s) = 0;
  // Claims a due job (pending and due, or running with its lease run out):
  // running, attempts + 1, leased until `lease_until`. False otherwise.
  virtual bool ClaimScan(std::int64_t id, Timestamp now, Timestamp lease_until) = 0;
  // Writes state, due_at, lease_until, text, error and updated_at when the
  // job is still running with `expected_attempts`; kPreconditionFailed otherwise.
  virtual Status UpdateScan(const PostalScan& s, int expected_attempts) = 0;
  // --- end counter ---------------------------------------------------------
};

// Thread-safe. Reads run on the calling thread against a snapshot of
// committed data. Writes are queued and grouped: `op` runs inside a shared
// transaction (an op returning an error is rolled back alone), and `done` is
// called once the batch is durably committed — never before — on the store's
// writer thread. An op may run more than once (the batch is replayed when
// one of its ops fails): it must start from what it captured, unchanged.
class Store {
 public:
  using WriteOp = std::function<Status(WriteTx&)>;
  using WriteDone = std::function<void(Status)>;

  virtual ~Store() = default;

  virtual Result<Request> GetRequest(std::int64_t id) = 0;
  virtual Result<Request> GetRequestByReference(const std::string& reference) = 0;
  virtual Result<RequestPage> ListRequests(const RequestQuery& q) = 0;
  virtual Result<std::vector<Event>> ListEvents(std::int64_t request_id) = 0;
  // The timelines of several requests in one read (a page of a list), ordered
  // by request then event id.
  virtual Result<std::vector<Event>> ListEventsOf(const std::vector<std::int64_t>& request_ids) = 0;
  virtual Result<std::vector<Team>> ListTeams() = 0;
  virtual Result<std::vector<Service>> ListServices() = 0;
  virtual Result<std::vector<Agent>> ListAgents() = 0;
  virtual Result<std::int64_t> CountRequests() = 0;
  // Running timers due at or before `now`, earliest first.
  virtual Result<std::vector<Timer>> ListDueTimers(Timestamp now, int limit) = 0;
  virtual Result<std::vector<Timer>> ListTimers(std::int64_t request_id) = 0;
  virtual Result<Draft> GetDraft(const std::string& id) = 0;
  virtual Result<Upload> GetUpload(const std::string& id) = 0;
  virtual Result<std::string> GetUploadBytes(const std::string& id) = 0;
  // kNotFound when no key has this hash (revoked keys are returned).
  virtual Result<ApiKey> FindApiKey(const std::string& hash) = 0;
  virtual Result<std::vector<ApiKey>> ListApiKeys() = 0;
  // Events of these kinds on requests of these services, created after
  // `since` (exclusive) up to `until` (inclusive), oldest first.
  virtual Result<std::vector<Event>> ListEventsSince(const std::vector<EventKind>& kinds,
                                                     const std::vector<std::string>& service_ids,
                                                     Timestamp since, Timestamp until,
                                                     int limit) = 0;

  // --- Back-office (issue 4) ---
  // Counts of the requests matching `q` (its scope and team; the other
  // filters are ignored) per category and channel, overdue at `now`,
  // assigned to `me`, unassigned.
  virtual Result<InboxCounts> CountInbox(const RequestQuery& q, Timestamp now,
                                         std::optional<std::int64_t> me) = 0;
  // Full-text search over requests and their messages and notes (French
  // stemming, accents folded), best first, one hit per request, in `scope`.
  virtual Result<std::vector<SearchHit>> Search(const std::string& text, const AccessScope& scope,
                                                int limit) = 0;
  // Newest first.
  virtual Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& q) = 0;
  // Oldest first, ids strictly above `after_id`: the chain, for verification.
  virtual Result<std::vector<AuditEntry>> ListAuditChain(std::int64_t after_id, int limit) = 0;
  virtual Result<std::vector<CannedResponse>> ListCannedResponses() = 0;
  virtual Result<CannedResponse> GetCannedResponse(std::int64_t id) = 0;
  // Links from or to the request, oldest first.
  virtual Result<std::vector<RequestLink>> ListLinks(std::int64_t request_id) = 0;
  virtual Result<Citizen> GetCitizen(std::int64_t id) = 0;
  // --- end back-office ---
  // --- web (issue #7) ---
  // kNotFound when the request has no rating.
  virtual Result<Rating> GetRating(std::int64_t request_id) = 0;
  // One sample per request created at or after `since`, in creation order.
  virtual Result<std::vector<QualitySample>> ListQualitySamples(Timestamp since) = 0;
  // --- end web ---
  // --- outbox (issue #5) ---------------------------------------------------
  // Rows a worker may claim at `now` (see WriteTx::ClaimOutbox), oldest due first.
  virtual Result<std::vector<OutboxMessage>> ListDueOutbox(Timestamp now, int limit) = 0;
  // Newest first; rows of `state` when set, of `request_id` when set, with
  // ids below `before_id` when set, of requests `scope` allows when set (a
  // row tied to no request then never).
  virtual Result<std::vector<OutboxMessage>> ListOutbox(
      std::optional<OutboxState> state, std::optional<std::int64_t> request_id,
      std::optional<std::int64_t> before_id, int limit,
      const std::optional<AccessScope>& scope) = 0;
  virtual Result<OutboxMessage> GetOutbox(std::int64_t id) = 0;
  virtual Result<bool> IsSmsOptedOut(const std::string& phone) = 0;
  // The newest request not finished (resolved, rejected, closed) whose
  // contact phone is `phone`; kNotFound when none.
  virtual Result<Request> FindOpenRequestByPhone(const std::string& phone) = 0;
  // Every stored template override, by id.
  virtual Result<std::vector<TemplateOverride>> ListTemplateOverrides() = 0;
  // Sent letters (postal rows in state sent), newest first: printed ones or
  // the ones still to print; ids below `before_id` when set, of requests
  // `scope` allows when set. Each carries the postal address of its
  // request's citizen (where the PDF sends it).
  virtual Result<std::vector<OutboxMessage>> ListLetters(
      bool printed, std::optional<std::int64_t> before_id, int limit,
      const std::optional<AccessScope>& scope) = 0;
  // --- end outbox ----------------------------------------------------------
  // --- counter, phone and postal intake (domain/counter.hpp) ---------------
  // Citizens matching an agent's lookup, at most q.limit: by email (without
  // case, the contact or the account's), by phone (E.164), or by name (every
  // word a prefix of a word of the name, accents and case folded); by id.
  virtual Result<std::vector<Citizen>> FindCitizens(const CitizenLookup& q) = 0;
  // Jobs a worker may claim at `now`, oldest due first.
  virtual Result<std::vector<PostalScan>> ListDueScans(Timestamp now, int limit) = 0;
  // The request's scans, oldest first.
  virtual Result<std::vector<PostalScan>> ListScans(std::int64_t request_id) = 0;
  // --- end counter ---------------------------------------------------------

  virtual void Write(WriteOp op, WriteDone done) = 0;
  // A write nobody waits for (the audit record of a read already answered):
  // it may wait a few milliseconds to share a commit with other writes.
  // `done` still runs once it is durable.
  virtual void WriteDeferrable(WriteOp op, WriteDone done) {
    Write(std::move(op), std::move(done));
  }
  // Blocking convenience for tools and tests: Write and wait for `done`.
  Status WriteSync(WriteOp op);

  // True when the database answers (for /readyz).
  virtual bool Ping() = 0;
  // Figures for /metrics: name → value.
  virtual std::vector<std::pair<std::string, double>> Stats() = 0;

  // ---- Inbound mail (channels/mail) ----
  // The citizen whose email is `email` (compared without case); the lowest id
  // when several share it.
  virtual Result<std::optional<std::int64_t>> FindCitizenByEmail(const std::string& email) = 0;
  virtual Result<MailMessage> GetMailMessage(const std::string& sha256) = 0;
  // ---- end of inbound mail ----
};

}  // namespace guichet::domain
