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
  // One call to the system's generator for the whole suffix (it was one per
  // character): bytes at or above the largest multiple of the alphabet size
  // are skipped, so every character stays equally likely.
  const unsigned n = static_cast<unsigned>(kReferenceAlphabet.size());
  const unsigned limit = 256 / n * n;
  unsigned char bytes[2 * kReferenceSuffixLength];
  size_t used = sizeof bytes;
  while (out.size() < 8 + static_cast<size_t>(kReferenceSuffixLength)) {
    if (used == sizeof bytes) {
      randombytes_buf(bytes, sizeof bytes);
      used = 0;
    }
    const unsigned b = bytes[used++];
    if (b < limit) out += kReferenceAlphabet[b % n];
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
