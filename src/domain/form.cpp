#include "domain/form.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <regex>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "core/time.hpp"
#include "domain/enum_table.hpp"
#include "domain/validation.hpp"

namespace guichet::domain {
namespace {

using nlohmann::json;

constexpr EnumTable<FieldType, 20> kFieldTypes{{
    {FieldType::kText, "text"},
    {FieldType::kTextarea, "textarea"},
    {FieldType::kEmail, "email"},
    {FieldType::kPhone, "phone"},
    {FieldType::kInteger, "integer"},
    {FieldType::kDecimal, "decimal"},
    {FieldType::kDate, "date"},
    {FieldType::kDatetime, "datetime"},
    {FieldType::kYesNo, "yes_no"},
    {FieldType::kCheckbox, "checkbox"},
    {FieldType::kChoice, "choice"},
    {FieldType::kMultipleChoice, "multiple_choice"},
    {FieldType::kAddress, "address"},
    {FieldType::kCommune, "commune"},
    {FieldType::kFile, "file"},
    {FieldType::kSiret, "siret"},
    {FieldType::kIban, "iban"},
    {FieldType::kSection, "section"},
    {FieldType::kExplanation, "explanation"},
    {FieldType::kRepeat, "repeat"},
}};

// An address label is one line shown on a map or a letter; longer is not an address.
constexpr std::size_t kMaxAddressLength = 500;
// std::regex matches recursively, about one stack frame per byte, so a longer
// value could exhaust the request thread's stack; patterns describe short
// codes, and a value past this length is refused as not matching.
constexpr std::size_t kMaxPatternInputBytes = 1000;
// Conditions may chain (A shown when B, B shown when C…); a cycle in a
// definition must not recurse forever, so a chain this deep counts as hidden.
constexpr int kMaxConditionDepth = 16;

constexpr std::string_view kRequired = "Ce champ est obligatoire.";
constexpr std::string_view kMustTick = "Vous devez cocher cette case.";
constexpr std::string_view kUnknownField = "Champ inconnu.";
constexpr std::string_view kBadRule =
    "La règle de validation de ce champ est invalide ; signalez-le à la mairie.";

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const std::size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) { return std::all_of(s.begin(), s.end(), IsDigit); }

// Control characters have no place in a form answer (tabs aside, and line
// breaks where several lines are allowed).
bool HasControlChars(std::string_view s, bool allow_newlines) {
  for (const unsigned char c : s) {
    if ((c == '\n' || c == '\r') && allow_newlines) continue;
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
  }
  return false;
}

// Numbers in messages are French: "2,5", not "2.5".
std::string FormatNumber(double v) {
  if (std::nearbyint(v) == v && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<std::int64_t>(v));
  }
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string out(buf, ec == std::errc() ? end : buf);
  std::replace(out.begin(), out.end(), '.', ',');
  return out;
}

std::string FormatMegabytes(std::int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(bytes) / (1024.0 * 1024.0));
  std::string out = buf;
  if (out.ends_with(".0")) out.resize(out.size() - 2);
  std::replace(out.begin(), out.end(), '.', ',');
  return out;
}

std::string FrenchDate(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", d.day, d.month, d.year);
  return buf;
}

std::string Plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n > 1 ? many : one);
}

// Integral doubles go out as JSON integers so clients see 0, not 0.0.
json Number(double v) {
  if (std::nearbyint(v) == v && std::fabs(v) < 9e15) return static_cast<std::int64_t>(v);
  return v;
}

// Empty strings, empty lists and objects with only empty members (an address
// whose label was cleared) are no answer at all. Not recursive on purpose:
// client JSON may nest arbitrarily deep.
bool IsBlank(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return true;
    case json::value_t::string:
      return Trim(v.get_ref<const std::string&>()).empty();
    case json::value_t::array:
      return v.empty();
    case json::value_t::object:
      return std::all_of(v.begin(), v.end(), [](const json& m) {
        return m.is_null() || (m.is_string() && Trim(m.get_ref<const std::string&>()).empty());
      });
    default:
      return false;
  }
}

