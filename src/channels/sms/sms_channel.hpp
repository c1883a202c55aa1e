// The SMS channel's use case: what an inbound SMS does. STOP opts the number
// out; a reply threads onto the open request of the number (the newest);
// otherwise the SMS opens a new request in the general-contact service with
// channel `sms`. A webhook retried by the gateway (same MessageSid) changes
// nothing the second time. Thread-safe.
#pragma once

#include <string>

#include "channels/sms/inbound.hpp"
#include "domain/case_service.hpp"

namespace guichet::channels::sms {

struct SmsReceived {
  enum class Action { kOptedOut, kThreaded, kCreated };
  Action action = Action::kCreated;
  std::string reference;  // the request, unless opted out
  std::int64_t event_id = 0;
  bool replayed = false;
};
std::string_view ToString(SmsReceived::Action a);

class SmsChannel {
 public:
  // `general_service`: the service of requests opened by an SMS.
  SmsChannel(domain::CaseService& cases, domain::Store& store, const Clock& clock,
             std::string general_service);

  // `done` runs on the store's writer thread once the effect is durable.
  void Receive(InboundSms sms, domain::Done<SmsReceived> done);

 private:
  domain::CaseService& cases_;
  domain::Store& store_;
  const Clock& clock_;
  const std::string general_service_;
};

}  // namespace guichet::channels::sms
