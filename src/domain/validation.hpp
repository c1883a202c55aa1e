// Validation of contact details shared by every channel and form. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace guichet::domain {

// A practical address check (local@domain.tld, no spaces, ≤ 254 bytes);
// deliverability is proven by the verification mail, not here.
bool IsValidEmail(std::string_view s);

// French national numbers ("01 23 45 67 89", "06.12.34.56.78") and E.164
// ("+33612345678") to E.164; nullopt when it is neither.
std::optional<std::string> NormalizePhone(std::string_view s);

// Number of Unicode code points in valid UTF-8 (bytes otherwise).
size_t Utf8Length(std::string_view s);
bool IsValidUtf8(std::string_view s);

}  // namespace guichet::domain
