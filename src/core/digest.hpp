// Digests and random tokens (libsodium). Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace guichet {

// Lower-case hex of `n` bytes.
std::string HexOf(const unsigned char* bytes, std::size_t n);
// SHA-256 of `data`, lower-case hex (64 characters).
std::string Sha256Hex(std::string_view data);
// `bytes` random bytes from the system CSPRNG, base64url without padding.
std::string RandomToken(std::size_t bytes);

}  // namespace guichet
