// The shipped notification templates (domain/templates.hpp), read from
// catalogue/templates/: one TOML file per event, named after it
// (reply.toml), with a table per channel —
//
//   [email]   subject = "…"  body = """…"""
//   [sms]     body = "…"
//   [postal]  subject = "…"  body = """…"""
//
// Every template of every event must be there and valid (known variables,
// closed placeholders): the server refuses to start otherwise, like with a
// bad catalogue. Never throws on bad input; thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "catalogue/loader.hpp"
#include "domain/templates.hpp"

namespace guichet::catalogue {

struct TemplateLoad {
  domain::TemplateDefaults defaults;
  std::vector<Problem> problems;  // empty when `defaults` is complete
};

// Reads `dir` (catalogue/templates of a deployment).
TemplateLoad LoadTemplateDefaults(const std::filesystem::path& dir);
// The files of the source tree's catalogue/templates, compiled in: what a
// deployment whose catalogue has no templates/ directory uses.
TemplateLoad ShippedTemplateDefaults();
// The files by name ("reply.toml" → text); problems name them `prefix` + name.
TemplateLoad ParseTemplateFiles(const std::map<std::string, std::string>& files,
                                const std::string& prefix);

}  // namespace guichet::catalogue
