// `guichet mailgate` (one message on stdin, as an MTA pipes it) and
// `guichet maildir` (every message of a Maildir's new/).
#pragma once

#include <string>

#include "app/config.hpp"
#include "channels/mail/intake.hpp"

namespace guichet::app {

// Exit statuses an MTA understands (sysexits.h): 0 stored; 75 (EX_TEMPFAIL)
// the database or the configuration is not usable now, retry later; 65
// (EX_DATAERR) the message is over the size limit, bounce it.
inline constexpr int kExitStored = 0;
inline constexpr int kExitDataErr = 65;
inline constexpr int kExitTempFail = 75;

// The intake's options from [mail] (general service, own addresses, acks),
// shared by the mail commands and the server's ingest endpoint.
channels::mail::IntakeOptions MailIntakeOptionsOf(const Config& c);

// Stores the message read on stdin straight into the database (the direct
// path: `guichet-core mailgate`, or the front's fallback when no server answers).
int RunMailgate(const Config& c);

// Stores each message of `dir`/new and then moves it to `dir`/cur with the
// ":2,S" info; a message that cannot be stored stays in new/ for the next run.
// With `watch`, looks again every `interval_ms` until SIGINT/SIGTERM.
// Returns 0 when every message was stored, 75 otherwise.
int RunMaildir(const Config& c, const std::string& dir, bool watch, int interval_ms);

}  // namespace guichet::app
