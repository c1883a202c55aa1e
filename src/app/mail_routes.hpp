// The HTTP route of inbound email, for `guichet mailgate` on this machine:
//   POST /api/v1/channels/mail/inbound
// the raw RFC 5322 message as the body (message/rfc822), authenticated by
// `X-Guichet-Mail-Secret: <[mail] ingest_secret>` (compared in constant
// time, never logged). The message is stored exactly as the direct path
// stores it (channels::mail::MailIntake): 200 once committed, with the
// mailgate line as text/plain (Accept: text/plain) or JSON; 503 when the
// database is unavailable, 413 over kMaxMessageBytes.
#pragma once

#include <string>

#include "channels/mail/intake.hpp"
#include "http/blocking_pool.hpp"
#include "http/router.hpp"

namespace guichet::app {

inline constexpr const char* kMailSecretHeader = "X-Guichet-Mail-Secret";

// `secret` empty: every call is refused (mailgate writes to the database
// itself). Parsing runs on `pool`, off the I/O threads; the write joins the
// store's group commit.
void RegisterMailInbound(http::Router& router, channels::mail::MailIntake& intake,
                         http::BlockingPool& pool, std::string secret);

}  // namespace guichet::app