const Field* FindField(const std::vector<Field>& fields, std::string_view key) {
  for (const Field& f : fields) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

// One level of answers (the form, or one entry of a repeat) and the level
// around it, which conditions inside a repeat fall back to.
struct Scope {
  const std::vector<Field>& fields;
  const json& answers;  // an object
  const Scope* parent = nullptr;
};

bool IsVisible(const Field& f, const Scope& scope, int depth);

// The answer to `key` as a condition sees it: from the innermost level that
// declares the key; null when that field is hidden, unanswered or undeclared.
const json* ConditionAnswer(const Scope* scope, const std::string& key, int depth) {
  for (; scope != nullptr; scope = scope->parent) {
    const Field* f = FindField(scope->fields, key);
    if (f == nullptr) continue;
    if (!IsVisible(*f, *scope, depth + 1)) return nullptr;
    const auto it = scope->answers.find(key);
    if (it == scope->answers.end() || IsBlank(*it)) return nullptr;
    return &*it;
  }
  return nullptr;
}

// The texts a condition compares: "true"/"false" for booleans, each ticked
// value for a list.
std::vector<std::string> ConditionTexts(const json& v) {
  std::vector<std::string> out;
  const auto add = [&out](const json& x) {
    if (x.is_boolean()) {
      out.emplace_back(x.get<bool>() ? "true" : "false");
    } else if (x.is_string()) {
      out.emplace_back(Trim(x.get_ref<const std::string&>()));
    } else if (x.is_number()) {
      out.push_back(x.dump());
    }
  };
  if (v.is_array()) {
    for (const json& x : v) add(x);
  } else {
    add(v);
  }
  return out;
}

bool IsVisible(const Field& f, const Scope& scope, int depth) {
  if (!f.visible_if) return true;
  if (depth > kMaxConditionDepth) return false;
  const json* answer = ConditionAnswer(&scope, f.visible_if->field, depth);
  if (answer == nullptr) return false;
  const std::vector<std::string>& wanted = f.visible_if->values;
  if (wanted.empty()) return true;
  for (const std::string& text : ConditionTexts(*answer)) {
    if (std::find(wanted.begin(), wanted.end(), text) != wanted.end()) return true;
  }
  return false;
}

// "image/*" accepts every image; parameters (";charset=…") are ignored.
bool AcceptsType(const std::vector<std::string>& accept, std::string_view content_type) {
  if (accept.empty()) return true;
  const std::string type = AsciiLower(Trim(content_type.substr(0, content_type.find(';'))));
  for (const std::string& a : accept) {
    const std::string pattern = AsciiLower(Trim(a));
    if (pattern == "*/*" || pattern == type) return true;
    if (pattern.ends_with("/*") && type.size() > pattern.size() - 1 &&
        type.starts_with(std::string_view(pattern).substr(0, pattern.size() - 1))) {
      return true;
    }
  }
  return false;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// Walks the form and the answers together, collecting every error.
class Checker {
 public:
  Checker(FormMode mode, std::string_view today, const FileLookup& files)
      : submit_(mode == FormMode::kSubmit), today_(ParseDate(today)), files_(files) {}

  // Validates one level and writes its normalised answers into `out`.
  void Level(const Scope& scope, const std::string& prefix, json& out) {
    for (const Field& f : scope.fields) {
      if (IsInformational(f.type) || !IsVisible(f, scope, 0)) continue;
      const std::string path = prefix + f.key;
      const auto it = scope.answers.find(f.key);
      if (it == scope.answers.end() || IsBlank(*it)) {
        if (submit_ && f.required) {
          Add(path, f.type == FieldType::kCheckbox ? kMustTick : kRequired);
        }
        continue;
      }
      if (std::optional<json> v = Value(f, *it, scope, path)) out[f.key] = std::move(*v);
    }
    for (const auto& item : scope.answers.items()) {
      if (FindField(scope.fields, item.key()) == nullptr) Add(prefix + item.key(), kUnknownField);
    }
  }

  std::vector<FieldError> TakeErrors() { return std::move(errors_); }

 private:
  void Add(const std::string& path, std::string_view message) {
    errors_.push_back({path, std::string(message)});
  }

  // The normalised answer, or nullopt after reporting why it is refused.
  std::optional<json> Value(const Field& f, const json& v, const Scope& scope,
                            const std::string& path) {
    switch (f.type) {
      case FieldType::kText:
      case FieldType::kTextarea:
        return Text(f, v, path);
      case FieldType::kEmail:
        return Email(v, path);
      case FieldType::kPhone:
        return Phone(v, path);
      case FieldType::kInteger:
        return Integer(f, v, path);
      case FieldType::kDecimal:
        return Decimal(f, v, path);
      case FieldType::kDate:
        return DateValue(f, v, path);
      case FieldType::kDatetime:
        return Datetime(v, path);
      case FieldType::kYesNo:
        if (v.is_boolean()) return v;
        Add(path, "Répondez par oui ou par non.");
        return std::nullopt;
      case FieldType::kCheckbox:
        return Checkbox(f, v, path);
      case FieldType::kChoice:
        return Choice(f, v, path);
      case FieldType::kMultipleChoice:
        return MultipleChoice(f, v, path);
      case FieldType::kAddress:
        return Address(v, path);
      case FieldType::kCommune:
        return Commune(v, path);
      case FieldType::kFile:
        return Files(f, v, path);
      case FieldType::kSiret:
        return Siret(v, path);
      case FieldType::kIban:
        return Iban(v, path);
      case FieldType::kRepeat:
        return Repeat(f, v, scope, path);
      case FieldType::kSection:
      case FieldType::kExplanation:
        break;
    }
    return std::nullopt;
  }

  // The trimmed string, or nullopt after reporting that `v` is not one.
  std::optional<std::string> String(const json& v, const std::string& path,
                                    std::string_view message) {
    if (!v.is_string() || !IsValidUtf8(v.get_ref<const std::string&>())) {
      Add(path, message);
      return std::nullopt;
    }
    return std::string(Trim(v.get_ref<const std::string&>()));
  }

  std::optional<json> Text(const Field& f, const json& v, const std::string& path) {
    const bool multiline = f.type == FieldType::kTextarea;
    std::optional<std::string> s = String(v, path, "Saisissez du texte.");
    if (!s) return std::nullopt;
    if (!multiline && s->find_first_of("\r\n") != std::string::npos) {
      Add(path, "Ce champ doit tenir sur une seule ligne.");
      return std::nullopt;
    }
    if (HasControlChars(*s, multiline)) {
      Add(path, "Le texte contient des caractères non autorisés.");
      return std::nullopt;
    }
    const std::size_t length = Utf8Length(*s);
    const std::size_t max =
        f.max_length.value_or(multiline ? kDefaultTextareaMaxLength : kDefaultTextMaxLength);
    if (f.min_length && length < *f.min_length) {
      Add(path, "Saisissez au moins " + Plural(*f.min_length, "caractère", "caractères") + ".");
      return std::nullopt;
    }
    if (length > max) {
      Add(path, "Saisissez au plus " + Plural(max, "caractère", "caractères") + " (" +
                    std::to_string(length) + " saisis).");
      return std::nullopt;
    }
    if (!f.pattern.empty()) {
      try {
        const std::regex re(f.pattern, std::regex::ECMAScript);
        if (s->size() > kMaxPatternInputBytes || !std::regex_match(*s, re)) {
          Add(path, f.pattern_message.empty() ? "Le format de ce champ n’est pas valide."
                                              : f.pattern_message);
          return std::nullopt;
        }
      } catch (const std::regex_error&) {
        // A broken pattern is the definition's fault, but the answer cannot be accepted unchecked.
        Add(path, kBadRule);
        return std::nullopt;
      }
    }
    return *s;
  }

  std::optional<json> Email(const json& v, const std::string& path) {
    constexpr std::string_view kMessage =
        "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.";
    std::optional<std::string> s = String(v, path, kMessage);
    if (!s) return std::nullopt;
    if (!IsValidEmail(*s)) {
      Add(path, kMessage);
      return std::nullopt;
    }
    // The local part may be case-sensitive; the domain never is.
    const std::size_t at = s->find('@');
    return s->substr(0, at + 1) + AsciiLower(std::string_view(*s).substr(at + 1));
  }

  std::optional<json> Phone(const json& v, const std::string& path) {
    constexpr std::string_view kMessage =
        "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78.";
    std::optional<std::string> s = String(v, path, kMessage);
    if (!s) return std::nullopt;
    std::optional<std::string> e164 = NormalizePhone(*s);
    if (!e164) {
      Add(path, kMessage);
      return std::nullopt;
    }
    return *e164;
  }

  bool InRange(const Field& f, double x, const std::string& path) {
    if (f.min && x < *f.min) {
      Add(path, "La valeur doit être supérieure ou égale à " + FormatNumber(*f.min) + ".");
      return false;
    }
    if (f.max && x > *f.max) {
      Add(path, "La valeur doit être inférieure ou égale à " + FormatNumber(*f.max) + ".");
      return false;
    }
    return true;
  }

  std::optional<json> Integer(const Field& f, const json& v, const std::string& path) {
    constexpr std::string_view kMessage = "Saisissez un nombre entier, par exemple 12.";
    std::optional<std::int64_t> n;
    if (v.is_number_integer() && !v.is_number_unsigned()) {
      n = v.get<std::int64_t>();
    } else if (v.is_number_unsigned()) {
      if (v.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))
        n = v.get<std::int64_t>();
    } else if (v.is_number_float()) {
      // 12.0 is the integer 12 as some clients serialise it; 2^53 bounds exact doubles.
      const double d = v.get<double>();
      if (std::nearbyint(d) == d && std::fabs(d) <= 9007199254740992.0) {
        n = static_cast<std::int64_t>(d);
      }
    } else if (v.is_string()) {
      // An optional sign, then digits only: "1 000" or "12.0" are not integers here.
      const std::string_view s = Trim(v.get_ref<const std::string&>());
      const bool signed_ = !s.empty() && (s.front() == '+' || s.front() == '-');
      const std::string_view digits = signed_ ? s.substr(1) : s;
      if (!digits.empty() && AllDigits(digits)) {
        const std::string text = (s.front() == '-' ? "-" : "") + std::string(digits);
        std::int64_t parsed = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
        if (ec == std::errc() && end == text.data() + text.size()) n = parsed;
      }
    }
    if (!n) {
      Add(path, kMessage);
      return std::nullopt;
    }
    if (!InRange(f, static_cast<double>(*n), path)) return std::nullopt;
    return *n;
  }

  std::optional<json> Decimal(const Field& f, const json& v, const std::string& path) {
    constexpr std::string_view kMessage = "Saisissez un nombre, par exemple 12,5.";
    std::optional<double> x;
    if (v.is_number()) {
      x = v.get<double>();
    } else if (v.is_string()) {
      // Sign, digits, at most one "," or "." — no exponent, no thousands separator.
      std::string s(Trim(v.get_ref<const std::string&>()));
      std::size_t i = !s.empty() && (s[0] == '+' || s[0] == '-') ? 1 : 0;
      const bool negative = i == 1 && s[0] == '-';
      std::size_t digits = 0, separators = 0;
      bool ok = i < s.size();
      for (std::size_t k = i; k < s.size() && ok; ++k) {
        if (IsDigit(s[k])) {
          ++digits;
        } else if (s[k] == ',' || s[k] == '.') {
          s[k] = '.';
          ok = ++separators == 1;
        } else {
          ok = false;
        }
      }
      double parsed = 0;
      if (ok && digits > 0) {
        const auto [end, ec] = std::from_chars(s.data() + i, s.data() + s.size(), parsed);
        if (ec == std::errc() && end == s.data() + s.size()) x = negative ? -parsed : parsed;
      }
    }
    if (!x || !std::isfinite(*x)) {
      Add(path, kMessage);
      return std::nullopt;
    }
    if (!InRange(f, *x, path)) return std::nullopt;
    return *x;
  }

  // A "YYYY-MM-DD" or "today" bound; nullopt when it cannot be read.
  std::optional<Date> Bound(const std::string& bound) const {
    if (bound == "today") return today_;
    return ParseDate(bound);
  }

  std::optional<json> DateValue(const Field& f, const json& v, const std::string& path) {
    constexpr std::string_view kMessage =
        "Saisissez une date valide au format AAAA-MM-JJ, par exemple 2025-11-28.";
    std::optional<std::string> s = String(v, path, kMessage);
    if (!s) return std::nullopt;
    const std::optional<Date> d = ParseDate(*s);
    if (!d) {
      Add(path, kMessage);
      return std::nullopt;
    }
    if (f.min_date) {
      const std::optional<Date> min = Bound(*f.min_date);
      if (!min) {
        Add(path, kBadRule);
        return std::nullopt;
      }
      if (*d < *min) {
        Add(path, *f.min_date == "today"
                      ? "La date ne peut pas être passée."
                      : "La date doit être le " + FrenchDate(*min) + " ou après.");
        return std::nullopt;
      }
    }
    if (f.max_date) {
      const std::optional<Date> max = Bound(*f.max_date);
      if (!max) {
        Add(path, kBadRule);
        return std::nullopt;
      }
      if (*d > *max) {
        Add(path, *f.max_date == "today"
                      ? "La date ne peut pas être dans le futur."
                      : "La date doit être le " + FrenchDate(*max) + " ou avant.");
        return std::nullopt;
      }
    }
    return FormatDate(*d);
  }

  std::optional<json> Datetime(const json& v, const std::string& path) {
    constexpr std::string_view kMessage =
        "Saisissez une date et une heure valides avec leur fuseau horaire, par exemple "
        "2025-11-28T14:30:00+01:00.";
    std::optional<std::string> s = String(v, path, kMessage);
    if (!s) return std::nullopt;
    // ParseIso8601 also reads a bare date as midnight UTC; a date-time needs its time.
    const std::optional<Timestamp> t =
        s->size() > 10 ? ParseIso8601(*s) : std::optional<Timestamp>();
    if (!t) {
      Add(path, kMessage);
      return std::nullopt;
    }
    return FormatIso8601(*t);
  }

  std::optional<json> Checkbox(const Field& f, const json& v, const std::string& path) {
    if (!v.is_boolean()) {
      Add(path, "Cochez ou décochez la case.");
      return std::nullopt;
    }
    if (submit_ && f.required && !v.get<bool>()) {
      Add(path, kMustTick);
      return std::nullopt;
    }
    return v;
  }

  static bool IsOption(const Field& f, std::string_view value) {
    return std::any_of(f.options.begin(), f.options.end(),
                       [value](const ChoiceOption& o) { return o.value == value; });
  }

  std::optional<json> Choice(const Field& f, const json& v, const std::string& path) {
    constexpr std::string_view kMessage = "Choisissez une des options proposées.";
    std::optional<std::string> s = String(v, path, kMessage);
    if (!s) return std::nullopt;
    if (!IsOption(f, *s)) {
      Add(path, kMessage);
      return std::nullopt;
    }
    return *s;
  }

  // min_items only binds a complete submission; max_items always does.
  bool CountInRange(const Field& f, std::size_t n, std::optional<std::size_t> default_max,
                    const std::string& path, std::string_view verb, std::string_view one,
                    std::string_view many) {
    if (submit_ && f.min_items && n < *f.min_items) {
      Add(path, std::string(verb) + " au moins " + Plural(*f.min_items, one, many) + ".");
      return false;
    }
    const std::optional<std::size_t> max = f.max_items ? f.max_items : default_max;
    if (max && n > *max) {
      Add(path, std::string(verb) + " au plus " + Plural(*max, one, many) + ".");
      return false;
    }
    return true;
  }

  std::optional<json> MultipleChoice(const Field& f, const json& v, const std::string& path) {
    constexpr std::string_view kMessage = "Choisissez parmi les options proposées.";
    if (!v.is_array()) {
      Add(path, kMessage);
      return std::nullopt;
    }
    std::set<std::string> seen;
    json out = json::array();
    for (const json& item : v) {
      if (!item.is_string() || !IsOption(f, Trim(item.get_ref<const std::string&>()))) {
        Add(path, kMessage);
        return std::nullopt;
      }
      std::string value(Trim(item.get_ref<const std::string&>()));
      if (!seen.insert(value).second) {
        Add(path, "Une même option est choisie deux fois.");
        return std::nullopt;
      }
      out.push_back(std::move(value));
    }
    if (!CountInRange(f, out.size(), std::nullopt, path, "Choisissez", "option", "options")) {
      return std::nullopt;
    }
    return out;
  }

  std::optional<json> Address(const json& v, const std::string& path) {
    constexpr std::string_view kMessage =
        "Saisissez une adresse, par exemple 1 place de la Mairie.";
    const json* label = &v;
    const json* lat = nullptr;
    const json* lon = nullptr;
    if (v.is_object()) {
      const auto l = v.find("label");
      label = l == v.end() ? nullptr : &*l;
      if (const auto it = v.find("lat"); it != v.end() && !it->is_null()) lat = &*it;
      if (const auto it = v.find("lon"); it != v.end() && !it->is_null()) lon = &*it;
    }
    if (label == nullptr || label->is_null()) {
      Add(path, kMessage);
      return std::nullopt;
    }
    std::optional<std::string> s = String(*label, path, kMessage);
    if (!s) return std::nullopt;
    if (s->empty() || HasControlChars(*s, false)) {
      Add(path, kMessage);
      return std::nullopt;
    }
    if (Utf8Length(*s) > kMaxAddressLength) {
      Add(path, "L’adresse est trop longue (" +
                    Plural(kMaxAddressLength, "caractère", "caractères") + " au plus).");
      return std::nullopt;
    }
    json out = {{"label", *s}};
    if (lat != nullptr || lon != nullptr) {
      // A point needs both coordinates; one alone would put it on a meridian or a parallel.
      if (lat == nullptr || lon == nullptr || !lat->is_number() || !lon->is_number() ||
          !(std::fabs(lat->get<double>()) <= 90.0) || !(std::fabs(lon->get<double>()) <= 180.0)) {
        Add(path, "Les coordonnées de l’adresse ne sont pas valides.");
        return std::nullopt;
      }
      out["lat"] = lat->get<double>();
      out["lon"] = lon->get<double>();
    }
    return out;
  }

  std::optional<json> Commune(const json& v, const std::string& path) {
    constexpr std::string_view kMessage =
        "Choisissez une commune (code INSEE à 5 caractères, par exemple 75056).";
    std::optional<std::string> s = String(v, path, kMessage);
    if (!s) return std::nullopt;
    std::string code = Upper(*s);
    if (!IsValidInseeCode(code)) {
      Add(path, kMessage);
      return std::nullopt;
    }
    return code;
  }

  std::optional<json> Files(const Field& f, const json& v, const std::string& path) {
    if (!v.is_array()) {
      Add(path, "Joignez les fichiers sous forme de liste.");
      return std::nullopt;
    }
    bool ok = CountInRange(f, v.size(), kDefaultMaxFiles, path, "Joignez", "fichier", "fichiers");
    std::set<std::string> seen;
    json out = json::array();
    for (const json& item : v) {
      if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
        Add(path, "Fichier introuvable : joignez-le à nouveau.");
        ok = false;
        continue;
      }
      const std::string& id = item.get_ref<const std::string&>();
      if (!seen.insert(id).second) {
        Add(path, "Le même fichier est joint deux fois.");
        ok = false;
        continue;
      }
      const std::optional<FileInfo> info = files_ ? files_(id) : std::nullopt;
      if (!info) {
        Add(path, "Fichier introuvable : joignez-le à nouveau.");
        ok = false;
        continue;
      }
      const std::string name =
          info->filename.empty() ? "Le fichier" : "Le fichier « " + info->filename + " »";
      if (info->size > f.max_file_bytes) {
        Add(path,
            name + " dépasse la taille maximale de " + FormatMegabytes(f.max_file_bytes) + " Mo.");
        ok = false;
      }
      if (!AcceptsType(f.accept, info->content_type)) {
        Add(path,
            name + " n’est pas d’un type accepté (types acceptés : " + Join(f.accept, ", ") + ").");
        ok = false;
      }
      out.push_back(id);
    }
    if (!ok) return std::nullopt;
    return out;
  }

  std::optional<json> Siret(const json& v, const std::string& path) {
    constexpr std::string_view kMessage =
        "Le numéro SIRET n’est pas valide (14 chiffres, clé de contrôle).";
    std::optional<std::string> s = String(v, path, kMessage);
    if (!s) return std::nullopt;
    if (!IsValidSiret(*s)) {
      Add(path, kMessage);
      return std::nullopt;
    }
    std::string digits = *s;
    std::erase(digits, ' ');
    return digits;
  }

  std::optional<json> Iban(const json& v, const std::string& path) {
    constexpr std::string_view kMessage =
        "L’IBAN n’est pas valide, par exemple FR76 3000 6000 0112 3456 7890 189.";
    std::optional<std::string> s = String(v, path, kMessage);
    if (!s) return std::nullopt;
    std::optional<std::string> iban = NormalizeIban(*s);
    if (!iban) {
      Add(path, kMessage);
      return std::nullopt;
    }
    return *iban;
  }

  std::optional<json> Repeat(const Field& f, const json& v, const Scope& scope,
                             const std::string& path) {
    if (!v.is_array()) {
      Add(path, "Ce champ doit être une liste d’entrées.");
      return std::nullopt;
    }
    bool ok = CountInRange(f, v.size(), kDefaultMaxRepeat, path, "Ajoutez", "entrée", "entrées");
    // Past the maximum the entries are not worth walking: the answer is refused anyway.
    if (!ok && v.size() > f.max_items.value_or(kDefaultMaxRepeat)) return std::nullopt;
    json out = json::array();
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string entry_path = path + "[" + std::to_string(i) + "]";
      if (!v[i].is_object()) {
        Add(entry_path, "Cette entrée n’est pas valide.");
        ok = false;
        continue;
      }
      const std::size_t before = errors_.size();
      json entry = json::object();
      Level(Scope{f.fields, v[i], &scope}, entry_path + ".", entry);
      ok = ok && errors_.size() == before;
      out.push_back(std::move(entry));
    }
    if (!ok) return std::nullopt;
    return out;
  }

  const bool submit_;
  const std::optional<Date> today_;
  const FileLookup& files_;
  std::vector<FieldError> errors_;
};

