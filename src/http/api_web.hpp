// The API routes of the citizen portal (issue #7) that are not the
// procedures': the portal's identity (GET /api/v1/portal), "Suivre ma
// demande" without an account (POST /api/v1/track, /track/messages,
// /track/rating — rate-limited per client address; a signed-in citizen follows
// their own requests without the contact, and attaches one made without an
// account with POST /api/v1/track/attach) and the public quality
// figures (GET /api/v1/quality, JSON or CSV).
#pragma once

#include <string>

#include "domain/case_service.hpp"
#include "domain/tracking.hpp"
#include "http/rate_limit.hpp"
#include "http/router.hpp"

namespace guichet::http {

// What the portal shows of the town hall, from the configuration.
struct PortalInfo {
  std::string contact_email;
  std::string contact_phone;
  std::string contact_address;
  std::string tile_url;          // a {z}/{x}/{y} tile server; empty: no base map
  std::string tile_attribution;  // shown under the map
  double map_lat = 46.6;         // where the map opens
  double map_lon = 2.4;
  int map_zoom = 13;
  bool oidc_login = false;  // [oidc] is configured: the portal offers the FranceConnect button
};

// Calls of the tracking routes allowed per client address and minute.
inline constexpr int kTrackCallsPerMinute = 30;
// Attempts to attach a request to an account allowed per account and hour.
inline constexpr int kAttachCallsPerHour = 10;

class WebApi {
 public:
  WebApi(domain::CaseService& cases, domain::TrackingService& tracking, domain::Store& store,
         const Clock& clock, PortalInfo portal);
  void Register(Router& router);

 private:
  // nullopt: the call may proceed; otherwise the 429 answer.
  std::optional<Response> Limited(const Context& ctx, const domain::TrackProof& proof);

  domain::CaseService& cases_;
  domain::TrackingService& tracking_;
  domain::Store& store_;
  const Clock& clock_;
  PortalInfo portal_;
  RateLimiter limiter_{kTrackCallsPerMinute, std::chrono::minutes(1)};
  RateLimiter attach_limiter_{kAttachCallsPerHour, std::chrono::hours(1)};
};

}  // namespace guichet::http
