// Name tables of the domain's enums: one constexpr array of (value, name)
// pairs per enum, read both ways. Internal to the domain module.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace guichet::domain {

template <typename E, size_t N>
using EnumTable = std::array<std::pair<E, std::string_view>, N>;

// The value named `s` (exact, case-sensitive match); nullopt when none is.
template <typename E, size_t N>
std::optional<E> Lookup(const EnumTable<E, N>& table, std::string_view s) {
  for (const auto& [e, name] : table) {
    if (name == s) return e;
  }
  return std::nullopt;
}

// The name of `e`; "?" for a value missing from the table.
template <typename E, size_t N>
std::string_view Name(const EnumTable<E, N>& table, E e) {
  for (const auto& [v, name] : table) {
    if (v == e) return name;
  }
  return "?";
}

}  // namespace guichet::domain
