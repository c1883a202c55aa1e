// Use cases on requests (demandes): create, read, list, add to the timeline,
// change status, assign. Every channel goes through this class.
//
// Thread-safe. Reads return on the calling thread. Writes are asynchronous:
// `done` runs on the store's writer thread once the change is durable (it
// must not block), and is called exactly once.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "core/time.hpp"
#include "domain/form.hpp"
#include "domain/model.hpp"
#include "domain/procedure.hpp"
#include "domain/store.hpp"
#include "domain/workflow.hpp"

namespace guichet::domain {

template <typename T>
using Done = std::function<void(Result<T>)>;

// Limits on what a caller may store; the HTTP layer limits the body first.
inline constexpr size_t kMaxTitleLength = 200;          // code points
inline constexpr size_t kMaxDescriptionLength = 20000;  // code points
inline constexpr size_t kMaxMessageLength = 20000;      // code points
inline constexpr size_t kMaxNameLength = 200;
inline constexpr size_t kMaxAddressLength = 500;
inline constexpr size_t kMaxIdempotencyKeyLength = 255;

struct NewRequest {
  std::string service_id;
  std::string title;
  std::string description;
  Channel channel = Channel::kApi;
  Priority priority = Priority::kNormal;
  Contact contact;
  std::optional<std::int64_t> citizen_id;
  std::optional<Location> location;
  std::string data_json = "{}";  // the form's answers
  // A citizen submitting a procedure's form must complete it (kSubmit); a
  // request recorded by an agent or a channel may lack answers (kDraft: what
  // is given is still checked).
  FormMode form_mode = FormMode::kDraft;
  // What the channel knows of the intake beyond the form (a JSON object:
  // Open311's media_url, device_id…), kept on the first timeline event.
  std::string intake_json = "{}";
  // A channel's own writes in the same transaction (inbound mail: the raw
  // message and its attachments). Runs once the request and its first event
  // are inserted, before the workflow's events are recorded: it may amend
  // them (e.g. mark an acknowledgement not to be sent). Not run on an
  // idempotent replay; may run twice like any write op (see Store::Write).
  std::function<Status(WriteTx&, const Request&, std::vector<Event>& workflow_events)> in_same_tx;
};

// A client-chosen key making a POST safe to retry, and a digest of the payload.
struct Idempotency {
  std::string key;
  std::string fingerprint;
};

struct Created {
  Request request;
  bool replayed = false;  // an earlier POST with the same key created it
};

struct NewEvent {
  EventKind kind = EventKind::kNote;
  std::optional<Channel> channel;
  std::string body;
  // What the channel knows beyond the text (a JSON object: Open311's
  // media_url, the client's update id…), kept on the event.
  std::string data_json = "{}";
  // A channel's own writes in the same transaction, once the event is
  // appended (see NewRequest::in_same_tx).
  std::function<Status(WriteTx&, const Request&, const Event&)> in_same_tx{};
};

struct EventAdded {
  Event event;
  Request request;
  bool replayed = false;
};

struct Assignment {
  std::optional<std::string> team_id;  // unchanged when absent
  std::optional<std::optional<std::int64_t>>
      agent_id;  // absent: unchanged; nullopt inside: unassign
};

// A citizen's answer to a correction request. Without an account, the
// citizen proves the request is theirs with the email or phone it was filed with.
struct Correction {
  std::string email;
  std::string phone;
  std::optional<std::string> data_json;  // the corrected answers, complete; absent: unchanged
  std::string message;
};

// A request's clocks as the API shows them.
struct RequestDeadline {
  std::string name;
  std::string label;
  bool legal = false;
  Timer::State state = Timer::State::kRunning;
  std::optional<Timestamp> due_at;
};

// Attaches uploaded files to a request inside its write transaction, with
// one `attachment` event each on the timeline. (Shared with the citizen's
// tracking page, domain/tracking.hpp.)
Status AttachFiles(WriteTx& tx, std::int64_t request_id, const std::vector<std::string>& files,
                   Channel channel, const Actor& actor, Timestamp now);

class CaseService {
 public:
  CaseService(Store& store, const Clock& clock);

