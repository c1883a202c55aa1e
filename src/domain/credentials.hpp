// Credentials: password hashing (Argon2id through libsodium), the password
// strength rule, and TOTP second factors (RFC 6238 through liboath).
// Thread-safe. Hashing and verifying are deliberately slow (tens of ms and
// 64 MiB): call them from the identity worker pool, never an I/O thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace guichet::domain {

// Longer input is refused before hashing, so nobody makes us hash megabytes.
inline constexpr std::size_t kMaxPasswordBytes = 1024;
// The CNIL's recommendation (délibération 2022-100): about 80 bits of
// entropy, e.g. 12 characters of the four classes, 14 of three, or a long
// passphrase. We estimate length × log2(alphabet of the classes used).
inline constexpr double kMinPasswordEntropyBits = 78.0;

// An Argon2id string (algorithm, parameters and salt included).
std::string HashPassword(std::string_view password);
// False for a wrong password or a malformed hash.
bool VerifyPassword(std::string_view password, const std::string& hash);
// Spends the time of a verification, for accounts that do not exist.
void BurnPasswordVerification(std::string_view password);

// Why a new password is refused, in French; nullopt when acceptable. Checks
// the size, the entropy estimate and cracklib's dictionary of common
// passwords; `context` (the email, the name) must not be contained in it.
std::optional<std::string> PasswordProblem(std::string_view password,
                                           std::string_view context = {});

// A fresh 160-bit TOTP secret, base32 (RFC 4648, no padding).
std::string NewTotpSecret();
// otpauth://totp/Guichet:<account>?secret=…&issuer=Guichet&digits=6&period=30
std::string TotpUri(std::string_view account, const std::string& secret_base32);
// The time step (30 s, RFC 6238) `code` is valid for at `now`, accepting one
// step of clock drift either way; nullopt when it matches none.
std::optional<std::int64_t> TotpStep(const std::string& secret_base32, std::string_view code,
                                     Timestamp now);
// The code of `step` (tests and the demo).
std::string TotpCode(const std::string& secret_base32, std::int64_t step);
inline std::int64_t TotpStepOf(Timestamp now) { return now / kMicrosPerSecond / 30; }

}  // namespace guichet::domain
