// Postal letters: the outbox row becomes a letter file in a spool directory
// that the town hall's print room picks up (plain UTF-8 text; no PDF yet).
// The address block follows the French postal norm (NF Z10-011): at most 6
// lines of at most 38 characters, the last line (postcode and town) in
// capitals, no punctuation at the ends of lines.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/outbox.hpp"

namespace guichet::channels::outbound {

inline constexpr size_t kAddressLines = 6;
inline constexpr size_t kAddressLineLength = 38;

// The address block of `name` at `address` (lines separated by commas or
// newlines; long lines wrap at word boundaries); nullopt when it cannot fit.
std::optional<std::vector<std::string>> AddressBlock(const std::string& name,
                                                     const std::string& address);

struct LetterOptions {
  std::string spool_dir = "./data/courrier";
  std::string letterhead = "Mairie";  // first lines of every letter
};

class LetterSender final : public domain::Sender {
 public:
  explicit LetterSender(LetterOptions options) : options_(std::move(options)) {}
  // Permanent failure when the request has no usable postal address.
  domain::Delivery Send(const domain::OutboxMessage& m, const domain::Request* request) override;

 private:
  LetterOptions options_;
};

}  // namespace guichet::channels::outbound
