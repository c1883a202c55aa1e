#include "storage/magic_sniffer.hpp"

#include <magic.h>

#include <stdexcept>
#include <string>

namespace guichet::storage {

MagicSniffer::MagicSniffer() : magic_(magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR)) {
  if (!magic_) throw std::runtime_error("libmagic: cannot allocate a handle");
  if (magic_load(magic_, nullptr) != 0) {
    const std::string cause = magic_error(magic_) ? magic_error(magic_) : "unknown error";
    magic_close(magic_);
    throw std::runtime_error("libmagic: cannot load the magic database: " + cause);
  }
}

MagicSniffer::~MagicSniffer() { magic_close(magic_); }

std::string MagicSniffer::MimeType(std::string_view bytes) {
  std::lock_guard lock(mu_);
  const char* type = magic_buffer(magic_, bytes.data(), bytes.size());
  return type ? type : "application/octet-stream";
}

}  // namespace guichet::storage
