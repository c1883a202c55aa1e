#include "app/sms_routes.hpp"

#include <nlohmann/json.hpp>

#include "http/server.hpp"

namespace guichet::app {

using http::Context;
using http::Response;
using http::bhttp::status;

void RegisterSmsInbound(http::Router& router, channels::sms::SmsChannel& channel,
                        std::string secret) {
  router.Add(
      http::bhttp::verb::post, "/api/v1/channels/sms/inbound",
      [&channel, secret](Context& ctx) -> http::asio::awaitable<Response> {
        const std::string& body = ctx.req.body();
        if (body.size() > channels::sms::kMaxInboundBody) {
          co_return ctx.Problem(Error::TooLarge("Le message reçu dépasse 16 Kio."));
        }
        // The signature first: an unsigned caller learns nothing of the form's rules.
        if (!channels::sms::VerifySignature(body, ctx.req[kSmsSignatureHeader], secret)) {
          co_return ctx.Problem(Error(
              ErrorCode::kUnauthenticated,
              "Signature absente ou invalide (en-tête " + std::string(kSmsSignatureHeader) + ")."));
        }
        const std::string ct = ctx.Header(http::bhttp::field::content_type);
        if (ct.substr(0, ct.find(';')) != "application/x-www-form-urlencoded") {
          co_return ctx.Problem(status::unsupported_media_type,
                                "Le corps doit être encodé en application/x-www-form-urlencoded.");
        }
        auto sms = channels::sms::ParseInboundSms(body);
        if (!sms.ok()) co_return ctx.Problem(sms.error());
        auto r = co_await http::AwaitCallback<Result<channels::sms::SmsReceived>>(
            [&](auto done) { channel.Receive(std::move(*sms), std::move(done)); });
        if (!r.ok()) co_return ctx.Problem(r.error());
        nlohmann::json out = {{"action", channels::sms::ToString(r->action)},
                              {"reference", r->reference.empty() ? nlohmann::json(nullptr)
                                                                 : nlohmann::json(r->reference)},
                              {"replayed", r->replayed}};
        co_return ctx.Json(status::ok, out.dump());
      });
}

}  // namespace guichet::app
