// Routes: method + path pattern ("/api/v1/requests/{id}") → handler.
// Built once at start-up, then read concurrently (no locking needed).
#pragma once

#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"

namespace guichet::http {

namespace beast = boost::beast;
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// What a handler sees of one HTTP request.
struct Context {
  const Request& req;
  std::string path;   // decoded, without the query string
  std::string route;  // the matched pattern, for metrics and logs
  std::unordered_map<std::string, std::string> params;
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string request_id;
  std::string remote;

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

class Router {
 public:
  void Add(bhttp::verb method, std::string pattern, Handler handler);
  // Answers every method on the paths under `prefix` ("/open311/v2") that
  // no route matches at all, so a standard API can answer its own way; the
  // longest prefix wins. A path some route matches with another method stays
  // a 405. The match's pattern is `prefix` + "/*". Not listed by Routes().
  void AddFallback(std::string prefix, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null: no route for this method
    std::string pattern;
    std::unordered_map<std::string, std::string> params;
    std::vector<bhttp::verb> allowed;  // methods of the path when handler is null
  };
  Match Find(bhttp::verb method, std::string_view path) const;

  struct Route {
    bhttp::verb method;
    std::string pattern;
  };
  std::vector<Route> Routes() const;

 private:
  struct Entry {
    bhttp::verb method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Entry> entries_;
  std::vector<std::pair<std::string, Handler>> fallbacks_;  // (prefix, handler)
};

// Percent-decoding; nullopt on a malformed escape.
std::optional<std::string> UrlDecode(std::string_view s, bool plus_is_space);
// "a=1&b=x%20y" → pairs; malformed pairs are kept raw.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view q);

}  // namespace guichet::http
