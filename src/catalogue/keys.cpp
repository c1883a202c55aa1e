// The vocabulary of the catalogue format: the keys of each table and the
// words values may take. catalogue/schema/*.schema.json say the same, and
// loader_test.cpp checks that they do.
#include <array>

#include "catalogue/loader.hpp"

namespace guichet::catalogue {
namespace {

using Keys = std::span<const std::string_view>;

constexpr std::array<std::string_view, 3> kCatalogueKeys = {"town", "holiday_region", "teams"};
constexpr std::array<std::string_view, 4> kTeamKeys = {"id", "name", "email", "round_robin"};
constexpr std::array<std::string_view, 3> kWorkflowKeys = {"initial", "statuses", "transitions"};
constexpr std::array<std::string_view, 5> kStatusKeys = {"code", "category", "label", "actions",
                                                         "open311_status"};
constexpr std::array<std::string_view, 9> kActionKeys = {
    "notify",         "assign_team",        "assign_agent",        "unassign_agent", "set_deadline",
    "clear_deadline", "request_correction", "schedule_transition", "after"};
constexpr std::array<std::string_view, 6> kTransitionKeys = {"name",  "from",  "to",
                                                             "label", "roles", "comment_required"};
constexpr std::array<std::string_view, 16> kServiceKeys = {
    "title",    "description",    "category",          "keywords",  "team",
    "identity", "location_based", "open311",           "active",    "retention_days",
    "workflow", "title_field",    "description_field", "deadlines", "templates",
    "fields"};
constexpr std::array<std::string_view, 6> kDeadlineKeys = {"name",  "label",     "delay",
                                                           "legal", "on_expiry", "on_correction"};
constexpr std::array<std::string_view, 3> kTemplateKeys = {"name", "subject", "body"};
constexpr std::array<std::string_view, 20> kFieldKeys = {"key",        "type",
                                                         "label",      "hint",
                                                         "required",   "visible_if",
                                                         "min_length", "max_length",
                                                         "min",        "max",
                                                         "min_date",   "max_date",
                                                         "pattern",    "pattern_message",
                                                         "options",    "min_items",
                                                         "max_items",  "max_file_size",
                                                         "accept",     "fields"};
constexpr std::array<std::string_view, 2> kOptionKeys = {"value", "label"};
constexpr std::array<std::string_view, 2> kConditionKeys = {"field", "values"};

// Every name of a domain enum, read through its ToString (which says "?"
// past the last value), so a new enum value reaches the format by itself.
template <typename E>
std::vector<std::string> NamesOf() {
  std::vector<std::string> out;
  for (int i = 0; i < 64; ++i) {
    std::string_view name = domain::ToString(static_cast<E>(i));
    if (name == "?" || name.empty()) break;
    out.emplace_back(name);
  }
  return out;
}

}  // namespace

std::span<const std::string_view> AcceptedKeys(TableKind kind) {
  switch (kind) {
    case TableKind::kCatalogue:
      return kCatalogueKeys;
    case TableKind::kTeam:
      return kTeamKeys;
    case TableKind::kWorkflow:
      return kWorkflowKeys;
    case TableKind::kStatus:
      return kStatusKeys;
    case TableKind::kAction:
      return kActionKeys;
    case TableKind::kTransition:
      return kTransitionKeys;
    case TableKind::kService:
      return kServiceKeys;
    case TableKind::kDeadline:
      return kDeadlineKeys;
    case TableKind::kTemplate:
      return kTemplateKeys;
    case TableKind::kField:
      return kFieldKeys;
    case TableKind::kOption:
      return kOptionKeys;
    case TableKind::kCondition:
      return kConditionKeys;
  }
  return {};
}

std::vector<std::string> Allowed(Vocabulary v) {
  switch (v) {
    case Vocabulary::kHolidayRegion:
      return {"metropole", "alsace-moselle"};
    case Vocabulary::kStatusCategory:
      return NamesOf<domain::StatusCategory>();
    case Vocabulary::kActionKind:
      return NamesOf<domain::Action::Kind>();
    case Vocabulary::kCorrectionReason:
      return NamesOf<domain::Action::CorrectionReason>();
    case Vocabulary::kRole:
      return {std::string(domain::kRoleCitizen), std::string(domain::kRoleAgent),
              std::string(domain::kRoleSupervisor), std::string(domain::kRoleAdministrator),
              std::string(domain::kRoleSystem)};
    case Vocabulary::kIdentityLevel:
      return NamesOf<domain::IdentityLevel>();
    case Vocabulary::kOnCorrection:
      return NamesOf<domain::OnCorrection>();
    case Vocabulary::kFieldType:
      return NamesOf<domain::FieldType>();
    case Vocabulary::kDelayUnit: {
      std::vector<std::string> out;
      for (DelayUnit u : {DelayUnit::kCalendarDays, DelayUnit::kWorkingDays, DelayUnit::kMonths}) {
        std::string plural(ToString(u));
        out.push_back(plural);
        out.push_back(plural.substr(0, plural.size() - 1));  // "1 month"
      }
      return out;
    }
    case Vocabulary::kOpen311Status:
      return {domain::kOpen311Statuses.begin(), domain::kOpen311Statuses.end()};
    case Vocabulary::kPlaceholder:
      return {"reference", "title", "service", "status", "deadline", "reason", "comment"};
  }
  return {};
}

}  // namespace guichet::catalogue
