#include "app/open311_routes.hpp"

#include <optional>

#include "domain/api_keys.hpp"
#include "http/api_common.hpp"
#include "http/server.hpp"

namespace guichet::app {
namespace {

namespace o311 = channels::open311;
using http::Context;
using http::Response;
using http::bhttp::verb;

Response Send(const Context& ctx, const o311::Reply& r) {
  return ctx.Text(static_cast<http::bhttp::status>(r.status), r.body, r.ContentType());
}

o311::Params QueryOf(const Context& ctx) { return {ctx.query.begin(), ctx.query.end()}; }

bool IsFormEncoded(const Context& ctx) {
  const std::string ct = ctx.Header(http::bhttp::field::content_type);
  std::string base = ct.substr(0, ct.find(';'));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  return base == "application/x-www-form-urlencoded";
}

// A POST's form-encoded fields, then the query string (some clients put
// api_key there); a 400 when the body is not form-encoded.
std::optional<o311::Params> FormOf(const Context& ctx) {
  if (!IsFormEncoded(ctx)) return std::nullopt;
  o311::Params form;
  for (auto& kv : http::ParseQuery(ctx.req.body())) form.push_back(std::move(kv));
  for (const auto& kv : ctx.query) form.push_back(kv);
  return form;
}

o311::Reply NotFormEncoded(o311::Format f) {
  return o311::Endpoint::Errors(
      f, 400, {"Le corps doit être encodé en application/x-www-form-urlencoded."});
}

// The format an unknown path asks for: its suffix, XML by default (the
// spec's required format).
o311::Format FormatOfPath(const std::string& path) {
  auto split = o311::SplitFormat(path.substr(path.rfind('/') + 1));
  return split ? split->second : o311::Format::kXml;
}

// "services/033.xml": the name and the format, or a 404 in XML.
template <typename Fn>
Response WithFile(const Context& ctx, const std::string& file, Fn&& fn) {
  auto split = o311::SplitFormat(file);
  if (!split) {
    return Send(ctx, o311::Endpoint::Errors(o311::Format::kXml, 404,
                                            {"Format inconnu : ajoutez .xml ou .json."}));
  }
  return Send(ctx, fn(split->first, split->second));
}

// The Endpoint member a form-encoded, key-protected POST goes to.
using PostMember = void (o311::Endpoint::*)(o311::Format, const o311::Params&, const std::string&,
                                            std::function<void(o311::Reply)>) const;

http::Handler FormPost(const o311::Endpoint* ep, o311::Format f, PostMember post) {
  return [ep, f, post](Context& ctx) -> http::asio::awaitable<Response> {
    auto form = FormOf(ctx);
    if (!form) co_return Send(ctx, NotFormEncoded(f));
    const std::string bearer = domain::BearerToken(ctx.Header(http::bhttp::field::authorization));
    auto reply = co_await http::AwaitCallback<o311::Reply>(
        [&](auto done) { (ep->*post)(f, *form, bearer, std::move(done)); });
    if (reply.request) http::NoteSubject(ctx, *reply.request);
    co_return Send(ctx, reply);
  };
}

}  // namespace

void RegisterOpen311(http::Router& router, const o311::Endpoint& endpoint, std::string base_url) {
  const o311::Endpoint* ep = &endpoint;
  for (auto [ext, format] :
       {std::pair{".xml", o311::Format::kXml}, std::pair{".json", o311::Format::kJson}}) {
    const std::string p = kOpen311Prefix;
    const o311::Format f = format;
    router.Add(verb::get, p + "/discovery" + ext,
               [ep, f, base_url](Context& ctx) -> http::asio::awaitable<Response> {
                 const std::string url =
                     !base_url.empty()
                         ? base_url
                         : "http://" + ctx.Header(http::bhttp::field::host) + kOpen311Prefix;
                 co_return Send(ctx, ep->Discovery(f, QueryOf(ctx), url));
               });
    router.Add(verb::get, p + "/services" + ext,
               [ep, f](Context& ctx) -> http::asio::awaitable<Response> {
                 co_return Send(ctx, ep->Services(f, QueryOf(ctx)));
               });
    router.Add(verb::get, p + "/requests" + ext,
               [ep, f](Context& ctx) -> http::asio::awaitable<Response> {
                 co_return Send(ctx, ep->GetRequests(f, QueryOf(ctx)));
               });
    router.Add(verb::post, p + "/requests" + ext, FormPost(ep, f, &o311::Endpoint::PostRequest));
    router.Add(verb::post, p + "/servicerequestupdates" + ext,
               FormPost(ep, f, &o311::Endpoint::PostUpdate));
    router.Add(verb::get, p + "/servicerequestupdates" + ext,
               [ep, f](Context& ctx) -> http::asio::awaitable<Response> {
                 co_return Send(ctx, ep->GetUpdates(f, QueryOf(ctx)));
               });
  }
  router.Add(verb::get, std::string(kOpen311Prefix) + "/services/{file}",
             [ep](Context& ctx) -> http::asio::awaitable<Response> {
               co_return WithFile(ctx, ctx.Param("file"), [&](auto code, auto f) {
                 return ep->ServiceDefinition(f, code, QueryOf(ctx));
               });
             });
  router.Add(verb::get, std::string(kOpen311Prefix) + "/requests/{file}",
             [ep](Context& ctx) -> http::asio::awaitable<Response> {
               co_return WithFile(ctx, ctx.Param("file"), [&](auto id, auto f) {
                 return ep->GetRequest(f, id, QueryOf(ctx));
               });
             });
  // Any other path or method under the prefix: an Open311 error, not API
  // v1's problem+json (the server adds the Allow header to a 405).
  router.AddFallback(
      kOpen311Prefix,
      [](Context& ctx) -> http::asio::awaitable<Response> {
        if (!ctx.allowed_methods.empty()) {
          co_return Send(
              ctx, o311::Endpoint::Errors(FormatOfPath(ctx.path), 405,
                                          {"La méthode " + std::string(ctx.req.method_string()) +
                                           " n’est pas permise sur cette ressource Open311."}));
        }
        co_return Send(ctx, o311::Endpoint::Errors(FormatOfPath(ctx.path), 404,
                                                   {"Aucune ressource Open311 à cette adresse."}));
      },
      http::Router::FallbackScope::kUnmatchedPathsAndMethods);
  router.Add(verb::get, std::string(kOpen311Prefix) + "/tokens/{file}",
             [ep](Context& ctx) -> http::asio::awaitable<Response> {
               co_return WithFile(ctx, ctx.Param("file"), [&](auto token, auto f) {
                 return ep->GetToken(f, token, QueryOf(ctx));
               });
             });
}

}  // namespace guichet::app
