#include "domain/procedure.hpp"

#include "domain/enum_table.hpp"

namespace guichet::domain {
namespace {

constexpr EnumTable<IdentityLevel, 4> kIdentityLevels{{
    {IdentityLevel::kNone, "none"},
    {IdentityLevel::kAccount, "account"},
    {IdentityLevel::kSubstantial, "substantial"},
    {IdentityLevel::kHigh, "high"},
}};

constexpr EnumTable<OnCorrection, 3> kOnCorrections{{
    {OnCorrection::kSuspend, "suspend"},
    {OnCorrection::kRestart, "restart"},
    {OnCorrection::kIgnore, "ignore"},
}};

}  // namespace

std::string_view ToString(IdentityLevel l) { return Name(kIdentityLevels, l); }
std::optional<IdentityLevel> ParseIdentityLevel(std::string_view s) {
  return Lookup(kIdentityLevels, s);
}
std::string_view ToString(OnCorrection o) { return Name(kOnCorrections, o); }
std::optional<OnCorrection> ParseOnCorrection(std::string_view s) {
  return Lookup(kOnCorrections, s);
}

const Deadline* Procedure::FindDeadline(const std::string& name) const {
  for (const auto& d : deadlines) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const MessageTemplate* Procedure::FindTemplate(const std::string& name) const {
  for (const auto& t : templates) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const Deadline* Procedure::LegalDeadline() const {
  for (const auto& d : deadlines) {
    if (d.legal) return &d;
  }
  return nullptr;
}

int Procedure::DueDays() const {
  // The services table keeps a due delay in calendar days for lists and
  // metrics; the engine computes the exact legal date from the deadline.
  const Deadline* d = LegalDeadline();
  if (!d && !deadlines.empty()) d = &deadlines.front();
  if (!d) return kDefaultDueDays;
  switch (d->delay.unit) {
    case DelayUnit::kCalendarDays:
      return d->delay.amount;
    case DelayUnit::kWorkingDays:
      return (d->delay.amount * 7 + 4) / 5;
    case DelayUnit::kMonths:
      return d->delay.amount * 30;
  }
  return kDefaultDueDays;
}

std::string SourceLocation::ToString() const {
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

const Procedure* Catalogue::FindProcedure(const std::string& slug) const {
  auto it = procedures.find(slug);
  return it == procedures.end() ? nullptr : &it->second;
}

const Workflow& Catalogue::WorkflowOf(const std::string& slug) const {
  const Procedure* p = FindProcedure(slug);
  if (!p) return Workflow::Default();
  auto it = workflows.find(p->workflow_id);
  return it == workflows.end() ? Workflow::Default() : *it->second;
}

std::vector<Service> Catalogue::Services() const {
  std::vector<Service> out;
  for (const auto& [slug, p] : procedures) {
    Service s;
    s.id = slug;
    s.name = p.title;
    s.description = p.description;
    s.team_id = p.team_id;
    s.due_days = p.DueDays();
    s.active = p.active;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace guichet::domain
