// Routes: method + path pattern ("/api/v1/requests/{id}") → handler.
// Built once at start-up, then read concurrently (no locking needed).
#pragma once

#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "domain/identity.hpp"

namespace guichet::http {

namespace beast = boost::beast;
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// Who may call a route. Every route has one (see access_policy.cpp); the
// router's guard checks it before the handler runs, and handlers check each
// record against the caller's domain::AccessScope.
enum class Access {
  kPublic,      // anyone, without credentials
  kLoopback,    // only from 127.0.0.0/8 or ::1 (metrics)
  kSignedIn,    // a citizen or agent session, or an API key of scope api/admin
  kCitizen,     // a citizen session
  kAgent,       // an agent session
  kStaff,       // an agent session, or an API key of scope api/admin
  kSupervisor,  // a supervisor or administrator of a team, a platform admin, an admin key
  kAdmin,       // a platform administrator, or an API key of scope admin
};
std::string_view ToString(Access a);
// The policy of a route declared in the central table (access_policy.cpp);
// nullopt when the route has none.
std::optional<Access> DeclaredAccess(bhttp::verb method, std::string_view pattern);

// What a handler sees of one HTTP request.
struct Context {
  const Request& req;
  std::string path{};   // decoded, without the query string
  std::string route{};  // the matched pattern, for metrics and logs
  std::unordered_map<std::string, std::string> params{};
  std::vector<std::pair<std::string, std::string>> query{};  // decoded, in order
  std::string request_id{};
  std::string remote{};
  // The caller, set by the router's guard before the handler runs.
  domain::Actor actor{domain::Actor::Kind::kAnonymous};
  std::vector<domain::Membership> memberships{};  // an agent's role per team
  std::string session_hash{};                     // set for a cookie session
  std::string csrf_token{};                       // the cookie session's CSRF token
  std::string api_scope{};                        // set for an API key
  // The last request this call resolved or answered with (NoteSubject, in
  // VisibleRequest and WithRequest), so the audit hook records it without
  // reading it again: a create used to read its own request back by
  // reference, a random page of that index per create. Mutable: helpers get
  // a const Context.
  struct Subject {
    std::int64_t request_id = 0;
    std::optional<std::int64_t> citizen_id;
    std::string reference;
  };
  mutable std::optional<Subject> subject{};
  // Set only when a fallback answers a method the path does not allow: the
  // methods it does (for the 405 and its Allow header).
  std::vector<bhttp::verb> allowed_methods{};

  // The first value of a query parameter.
  std::optional<std::string> Query(std::string_view name) const;
  std::string Param(const std::string& name) const;
  std::string Header(bhttp::field f) const;

  // Response builders carrying the request id, keep-alive and version.
  Response Json(bhttp::status status, std::string body) const;
  Response Text(bhttp::status status, std::string body, std::string_view content_type) const;
  Response Problem(const Error& error) const;
  Response Problem(bhttp::status status, std::string detail) const;
};

using Handler = std::function<asio::awaitable<Response>(Context&)>;
// Identifies the caller into ctx and checks `access`: a response (401, 403)
// when the call is refused, nullopt to run the handler.
using Guard = std::function<std::optional<Response>(Context&, Access)>;

class Router {
 public:
  // The policy is the one declared in the central table; a route without
  // one is a programming error: throws std::logic_error at start-up.
  void Add(bhttp::verb method, std::string pattern, Handler handler);
  void Add(bhttp::verb method, std::string pattern, Access access, Handler handler);
  void SetGuard(Guard guard) { guard_ = std::move(guard); }
  const Guard& guard() const { return guard_; }
  // Answers every method on the paths under `prefix` ("/open311/v2") that
  // no route matches at all, so a standard API can answer its own way; the
  // longest prefix wins. A path some route matches with another method stays
  // the server's 405 — unless the scope says the fallback answers those too
  // (it then sees Context::allowed_methods, and the server adds Allow). The
  // match's pattern is `prefix` + "/*". Not listed by Routes().
  enum class FallbackScope { kUnmatchedPaths, kUnmatchedPathsAndMethods };
  void AddFallback(std::string prefix, Handler handler,
                   FallbackScope scope = FallbackScope::kUnmatchedPaths);

  struct Match {
    const Handler* handler = nullptr;  // null: no route for this method
    Access access = Access::kPublic;
    std::string pattern;
    std::unordered_map<std::string, std::string> params;
    std::vector<bhttp::verb> allowed;  // methods of the path when handler is null
    // When `allowed` is not empty: the fallback that answers the 405, if any.
    const Handler* wrong_method = nullptr;
  };
  Match Find(bhttp::verb method, std::string_view path) const;

  struct Route {
    bhttp::verb method;
    std::string pattern;
    Access access;
  };
  std::vector<Route> Routes() const;

 private:
  struct Entry {
    bhttp::verb method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    Access access;
  };
  std::vector<Entry> entries_;
  Guard guard_;
  struct Fallback {
    std::string prefix;
    Handler handler;
    FallbackScope scope;
  };
  // The longest fallback covering `path`; with `for_methods`, only those
  // answering 405s too.
  const Fallback* FallbackFor(std::string_view path, bool for_methods) const;
  std::vector<Fallback> fallbacks_;
};

// "a=1&b=x%20y" → pairs, decoded by PercentDecode (core/text.hpp); malformed
// pairs (%00 among them) are kept raw.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view q);

}  // namespace guichet::http
