// domain::ContentSniffer over libmagic (the `file` command's database).
// Thread-safe: one libmagic handle behind a mutex (uploads are rare).
#pragma once

#include <mutex>

#include "domain/drafts.hpp"

struct magic_set;

namespace guichet::storage {

class MagicSniffer final : public domain::ContentSniffer {
 public:
  // Throws std::runtime_error when the magic database cannot be loaded.
  MagicSniffer();
  ~MagicSniffer() override;
  MagicSniffer(const MagicSniffer&) = delete;
  MagicSniffer& operator=(const MagicSniffer&) = delete;

  // "application/pdf", "image/png"…; "application/octet-stream" when unknown.
  std::string MimeType(std::string_view bytes) override;

 private:
  std::mutex mu_;
  magic_set* magic_;  // GUARDED_BY(mu_)
};

}  // namespace guichet::storage
