#include "domain/placeholders.hpp"

#include <algorithm>

namespace guichet::domain {
namespace {

std::string_view Strip(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsName(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

std::string FillPlaceholders(std::string_view text, const PlaceholderValues& values) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    const size_t close = open == std::string_view::npos ? open : text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(text, pos, open - pos);
    const std::string_view name = Strip(text.substr(open + 2, close - open - 2));
    if (auto it = values.find(name); it != values.end()) {
      out += it->second;
    } else {
      out.append(text, open, close + 2 - open);
    }
    pos = close + 2;
  }
  out.append(text, pos, std::string_view::npos);
  return out;
}

std::vector<std::string> PlaceholderProblems(std::string_view text,
                                             const std::vector<std::string>& allowed) {
  std::vector<std::string> out;
  if (text.find("{%") != std::string_view::npos) {
    out.push_back(
        "Les blocs « {% … %} » ne sont pas pris en charge : seules les variables "
        "« {{ nom }} » le sont.");
  }
  size_t pos = 0;
  while (true) {
    const size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out.push_back("Une variable ouverte par « {{ » n’est pas fermée par « }} ».");
      break;
    }
    const std::string_view name = Strip(text.substr(open + 2, close - open - 2));
    if (name.find("{{") != std::string_view::npos) {
      out.push_back("Une variable ouverte par « {{ » n’est pas fermée par « }} ».");
    } else if (name.empty()) {
      out.push_back("Une variable « {{ }} » est vide.");
    } else if (!IsName(name)) {
      out.push_back("« {{ " + std::string(name) +
                    " }} » n’est pas un nom de variable (lettres minuscules, chiffres, _).");
    } else if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      out.push_back("La variable « " + std::string(name) +
                    " » est inconnue ; variables possibles : " + list + ".");
    }
    pos = close + 2;
  }
  return out;
}

}  // namespace guichet::domain
