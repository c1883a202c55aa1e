// domain::AccountMailer as a file drop: each message is written as one
// RFC 5322 .eml file in a directory (development, tests). The SMTP outbox
// replaces it by implementing the same one-method port. Thread-safe.
#pragma once

#include <atomic>
#include <string>

#include "domain/identity.hpp"

namespace guichet::app {

class MailDrop final : public domain::AccountMailer {
 public:
  // Creates `dir` when missing; throws std::runtime_error when it cannot.
  explicit MailDrop(std::string dir);
  Status Send(const std::string& to, const std::string& subject, const std::string& text) override;

 private:
  std::string dir_;
  std::atomic<std::uint64_t> seq_{0};
};

}  // namespace guichet::app
