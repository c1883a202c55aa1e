// Postal letters: the outbox row becomes a PDF (cairo + pango) in a spool
// directory that the town hall's print room picks up, listed by the API
// (GET /api/v1/letters) until marked printed. An A4 page: the letterhead
// (the town hall's name, its address, an optional PNG logo) at the top left,
// the address block where a window envelope (DL, window on the right) shows
// it, the date in French, the reference and subject, then the text from the
// letter template, on as many pages as it needs.
//
// The address block follows the French postal norm (NF Z10-011): at most 6
// lines of at most 38 characters; the last line is the postcode and the
// town, in capitals without accents or punctuation; no punctuation in the
// street line either. An address that cannot be written so is refused: a
// permanent failure, so the message goes to the next channel or to the dead
// letters with the reason.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "domain/outbox.hpp"

namespace guichet::channels::outbound {

inline constexpr size_t kAddressLines = 6;
inline constexpr size_t kAddressLineLength = 38;

// The address block of `name` at `address` (parts separated by commas or
// newlines, the last one "postcode town"; long parts wrap at word
// boundaries). kInvalidArgument with the reason, in French, when it cannot
// follow the norm.
Result<std::vector<std::string>> AddressBlock(const std::string& name, const std::string& address);

struct LetterOptions {
  std::string spool_dir = "./data/courrier";
  std::string letterhead = "Mairie";  // the town hall's name
  std::string letterhead_address;     // lines separated by "\n"
  std::string logo;                   // PNG file; none when empty or unreadable
};

// Writes the letter of `m` about `r` to `path` as a PDF dated `now`.
// kUnavailable when cairo cannot write it.
Status WriteLetterPdf(const std::string& path, const LetterOptions& options,
                      const std::vector<std::string>& address, const domain::OutboxMessage& m,
                      const domain::Request& r, Timestamp now);

class LetterSender final : public domain::Sender {
 public:
  explicit LetterSender(LetterOptions options) : options_(std::move(options)) {}
  // Permanent failure when the request has no address that fits the norm.
  domain::Delivery Send(const domain::OutboxMessage& m, const domain::Request* request) override;

 private:
  LetterOptions options_;
  SystemClock clock_;
};

}  // namespace guichet::channels::outbound
