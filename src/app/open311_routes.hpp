// The HTTP routes of the Open311 GeoReport v2 channel, under /open311/v2/.
// The channel (src/channels/open311/) knows nothing of HTTP; this glue reads
// the parameters, picks the format from the suffix and sends its Reply.
#pragma once

#include <string>

#include "channels/open311/open311.hpp"
#include "http/router.hpp"

namespace guichet::app {

inline constexpr const char* kOpen311Prefix = "/open311/v2";

// `base_url`: the public URL of /open311/v2 for the discovery document;
// when empty, it is built from the Host header of each request.
void RegisterOpen311(http::Router& router, const channels::open311::Endpoint& endpoint,
                     std::string base_url);

}  // namespace guichet::app
