#include "app/web_config.hpp"

namespace guichet::app {

http::PortalInfo PortalInfoOf(const Config& c) {
  http::PortalInfo p;
  p.contact_email = c.web_contact_email;
  p.contact_phone = c.web_contact_phone;
  p.contact_address = c.web_contact_address;
  p.tile_url = c.web_tile_url;
  p.tile_attribution = c.web_tile_attribution;
  p.map_lat = c.web_map_lat;
  p.map_lon = c.web_map_lon;
  p.map_zoom = c.web_map_zoom;
  p.oidc_login = !c.oidc_issuer.empty();
  return p;
}

std::string OriginOf(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  const auto end = url.find('/', scheme + 3);
  std::string origin = end == std::string::npos ? url : url.substr(0, end);
  // Leaflet's {s} subdomains become a CSP wildcard.
  if (auto s = origin.find("{s}"); s != std::string::npos) origin.replace(s, 3, "*");
  return origin;
}

}  // namespace guichet::app
