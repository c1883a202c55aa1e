// workflows/<id>.toml: statuses with their entry actions, and transitions.
#include <algorithm>
#include <map>
#include <set>

#include "catalogue/files.hpp"

namespace guichet::catalogue::internal {
namespace {

using domain::Action;

std::string EnumMessage(std::string_view what, std::string_view value, Vocabulary v) {
  return std::string(what) + " " + Quoted(value) + " (attendu : " + JoinWords(Allowed(v)) + ")";
}

// One inline table of `actions`: exactly one action key, plus `after` for a
// scheduled transition.
std::optional<Action> ReadAction(const toml::table& table, std::string path, Report& report) {
  TableReader r(table, std::move(path), TableKind::kAction, report);
  if (table.empty()) {
    report.Add(
        r.line(), r.path(),
        "action vide : attendu une clé parmi " + JoinWords(Allowed(Vocabulary::kActionKind)));
    return std::nullopt;
  }
  std::vector<std::pair<Action::Kind, std::string>> kinds;
  for (const auto& [key, value] : table) {
    if (auto kind = domain::ParseActionKind(key.str())) kinds.emplace_back(*kind, key.str());
  }
  if (kinds.size() > 1) {
    report.Add(r.line(), r.path(),
               "une seule action par table (" + Quoted(kinds[0].second) + " et " +
                   Quoted(kinds[1].second) + " ensemble) : écrivez une table par action");
    return std::nullopt;
  }
  if (kinds.empty()) {
    // Only `after`, or unknown keys already reported.
    if (r.Has("after")) r.Add("after", "« after » ne s’emploie qu’avec schedule_transition");
    return std::nullopt;
  }
  Action action;
  action.kind = kinds[0].first;
  const std::string& key = kinds[0].second;
  if (action.kind != Action::Kind::kScheduleTransition && r.Has("after")) {
    r.Add("after", "« after » ne s’emploie qu’avec schedule_transition");
  }
  switch (action.kind) {
    case Action::Kind::kUnassignAgent: {
      auto b = r.Bool(key);
      if (!b) return std::nullopt;
      if (!*b) {
        r.Add(key, "écrivez « unassign_agent = true » (false n’a pas de sens)");
        return std::nullopt;
      }
      return action;
    }
    case Action::Kind::kRequestCorrection: {
      auto reason = r.String(key);
      if (!reason) return std::nullopt;
      auto parsed = domain::ParseCorrectionReason(*reason);
      if (!parsed) {
        r.Add(key,
              EnumMessage("motif de correction inconnu", *reason, Vocabulary::kCorrectionReason));
        return std::nullopt;
      }
      action.reason = *parsed;
      return action;
    }
    case Action::Kind::kScheduleTransition: {
      auto name = r.Text(key);
      auto delay = ReadDelay(r, "after", Need::kRequired);
      if (!name || !delay) return std::nullopt;
      action.name = *name;
      action.delay = *delay;
      return action;
    }
    case Action::Kind::kAssignAgent: {
      auto email = r.Text(key);
      if (!email) return std::nullopt;
      if (!LooksLikeEmail(*email)) {
        r.Add(key, "adresse électronique d’agent invalide " + Quoted(*email));
        return std::nullopt;
      }
      action.name = *email;
      return action;
    }
    case Action::Kind::kNotify:
    case Action::Kind::kAssignTeam:
    case Action::Kind::kSetDeadline:
    case Action::Kind::kClearDeadline: {
      auto name = r.Text(key);
      if (!name) return std::nullopt;
      action.name = *name;
      return action;
    }
  }
  return std::nullopt;
}

// `from` is one status or an array of statuses; each with the line it is on.
std::vector<std::pair<std::string, int>> ReadFrom(const TableReader& r) {
  std::vector<std::pair<std::string, int>> out;
  const toml::node* n = r.Get("from");
  if (!n) {
    r.Missing("from");
    return out;
  }
  if (const auto* s = n->as_string()) {
    out.emplace_back(s->get(), LineOf(*n));
    return out;
  }
  const auto* array = n->as_array();
  if (!array) {
    r.WrongType("from", "un statut ou un tableau de statuts", *n);
    return out;
  }
  if (array->empty()) r.Add("from", "au moins un statut de départ");
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& e = *array->get(i);
    if (const auto* s = e.as_string()) {
      out.emplace_back(s->get(), LineOf(e));
    } else {
      r.report().Add(LineOf(e), Indexed(r.PathOf("from"), i),
                     "doit être une chaîne, pas " + std::string(Describe(e.type())));
    }
  }
  return out;
}

}  // namespace

