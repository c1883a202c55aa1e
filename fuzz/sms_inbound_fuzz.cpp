// libFuzzer target: the SMS gateway webhook's parser and signature check
// (channels/sms/inbound.hpp) on arbitrary bodies. It must never crash, leak
// or read out of bounds; whatever it accepts is well-formed.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "channels/sms/inbound.hpp"
#include "domain/validation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto sms = guichet::channels::sms::ParseInboundSms(body);
  if (sms.ok()) {
    // What passes is what the channel relies on.
    if (sms->from.empty() || sms->from[0] != '+' || sms->message_sid.empty() ||
        sms->body.size() > guichet::channels::sms::kMaxSmsText ||
        !guichet::domain::IsValidUtf8(sms->body)) {
      std::abort();
    }
    (void)guichet::channels::sms::IsStopKeyword(sms->body);
  } else if (sms.error().code() != guichet::ErrorCode::kInvalidArgument) {
    std::abort();
  }
  // The signature check on the same bytes, with the body's first half as header.
  const auto header = body.substr(0, size / 2);
  if (guichet::channels::sms::VerifySignature(body.substr(size / 2), header, "secret") &&
      header != guichet::channels::sms::SignBody(body.substr(size / 2), "secret")) {
    std::abort();
  }
  return 0;
}
