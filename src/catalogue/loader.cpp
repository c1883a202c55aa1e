#include "catalogue/loader.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "catalogue/files.hpp"
#include "catalogue/reader.hpp"

namespace guichet::catalogue {

namespace fs = std::filesystem;
using internal::Quoted;
using internal::Report;

std::string Problem::ToString() const {
  std::string out = where.ToString() + ": ";
  if (!path.empty()) out += path + ": ";
  return out + message;
}

namespace {

// A file this large is not a hand-written catalogue entry; refusing it keeps
// a stray dump from being parsed.
constexpr std::uintmax_t kMaxFileBytes = 1 << 20;

std::optional<toml::table> ReadToml(const fs::path& path, Report& report) {
  std::error_code ec;
  std::uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    report.Add(0, "", "fichier illisible : " + ec.message());
    return std::nullopt;
  }
  if (size > kMaxFileBytes) {
    report.Add(0, "", "fichier trop gros (plus de 1 Mio)");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    report.Add(0, "", "fichier illisible");
    return std::nullopt;
  }
  return internal::ParseToml(text.str(), report);
}

// The *.toml files under dir/sub, recursively, sorted, relative to dir.
std::vector<fs::path> TomlFiles(const fs::path& dir, const std::string& sub,
                                std::vector<Problem>& problems) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir / sub, ec)) return out;
  fs::recursive_directory_iterator it(dir / sub, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    // Editors leave hidden lock and backup files (".#voirie.toml").
    if (it->path().filename().string().front() == '.') {
      if (it->is_directory(type_ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(type_ec) && it->path().extension() == ".toml") {
      out.push_back(fs::relative(it->path(), dir, type_ec));
    }
  }
  if (ec) problems.push_back({{sub, 0}, "", "dossier illisible : " + ec.message()});
  std::sort(out.begin(), out.end());
  return out;
}

// *.toml files the loader would not read: most likely misplaced
// ("service/voirie.toml"), so they are reported rather than ignored.
std::vector<fs::path> StrayTomlFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    std::string name = it->path().filename().string();
    bool top = it.depth() == 0;
    if (it->is_directory(type_ec)) {
      if (name.front() == '.' ||
          // templates/: the notification templates, read by templates_file.cpp.
          (top && (name == "workflows" || name == "services" || name == "schema" ||
                   name == "templates"))) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (name.front() == '.' || (top && name == "catalogue.toml")) continue;
    if (it->path().extension() == ".toml") out.push_back(fs::relative(it->path(), dir, type_ec));
  }
  std::sort(out.begin(), out.end());
  return out;
}

void ReadCatalogueFile(const toml::table& root, domain::Catalogue& catalogue, Report& report) {
  internal::TableReader r(root, "", TableKind::kCatalogue, report);
  if (auto town = r.Text("town", internal::Need::kRequired)) catalogue.town = *town;
  if (auto region = r.String("holiday_region")) {
    if (*region == "metropole") {
      catalogue.holiday_region = HolidayRegion::kMetropole;
    } else if (*region == "alsace-moselle") {
      catalogue.holiday_region = HolidayRegion::kAlsaceMoselle;
    } else {
      r.Add("holiday_region", "région inconnue " + Quoted(*region) + " (attendu : " +
                                  internal::JoinWords(Allowed(Vocabulary::kHolidayRegion)) + ")");
    }
  }
  std::map<std::string, int> lines;
  auto teams = r.Tables("teams", internal::Need::kRequired);
  if (r.Has("teams") && teams.empty()) r.Add("teams", "au moins une équipe");
  for (const auto& [i, table] : teams) {
    internal::TableReader t(*table, internal::Indexed("teams", i), TableKind::kTeam, report);
    domain::Team team;
    auto id = t.Text("id", internal::Need::kRequired);
    if (id && !internal::IsSlug(*id)) {
      t.Add("id", "identifiant d’équipe invalide " + Quoted(*id) +
                      " : lettres minuscules et chiffres, séparés par des tirets");
    }
    if (id) {
      if (auto [it, inserted] = lines.emplace(*id, t.LineOf("id")); !inserted) {
        t.Add("id", "équipe " + Quoted(*id) + " déjà déclarée ligne " + std::to_string(it->second));
      }
      team.id = *id;
    }
    if (auto name = t.Text("name", internal::Need::kRequired)) team.name = *name;
    if (auto email = t.Text("email", internal::Need::kRequired)) {
      if (!internal::LooksLikeEmail(*email)) {
        t.Add("email", "adresse électronique invalide " + Quoted(*email));
      }
      team.email = *email;
    }
    if (auto rr = t.Bool("round_robin")) team.round_robin = *rr;
    catalogue.teams.push_back(std::move(team));
  }
}