json FieldToJson(const Field& f) {
  json j = {{"key", f.key},
            {"type", std::string(ToString(f.type))},
            {"label", f.label},
            {"required", f.required}};
  if (!f.hint.empty()) j["hint"] = f.hint;
  if (f.visible_if) {
    // "values" stays even when empty: an empty list means "when answered".
    j["visible_if"] = {{"field", f.visible_if->field}, {"values", f.visible_if->values}};
  }

  json validation = json::object();
  if (f.min_length) validation["min_length"] = *f.min_length;
  // Clients get the limit that applies, default included, to count characters as the server does.
  if (f.max_length) {
    validation["max_length"] = *f.max_length;
  } else if (f.type == FieldType::kText) {
    validation["max_length"] = kDefaultTextMaxLength;
  } else if (f.type == FieldType::kTextarea) {
    validation["max_length"] = kDefaultTextareaMaxLength;
  }
  if (f.min) validation["min"] = Number(*f.min);
  if (f.max) validation["max"] = Number(*f.max);
  if (f.min_date) validation["min_date"] = *f.min_date;
  if (f.max_date) validation["max_date"] = *f.max_date;
  if (!f.pattern.empty()) validation["pattern"] = f.pattern;
  if (!f.pattern_message.empty()) validation["pattern_message"] = f.pattern_message;
  if (!validation.empty()) j["validation"] = std::move(validation);

  if (!f.options.empty()) {
    json options = json::array();
    for (const ChoiceOption& o : f.options)
      options.push_back({{"value", o.value}, {"label", o.label}});
    j["options"] = std::move(options);
  }
  if (f.min_items) j["min_items"] = *f.min_items;
  if (f.max_items) {
    j["max_items"] = *f.max_items;
  } else if (f.type == FieldType::kFile) {
    j["max_items"] = kDefaultMaxFiles;
  } else if (f.type == FieldType::kRepeat) {
    j["max_items"] = kDefaultMaxRepeat;
  }
  if (f.type == FieldType::kFile) {
    j["max_file_bytes"] = f.max_file_bytes;
    if (!f.accept.empty()) j["accept"] = f.accept;
  }
  if (!f.fields.empty()) {
    json fields = json::array();
    for (const Field& child : f.fields) fields.push_back(FieldToJson(child));
    j["fields"] = std::move(fields);
  }
  return j;
}

