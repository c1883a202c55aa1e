#include "app/mail_routes.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "http/limits.hpp"
#include "http/server.hpp"

namespace guichet::app {
namespace {

static_assert(http::kMailBodyLimit == channels::mail::kMaxMessageBytes,
              "the server reads whole what mailgate may send");

using http::Context;
using http::Response;
using http::bhttp::status;

// Constant time whatever the lengths: both sides are hashed first, so the
// comparison never stops at the first differing byte nor at a length.
bool SecretMatches(std::string_view given, const std::string& secret) {
  if (secret.empty()) return false;
  unsigned char a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
  crypto_generichash(a, sizeof a, reinterpret_cast<const unsigned char*>(given.data()),
                     given.size(), nullptr, 0);
  crypto_generichash(b, sizeof b, reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  return sodium_memcmp(a, b, sizeof a) == 0;
}

// The line `guichet mailgate` prints: "request GU-2026-7KQ4MX (déjà reçu)".
std::string MailgateLine(const channels::mail::IntakeResult& r) {
  std::string line = r.disposition;
  if (r.reference) line += " " + *r.reference;
  if (r.duplicate) line += " (déjà reçu)";
  return line + "\n";
}

}  // namespace

void RegisterMailInbound(http::Router& router, channels::mail::MailIntake& intake,
                         http::BlockingPool& pool, std::string secret) {
  router.Add(http::bhttp::verb::post, "/api/v1/channels/mail/inbound",
             [&intake, &pool, secret](Context& ctx) -> http::asio::awaitable<Response> {
               // The secret first: a caller without it learns nothing else.
               if (!SecretMatches(ctx.req[kMailSecretHeader], secret)) {
                 co_return ctx.Problem(
                     Error(ErrorCode::kUnauthenticated, "Secret absent ou invalide (en-tête " +
                                                            std::string(kMailSecretHeader) + ")."));
               }
               if (ctx.req.body().size() > channels::mail::kMaxMessageBytes) {
                 co_return ctx.Problem(Error::TooLarge(
                     "Le message dépasse " +
                     std::to_string(channels::mail::kMaxMessageBytes >> 20) + " Mo."));
               }
               std::string raw = ctx.req.body();
               // GMime parsing of a large message would stall an I/O thread: the pool
               // parses, the store's writer commits, this coroutine resumes after.
               auto r = co_await http::AwaitCallback<Result<channels::mail::IntakeResult>>(
                   [&intake, &pool, &raw](auto done) {
                     auto shared = std::make_shared<decltype(done)>(std::move(done));
                     auto message = std::make_shared<std::string>(std::move(raw));
                     if (!pool.Post([&intake, shared, message] {
                           intake.Ingest(std::move(*message),
                                         [shared](Result<channels::mail::IntakeResult> r) {
                                           (*shared)(std::move(r));
                                         });
                         })) {
                       (*shared)(Error::Unavailable(
                           "Le serveur est très sollicité : réessayez dans un instant."));
                     }
                   });
               if (!r.ok()) co_return ctx.Problem(r.error());
               if (ctx.Header(http::bhttp::field::accept).rfind("text/plain", 0) == 0) {
                 co_return ctx.Text(status::ok, MailgateLine(*r), "text/plain; charset=utf-8");
               }
               nlohmann::json out = {{"disposition", r->disposition},
                                     {"reference", r->reference ? nlohmann::json(*r->reference)
                                                                : nlohmann::json(nullptr)},
                                     {"duplicate", r->duplicate},
                                     {"acknowledged", r->acknowledged},
                                     {"flags", r->flags}};
               co_return ctx.Json(status::ok, out.dump());
             });
}

}  // namespace guichet::app