WorkflowFile ReadWorkflow(const toml::table& root, std::string id, Report& report) {
  WorkflowFile wf;
  wf.id = std::move(id);
  TableReader r(root, "", TableKind::kWorkflow, report);

  // Statuses, then the checks that need all of them.
  std::map<std::string, int> status_lines;
  bool statuses_complete = true;  // every status has a usable code and category
  auto statuses = r.Tables("statuses", Need::kRequired);
  if (r.Has("statuses") && statuses.empty()) r.Add("statuses", "au moins un statut");
  for (const auto& [i, table] : statuses) {
    TableReader s(*table, Indexed("statuses", i), TableKind::kStatus, report);
    domain::WorkflowStatus status;
    auto code = s.Text("code", Need::kRequired);
    if (code && !IsIdentifier(*code)) {
      s.Add("code", "code de statut invalide " + Quoted(*code) +
                        " : lettres minuscules, chiffres et _, en commençant par une lettre");
      code.reset();
    }
    if (code) {
      if (auto [it, inserted] = status_lines.emplace(*code, s.LineOf("code")); !inserted) {
        s.Add("code",
              "statut " + Quoted(*code) + " déjà déclaré ligne " + std::to_string(it->second));
      }
      status.code = *code;
    }
    if (auto category = s.String("category", Need::kRequired)) {
      if (auto c = domain::ParseStatusCategory(*category)) {
        status.category = *c;
      } else {
        s.Add("category",
              EnumMessage("catégorie inconnue", *category, Vocabulary::kStatusCategory));
        statuses_complete = false;
      }
    } else {
      statuses_complete = false;
    }
    if (auto label = s.Text("label", Need::kRequired)) status.label = *label;
    if (auto name = s.String("open311_status")) {
      if (domain::IsOpen311Status(*name)) {
        status.open311_status = *name;
      } else {
        s.Add("open311_status",
              EnumMessage("statut Open311 inconnu", *name, Vocabulary::kOpen311Status));
      }
    }
    for (const auto& [j, action_table] : s.Tables("actions")) {
      std::string path = Indexed(s.PathOf("actions"), j);
      if (auto action = ReadAction(*action_table, path, report)) {
        status.actions.push_back(*action);
        wf.actions.push_back({status.code, *action, LineOf(*action_table), path});
      }
    }
    if (!code) {
      statuses_complete = false;
      continue;
    }
    wf.statuses.push_back(std::move(status));
  }
  if (statuses_complete && !wf.statuses.empty() &&
      std::none_of(wf.statuses.begin(), wf.statuses.end(),
                   [](const auto& s) { return domain::IsTerminal(s.category); })) {
    r.Add("statuses",
          "aucun statut final : au moins un statut doit être de catégorie resolved, rejected ou "
          "closed");
  }
  std::vector<std::string> codes;
  for (const auto& s : wf.statuses) codes.push_back(s.code);
  auto known = [&](const std::string& code) { return status_lines.count(code) > 0; };
  auto unknown_status = [&](const std::string& code) {
    return "statut inconnu " + Quoted(code) + " (statuts : " + JoinWords(codes) + ")";
  };

  if (auto initial = r.Text("initial", Need::kRequired)) {
    wf.initial = *initial;
    if (statuses_complete && !known(*initial)) {
      r.Add("initial", unknown_status(*initial));
    } else if (auto it = std::find_if(wf.statuses.begin(), wf.statuses.end(),
                                      [&](const auto& s) { return s.code == *initial; });
               it != wf.statuses.end() && domain::IsTerminal(it->category)) {
      r.Add("initial", "le statut initial " + Quoted(*initial) + " ne peut pas être final (" +
                           std::string(domain::ToString(it->category)) + ")");
    }
  }

  // Transitions: one per status of `from`.
  std::map<std::pair<std::string, std::string>, int> seen;  // (from, name) → line
  auto transitions = r.Tables("transitions", Need::kRequired);
  if (r.Has("transitions") && transitions.empty()) r.Add("transitions", "au moins une transition");
  for (const auto& [i, table] : transitions) {
    TableReader t(*table, Indexed("transitions", i), TableKind::kTransition, report);
    domain::Transition transition;
    auto name = t.Text("name", Need::kRequired);
    if (name && !IsIdentifier(*name)) {
      t.Add("name", "nom de transition invalide " + Quoted(*name) +
                        " : lettres minuscules, chiffres et _, en commençant par une lettre");
    }
    if (name) transition.name = *name;
    auto from = ReadFrom(t);
    auto to = t.Text("to", Need::kRequired);
    if (to && statuses_complete && !known(*to)) t.Add("to", unknown_status(*to));
    if (to) transition.to = *to;
    if (auto label = t.Text("label")) transition.label = *label;
    if (auto roles = t.Strings("roles")) {
      for (const auto& role : *roles) {
        if (!domain::IsKnownRole(role)) {
          t.Add("roles", EnumMessage("rôle inconnu", role, Vocabulary::kRole));
        }
      }
      transition.roles = *roles;
    }
    if (auto comment = t.Bool("comment_required")) transition.comment_required = *comment;
    for (const auto& [code, line] : from) {
      if (statuses_complete && !known(code)) {
        report.Add(line, t.PathOf("from"), unknown_status(code));
      }
      if (name) {
        if (auto [it, inserted] = seen.emplace(std::make_pair(code, *name), line); !inserted) {
          report.Add(line, t.PathOf("from"),
                     "la transition " + Quoted(*name) + " part déjà du statut " + Quoted(code) +
                         " (ligne " + std::to_string(it->second) + ")");
        }
      }
      domain::Transition one = transition;
      one.from = code;
      wf.transitions.push_back(std::move(one));
    }
  }

  // A scheduled transition leaves the status it is declared on and is fired
  // by the engine itself.
  for (const auto& site : wf.actions) {
    if (site.action.kind != Action::Kind::kScheduleTransition) continue;
    const domain::Transition* found = nullptr;
    for (const auto& t : wf.transitions) {
      if (t.from == site.status && t.name == site.action.name) found = &t;
    }
    std::string path = Child(site.path, "schedule_transition");
    if (!found) {
      report.Add(site.line, path,
                 "aucune transition " + Quoted(site.action.name) + " ne part du statut " +
                     Quoted(site.status));
    } else if (std::find(found->roles.begin(), found->roles.end(), domain::kRoleSystem) ==
               found->roles.end()) {
      report.Add(site.line, path,
                 "la transition " + Quoted(site.action.name) +
                     " doit permettre le rôle « system » (roles = [\"system\", …]) pour être "
                     "déclenchée automatiquement");
    }
  }
  return wf;
}

}  // namespace guichet::catalogue::internal
