// Internal to the catalogue module: reading TOML tables while collecting
// problems. Each getter checks presence and type, reports what is wrong and
// returns nullopt then, so a caller reads on and every problem is reported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "catalogue/loader.hpp"
#include "core/calendar.hpp"

namespace guichet::catalogue::internal {

// The problems of one file.
class Report {
 public:
  Report(std::vector<Problem>& out, std::string file) : out_(out), file_(std::move(file)) {}

  void Add(int line, std::string path, std::string message);
  const std::string& file() const { return file_; }

 private:
  std::vector<Problem>& out_;
  std::string file_;
};

int LineOf(const toml::node& n);
// "fields[2]" + "type" → "fields[2].type"; "" + "type" → "type".
std::string Child(std::string_view path, std::string_view key);
// "fields" + 2 → "fields[2]".
std::string Indexed(std::string_view path, std::size_t i);
// French name of a TOML value type: "une chaîne", "un entier"…
std::string_view Describe(toml::node_type t);
// "a, b, c"
std::string JoinWords(const std::vector<std::string>& words);
// "« foo »"
std::string Quoted(std::string_view s);
// The accepted word closest to `s` (at most two edits away), or empty.
std::string Closest(std::string_view s, const std::vector<std::string>& candidates);

// Parses one file; a syntax error is reported (with its line) and yields nullopt.
std::optional<toml::table> ParseToml(std::string_view text, Report& report);

enum class Need { kOptional, kRequired };

// Reads one table of kind `kind` at `path`. Unknown keys are reported on
// construction.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, TableKind kind, Report& report);

  const toml::table& table() const { return table_; }
  const std::string& path() const { return path_; }
  int line() const { return internal::LineOf(table_); }
  Report& report() const { return report_; }

  std::string PathOf(std::string_view key) const { return Child(path_, key); }
  // The line of the key's value, or of the table when absent.
  int LineOf(std::string_view key) const;
  const toml::node* Get(std::string_view key) const { return table_.get(key); }
  bool Has(std::string_view key) const { return Get(key) != nullptr; }

  void Add(std::string_view key, std::string message) const {
    report_.Add(LineOf(key), PathOf(key), std::move(message));
  }

  std::optional<std::string> String(std::string_view key, Need need = Need::kOptional) const;
  // A string that must not be empty either (when present).
  std::optional<std::string> Text(std::string_view key, Need need = Need::kOptional) const;
  std::optional<bool> Bool(std::string_view key) const;
  std::optional<std::int64_t> Integer(std::string_view key, Need need = Need::kOptional) const;
  // An integer or a float.
  std::optional<double> Number(std::string_view key) const;
  // An array of strings; a wrong element is reported and skipped.
  std::optional<std::vector<std::string>> Strings(std::string_view key) const;
  // An array of tables (`[[key]]` or an array of inline tables), with each
  // element's index; a wrong element is reported and skipped.
  std::vector<std::pair<std::size_t, const toml::table*>> Tables(std::string_view key,
                                                                 Need need = Need::kOptional) const;
  // A table (`[key]` or an inline table).
  const toml::table* Table(std::string_view key, Need need = Need::kOptional) const;

  void Missing(std::string_view key) const;
  void WrongType(std::string_view key, std::string_view expected, const toml::node& found) const;

 private:
  const toml::table& table_;
  std::string path_;
  Report& report_;
};

// A delay written "2 months", "15 working_days", "1 calendar_day" at `key`;
// nullopt (the problem reported) when absent, malformed or negative.
std::optional<Delay> ReadDelay(const TableReader& reader, std::string_view key,
                               Need need = Need::kOptional);

// True for [a-z][a-z0-9_]* (field keys, status codes, transition, deadline and template names).
bool IsIdentifier(std::string_view s);
// True for [a-z0-9]+ words joined by single '-' (slugs, workflow and team ids).
bool IsSlug(std::string_view s);
bool LooksLikeEmail(std::string_view s);

}  // namespace guichet::catalogue::internal