struct Loaded {
  std::string file;  // relative to the catalogue directory
  bool parsed = false;
};

// Checks the procedure against the workflow it names: every template the
// workflow sends and every deadline it starts or stops must exist, and each
// deadline's on_expiry must name a transition the engine may fire.
void CheckAgainstWorkflow(const internal::ServiceFile& sf, const internal::WorkflowFile& wf,
                          const std::string& workflow_file, Report& report) {
  const domain::Procedure& p = sf.procedure;
  std::set<std::pair<domain::Action::Kind, std::string>> reported;
  for (const auto& site : wf.actions) {
    using K = domain::Action::Kind;
    K kind = site.action.kind;
    const std::string& name = site.action.name;
    std::string what;
    if (kind == K::kNotify && !p.FindTemplate(name)) {
      what = "envoie le modèle " + Quoted(name);
    } else if (kind == K::kSetDeadline && !p.FindDeadline(name)) {
      what = "démarre l’échéance " + Quoted(name);
    } else if (kind == K::kClearDeadline && !p.FindDeadline(name)) {
      what = "arrête l’échéance " + Quoted(name);
    } else {
      continue;
    }
    if (!reported.emplace(kind, name).second) continue;
    std::string section = kind == K::kNotify ? "[[templates]]" : "[[deadlines]]";
    report.Add(sf.workflow_line, "workflow",
               "le workflow " + Quoted(wf.id) + " " + what + " (statut " + Quoted(site.status) +
                   ", " + workflow_file + ":" + std::to_string(site.line) +
                   ") : cette démarche doit le déclarer dans " + section);
  }
  for (std::size_t i = 0; i < p.deadlines.size(); ++i) {
    const domain::Deadline& d = p.deadlines[i];
    if (d.on_expiry.empty()) continue;
    int line = i < sf.on_expiry_lines.size() ? sf.on_expiry_lines[i] : 0;
    std::string path = internal::Indexed("deadlines", i) + ".on_expiry";
    std::vector<std::string> names;
    bool found = false;
    bool system = false;
    for (const auto& t : wf.transitions) {
      if (std::find(names.begin(), names.end(), t.name) == names.end()) names.push_back(t.name);
      if (t.name != d.on_expiry) continue;
      found = true;
      if (std::find(t.roles.begin(), t.roles.end(), domain::kRoleSystem) != t.roles.end()) {
        system = true;
      }
    }
    if (!found) {
      report.Add(line, path,
                 "transition inconnue " + Quoted(d.on_expiry) + " dans le workflow " +
                     Quoted(wf.id) + " (transitions : " + internal::JoinWords(names) + ")");
    } else if (!system) {
      report.Add(line, path,
                 "la transition " + Quoted(d.on_expiry) + " du workflow " + Quoted(wf.id) +
                     " doit permettre le rôle « system » pour être déclenchée à l’échéance");
    }
  }
}

}  // namespace

