// A workflow: the statuses a request moves through and the transitions
// allowed between them. Immutable once built; safe to share across threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "domain/model.hpp"

namespace guichet::domain {

struct WorkflowStatus {
  std::string code;
  StatusCategory category = StatusCategory::kOpen;
  std::string label;  // shown to the citizen, French
};

struct Transition {
  std::string name;
  std::string from;
  std::string to;
  bool comment_required = false;
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
