#include "core/reference.hpp"

#include <sodium.h>

#include <cctype>
#include <cstdio>

namespace guichet {

std::string NewReference(int year) {
  static const bool initialised = sodium_init() >= 0;
  (void)initialised;
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "GU-%04d-", year);
  std::string out = prefix;
  for (int i = 0; i < kReferenceSuffixLength; ++i) {
    out +=
        kReferenceAlphabet[randombytes_uniform(static_cast<uint32_t>(kReferenceAlphabet.size()))];
  }
  return out;
}

bool LooksLikeReference(std::string_view s) {
  if (s.size() != 8 + kReferenceSuffixLength || s.substr(0, 3) != "GU-" || s[7] != '-') {
    return false;
  }
  for (size_t i = 3; i < 7; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  for (char c : s.substr(8)) {
    if (kReferenceAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string NormalizeReference(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string out;
  out.reserve(s.size());
  for (char c : s) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace guichet
