#include "http/static_site.hpp"

#include <array>
#include <fstream>
#include <sstream>
#include <system_error>

namespace guichet::http {

namespace fs = std::filesystem;
using bhttp::status;

namespace {

// Vite names these files after a hash of their content: a new build gets new names.
constexpr std::string_view kHashedPrefix = "/assets/";
constexpr const char* kImmutable = "public, max-age=31536000, immutable";
constexpr const char* kRevalidate = "no-cache";
// The largest file served; the front end's biggest chunk is a few hundred KiB.
constexpr std::uintmax_t kMaxFileSize = 16 << 20;

bool StartsWithSegment(std::string_view path, std::string_view prefix) {
  return path == prefix ||
         (path.size() > prefix.size() && path.starts_with(prefix) && path[prefix.size()] == '/');
}

// Paths the server keeps for itself, whatever the front end holds.
bool IsReserved(std::string_view path) {
  for (std::string_view p : {"/api", "/open311", "/healthz", "/readyz", "/metrics"}) {
    if (StartsWithSegment(path, p)) return true;
  }
  return false;
}

}  // namespace

bool IsClientRoute(std::string_view path) {
  if (path == "/" || path == "/index.html") return true;
  // /compte/verifier and /connexion/lien are the links of the account mails.
  for (std::string_view p : {"/demarches", "/suivi", "/qualite", "/agents", "/compte", "/connexion",
                             "/accessibilite", "/mentions-legales"}) {
    if (StartsWithSegment(path, p)) return true;
  }
  return false;
}

std::string_view ContentTypeOf(std::string_view filename) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 18> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  }};
  const auto dot = filename.rfind('.');
  if (dot != std::string_view::npos) {
    const auto ext = filename.substr(dot);
    for (const auto& [e, type] : kTypes) {
      if (e == ext) return type;
    }
  }
  return "application/octet-stream";
}

StaticSite::StaticSite(StaticSiteOptions options) : options_(std::move(options)) {
  std::error_code ec;
  root_ = fs::weakly_canonical(options_.dist, ec);
  if (ec) root_ = options_.dist;
}

bool StaticSite::Ready() const {
  std::error_code ec;
  return fs::is_regular_file(root_ / "index.html", ec);
}

std::string StaticSite::ContentSecurityPolicy() const {
  const std::string tiles = options_.tile_origin.empty() ? "" : " " + options_.tile_origin;
  // React and Leaflet set style attributes: styles allow 'unsafe-inline';
  // scripts come from this origin only.
  return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
         "img-src 'self' data: blob:" +
         tiles +
         "; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
         "form-action 'self'; frame-ancestors 'none'";
}

void StaticSite::SecurityHeaders(Response& res) const {
  res.set("Content-Security-Policy", ContentSecurityPolicy());
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "same-origin");
  res.set("X-Frame-Options", "DENY");
  res.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)");
}

std::optional<fs::path> StaticSite::FileFor(const std::string& path) const {
  if (path.empty() || path.front() != '/') return std::nullopt;
  // No dot segments, backslashes or NULs: the URL maps under dist or nowhere.
  if (path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) {
    return std::nullopt;
  }
  std::stringstream segments(path.substr(1));
  std::string seg;
  fs::path file = root_;
  while (std::getline(segments, seg, '/')) {
    if (seg == ".." || seg == ".") return std::nullopt;
    if (!seg.empty()) file /= seg;
  }
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  // A symbolic link out of dist is refused too.
  const fs::path real = fs::canonical(file, ec);
  if (ec) return std::nullopt;
  const auto rel = real.lexically_relative(root_);
  if (rel.empty() || rel.native().starts_with("..")) return std::nullopt;
  return real;
}

Response StaticSite::File(const Context& ctx, const fs::path& file,
                          const std::string& cache_control) const {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  const auto mtime = fs::last_write_time(file, ec);
  if (ec || size > kMaxFileSize) {
    return ctx.Problem(status::not_found, "Aucune ressource à cette adresse.");
  }
  std::ostringstream tag;
  tag << '"' << std::hex << size << '-' << mtime.time_since_epoch().count() << '"';
  const std::string etag = tag.str();
  Response res;
  const std::string inm = ctx.Header(bhttp::field::if_none_match);
  if (!inm.empty() && (inm == etag || inm == "W/" + etag || inm == "*")) {
    res = ctx.Text(status::not_modified, "", ContentTypeOf(file.filename().string()));
  } else {
    std::ifstream in(file, std::ios::binary);
    std::string body(size, '\0');
    if (!in.read(body.data(), static_cast<std::streamsize>(size))) {
      return ctx.Problem(status::internal_server_error, "Une erreur interne est survenue.");
    }
    res = ctx.Text(status::ok, std::move(body), ContentTypeOf(file.filename().string()));
  }
  res.set(bhttp::field::etag, etag);
  res.set(bhttp::field::cache_control, cache_control);
  SecurityHeaders(res);
  return res;
}

Response StaticSite::Serve(const Context& ctx) const {
  const std::string& path = ctx.path;
  if (IsReserved(path)) {
    return ctx.Problem(status::not_found, "Aucune ressource à cette adresse.");
  }
  const auto method = ctx.req.method();
  if (method != bhttp::verb::get && method != bhttp::verb::head) {
    Response res = ctx.Problem(status::method_not_allowed,
                               "La méthode " + std::string(ctx.req.method_string()) +
                                   " n’est pas permise sur cette ressource.");
    res.set(bhttp::field::allow, "GET, HEAD");
    return res;
  }
  if (auto file = FileFor(path); file && path != "/index.html") {
    return File(ctx, *file, path.starts_with(kHashedPrefix) ? kImmutable : kRevalidate);
  }
  if (IsClientRoute(path)) {
    if (auto index = FileFor("/index.html")) return File(ctx, *index, kRevalidate);
    return ctx.Problem(status::service_unavailable,
                       "Le portail n’est pas construit : lancez « make run » (npm run build).");
  }
  Response res = ctx.Problem(status::not_found, "Aucune ressource à cette adresse.");
  SecurityHeaders(res);
  return res;
}

void StaticSite::Register(Router& router) {
  router.AddFallback("/",
                     [this](Context& ctx) -> asio::awaitable<Response> { co_return Serve(ctx); });
}

}  // namespace guichet::http
