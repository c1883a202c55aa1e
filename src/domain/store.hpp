// The storage port the domain owns. Implemented in src/storage/ for SQLite
// and PostgreSQL, and in memory for unit tests (domain/memory_store.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "domain/model.hpp"

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
  std::optional<BoundingBox> bbox;  // served by a spatial index (R*Tree / B-tree)
  // Newest first; the page holds ids strictly below `before_id` when set.
  std::optional<std::int64_t> before_id;
  int offset = 0;  // rows skipped after the filters (Open311 page numbers)
  int limit = 50;
};

struct RequestPage {
  std::vector<Request> items;
  std::optional<std::int64_t> next_before_id;  // set when more may follow
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

  virtual void Write(WriteOp op, WriteDone done) = 0;
  // Blocking convenience for tools and tests: Write and wait for `done`.
  Status WriteSync(WriteOp op);

  // True when the database answers (for /readyz).
  virtual bool Ping() = 0;
  // Figures for /metrics: name → value.
  virtual std::vector<std::pair<std::string, double>> Stats() = 0;
};

}  // namespace guichet::domain
