// SMS delivery through an HTTP gateway (libcurl): a POST of From, To, Body
// (form-encoded, or JSON with from/to/body), a bearer token when set, and an
// Idempotency-Key per outbox row so a gateway that honours it drops a copy
// sent again after a crash. 2xx: sent (the gateway's `sid` kept); 400, 404,
// 410, 422 (invalid number…): permanent; anything else: try again later.
// Numbers that answered STOP are refused before any request.
#pragma once

#include <chrono>
#include <string>

#include "domain/outbox.hpp"
#include "domain/store.hpp"

namespace guichet::channels::outbound {

struct SmsGatewayOptions {
  std::string url;              // e.g. https://sms.example/v1/messages
  std::string format = "form";  // "form" or "json"
  std::string token;            // Authorization: Bearer, never logged
  std::string sender = "MAIRIE";
  // Where the gateway posts its delivery receipts (StatusCallback, as common
  // gateways take it per message): …/api/v1/channels/sms/status. None when empty.
  std::string status_callback;
  std::chrono::seconds timeout{15};
};

// Not thread-safe: one per worker thread.
class SmsSender final : public domain::Sender {
 public:
  SmsSender(SmsGatewayOptions options, domain::Store& store);
  ~SmsSender() override;
  SmsSender(const SmsSender&) = delete;
  SmsSender& operator=(const SmsSender&) = delete;

  domain::Delivery Send(const domain::OutboxMessage& m, const domain::Request* request) override;

 private:
  SmsGatewayOptions options_;
  domain::Store& store_;
  void* curl_;  // CURL*
};

}  // namespace guichet::channels::outbound
