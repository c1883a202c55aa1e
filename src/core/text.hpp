// Small text helpers shared by the modules.
#pragma once

#include <string>
#include <string_view>

namespace guichet {

// `s` with its ASCII letters in lower case; other bytes (UTF-8 included)
// unchanged. For addresses, charset names and other ASCII keys.
inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace guichet
