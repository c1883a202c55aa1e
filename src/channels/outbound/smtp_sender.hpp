// Email delivery over SMTP through libcurl: smtp:// (STARTTLS when
// `starttls`), smtps:// (implicit TLS), AUTH with the configured user. The
// message is written by GMime: UTF-8 headers as RFC 2047 encoded-words,
// a quoted-printable text/plain body, the row's stable Message-ID, and a
// Reply-To plus-address (`<local>+<REFERENCE>@<domain>`) that threads the
// citizen's answer onto the request.
#pragma once

#include <chrono>
#include <string>

#include "domain/outbox.hpp"

namespace guichet::channels::outbound {

struct SmtpOptions {
  std::string url = "smtp://127.0.0.1:25";  // smtp://host:port or smtps://host:port
  bool starttls = false;                    // require STARTTLS on smtp://
  std::string username;                     // AUTH when set
  std::string password;                     // never logged
  std::string from = "mairie@example.org";
  std::string from_name = "Mairie";
  std::string reply_local = "demarches";  // Reply-To: demarches+GU-…@reply_domain
  std::string reply_domain = "example.org";
  std::chrono::seconds timeout{30};
};

// Not thread-safe: one per worker thread (it keeps its curl handle).
class SmtpSender final : public domain::Sender {
 public:
  explicit SmtpSender(SmtpOptions options);
  ~SmtpSender() override;
  SmtpSender(const SmtpSender&) = delete;
  SmtpSender& operator=(const SmtpSender&) = delete;

  domain::Delivery Send(const domain::OutboxMessage& m, const domain::Request* request) override;

 private:
  SmtpOptions options_;
  void* curl_;  // CURL*, reused so the connection can be too
};

// The RFC 5322 message of an outbox row (CRLF line ends), as sent.
std::string BuildEmail(const domain::OutboxMessage& m, const domain::Request* request,
                       const SmtpOptions& options);

}  // namespace guichet::channels::outbound
