#include "domain/workflow.hpp"

namespace guichet::domain {

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
        {"new", C::kNew, "Reçue"},
        {"open", C::kOpen, "En cours de traitement"},
        {"waiting_citizen", C::kWaitingCitizen, "En attente de votre réponse"},
        {"resolved", C::kResolved, "Traitée"},
        {"rejected", C::kRejected, "Refusée"},
        {"closed", C::kClosed, "Classée"},
    };
    std::vector<Transition> t = {
        {"prendre_en_charge", "new", "open"},
        {"resoudre", "new", "resolved"},
        {"refuser", "new", "rejected", true},
        {"classer", "new", "closed"},
        {"demander_precisions", "open", "waiting_citizen", true},
        {"resoudre", "open", "resolved"},
        {"refuser", "open", "rejected", true},
        {"classer", "open", "closed"},
        {"reprendre", "waiting_citizen", "open"},
        {"resoudre", "waiting_citizen", "resolved"},
        {"refuser", "waiting_citizen", "rejected", true},
        {"classer", "waiting_citizen", "closed"},
        {"rouvrir", "resolved", "open"},
        {"classer", "resolved", "closed"},
        {"rouvrir", "rejected", "open"},
        {"rouvrir", "closed", "open"},
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
    allowed.push_back(t->to);
  }
  Error e = Error::Rule("Le passage du statut « " + from + " » à « " + to_or_name +
                        " » n’est pas permis.");
  e.WithAllowed(std::move(allowed));
  return e;
}

}  // namespace guichet::domain
