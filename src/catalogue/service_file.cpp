// services/<slug>.toml: a procedure, its form, deadlines and templates.
#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "catalogue/files.hpp"
#include "core/time.hpp"

namespace guichet::catalogue::internal {
namespace {

using domain::Field;
using domain::FieldType;

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string TypeName(FieldType t) { return std::string(domain::ToString(t)); }

// The field types a type-specific key applies to; empty: every type.
std::vector<FieldType> TypesFor(std::string_view key) {
  using T = FieldType;
  if (key == "required") {
    std::vector<FieldType> out;
    for (const auto& name : Allowed(Vocabulary::kFieldType)) {
      auto t = *domain::ParseFieldType(name);
      if (!domain::IsInformational(t)) out.push_back(t);
    }
    return out;
  }
  if (key == "min_length" || key == "max_length") return {T::kText, T::kTextarea};
  if (key == "pattern" || key == "pattern_message") return {T::kText};
  if (key == "min" || key == "max") return {T::kInteger, T::kDecimal};
  if (key == "min_date" || key == "max_date") return {T::kDate};
  if (key == "options") return {T::kChoice, T::kMultipleChoice};
  if (key == "min_items" || key == "max_items") return {T::kMultipleChoice, T::kFile, T::kRepeat};
  if (key == "max_file_size" || key == "accept") return {T::kFile};
  if (key == "fields") return {T::kRepeat};
  return {};
}

// What a condition needs to know of an earlier field.
struct Declared {
  std::optional<FieldType> type;
  std::vector<std::string> options;
};

// The fields of one level (the form, or the block of a repeat) as they are
// read, for visible_if.
struct Scope {
  const Scope* parent = nullptr;
  std::map<std::string, Declared> before;  // declared so far
  std::set<std::string> all;               // every key of the level
};

std::optional<std::size_t> ReadCount(const TableReader& f, std::string_view key) {
  auto n = f.Integer(key);
  if (!n) return std::nullopt;
  if (*n < 0) {
    f.Add(key, "doit être positif ou nul");
    return std::nullopt;
  }
  return static_cast<std::size_t>(*n);
}

// "YYYY-MM-DD" or "today".
std::optional<std::string> ReadDateBound(const TableReader& f, std::string_view key) {
  const toml::node* n = f.Get(key);
  if (!n) return std::nullopt;
  if (n->is_date()) {
    f.Add(key, "écrivez la date entre guillemets (\"AAAA-MM-JJ\") ou \"today\"");
    return std::nullopt;
  }
  auto s = f.String(key);
  if (!s) return std::nullopt;
  if (*s != "today" && (s->size() != 10 || !ParseDate(*s))) {
    f.Add(key, "date invalide " + Quoted(*s) + " : attendu \"AAAA-MM-JJ\" ou \"today\"");
    return std::nullopt;
  }
  return s;
}

// An integer number of bytes, or "500 Ko", "5 Mo", "1 Go".
std::optional<std::int64_t> ReadFileSize(const TableReader& f, std::string_view key) {
  const toml::node* n = f.Get(key);
  if (!n) return std::nullopt;
  std::int64_t bytes = 0;
  if (const auto* i = n->as_integer()) {
    bytes = i->get();
  } else if (const auto* s = n->as_string()) {
    static const std::regex kSize("^([1-9][0-9]{0,6}) ?(o|Ko|Mo|Go)$");
    std::smatch m;
    const std::string& text = s->get();
    if (!std::regex_match(text, m, kSize)) {
      f.Add(key, "taille invalide " + Quoted(text) +
                     " : attendu un nombre d’octets ou « 500 Ko », « 5 Mo », « 1 Go »");
      return std::nullopt;
    }
    bytes = std::stoll(m[1].str());
    std::string unit = m[2].str();
    if (unit == "Ko") bytes <<= 10;
    if (unit == "Mo") bytes <<= 20;
    if (unit == "Go") bytes <<= 30;
  } else {
    f.WrongType(key, "un nombre d’octets ou une taille comme « 5 Mo »", *n);
    return std::nullopt;
  }
  if (bytes <= 0) {
    f.Add(key, "la taille doit être positive");
    return std::nullopt;
  }
  return bytes;
}

bool IsMimeType(std::string_view s) {
  static const std::regex kMime(R"(^[a-z]+/([a-z0-9][a-z0-9.+-]*|\*)$)");
  return std::regex_match(s.begin(), s.end(), kMime);
}

std::vector<Field> ReadFields(const TableReader& owner, const Scope* parent, Report& report);

void ReadCondition(const TableReader& f, const Scope& scope, const std::string& own_key,
                   Field& field, Report& report) {
  const toml::table* table = f.Table("visible_if");
  if (!table) return;
  TableReader c(*table, f.PathOf("visible_if"), TableKind::kCondition, report);
  domain::Condition condition;
  if (const toml::node* values = c.Get("values")) {
    if (const auto* array = values->as_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& e = *array->get(i);
        if (const auto* s = e.as_string()) {
          condition.values.push_back(s->get());
        } else if (const auto* b = e.as_boolean()) {
          condition.values.push_back(b->get() ? "true" : "false");
        } else {
          report.Add(LineOf(e), Indexed(c.PathOf("values"), i),
                     "doit être une chaîne ou un booléen, pas " + std::string(Describe(e.type())));
        }
      }
    } else {
      c.WrongType("values", "un tableau de valeurs", *values);
    }
  }
  auto target = c.Text("field", Need::kRequired);
  if (!target) return;
  condition.field = *target;
  field.visible_if = condition;