// IBAN lengths of the registry (ISO 13616) for the countries citizens and
// suppliers of a French town hall use most; others get the generic 15–34.
constexpr std::pair<std::string_view, std::size_t> kIbanLengths[] = {
    {"AD", 24}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DK", 18}, {"EE", 20}, {"ES", 24}, {"FI", 18}, {"FR", 27}, {"GB", 22},
    {"GR", 27}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IS", 26}, {"IT", 27}, {"LI", 21},
    {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MT", 31}, {"NL", 18}, {"NO", 15},
    {"PL", 28}, {"PT", 25}, {"RO", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27},
};

}  // namespace

std::string_view ToString(FieldType t) { return Name(kFieldTypes, t); }
std::optional<FieldType> ParseFieldType(std::string_view s) { return Lookup(kFieldTypes, s); }
bool IsInformational(FieldType t) {
  return t == FieldType::kSection || t == FieldType::kExplanation;
}

FormCheck ValidateForm(const Form& form, std::string_view answers_json, FormMode mode,
                       std::string_view today, const FileLookup& files) {
  FormCheck check;
  const json answers = json::parse(answers_json, nullptr, /*allow_exceptions=*/false);
  if (answers.is_discarded() || !answers.is_object()) {
    check.errors.push_back({"", "Les réponses au formulaire ne sont pas un objet JSON valide."});
    return check;
  }
  Checker checker(mode, today, files);
  json out = json::object();
  checker.Level(Scope{form.fields, answers}, "", out);
  check.errors = checker.TakeErrors();
  check.normalized_json = out.dump();
  return check;
}

