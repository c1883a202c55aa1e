// Use cases of the agent back-office beyond CaseService: replies to the
// citizen, canned responses, merging and linking requests, the audit log.
//
// Thread-safe. Like CaseService, writes are asynchronous: `done` runs once,
// on the store's writer thread, when the change is durable.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "domain/case_service.hpp"
#include "domain/store.hpp"

namespace guichet::domain {

inline constexpr size_t kMaxCannedTitleLength = 200;
inline constexpr size_t kMaxPurposeLength = 500;

struct Reply {
  std::string body;                       // may be empty with a canned response
  std::optional<Channel> channel;         // absent: the citizen's preferred one
  std::optional<std::int64_t> canned_id;  // rendered, then `body` appended
};

struct Merged {
  Request duplicate;  // closed, linked to the target
  Request target;
};

class BackofficeService {
 public:
  BackofficeService(Store& store, CaseService& cases, const Clock& clock);

  // A message to the citizen on the timeline (message_out, delivery
  // "pending": the outbox sends it). The channel defaults to the citizen's
  // preferred channel, else the request's if it can carry a reply, else the
  // contact details decide (email, SMS, letter).
  void SendReply(const Request& r, Reply in, Actor actor,
                 std::optional<std::int64_t> expected_version, Done<EventAdded> done);
  // A canned response filled in for `r`: {{citizen_name}}, {{reference}},
  // {{title}}, {{deadline}}, {{service}}, {{status}}.
  Result<std::string> RenderCanned(std::int64_t canned_id, const Request& r) const;

  Result<std::vector<CannedResponse>> CannedResponses() const {
    return store_.ListCannedResponses();
  }
  Result<CannedResponse> GetCanned(std::int64_t id) const { return store_.GetCannedResponse(id); }
  // Creates (id 0) or replaces; kInvalidArgument with every field error.
  void SaveCanned(CannedResponse c, Done<CannedResponse> done);
  void DeleteCanned(std::int64_t id, Done<bool> done);

  // Closes `duplicate_id` (status of category "closed", timers cancelled)
  // with a link to `target_id`, whose timeline then shows both. kConflict
  // when the duplicate was already merged; kInvalidArgument for itself.
  void Merge(std::int64_t duplicate_id, std::int64_t target_id, Actor actor, Done<Merged> done);
  // Links two requests about the same matter (both ways in ListLinks).
  void Link(std::int64_t from_id, std::int64_t to_id, Actor actor, Done<RequestLink> done);
  Result<std::vector<RequestLink>> Links(std::int64_t request_id) const {
    return store_.ListLinks(request_id);
  }

  // Appends to the audit log; failures are returned to `done` (which may be empty).
  void Audit(AuditEntry e, std::function<void(Status)> done = {});
  // The same for a call already answered, which nobody waits for: the
  // record may wait a few milliseconds to share a commit (Store::WriteDeferrable).
  // The records that arrive meanwhile go in the same write op, in order.
  void AuditAfterResponse(AuditEntry e, std::function<void(Status)> done);

 private:
  struct PendingAudits;
  void Prepare(AuditEntry& e) const;

  Store& store_;
  CaseService& cases_;
  const Clock& clock_;
  std::shared_ptr<PendingAudits> pending_;
};

// May manage canned responses: supervisors, administrators, platform
// administrators, and machine callers without a team restriction.
bool MayManageCannedResponses(const Actor& a);

}  // namespace guichet::domain