  // Uses the procedures declared in files (see src/catalogue/): copies their
  // teams and services into the database (services no longer declared are
  // marked inactive) and swaps the catalogue the use cases check against.
  // Requests in flight keep the catalogue they started with.
  Status InstallCatalogue(std::shared_ptr<const Catalogue> catalogue);
  // Without catalogue files: builds one from the services and teams in the
  // database, each with the default workflow and no form.
  Status LoadCatalogue();
  // Uses `catalogue` without writing its teams and services: for a short-lived
  // tool next to a server that installed it (guichet mailgate).
  void UseCatalogue(std::shared_ptr<const Catalogue> catalogue);
  std::shared_ptr<const Catalogue> catalogue() const;
  // When the catalogue in use was installed (InstallCatalogue or
  // LoadCatalogue); nullopt before either succeeded.
  std::optional<Timestamp> catalogue_installed_at() const;

  // Checks and normalises (phone to E.164, default title) a new request;
  // returns every field error. Create() calls it too.
  std::vector<FieldError> Validate(NewRequest& in) const;
  void Create(NewRequest in, Actor actor, std::optional<Idempotency> idem, Done<Created> done);
  // `id_or_reference`: a numeric id or a GU-… reference.
  Result<Request> Get(const std::string& id_or_reference) const;
  Result<RequestPage> List(const RequestQuery& q) const;
  Result<std::vector<Event>> Timeline(std::int64_t request_id) const;
  // The timelines of a page of requests in one read: request id → its events.
  Result<std::map<std::int64_t, std::vector<Event>>> Timelines(
      const std::vector<Request>& page) const;
  // Status changes of requests of these services in (since, until], oldest first.
  Result<std::vector<Event>> StatusChangesSince(const std::vector<std::string>& service_ids,
                                                Timestamp since, Timestamp until, int limit) const {
    return store_.ListEventsSince({EventKind::kStatusChange}, service_ids, since, until, limit);
  }

  void AddEvent(std::int64_t request_id, NewEvent in, Actor actor,
                std::optional<std::int64_t> expected_version, std::optional<Idempotency> idem,
                Done<EventAdded> done);
  void ChangeStatus(std::int64_t request_id, std::string to, std::string comment, Actor actor,
                    std::optional<std::int64_t> expected_version, Done<Request> done);
  void Assign(std::int64_t request_id, Assignment a, Actor actor,
              std::optional<std::int64_t> expected_version, Done<Request> done);

  // Records the citizen's correction and fires the transition the workflow
  // lets the citizen fire from the current status (e.g. "corriger").
  // kForbidden when the proof does not match; kBusinessRule when the request
  // is not waiting for the citizen.
  void SubmitCorrection(std::int64_t request_id, Correction c,
                        std::optional<std::int64_t> expected_version, Done<Request> done);

  Result<Upload> FindUpload(const std::string& id) const { return store_.GetUpload(id); }
  Result<std::string> UploadContent(const std::string& id) const {
    return store_.GetUploadBytes(id);
  }

  // Fires a due timer, exactly once whatever the number of workers: the
  // claim and its effects (a note, an automatic decision, a delayed
  // transition) commit together. `fired` is false when another worker had it.
  void FireTimer(Timer timer, Done<bool> done);
  Result<std::vector<RequestDeadline>> Deadlines(const Request& r) const;

  // Resolves upload ids in form answers: only files not yet attached to a request.
  FileLookup UnattachedUploads() const;
  // Uploads not attached yet, or attached to `request_id` already.
  FileLookup UploadsUsableBy(std::optional<std::int64_t> request_id) const;
  std::vector<Service> Services() const;
  std::vector<Team> Teams() const;

 private:
  Store& store_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::shared_ptr<const Catalogue> catalogue_;       // GUARDED_BY(mu_)
  std::optional<Timestamp> catalogue_installed_at_;  // GUARDED_BY(mu_)
};

}  // namespace guichet::domain
