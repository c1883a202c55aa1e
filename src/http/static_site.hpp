// Serves the built web front end (web/dist) beside the API: files with their
// content type, an ETag (size and modification time) and 304 answers;
// Vite's hashed assets (/assets/…) cached for a year as immutable,
// everything else revalidated (index.html: no-cache); the portal's client
// routes (/, /demarches/…, /suivi, /qualite, /agents/…, /compte/…,
// /connexion/…) answered with index.html. It never answers for the API or
// the probes: under /api/, /open311/, /healthz, /readyz and /metrics an
// unknown path stays a 404 problem. Every answer carries the security headers (CSP without any
// third-party host but the configured tile server).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "http/router.hpp"

namespace guichet::http {

struct StaticSiteOptions {
  std::filesystem::path dist;  // the directory holding index.html
  std::string tile_origin;     // "https://tiles.example.org", allowed for images; may be empty
};

class StaticSite {
 public:
  explicit StaticSite(StaticSiteOptions options);
  // Registers the fallback for every path no API route matches.
  void Register(Router& router);
  // True when index.html exists (the front end was built).
  bool Ready() const;

  // The answer to a GET or HEAD of `ctx.path` (for tests: no router needed).
  Response Serve(const Context& ctx) const;
  std::string ContentSecurityPolicy() const;

 private:
  // The regular file under dist for a URL path, or nullopt (never outside dist).
  std::optional<std::filesystem::path> FileFor(const std::string& path) const;
  Response File(const Context& ctx, const std::filesystem::path& file,
                const std::string& cache_control) const;
  void SecurityHeaders(Response& res) const;

  StaticSiteOptions options_;
  std::filesystem::path root_;  // canonical dist
};

// True for the paths of the portal's client-side routes.
bool IsClientRoute(std::string_view path);
// The Content-Type of a file name, by extension ("application/octet-stream" otherwise).
std::string_view ContentTypeOf(std::string_view filename);

}  // namespace guichet::http
