// Configuration of the outbound channels and the SMS webhook: the [mail],
// [sms], [postal] and [outbox] sections (docs/operations.md), and their
// environment overrides (GUICHET_SMTP_URL, GUICHET_SMS_GATEWAY_URL,
// GUICHET_SMS_SECRET, GUICHET_OUTBOX_INTERVAL_MS…).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace guichet::app {

struct OutboxConfig {
  // [mail]
  std::string smtp_url;  // empty: no email delivery (messages wait)
  bool smtp_starttls = false;
  std::string smtp_username;
  std::string smtp_password;  // never logged
  std::string from = "mairie@example.org";
  std::string from_name = "Mairie";
  std::string reply_local = "demarches";
  std::string reply_domain = "example.org";
  // [sms]
  std::string sms_gateway_url;  // empty: no SMS delivery
  std::string sms_format = "form";
  std::string sms_token;   // never logged
  std::string sms_secret;  // inbound webhook HMAC key; empty: webhook off
  std::string sms_sender = "MAIRIE";
  std::string sms_status_callback;  // the URL of our receipts webhook, given to the gateway
  std::string sms_service = "question-generale";  // where a new SMS opens a request
  // [postal]
  std::string postal_spool = "./data/courrier";
  std::string postal_letterhead = "Mairie";  // the town hall's name, atop every letter
  // Its address under the name, lines separated by "\n" (or " | " in the file).
  std::string postal_letterhead_address;
  std::string postal_logo;  // a PNG printed at the top left; none when empty
  // The notification templates' directory; empty: <catalogue>/templates, or
  // the shipped ones compiled in when that directory does not exist.
  std::string templates_dir;
  // [outbox]
  std::string fallback = "email,sms,postal";
  int interval_ms = 1000;
  int max_attempts = 8;
  int backoff_ms = 30'000;
  int backoff_cap_ms = 3'600'000;
  int lease_ms = 120'000;
};

// Applies `key` ("mail.smtp_url"…) when it belongs to these sections;
// nullopt when it does not (the caller tries its own keys).
std::optional<Status> ApplyOutboxKey(const std::string& key, const std::string& value,
                                     OutboxConfig& c);
// The environment overrides of these sections.
Status ApplyOutboxEnvironment(const std::map<std::string, std::string>& env, OutboxConfig& c);

}  // namespace guichet::app
