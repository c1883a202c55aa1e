// Declarative forms of procedures (démarches): the field types a town hall
// can use, their validation rules and conditional visibility, and the one
// server-side validator every channel goes through. Pure: no I/O.
//
// Form, Field and the answers are value types; ValidateForm is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.hpp"

namespace guichet::domain {

enum class FieldType {
  kText,            // one line
  kTextarea,        // several lines
  kEmail,           // normalised to lower-case domain
  kPhone,           // French national or E.164, normalised to E.164
  kInteger,         // JSON integer (or a string of digits)
  kDecimal,         // JSON number (or a string with "," or "." as decimal separator)
  kDate,            // "YYYY-MM-DD"
  kDatetime,        // ISO 8601 with an offset, normalised to UTC "…Z"
  kYesNo,           // true / false (answer required means "answered", not "yes")
  kCheckbox,        // true / false; required means it must be ticked (consent)
  kChoice,          // one value among `options`
  kMultipleChoice,  // array of distinct values among `options`
  kAddress,         // {"label": "…", "lat": 48.8, "lon": 2.3} (lat/lon optional)
  kCommune,         // INSEE code: 5 characters, "2A"/"2B" for Corsica
  kFile,            // array of upload ids (see FileInfo)
  kSiret,           // 14 digits with a valid Luhn key (La Poste's exception included)
  kIban,            // ISO 13616 with mod-97 check, normalised without spaces, upper-case
  kSection,         // a title: no answer
  kExplanation,     // a paragraph of text: no answer
  kRepeat,          // a group of `fields` entered N times: array of objects
};

std::string_view ToString(FieldType t);
std::optional<FieldType> ParseFieldType(std::string_view s);
// True for the types that carry no answer (section, explanation).
bool IsInformational(FieldType t);

struct ChoiceOption {
  std::string value;  // stored
  std::string label;  // shown, French
};

// A field is shown (and validated) only when the answer to `field` — a key of
// the same level, or of an enclosing level for fields inside a repeated block —
// is one of `values` (compared as text: "true"/"false" for yes/no and
// checkboxes, the value for choices; for a multiple choice, when one of the
// ticked values is among `values`). With `values` empty: when `field` has a
// non-empty answer.
struct Condition {
  std::string field;
  std::vector<std::string> values;
};

struct Field {
  std::string key;  // [a-z][a-z0-9_]*, unique within its level
  FieldType type = FieldType::kText;
  std::string label;  // French
  std::string hint;   // French, may be empty
  bool required = false;
  std::optional<Condition> visible_if;

  // Validation, each used by the types it makes sense for:
  std::optional<std::size_t> min_length;  // text, textarea (code points)
  std::optional<std::size_t> max_length;  // text, textarea; a default applies when absent
  std::optional<double> min;              // integer, decimal
  std::optional<double> max;              // integer, decimal
  std::optional<std::string> min_date;    // date: "YYYY-MM-DD" or "today"
  std::optional<std::string> max_date;    // date: "YYYY-MM-DD" or "today"
  std::string pattern;                    // text: ECMAScript regex the whole value must match
  std::string pattern_message;            // French message when it does not
  std::vector<ChoiceOption> options;      // choice, multiple choice
  std::optional<std::size_t> min_items;   // multiple choice, file, repeat
  std::optional<std::size_t> max_items;   // multiple choice, file, repeat

  // file: limits checked against the stored content (see FileInfo)
  std::int64_t max_file_bytes = 10 * 1024 * 1024;
  std::vector<std::string> accept;  // MIME types ("application/pdf", "image/*"); empty = any

  std::vector<Field> fields;  // repeat: the fields of one entry
};

struct Form {
  std::vector<Field> fields;
};

// What the server knows about an upload, from its content (not its name).
struct FileInfo {
  std::string id;
  std::string filename;
  std::string content_type;  // sniffed from the bytes
  std::int64_t size = 0;
};
// Looks an upload up by id; nullopt when unknown (or not the caller's).
using FileLookup = std::function<std::optional<FileInfo>(const std::string& id)>;

// Default limits when a field sets none.
inline constexpr std::size_t kDefaultTextMaxLength = 500;        // code points
inline constexpr std::size_t kDefaultTextareaMaxLength = 10000;  // code points
inline constexpr std::size_t kDefaultMaxRepeat = 20;
inline constexpr std::size_t kDefaultMaxFiles = 10;

struct FormCheck {
  // Every error at once, French messages; field paths are dotted with
  // indexes for repeats: "enfants[1].date_naissance", "piece_identite".
  std::vector<FieldError> errors;
  // The answers normalised (phone in E.164, IBAN compact, numbers as numbers),
  // keeping only keys of visible fields that carry an answer; valid only when
  // `errors` is empty.
  std::string normalized_json = "{}";
};

enum class FormMode {
  kSubmit,  // required fields and every rule apply
  kDraft,   // a draft may be incomplete: required is not checked, the rest is
};

// Validates `answers_json` (a JSON object text) against `form`. `today` is the
// local date for "today" bounds; `files` resolves file answers.
FormCheck ValidateForm(const Form& form, std::string_view answers_json, FormMode mode,
                       std::string_view today, const FileLookup& files);

// The definition served to clients (GET /api/v1/services/{slug}).
nlohmann::json FormToJson(const Form& form);

// Checks of identifiers, exposed for reuse and tests.
bool IsValidSiret(std::string_view digits);
// Compacts (removes spaces, upper-cases) and checks length per country and mod 97.
std::optional<std::string> NormalizeIban(std::string_view s);
bool IsValidInseeCode(std::string_view s);

}  // namespace guichet::domain
