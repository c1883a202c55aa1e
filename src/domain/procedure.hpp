// Procedures (démarches) and the catalogue that holds them: what a town hall
// publishes — a form, a workflow, legal deadlines, notification templates —
// declared in files (see src/catalogue/) rather than written in code.
//
// A Catalogue is immutable once built and shared as
// std::shared_ptr<const Catalogue>; a reload builds a new one and swaps it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/calendar.hpp"
#include "domain/form.hpp"
#include "domain/model.hpp"
#include "domain/workflow.hpp"

namespace guichet::domain {

// The level of identity assurance a procedure needs before it accepts a
// submission (eIDAS levels as FranceConnect names them).
enum class IdentityLevel {
  kNone,         // anyone, without an account
  kAccount,      // a citizen account with a verified email
  kSubstantial,  // FranceConnect "substantiel" (eidas2)
  kHigh,         // FranceConnect "élevé" (eidas3)
};
std::string_view ToString(IdentityLevel l);
std::optional<IdentityLevel> ParseIdentityLevel(std::string_view s);

// What happens to a running deadline when the administration asks the
// citizen for a correction (article L114-5 of the CRPA: an incomplete file
// restarts the delay once complete; some procedures only suspend it).
enum class OnCorrection {
  kSuspend,  // the clock stops while the request waits, then continues with what was left
  kRestart,  // the full delay starts again when the citizen answers
  kIgnore,   // the clock keeps running
};
std::string_view ToString(OnCorrection o);
std::optional<OnCorrection> ParseOnCorrection(std::string_view s);

// A delay the procedure commits to or the law imposes. Started and stopped by
// workflow actions (set_deadline / clear_deadline).
struct Deadline {
  std::string name;   // "instruction"
  std::string label;  // French: "Délai d’instruction"
  Delay delay;
  // Shown to the citizen as the legal deadline and used as the request's due date.
  bool legal = false;
  // Silence vaut accord / rejet: a transition (by name) the engine fires as
  // `system` when the deadline expires with the request still in a status
  // that has that transition; empty for a deadline with no automatic effect.
  std::string on_expiry;
  OnCorrection on_correction = OnCorrection::kRestart;
};

// A message sent to the citizen. Placeholders: {{reference}}, {{title}},
// {{service}}, {{status}} (citizen-facing label), {{deadline}} (French date of
// the legal deadline), {{reason}} (of a correction), {{comment}}.
struct MessageTemplate {
  std::string name;
  std::string subject;
  std::string body;
};

struct Procedure {
  std::string slug;         // [a-z0-9-]+, also the service id of requests
  std::string title;        // French
  std::string description;  // French, may span paragraphs
  std::string category;     // for the portal: "Voirie et propreté", "État civil"…
  std::vector<std::string> keywords;
  std::string team_id;  // the team requests are assigned to first
  IdentityLevel identity = IdentityLevel::kNone;
  bool location_based = false;  // the request carries a location (map pick / lat-lon)
  bool open311 = false;         // published on the Open311 endpoint
  bool active = true;
  int retention_days = 365 * 2;  // kept this long after closing, then anonymised
  std::string workflow_id;
  Form form;
  std::vector<Deadline> deadlines;
  std::vector<MessageTemplate> templates;
  // The field whose answer becomes the request's title; the procedure title when empty.
  std::string title_field;
  // The field whose answer becomes the request's description.
  std::string description_field;

  const Deadline* FindDeadline(const std::string& name) const;
  const MessageTemplate* FindTemplate(const std::string& name) const;
  // The deadline flagged legal, if any.
  const Deadline* LegalDeadline() const;
  // Its delay in calendar days (approximated for working days and months):
  // the legal deadline's, else the first one's, else kDefaultDueDays.
  int DueDays() const;
  static constexpr int kDefaultDueDays = 15;
};

// Where a definition came from, for messages: "catalogue/voirie.toml:12".
struct SourceLocation {
  std::string file;
  int line = 0;
  std::string ToString() const;
};

// Everything the catalogue files declare. Workflows are shared by procedures.
struct Catalogue {
  std::vector<Team> teams;
  std::map<std::string, std::shared_ptr<const Workflow>> workflows;  // by id
  std::map<std::string, Procedure> procedures;                       // by slug
  HolidayRegion holiday_region = HolidayRegion::kMetropole;
  std::string town;  // the town hall's name, for the portal and templates

  const Procedure* FindProcedure(const std::string& slug) const;
  // The workflow of a procedure; Workflow::Default() when unknown.
  const Workflow& WorkflowOf(const std::string& slug) const;
  // The projection stored in the services table (id, name, team, due days).
  std::vector<Service> Services() const;
};

}  // namespace guichet::domain
