// The HTTP route of the SMS channel's inbound webhook:
//   POST /api/v1/channels/sms/inbound    (and /status, delivery receipts)
// form-encoded (From, To, Body, MessageSid), signed by the gateway with
// `X-Guichet-Signature: sha256=<HMAC-SHA256 of the body>` under [sms] secret.
#pragma once

#include <string>

#include "channels/sms/sms_channel.hpp"
#include "domain/outbox_service.hpp"
#include "http/router.hpp"

namespace guichet::app {

inline constexpr const char* kSmsSignatureHeader = "X-Guichet-Signature";

// `secret` empty: every call is refused (the webhook is off).
void RegisterSmsInbound(http::Router& router, channels::sms::SmsChannel& channel,
                        std::string secret);

// POST /api/v1/channels/sms/status: the gateway's delivery receipts
// (MessageSid, MessageStatus, ErrorCode), signed like inbound SMS; a final
// status (delivered, undelivered, failed) goes on the message's timeline.
void RegisterSmsStatus(http::Router& router, domain::OutboxService& outbox, std::string secret);

}  // namespace guichet::app