LoadResult LoadCatalogue(const fs::path& dir) {
  LoadResult result;
  std::vector<Problem>& problems = result.problems;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    problems.push_back({{dir.string(), 0}, "", "dossier de catalogue introuvable"});
    return result;
  }
  auto catalogue = std::make_shared<domain::Catalogue>();

  // catalogue.toml: the teams everything else refers to.
  std::optional<std::set<std::string>> team_ids;  // unknown when the file is unreadable
  {
    Report report(problems, "catalogue.toml");
    if (!fs::exists(dir / "catalogue.toml", ec)) {
      report.Add(0, "", "fichier absent : le catalogue commence par catalogue.toml");
    } else if (auto root = ReadToml(dir / "catalogue.toml", report)) {
      ReadCatalogueFile(*root, *catalogue, report);
      team_ids.emplace();
      for (const auto& t : catalogue->teams) team_ids->insert(t.id);
    }
  }
  std::vector<std::string> team_list;
  if (team_ids) team_list.assign(team_ids->begin(), team_ids->end());
  auto check_team = [&](const std::string& id, int line, const std::string& path, Report& report) {
    if (team_ids && !id.empty() && !team_ids->count(id)) {
      report.Add(line, path,
                 "équipe inconnue " + Quoted(id) +
                     " (équipes de catalogue.toml : " + internal::JoinWords(team_list) + ")");
    }
  };

  for (const fs::path& rel : StrayTomlFiles(dir)) {
    problems.push_back({{rel.generic_string(), 0},
                        "",
                        "fichier ignoré : les démarches vont dans services/, les workflows dans "
                        "workflows/"});
  }

  // Workflows: one per file, the id is the file stem.
  std::map<std::string, Loaded> workflow_files;
  std::map<std::string, internal::WorkflowFile> workflows;
  for (const fs::path& rel : TomlFiles(dir, "workflows", problems)) {
    Report report(problems, rel.generic_string());
    std::string id = rel.stem().string();
    if (!internal::IsSlug(id)) {
      report.Add(0, "",
                 "nom de fichier invalide : l’identifiant " + Quoted(id) +
                     " doit être en minuscules, chiffres et tirets");
    }
    auto [it, inserted] = workflow_files.emplace(id, Loaded{report.file()});
    if (!inserted) {
      report.Add(0, "", "workflow " + Quoted(id) + " déjà défini par " + it->second.file);
      continue;
    }
    auto root = ReadToml(dir / rel, report);
    if (!root) continue;
    it->second.parsed = true;
    internal::WorkflowFile wf = internal::ReadWorkflow(*root, id, report);
    for (const auto& site : wf.actions) {
      if (site.action.kind == domain::Action::Kind::kAssignTeam) {
        check_team(site.action.name, site.line, site.path + ".assign_team", report);
      }
    }
    workflows.emplace(id, std::move(wf));
  }

  // Services: one procedure per file, the slug is the file stem.
  std::map<std::string, std::string> service_files;
  for (const fs::path& rel : TomlFiles(dir, "services", problems)) {
    Report report(problems, rel.generic_string());
    std::string slug = rel.stem().string();
    if (!internal::IsSlug(slug)) {
      report.Add(0, "",
                 "nom de fichier invalide : le slug " + Quoted(slug) +
                     " doit être en minuscules, chiffres et tirets");
    }
    auto [it, inserted] = service_files.emplace(slug, report.file());
    if (!inserted) {
      report.Add(0, "", "démarche " + Quoted(slug) + " déjà définie par " + it->second);
      continue;
    }
    auto root = ReadToml(dir / rel, report);
    if (!root) continue;
    internal::ServiceFile sf = internal::ReadService(*root, slug, report);
    check_team(sf.procedure.team_id, sf.team_line, "team", report);
    const std::string& workflow_id = sf.procedure.workflow_id;
    if (auto w = workflows.find(workflow_id); w != workflows.end()) {
      CheckAgainstWorkflow(sf, w->second, workflow_files.at(workflow_id).file, report);
    } else if (!workflow_id.empty() && !workflow_files.count(workflow_id)) {
      std::vector<std::string> ids;
      for (const auto& [id, loaded] : workflow_files) ids.push_back(id);
      report.Add(sf.workflow_line, "workflow",
                 "workflow inconnu " + Quoted(workflow_id) +
                     " (workflows/ : " + internal::JoinWords(ids) + ")");
    }
    catalogue->procedures.emplace(slug, std::move(sf.procedure));
  }

  std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
    return std::tie(a.where.file, a.where.line) < std::tie(b.where.file, b.where.line);
  });
  if (!problems.empty()) return result;
  for (auto& [id, wf] : workflows) {
    catalogue->workflows.emplace(
        id, std::make_shared<const domain::Workflow>(id, wf.initial, std::move(wf.statuses),
                                                     std::move(wf.transitions)));
  }
  result.catalogue = std::move(catalogue);
  return result;
}

}  // namespace guichet::catalogue
