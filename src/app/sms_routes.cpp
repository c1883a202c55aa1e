#include "app/sms_routes.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "http/server.hpp"

namespace guichet::app {

using http::Context;
using http::Response;
using http::bhttp::status;

namespace {

// Size, signature, then form encoding: the checks of every gateway call. An
// unsigned caller learns nothing of the form's rules. nullopt when it passes.
std::optional<Response> CheckGatewayCall(Context& ctx, const std::string& secret) {
  const std::string& body = ctx.req.body();
  if (body.size() > channels::sms::kMaxInboundBody) {
    return ctx.Problem(Error::TooLarge("Le message reçu dépasse 16 Kio."));
  }
  if (!channels::sms::VerifySignature(body, ctx.req[kSmsSignatureHeader], secret)) {
    return ctx.Problem(
        Error(ErrorCode::kUnauthenticated,
              "Signature absente ou invalide (en-tête " + std::string(kSmsSignatureHeader) + ")."));
  }
  const std::string ct = ctx.Header(http::bhttp::field::content_type);
  if (ct.substr(0, ct.find(';')) != "application/x-www-form-urlencoded") {
    return ctx.Problem(status::unsupported_media_type,
                       "Le corps doit être encodé en application/x-www-form-urlencoded.");
  }
  return std::nullopt;
}

}  // namespace

void RegisterSmsInbound(http::Router& router, channels::sms::SmsChannel& channel,
                        std::string secret) {
  router.Add(http::bhttp::verb::post, "/api/v1/channels/sms/inbound",
             [&channel, secret](Context& ctx) -> http::asio::awaitable<Response> {
               const std::string& body = ctx.req.body();
               if (auto refused = CheckGatewayCall(ctx, secret)) co_return std::move(*refused);
               auto sms = channels::sms::ParseInboundSms(body);
               if (!sms.ok()) co_return ctx.Problem(sms.error());
               auto r = co_await http::AwaitCallback<Result<channels::sms::SmsReceived>>(
                   [&](auto done) { channel.Receive(std::move(*sms), std::move(done)); });
               if (!r.ok()) co_return ctx.Problem(r.error());
               nlohmann::json out = {
                   {"action", channels::sms::ToString(r->action)},
                   {"reference",
                    r->reference.empty() ? nlohmann::json(nullptr) : nlohmann::json(r->reference)},
                   {"replayed", r->replayed}};
               co_return ctx.Json(status::ok, out.dump());
             });
}

void RegisterSmsStatus(http::Router& router, domain::OutboxService& outbox, std::string secret) {
  router.Add(http::bhttp::verb::post, "/api/v1/channels/sms/status",
             [&outbox, secret](Context& ctx) -> http::asio::awaitable<Response> {
               if (auto refused = CheckGatewayCall(ctx, secret)) co_return std::move(*refused);
               auto report = channels::sms::ParseSmsStatus(ctx.req.body());
               if (!report.ok()) co_return ctx.Problem(report.error());
               const auto delivered = report->Delivered();
               // Intermediate statuses (queued, sent…) say nothing our timeline lacks.
               if (!delivered) {
                 co_return ctx.Json(status::ok, R"({"recorded":false})");
               }
               std::string detail;
               if (!*delivered) {
                 detail = "passerelle SMS : " + report->status +
                          (report->error_code.empty() ? "" : " (code " + report->error_code + ")");
               }
               auto r = co_await http::AwaitCallback<Result<bool>>([&](auto done) {
                 outbox.SmsReceipt(report->message_sid, *delivered, detail, std::move(done));
               });
               if (!r.ok()) co_return ctx.Problem(r.error());
               co_return ctx.Json(status::ok, R"({"recorded":true})");
             });
}

}  // namespace guichet::app
