// `{{ name }}` placeholders, the one substitution every text sent to a
// citizen uses: procedure templates (workflow_engine), canned responses
// (backoffice) and the platform's notification templates (templates.hpp).
// No logic language on purpose: a template is text with holes.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace guichet::domain {

using PlaceholderValues = std::map<std::string, std::string, std::less<>>;

// `text` with every `{{ name }}` of `values` replaced by its value; unknown
// placeholders and an unclosed `{{` stay as written.
std::string FillPlaceholders(std::string_view text, const PlaceholderValues& values);

// What is wrong with `text` as a template whose placeholders must be among
// `allowed`, in French, one line per problem (empty when nothing is):
// an unclosed `{{`, an empty or malformed name, an unknown variable, a
// logic block (`{%`).
std::vector<std::string> PlaceholderProblems(std::string_view text,
                                             const std::vector<std::string>& allowed);

}  // namespace guichet::domain
