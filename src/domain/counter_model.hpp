// Value types of the counter, phone and postal intake (domain/counter.hpp)
// that the store port needs. No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace guichet::domain {

// How an agent's lookup text was read: an email, a phone number (E.164), or
// words of a name (lower-cased, accents kept: the store folds them).
struct CitizenLookup {
  enum class By { kEmail, kPhone, kName };
  By by = By::kName;
  std::string value;  // the address, the E.164 number, or the name words
  int limit = 10;
};
// The OCR job of one postal scan.
struct PostalScan {
  enum class State { kPending, kRunning, kDone, kFailed };
  std::int64_t id = 0;
  std::int64_t request_id = 0;
  std::string upload_id;
  State state = State::kPending;
  int attempts = 0;
  Timestamp due_at = 0;
  std::optional<Timestamp> lease_until;
  std::string text;   // the extracted text (done)
  std::string error;  // why the last attempt failed
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
};
std::string_view ToString(PostalScan::State s);
std::optional<PostalScan::State> ParseScanState(std::string_view s);

}  // namespace guichet::domain
