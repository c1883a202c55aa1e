// Public references for requests: "GU-2026-7KQ4MX".
//
// The suffix is drawn at random (libsodium) from an alphabet without vowels
// or look-alike characters (no 0/O, 1/I/L, no U/V confusion), so a reference
// can be read over the phone, is not guessable in sequence and cannot spell
// words. 28^6 ≈ 4.8e8 references a year; the store retries on a collision.
#pragma once

#include <string>
#include <string_view>

namespace guichet {

inline constexpr std::string_view kReferenceAlphabet = "23456789BCDFGHJKMNPQRSTVWXYZ";
inline constexpr int kReferenceSuffixLength = 6;

// Thread-safe.
std::string NewReference(int year);
// True when `s` has the shape of a reference (case-sensitive, upper case).
bool LooksLikeReference(std::string_view s);
// Upper-cases and trims what a person typed ("gu-2026-7kq4mx ") into a reference.
std::string NormalizeReference(std::string_view s);

}  // namespace guichet
