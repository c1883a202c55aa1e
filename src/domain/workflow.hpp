// A workflow: the statuses a request moves through and the transitions
// allowed between them. Immutable once built; safe to share across threads.
#pragma once

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.hpp"
#include "core/result.hpp"
#include "domain/model.hpp"

namespace guichet::domain {

// What the engine does when a request enters a status. One struct for every
// kind; each kind reads the members its comment names.
struct Action {
  enum class Kind {
    kNotify,              // `name`: a template of the procedure, sent to the citizen
    kAssignTeam,          // `name`: a team id
    kAssignAgent,         // `name`: an agent's email
    kUnassignAgent,       // —
    kSetDeadline,         // `name`: a deadline of the procedure; starts (or resumes) its clock
    kClearDeadline,       // `name`: stops that deadline for good
    kRequestCorrection,   // `reason`; the request waits for the citizen; pauses or restarts
                          // the running deadlines as each deadline says
    kScheduleTransition,  // `name`: a transition leaving this status, fired after `delay`
                          // unless the request has left the status by then
  };
  enum class CorrectionReason { kIncomplete, kIncorrect, kOutdated };

  Kind kind = Kind::kNotify;
  std::string name;
  CorrectionReason reason = CorrectionReason::kIncomplete;
  Delay delay;
  bool operator==(const Action&) const = default;
};

std::string_view ToString(Action::Kind k);
std::optional<Action::Kind> ParseActionKind(std::string_view s);
std::string_view ToString(Action::CorrectionReason r);
std::optional<Action::CorrectionReason> ParseCorrectionReason(std::string_view s);
// French wording of a correction reason, shown to the citizen.
std::string_view Describe(Action::CorrectionReason r);

// FixMyStreet's status names, the closed set a workflow status may give as
// its `open311_status` (Open311 servicerequestupdates).
inline constexpr std::array<std::string_view, 10> kOpen311Statuses = {"OPEN",
                                                                      "INVESTIGATING",
                                                                      "IN_PROGRESS",
                                                                      "ACTION_SCHEDULED",
                                                                      "FIXED",
                                                                      "CLOSED",
                                                                      "DUPLICATE",
                                                                      "NOT_COUNCILS_RESPONSIBILITY",
                                                                      "NO_FURTHER_ACTION",
                                                                      "INTERNAL_REFERRAL"};
inline bool IsOpen311Status(std::string_view s) {
  return std::find(kOpen311Statuses.begin(), kOpen311Statuses.end(), s) != kOpen311Statuses.end();
}

struct WorkflowStatus {
  std::string code;
  StatusCategory category = StatusCategory::kOpen;
  std::string label;            // shown to the citizen, French
  std::vector<Action> actions;  // run in order on entering the status
  // One of kOpen311Statuses; empty: Open311 derives it from the category.
  std::string open311_status;
};

// The roles a transition may name. Until identity lands, API callers act as
// `agent`; `system` is the engine itself (timers, automatic decisions).
inline constexpr std::string_view kRoleCitizen = "citizen";
inline constexpr std::string_view kRoleAgent = "agent";
inline constexpr std::string_view kRoleSupervisor = "supervisor";
inline constexpr std::string_view kRoleAdministrator = "administrator";
inline constexpr std::string_view kRoleSystem = "system";
bool IsKnownRole(std::string_view role);

struct Transition {
  std::string name;
  std::string from;
  std::string to;
  bool comment_required = false;
  std::string label;               // French, for the button; the name when empty
  std::vector<std::string> roles;  // who may fire it; empty: agent, supervisor, administrator
};

class Workflow {
 public:
  Workflow(std::string id, std::string initial, std::vector<WorkflowStatus> statuses,
           std::vector<Transition> transitions);

  // new → open → waiting_citizen → resolved / rejected / closed, with reopening.
  static const Workflow& Default();

  const std::string& id() const { return id_; }
  const std::string& initial() const { return initial_; }
  const std::vector<WorkflowStatus>& statuses() const { return statuses_; }
  const std::vector<Transition>& transitions() const { return transitions_; }

  const WorkflowStatus* FindStatus(const std::string& code) const;
  // The transitions leaving `from`.
  std::vector<const Transition*> From(const std::string& from) const;
  // The transition from `from` reaching `to_or_name` (a target status or a
  // transition name); kBusinessRule listing the allowed targets otherwise.
  Result<const Transition*> Find(const std::string& from, const std::string& to_or_name) const;

 private:
  std::string id_;
  std::string initial_;
  std::vector<WorkflowStatus> statuses_;
  std::vector<Transition> transitions_;
};

}  // namespace guichet::domain