json FormToJson(const Form& form) {
  json fields = json::array();
  for (const Field& f : form.fields) fields.push_back(FieldToJson(f));
  return {{"fields", std::move(fields)}};
}

bool IsValidSiret(std::string_view s) {
  std::string digits;
  for (const char c : s) {
    if (c == ' ') continue;
    if (!IsDigit(c)) return false;
    digits += c;
  }
  if (digits.size() != 14 || digits == std::string(14, '0')) return false;
  // Luhn over the digits (from the right, every second one doubled).
  const auto luhn = [](std::string_view d) {
    int sum = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      int x = d[d.size() - 1 - i] - '0';
      if (i % 2 == 1) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
      sum += x;
    }
    return sum % 10 == 0;
  };
  if (!luhn(std::string_view(digits).substr(0, 9))) return false;
  if (luhn(digits)) return true;
  // La Poste numbers its many establishments under one SIREN with a key
  // that makes the digits' sum a multiple of 5 instead.
  if (digits.starts_with("356000000")) {
    int sum = 0;
    for (const char c : digits) sum += c - '0';
    return sum % 5 == 0;
  }
  return false;
}

std::optional<std::string> NormalizeIban(std::string_view s) {
  std::string iban;
  for (const char c : s) {
    if (c == ' ' || c == '\t') continue;
    const char u = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    if (!IsDigit(u) && !(u >= 'A' && u <= 'Z')) return std::nullopt;
    iban += u;
  }
  if (iban.size() < 4 || !(iban[0] >= 'A' && iban[0] <= 'Z') ||
      !(iban[1] >= 'A' && iban[1] <= 'Z') || !IsDigit(iban[2]) || !IsDigit(iban[3])) {
    return std::nullopt;
  }
  const std::string_view country = std::string_view(iban).substr(0, 2);
  const auto known = std::find_if(std::begin(kIbanLengths), std::end(kIbanLengths),
                                  [country](const auto& e) { return e.first == country; });
  if (known != std::end(kIbanLengths) ? iban.size() != known->second
                                      : iban.size() < 15 || iban.size() > 34) {
    return std::nullopt;
  }
  // Mod 97 of the rearranged number (letters as 10…35), folded digit by digit
  // so that 30-odd digits never need a big integer.
  int rem = 0;
  const std::string rearranged = iban.substr(4) + iban.substr(0, 4);
  for (const char c : rearranged) {
    rem = IsDigit(c) ? (rem * 10 + (c - '0')) % 97 : (rem * 100 + (c - 'A' + 10)) % 97;
  }
  if (rem != 1) return std::nullopt;
  return iban;
}

bool IsValidInseeCode(std::string_view s) {
  if (s.size() != 5 || !AllDigits(s.substr(2))) return false;
  const std::string_view dept = s.substr(0, 2);
  const std::string_view commune = s.substr(2);
  if (dept == "2A" || dept == "2B") return commune != "000";
  if (!AllDigits(dept)) return false;
  // Overseas: three-digit territory codes (971 Guadeloupe … 976 Mayotte,
  // 977–978 Saint-Barthélemy and Saint-Martin, 984–989 Pacific and TAAF).
  if (dept == "97") return s[2] >= '1' && s[2] <= '8' && s.substr(3) != "00";
  if (dept == "98") return (s[2] == '4' || (s[2] >= '6' && s[2] <= '9')) && s.substr(3) != "00";
  // Metropolitan departments run 01–95; 20 became 2A/2B in 1976, and 99
  // numbers foreign countries (places of birth), not communes.
  const int number = (dept[0] - '0') * 10 + (dept[1] - '0');
  return number >= 1 && number <= 95 && number != 20 && commune != "000";
}

}  // namespace guichet::domain