  const Declared* found = nullptr;
  bool later = false;
  std::vector<std::string> visible;
  for (const Scope* s = &scope; s; s = s->parent) {
    if (auto it = s->before.find(*target); it != s->before.end() && !found) found = &it->second;
    if (s->all.count(*target)) later = true;
    for (const auto& [key, declared] : s->before) visible.push_back(key);
  }
  if (!found) {
    if (*target == own_key) {
      c.Add("field", "un champ ne peut pas dépendre de lui-même");
    } else if (later) {
      c.Add("field", "le champ " + Quoted(*target) +
                         " est déclaré après ce champ : une condition porte sur un champ qui le "
                         "précède");
    } else {
      std::string message = "champ inconnu " + Quoted(*target);
      if (std::string near = Closest(*target, visible); !near.empty()) {
        message += " : vouliez-vous dire " + Quoted(near) + " ?";
      }
      c.Add("field", message);
    }
    return;
  }
  if (!found->type) return;
  FieldType t = *found->type;
  if (domain::IsInformational(t) || t == FieldType::kRepeat) {
    c.Add("field", "le champ " + Quoted(*target) + " (" + TypeName(t) +
                       ") n’a pas de réponse simple : une condition ne peut pas en dépendre");
    return;
  }
  std::vector<std::string> expected;
  if (t == FieldType::kYesNo || t == FieldType::kCheckbox) expected = {"true", "false"};
  if (t == FieldType::kChoice || t == FieldType::kMultipleChoice) expected = found->options;
  if (expected.empty()) return;
  for (const auto& v : condition.values) {
    if (!Contains(expected, v)) {
      c.Add("values", "valeur " + Quoted(v) + " impossible pour " + Quoted(*target) +
                          " (valeurs : " + JoinWords(expected) + ")");
    }
  }
}

Field ReadField(const TableReader& f, Scope& scope, std::map<std::string, int>& key_lines,
                Report& report) {
  Field field;
  auto key = f.Text("key", Need::kRequired);
  if (key && !IsIdentifier(*key)) {
    f.Add("key", "clé de champ invalide " + Quoted(*key) +
                     " : lettres minuscules, chiffres et _, en commençant par une lettre");
    key.reset();
  }
  if (key) {
    if (auto [it, inserted] = key_lines.emplace(*key, f.LineOf("key")); !inserted) {
      f.Add("key", "clé " + Quoted(*key) + " déjà employée à ce niveau (ligne " +
                       std::to_string(it->second) + ")");
    }
    field.key = *key;
  }
  std::optional<FieldType> type;
  if (auto name = f.String("type", Need::kRequired)) {
    type = domain::ParseFieldType(*name);
    if (type) {
      field.type = *type;
    } else {
      f.Add("type", "type de champ inconnu " + Quoted(*name) +
                        " (attendu : " + JoinWords(Allowed(Vocabulary::kFieldType)) + ")");
    }
  }
  if (auto label = f.Text("label", Need::kRequired)) field.label = *label;
  if (auto hint = f.String("hint")) field.hint = *hint;

  if (type) {
    for (std::string_view k : AcceptedKeys(TableKind::kField)) {
      if (!f.Has(k)) continue;
      std::vector<FieldType> types = TypesFor(k);
      if (types.empty() || std::find(types.begin(), types.end(), *type) != types.end()) continue;
      std::vector<std::string> names;
      for (FieldType t : types) names.push_back(TypeName(t));
      f.Add(k, Quoted(k) + " ne s’applique pas au type " + Quoted(TypeName(*type)) +
                   " (seulement : " + JoinWords(names) + ")");
    }
  }

  if (auto required = f.Bool("required")) field.required = *required;
  ReadCondition(f, scope, field.key, field, report);

  field.min_length = ReadCount(f, "min_length");
  field.max_length = ReadCount(f, "max_length");
  if (field.min_length && field.max_length && *field.min_length > *field.max_length) {
    f.Add("min_length", "min_length (" + std::to_string(*field.min_length) +
                            ") dépasse max_length (" + std::to_string(*field.max_length) + ")");
  }
  field.min = f.Number("min");
  field.max = f.Number("max");
  if (field.min && field.max && *field.min > *field.max) {
    f.Add("min", "min dépasse max");
  }
  field.min_date = ReadDateBound(f, "min_date");
  field.max_date = ReadDateBound(f, "max_date");
  if (field.min_date && field.max_date && *field.min_date != "today" &&
      *field.max_date != "today" && *field.min_date > *field.max_date) {
    f.Add("min_date",
          "min_date (" + *field.min_date + ") est après max_date (" + *field.max_date + ")");
  }
  if (auto pattern = f.String("pattern")) {
    try {
      std::regex compiled(*pattern, std::regex::ECMAScript);
      field.pattern = *pattern;
    } catch (const std::regex_error& e) {
      f.Add("pattern", "expression régulière invalide " + Quoted(*pattern) + " : " + e.what());
    }
  }
  if (auto message = f.Text("pattern_message")) {
    field.pattern_message = *message;
    if (!f.Has("pattern")) f.Add("pattern_message", "pattern_message sans pattern");
  }

  std::map<std::string, int> option_lines;
  for (const auto& [i, table] : f.Tables("options")) {
    TableReader o(*table, Indexed(f.PathOf("options"), i), TableKind::kOption, report);
    domain::ChoiceOption option;
    auto value = o.Text("value", Need::kRequired);
    auto label = o.Text("label", Need::kRequired);
    if (!value) continue;
    if (auto [it, inserted] = option_lines.emplace(*value, o.LineOf("value")); !inserted) {
      o.Add("value", "valeur " + Quoted(*value) + " déjà proposée (ligne " +
                         std::to_string(it->second) + ")");
      continue;
    }
    option.value = *value;
    option.label = label.value_or(*value);
    field.options.push_back(std::move(option));
  }
  if ((type == FieldType::kChoice || type == FieldType::kMultipleChoice) && !f.Has("options")) {
    report.Add(f.line(), f.PathOf("options"),
               "un champ " + TypeName(*type) +
                   " doit proposer des options : options = [{ value = \"…\", label = \"…\" }]");
  } else if (const toml::node* options = f.Get("options");
             options && options->is_array() && options->as_array()->empty()) {
    f.Add("options", "au moins une option");
  }

  field.min_items = ReadCount(f, "min_items");
  field.max_items = ReadCount(f, "max_items");
  if (field.min_items && field.max_items && *field.min_items > *field.max_items) {
    f.Add("min_items", "min_items (" + std::to_string(*field.min_items) + ") dépasse max_items (" +
                           std::to_string(*field.max_items) + ")");
  }
  if (auto bytes = ReadFileSize(f, "max_file_size")) field.max_file_bytes = *bytes;
  if (auto accept = f.Strings("accept")) {
    for (const auto& mime : *accept) {
      if (!IsMimeType(mime)) {
        f.Add("accept", "type de fichier invalide " + Quoted(mime) +
                            " : attendu un type MIME comme « application/pdf » ou « image/* »");
      }
    }
    field.accept = *accept;
  }

  if (type == FieldType::kRepeat && !f.Has("fields")) {
    report.Add(f.line(), f.PathOf("fields"),
               "un bloc répété doit déclarer ses champs ([[fields.fields]] après ce champ)");
  } else if (f.Has("fields")) {
    field.fields = ReadFields(f, &scope, report);
  }

  if (key) {
    Declared declared{type, {}};
    for (const auto& o : field.options) declared.options.push_back(o.value);
    scope.before[*key] = std::move(declared);
  }
  return field;
}

std::vector<Field> ReadFields(const TableReader& owner, const Scope* parent, Report& report) {
  std::vector<Field> out;
  auto tables = owner.Tables("fields", Need::kRequired);
  if (owner.Has("fields") && owner.Get("fields")->is_array() && tables.empty() &&
      owner.Get("fields")->as_array()->empty()) {
    owner.Add("fields", "au moins un champ");
  }
  Scope scope;
  scope.parent = parent;
  for (const auto& [i, table] : tables) {
    if (const auto* key = table->get_as<std::string>("key")) scope.all.insert(key->get());
  }
  std::map<std::string, int> key_lines;
  for (const auto& [i, table] : tables) {
    TableReader f(*table, Indexed(owner.PathOf("fields"), i), TableKind::kField, report);
    out.push_back(ReadField(f, scope, key_lines, report));
  }
  return out;
}

void CheckPlaceholders(const TableReader& t, std::string_view key, const std::string& text) {
  std::vector<std::string> known = Allowed(Vocabulary::kPlaceholder);
  std::size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string::npos) {
    std::size_t end = text.find("}}", pos + 2);
    if (end == std::string::npos) {
      t.Add(key, "« {{ » sans « }} » correspondant");
      return;
    }
    std::string name = text.substr(pos + 2, end - pos - 2);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (!Contains(known, name)) {
      std::string message =
          "variable inconnue {{" + name + "}} (variables : " + JoinWords(known) + ")";
      t.Add(key, message);
    }
    pos = end + 2;
  }
}

