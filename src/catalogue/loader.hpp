// The catalogue of procedures (démarches), read from a directory of TOML files:
//
//   catalogue.toml          the town, its holiday region, its teams
//   workflows/**/*.toml     one workflow per file; its id is the file stem
//   services/**/*.toml      one procedure per file; its slug is the file stem
//
// The loader is the authority on the format; catalogue/schema/*.schema.json
// describe the same files for editors, and a test keeps the two in step
// through AcceptedKeys() and Allowed().
//
// LoadCatalogue never throws on bad input: every problem of every file is a
// value in LoadResult::problems. It reads files and nothing else; it is
// thread-safe (no shared state).
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/procedure.hpp"

namespace guichet::catalogue {

// One thing wrong in one file. `where.file` is relative to the catalogue
// directory ("services/voirie.toml"), `where.line` 1-based (0 when unknown);
// `path` locates the value inside the file ("fields[2].type", indexes
// 0-based), empty for the file as a whole. `message` is French.
struct Problem {
  domain::SourceLocation where;
  std::string path;
  std::string message;

  // "services/voirie.toml:12: fields[2].type: type de champ inconnu « foo » (attendu : text, …)"
  std::string ToString() const;
};

struct LoadResult {
  // The catalogue, or null when `problems` is not empty.
  std::shared_ptr<const domain::Catalogue> catalogue;
  // Sorted by file, then line.
  std::vector<Problem> problems;
};

// Reads the catalogue in `dir` and checks it as a whole (references between
// files included). A missing or unreadable directory is a problem, not an
// exception.
LoadResult LoadCatalogue(const std::filesystem::path& dir);

// The kinds of TOML table the format has, for AcceptedKeys().
enum class TableKind {
  kCatalogue,   // catalogue.toml
  kTeam,        // catalogue.toml [[teams]]
  kWorkflow,    // workflows/*.toml
  kStatus,      // [[statuses]]
  kAction,      // statuses[].actions[]: one action key (plus `after` for schedule_transition)
  kTransition,  // [[transitions]]
  kService,     // services/*.toml
  kDeadline,    // [[deadlines]]
  kTemplate,    // [[templates]]
  kField,       // [[fields]], and [[fields.fields]] of a repeat
  kOption,      // fields[].options[]
  kCondition,   // fields[].visible_if
};

// The keys a table of `kind` may hold; any other key is reported as unknown.
std::span<const std::string_view> AcceptedKeys(TableKind kind);

// The closed sets of words the format uses as values.
enum class Vocabulary {
  kHolidayRegion,     // catalogue.toml holiday_region
  kStatusCategory,    // statuses[].category
  kActionKind,        // the keys of an action table
  kCorrectionReason,  // request_correction
  kRole,              // transitions[].roles
  kIdentityLevel,     // identity
  kOnCorrection,      // deadlines[].on_correction
  kFieldType,         // fields[].type
  kDelayUnit,         // the unit of a delay ("2 months"), singular spellings included
  kPlaceholder,       // the {{…}} a template may use
  kOpen311Status,     // statuses[].open311_status: FixMyStreet's names
};
std::vector<std::string> Allowed(Vocabulary v);

}  // namespace guichet::catalogue
