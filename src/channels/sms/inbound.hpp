// The SMS gateway's inbound webhook: a form-encoded POST (From, To, Body,
// MessageSid — the shape common gateways use), signed with HMAC-SHA256 of
// the raw body under a secret shared with the gateway, sent in the header
// `X-Guichet-Signature: sha256=<hex>`. Transport-free: app/sms_routes.cpp
// wires it to HTTP. Thread-safe (no state).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace guichet::channels::sms {

inline constexpr size_t kMaxInboundBody = 16 * 1024;  // a long concatenated SMS is < 2 KiB
inline constexpr size_t kMaxSmsText = 1600;           // bytes of Body kept (10 segments+)
inline constexpr size_t kMaxSidLength = 64;

struct InboundSms {
  std::string from;  // E.164 (+33612345678)
  std::string to;
  std::string body;
  std::string message_sid;  // the gateway's id: a retried webhook has the same
};

// True when the signature header (`sha256=<hex>`) is the HMAC-SHA256 of
// `body` under `secret`; constant-time. False for an empty secret.
bool VerifySignature(std::string_view body, std::string_view header, std::string_view secret);
// The header value a gateway sends for `body` (tests, the gateway simulator).
std::string SignBody(std::string_view body, std::string_view secret);

// Decodes and checks the form: kInvalid with field errors (From, To, Body,
// MessageSid) on missing, malformed or oversized fields. Never throws.
Result<InboundSms> ParseInboundSms(std::string_view form_body);

// A delivery receipt (status callback) of the gateway for a message we sent,
// form-encoded and signed like an inbound SMS: MessageSid (the id the
// gateway answered when it took the message), MessageStatus (queued,
// sending, sent, delivered, undelivered, failed) and, on failure, ErrorCode.
struct SmsStatusReport {
  std::string message_sid;
  std::string status;
  std::string error_code;
  // delivered → true, undelivered/failed → false, anything else: no final word yet.
  std::optional<bool> Delivered() const {
    if (status == "delivered") return true;
    if (status == "undelivered" || status == "failed") return false;
    return std::nullopt;
  }
};
Result<SmsStatusReport> ParseSmsStatus(std::string_view form_body);

// STOP (any case, surrounding blanks and punctuation ignored), also the
// French STOP SMS, ARRET and ARRÊT: the number opts out of SMS.
bool IsStopKeyword(std::string_view body);

}  // namespace guichet::channels::sms