// The top-level field whose answer becomes the request's title or description.
void CheckSummaryField(const TableReader& r, std::string_view key, const std::vector<Field>& fields,
                       std::string& out) {
  auto name = r.Text(key);
  if (!name) return;
  out = *name;
  std::vector<std::string> keys;
  for (const auto& f : fields) {
    if (f.key != *name) {
      keys.push_back(f.key);
      continue;
    }
    if (domain::IsInformational(f.type) || f.type == FieldType::kRepeat ||
        f.type == FieldType::kFile) {
      r.Add(key, "le champ " + Quoted(*name) + " (" + TypeName(f.type) +
                     ") n’a pas de réponse textuelle : il ne peut pas servir ici");
    }
    return;
  }
  r.Add(key, Quoted(*name) + " n’est pas un champ du premier niveau du formulaire (champs : " +
                 JoinWords(keys) + ")");
}

}  // namespace

ServiceFile ReadService(const toml::table& root, std::string slug, Report& report) {
  ServiceFile sf;
  domain::Procedure& p = sf.procedure;
  p.slug = std::move(slug);
  TableReader r(root, "", TableKind::kService, report);

  if (auto title = r.Text("title", Need::kRequired)) p.title = *title;
  if (auto description = r.Text("description", Need::kRequired)) p.description = *description;
  if (auto category = r.Text("category", Need::kRequired)) p.category = *category;
  if (auto keywords = r.Strings("keywords")) p.keywords = *keywords;
  if (auto team = r.Text("team", Need::kRequired)) p.team_id = *team;
  sf.team_line = r.LineOf("team");
  if (auto identity = r.String("identity")) {
    if (auto level = domain::ParseIdentityLevel(*identity)) {
      p.identity = *level;
    } else {
      r.Add("identity", "niveau d’identité inconnu " + Quoted(*identity) +
                            " (attendu : " + JoinWords(Allowed(Vocabulary::kIdentityLevel)) + ")");
    }
  }
  if (auto b = r.Bool("location_based")) p.location_based = *b;
  if (auto b = r.Bool("open311")) p.open311 = *b;
  if (auto b = r.Bool("active")) p.active = *b;
  if (auto days = r.Integer("retention_days")) {
    // Sixty months is the longest retention demarches-simplifiees.fr offers; ten years covers
    // every procedure a commune runs.
    constexpr std::int64_t kMaxRetentionDays = 3660;
    if (*days < 1 || *days > kMaxRetentionDays) {
      r.Add("retention_days",
            "doit être entre 1 et " + std::to_string(kMaxRetentionDays) + " jours");
    } else {
      p.retention_days = static_cast<int>(*days);
    }
  }
  if (auto workflow = r.Text("workflow", Need::kRequired)) p.workflow_id = *workflow;
  sf.workflow_line = r.LineOf("workflow");

  std::map<std::string, int> deadline_lines;
  std::string legal;
  for (const auto& [i, table] : r.Tables("deadlines")) {
    TableReader d(*table, Indexed("deadlines", i), TableKind::kDeadline, report);
    domain::Deadline deadline;
    auto name = d.Text("name", Need::kRequired);
    if (name && !IsIdentifier(*name)) {
      d.Add("name", "nom d’échéance invalide " + Quoted(*name) +
                        " : lettres minuscules, chiffres et _, en commençant par une lettre");
    }
    if (name) {
      if (auto [it, inserted] = deadline_lines.emplace(*name, d.LineOf("name")); !inserted) {
        d.Add("name",
              "échéance " + Quoted(*name) + " déjà déclarée ligne " + std::to_string(it->second));
      }
      deadline.name = *name;
    }
    if (auto label = d.Text("label", Need::kRequired)) deadline.label = *label;
    if (auto delay = ReadDelay(d, "delay", Need::kRequired)) deadline.delay = *delay;
    if (auto b = d.Bool("legal")) {
      deadline.legal = *b;
      if (*b && !legal.empty()) {
        d.Add("legal", "une seule échéance peut être légale (déjà : " + Quoted(legal) + ")");
      } else if (*b) {
        legal = deadline.name.empty() ? "?" : deadline.name;
      }
    }
    if (auto on_expiry = d.Text("on_expiry")) deadline.on_expiry = *on_expiry;
    sf.on_expiry_lines.push_back(d.Has("on_expiry") ? d.LineOf("on_expiry") : 0);
    if (auto on_correction = d.String("on_correction")) {
      if (auto parsed = domain::ParseOnCorrection(*on_correction)) {
        deadline.on_correction = *parsed;
      } else {
        d.Add("on_correction", "valeur inconnue " + Quoted(*on_correction) + " (attendu : " +
                                   JoinWords(Allowed(Vocabulary::kOnCorrection)) + ")");
      }
    }
    p.deadlines.push_back(std::move(deadline));
  }

  std::map<std::string, int> template_lines;
  for (const auto& [i, table] : r.Tables("templates")) {
    TableReader t(*table, Indexed("templates", i), TableKind::kTemplate, report);
    domain::MessageTemplate message;
    auto name = t.Text("name", Need::kRequired);
    if (name && !IsIdentifier(*name)) {
      t.Add("name", "nom de modèle invalide " + Quoted(*name) +
                        " : lettres minuscules, chiffres et _, en commençant par une lettre");
    }
    if (name) {
      if (auto [it, inserted] = template_lines.emplace(*name, t.LineOf("name")); !inserted) {
        t.Add("name",
              "modèle " + Quoted(*name) + " déjà déclaré ligne " + std::to_string(it->second));
      }
      message.name = *name;
    }
    if (auto subject = t.Text("subject", Need::kRequired)) {
      CheckPlaceholders(t, "subject", *subject);
      message.subject = *subject;
    }
    if (auto body = t.Text("body", Need::kRequired)) {
      CheckPlaceholders(t, "body", *body);
      message.body = *body;
    }
    p.templates.push_back(std::move(message));
  }

  p.form.fields = ReadFields(r, nullptr, report);
  CheckSummaryField(r, "title_field", p.form.fields, p.title_field);
  CheckSummaryField(r, "description_field", p.form.fields, p.description_field);
  return sf;
}

}  // namespace guichet::catalogue::internal
