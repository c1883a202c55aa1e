#include "http/router.hpp"

#include "core/text.hpp"
#include "http/log.hpp"
#include "http/problem.hpp"

namespace guichet::http {
namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start < q.size()) {
    size_t end = q.find('&', start);
    if (end == std::string_view::npos) end = q.size();
    const std::string_view pair = q.substr(start, end - start);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      const std::string_view k = pair.substr(0, eq);
      const std::string_view v = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      out.emplace_back(PercentDecode(k, true).value_or(std::string(k)),
                       PercentDecode(v, true).value_or(std::string(v)));
    }
    start = end + 1;
  }
  return out;
}

std::optional<std::string> Context::Query(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::string Context::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

std::string Context::Header(bhttp::field f) const {
  auto it = req.find(f);
  return it == req.end() ? std::string() : std::string(it->value());
}

Response Context::Text(bhttp::status status, std::string body,
                       std::string_view content_type) const {
  Response res(status, req.version());
  res.set(bhttp::field::content_type, content_type);
  res.set("X-Request-Id", request_id);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response Context::Json(bhttp::status status, std::string body) const {
  return Text(status, std::move(body), "application/json; charset=utf-8");
}

Response Context::Problem(const Error& error) const {
  const auto status = StatusFor(error.code());
  // The answer says only that the service failed; the log says why (a
  // database that refuses writes, a full disk…), for whoever runs it.
  if (static_cast<unsigned>(status) >= 500) {
    LogEvent(spdlog::level::err, "requête en échec",
             {{"request_id", request_id},
              {"route", route},
              {"status", static_cast<unsigned>(status)},
              {"cause", error.cause_or_message()}});
  }
  return Text(status, ProblemJson(error, status, path, request_id),
              "application/problem+json; charset=utf-8");
}

Response Context::Problem(bhttp::status status, std::string detail) const {
  Error e(ErrorCode::kInternal, std::move(detail));
  return Text(status, ProblemJson(e, status, path, request_id),
              "application/problem+json; charset=utf-8");
}

void Router::Add(bhttp::verb method, std::string pattern, Handler handler) {
  auto access = DeclaredAccess(method, pattern);
  if (!access) {
    throw std::logic_error(
        "route sans politique d’accès : " + std::string(bhttp::to_string(method)) + " " + pattern +
        " (à déclarer dans src/http/access_policy.cpp)");
  }
  Add(method, std::move(pattern), *access, std::move(handler));
}

void Router::Add(bhttp::verb method, std::string pattern, Access access, Handler handler) {
  entries_.push_back({method, pattern, Split(pattern), std::move(handler), access});
}

Router::Match Router::Find(bhttp::verb method, std::string_view path) const {
  Match m;
  const auto segments = Split(path);
  for (const auto& e : entries_) {
    if (e.segments.size() != segments.size()) continue;
    std::unordered_map<std::string, std::string> params;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      const std::string& p = e.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        if (segments[i].empty()) ok = false;
        params[p.substr(1, p.size() - 2)] = segments[i];
      } else {
        ok = p == segments[i];
      }
    }
    if (!ok) continue;
    if (e.method == method || (method == bhttp::verb::head && e.method == bhttp::verb::get)) {
      m.handler = &e.handler;
      m.access = e.access;
      m.pattern = e.pattern;
      m.params = std::move(params);
      return m;
    }
    m.allowed.push_back(e.method);
    if (m.pattern.empty()) m.pattern = e.pattern;
  }
  if (!m.allowed.empty()) {
    if (const Fallback* fb = FallbackFor(path, true)) m.wrong_method = &fb->handler;
    return m;
  }
  if (const Fallback* fb = FallbackFor(path, false)) {
    m.handler = &fb->handler;
    m.pattern = fb->prefix + "/*";
  }
  return m;
}

const Router::Fallback* Router::FallbackFor(std::string_view path, bool for_methods) const {
  const Fallback* best = nullptr;
  for (const auto& fb : fallbacks_) {
    if (for_methods && fb.scope != FallbackScope::kUnmatchedPathsAndMethods) continue;
    const std::string& prefix = fb.prefix;
    // On a segment boundary: "/open311/v2" covers "/open311/v2/x", not "/open311/v2x".
    const bool under = path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
                       path[prefix.size()] == '/';
    if ((under || path == prefix) && (!best || prefix.size() > best->prefix.size())) best = &fb;
  }
  return best;
}

void Router::AddFallback(std::string prefix, Handler handler, FallbackScope scope) {
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  fallbacks_.push_back({std::move(prefix), std::move(handler), scope});
}

std::vector<Router::Route> Router::Routes() const {
  std::vector<Route> out;
  for (const auto& e : entries_) out.push_back({e.method, e.pattern, e.access});
  return out;
}

}  // namespace guichet::http
