// Small text helpers shared by the modules.
#pragma once

#include <optional>
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

// Percent-decoding (with `plus_is_space`, a form's '+' too); nullopt on a
// truncated or non-hex escape, and on %00: a NUL byte means nothing in a path,
// a query or a form, PostgreSQL's text cannot hold one (libpq would cut the
// string there) and SQLite's FTS5 stops reading a query at it.
inline std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  const auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace guichet
