#include "catalogue/reader.hpp"

#include <algorithm>
#include <regex>

namespace guichet::catalogue::internal {

void Report::Add(int line, std::string path, std::string message) {
  out_.push_back(Problem{{file_, line}, std::move(path), std::move(message)});
}

int LineOf(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

std::string Child(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out(path);
  out += '.';
  out += key;
  return out;
}

std::string Indexed(std::string_view path, std::size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

std::string_view Describe(toml::node_type t) {
  switch (t) {
    case toml::node_type::none:
      return "rien";
    case toml::node_type::table:
      return "une table";
    case toml::node_type::array:
      return "un tableau";
    case toml::node_type::string:
      return "une chaîne";
    case toml::node_type::integer:
      return "un entier";
    case toml::node_type::floating_point:
      return "un nombre à virgule";
    case toml::node_type::boolean:
      return "un booléen";
    case toml::node_type::date:
      return "une date";
    case toml::node_type::time:
      return "une heure";
    case toml::node_type::date_time:
      return "une date et heure";
  }
  return "une valeur";
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

std::string Quoted(std::string_view s) { return "« " + std::string(s) + " »"; }

namespace {

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string Closest(std::string_view s, const std::vector<std::string>& candidates) {
  // Two edits catch the usual typos ("titel", "requiered") without
  // suggesting unrelated short words.
  constexpr std::size_t kMaxEdits = 2;
  std::string best;
  std::size_t best_distance = kMaxEdits + 1;
  for (const auto& c : candidates) {
    std::size_t d = EditDistance(s, c);
    if (d < best_distance && d < c.size()) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::optional<toml::table> ParseToml(std::string_view text, Report& report) {
  try {
    return toml::parse(text, std::string_view(report.file()));
  } catch (const toml::parse_error& e) {
    report.Add(static_cast<int>(e.source().begin.line), "",
               "syntaxe TOML invalide (colonne " + std::to_string(e.source().begin.column) +
                   ") : " + std::string(e.description()));
    return std::nullopt;
  }
}

TableReader::TableReader(const toml::table& table, std::string path, TableKind kind, Report& report)
    : table_(table), path_(std::move(path)), report_(report) {
  std::vector<std::string> accepted;
  for (std::string_view k : AcceptedKeys(kind)) accepted.emplace_back(k);
  for (const auto& [key, value] : table_) {
    std::string k(key.str());
    if (std::find(accepted.begin(), accepted.end(), k) != accepted.end()) continue;
    std::string message = "clé inconnue " + Quoted(k);
    if ((kind == TableKind::kService && k == "slug") ||
        (kind == TableKind::kWorkflow && k == "id")) {
      message += " : l’identifiant est le nom du fichier, sans « .toml »";
    } else if (std::string near = Closest(k, accepted); !near.empty()) {
      message += " : vouliez-vous dire " + Quoted(near) + " ?";
    } else {
      message += " (clés permises : " + JoinWords(accepted) + ")";
    }
    report_.Add(static_cast<int>(key.source().begin.line), PathOf(k), std::move(message));
  }
}

int TableReader::LineOf(std::string_view key) const {
  const toml::node* n = Get(key);
  return n ? internal::LineOf(*n) : line();
}

void TableReader::Missing(std::string_view key) const {
  report_.Add(line(), PathOf(key), "clé obligatoire absente");
}

void TableReader::WrongType(std::string_view key, std::string_view expected,
                            const toml::node& found) const {
  report_.Add(
      internal::LineOf(found), PathOf(key),
      "doit être " + std::string(expected) + ", pas " + std::string(Describe(found.type())));
}

std::optional<std::string> TableReader::String(std::string_view key, Need need) const {
  const toml::node* n = Get(key);
  if (!n) {
    if (need == Need::kRequired) Missing(key);
    return std::nullopt;
  }
  if (const auto* s = n->as_string()) return s->get();
  WrongType(key, "une chaîne", *n);
  return std::nullopt;
}

std::optional<std::string> TableReader::Text(std::string_view key, Need need) const {
  auto s = String(key, need);
  if (s && s->find_first_not_of(" \t\r\n") == std::string::npos) {
    Add(key, "ne doit pas être vide");
    return std::nullopt;
  }
  return s;
}

std::optional<bool> TableReader::Bool(std::string_view key) const {
  const toml::node* n = Get(key);
  if (!n) return std::nullopt;
  if (const auto* b = n->as_boolean()) return b->get();
  WrongType(key, "un booléen (true ou false)", *n);
  return std::nullopt;
}

std::optional<std::int64_t> TableReader::Integer(std::string_view key, Need need) const {
  const toml::node* n = Get(key);
  if (!n) {
    if (need == Need::kRequired) Missing(key);
    return std::nullopt;
  }
  if (const auto* i = n->as_integer()) return i->get();
  WrongType(key, "un entier", *n);
  return std::nullopt;
}

std::optional<double> TableReader::Number(std::string_view key) const {
  const toml::node* n = Get(key);
  if (!n) return std::nullopt;
  if (const auto* i = n->as_integer()) return static_cast<double>(i->get());
  if (const auto* f = n->as_floating_point()) return f->get();
  WrongType(key, "un nombre", *n);
  return std::nullopt;
}

std::optional<std::vector<std::string>> TableReader::Strings(std::string_view key) const {
  const toml::node* n = Get(key);
  if (!n) return std::nullopt;
  const auto* array = n->as_array();
  if (!array) {
    WrongType(key, "un tableau de chaînes", *n);
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& e = *array->get(i);
    if (const auto* s = e.as_string()) {
      out.push_back(s->get());
    } else {
      report_.Add(internal::LineOf(e), Indexed(PathOf(key), i),
                  "doit être une chaîne, pas " + std::string(Describe(e.type())));
    }
  }
  return out;
}

std::vector<std::pair<std::size_t, const toml::table*>> TableReader::Tables(std::string_view key,
                                                                            Need need) const {
  std::vector<std::pair<std::size_t, const toml::table*>> out;
  const toml::node* n = Get(key);
  if (!n) {
    if (need == Need::kRequired) Missing(key);
    return out;
  }
  const auto* array = n->as_array();
  if (!array) {
    WrongType(key, "un tableau de tables ([[" + std::string(key) + "]])", *n);
    return out;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& e = *array->get(i);
    if (const auto* t = e.as_table()) {
      out.emplace_back(i, t);
    } else {
      report_.Add(internal::LineOf(e), Indexed(PathOf(key), i),
                  "doit être une table, pas " + std::string(Describe(e.type())));
    }
  }
  return out;
}

const toml::table* TableReader::Table(std::string_view key, Need need) const {
  const toml::node* n = Get(key);
  if (!n) {
    if (need == Need::kRequired) Missing(key);
    return nullptr;
  }
  if (const auto* t = n->as_table()) return t;
  WrongType(key, "une table", *n);
  return nullptr;
}

std::optional<Delay> ReadDelay(const TableReader& reader, std::string_view key, Need need) {
  auto text = reader.String(key, need);
  if (!text) return std::nullopt;
  // The same shape as the "delay" pattern of the JSON schemas, the sign aside
  // so that a negative delay gets its own message.
  static const std::regex kDelay("^(-?[0-9]{1,9}) +([a-z_]+)$");
  std::smatch m;
  if (!std::regex_match(*text, m, kDelay)) {
    reader.Add(key, "délai invalide " + Quoted(*text) +
                        " : attendu un nombre et une unité, par exemple « 2 months », "
                        "« 15 working_days » ou « 30 calendar_days »");
    return std::nullopt;
  }
  long long amount = std::stoll(m[1].str());
  std::string unit = m[2].str();
  std::optional<DelayUnit> parsed = ParseDelayUnit(unit);
  if (!parsed) parsed = ParseDelayUnit(unit + "s");  // "1 month"
  if (!parsed) {
    reader.Add(key, "unité de délai inconnue " + Quoted(unit) +
                        " (attendu : " + JoinWords(Allowed(Vocabulary::kDelayUnit)) + ")");
    return std::nullopt;
  }
  if (amount < 0) {
    reader.Add(key, "délai négatif " + Quoted(*text));
    return std::nullopt;
  }
  // Ten years bounds every administrative delay and keeps date arithmetic in range.
  constexpr long long kMaxDays = 3660;
  long long days = *parsed == DelayUnit::kMonths ? amount * 31 : amount;
  if (days > kMaxDays) {
    reader.Add(key, "délai trop long " + Quoted(*text) + " (au plus dix ans)");
    return std::nullopt;
  }
  return Delay{static_cast<int>(amount), *parsed};
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsSlug(std::string_view s) {
  if (s.empty() || s.front() == '-' || s.back() == '-') return false;
  char previous = 0;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && previous != '-');
    if (!ok) return false;
    previous = c;
  }
  return true;
}

bool LooksLikeEmail(std::string_view s) {
  std::size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view domain = s.substr(at + 1);
  std::size_t dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size() &&
         s.find_first_of(" \t<>,;") == std::string_view::npos;
}

}  // namespace guichet::catalogue::internal
