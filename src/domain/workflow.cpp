#include "domain/workflow.hpp"

#include <algorithm>

#include "domain/enum_table.hpp"

namespace guichet::domain {
namespace {

constexpr EnumTable<Action::Kind, 8> kActionKinds{{
    {Action::Kind::kNotify, "notify"},
    {Action::Kind::kAssignTeam, "assign_team"},
    {Action::Kind::kAssignAgent, "assign_agent"},
    {Action::Kind::kUnassignAgent, "unassign_agent"},
    {Action::Kind::kSetDeadline, "set_deadline"},
    {Action::Kind::kClearDeadline, "clear_deadline"},
    {Action::Kind::kRequestCorrection, "request_correction"},
    {Action::Kind::kScheduleTransition, "schedule_transition"},
}};

constexpr EnumTable<Action::CorrectionReason, 3> kCorrectionReasons{{
    {Action::CorrectionReason::kIncomplete, "incomplete"},
    {Action::CorrectionReason::kIncorrect, "incorrect"},
    {Action::CorrectionReason::kOutdated, "outdated"},
}};

}  // namespace

std::string_view ToString(Action::Kind k) { return Name(kActionKinds, k); }
std::optional<Action::Kind> ParseActionKind(std::string_view s) { return Lookup(kActionKinds, s); }
std::string_view ToString(Action::CorrectionReason r) { return Name(kCorrectionReasons, r); }
std::optional<Action::CorrectionReason> ParseCorrectionReason(std::string_view s) {
  return Lookup(kCorrectionReasons, s);
}

std::string_view Describe(Action::CorrectionReason r) {
  switch (r) {
    case Action::CorrectionReason::kIncomplete:
      return "dossier incomplet";
    case Action::CorrectionReason::kIncorrect:
      return "informations incorrectes";
    case Action::CorrectionReason::kOutdated:
      return "pièces périmées";
  }
  return "";
}

bool IsKnownRole(std::string_view role) {
  return role == kRoleCitizen || role == kRoleAgent || role == kRoleSupervisor ||
         role == kRoleAdministrator || role == kRoleSystem;
}

Workflow::Workflow(std::string id, std::string initial, std::vector<WorkflowStatus> statuses,
                   std::vector<Transition> transitions)
    : id_(std::move(id)),
      initial_(std::move(initial)),
      statuses_(std::move(statuses)),
      transitions_(std::move(transitions)) {}

const Workflow& Workflow::Default() {
  static const Workflow kDefault = [] {
    using C = StatusCategory;
    std::vector<WorkflowStatus> statuses = {
        // No open311_status: Open311 names them from their category.
        {"new", C::kNew, "Reçue", {}, {}},
        {"open", C::kOpen, "En cours de traitement", {}, {}},
        {"waiting_citizen", C::kWaitingCitizen, "En attente de votre réponse", {}, {}},
        {"resolved", C::kResolved, "Traitée", {}, {}},
        {"rejected", C::kRejected, "Refusée", {}, {}},
        {"closed", C::kClosed, "Classée", {}, {}},
    };
    auto T = [](std::string name, std::string from, std::string to, bool comment = false) {
      Transition t;
      t.name = std::move(name);
      t.from = std::move(from);
      t.to = std::move(to);
      t.comment_required = comment;
      return t;
    };
    std::vector<Transition> t = {
        T("prendre_en_charge", "new", "open"),
        T("resoudre", "new", "resolved"),
        T("refuser", "new", "rejected", true),
        T("classer", "new", "closed"),
        T("demander_precisions", "open", "waiting_citizen", true),
        T("resoudre", "open", "resolved"),
        T("refuser", "open", "rejected", true),
        T("classer", "open", "closed"),
        T("reprendre", "waiting_citizen", "open"),
        T("resoudre", "waiting_citizen", "resolved"),
        T("refuser", "waiting_citizen", "rejected", true),
        T("classer", "waiting_citizen", "closed"),
        T("rouvrir", "resolved", "open"),
        T("classer", "resolved", "closed"),
        T("rouvrir", "rejected", "open"),
        T("rouvrir", "closed", "open"),
    };
    return Workflow("default", "new", std::move(statuses), std::move(t));
  }();
  return kDefault;
}

const WorkflowStatus* Workflow::FindStatus(const std::string& code) const {
  for (const auto& s : statuses_) {
    if (s.code == code) return &s;
  }
  return nullptr;
}

std::vector<const Transition*> Workflow::From(const std::string& from) const {
  std::vector<const Transition*> out;
  for (const auto& t : transitions_) {
    if (t.from == from) out.push_back(&t);
  }
  return out;
}

Result<const Transition*> Workflow::Find(const std::string& from,
                                         const std::string& to_or_name) const {
  std::vector<std::string> allowed;
  for (const Transition* t : From(from)) {
    if (t->to == to_or_name || t->name == to_or_name) return t;
    // Two transitions may reach one status (by different roles): list it once.
    if (std::find(allowed.begin(), allowed.end(), t->to) == allowed.end()) allowed.push_back(t->to);
  }
  Error e = Error::Rule("Le passage du statut « " + from + " » à « " + to_or_name +
                        " » n’est pas permis.");
  e.WithAllowed(std::move(allowed));
  return e;
}

}  // namespace guichet::domain
