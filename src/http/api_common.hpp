// Helpers shared by the handlers of API v1: versions and ETags, idempotency
// keys, content types. Internal to the http module.
#pragma once

#include <optional>
#include <string>

#include "domain/case_service.hpp"
#include "http/router.hpp"

namespace guichet::http {

// Who calls the API. Until identity lands, every caller is the loopback
// client, acting with the `agent` role and seeing every request; its
// AccessScope (domain/access.hpp) is ScopeOf(ApiCaller(ctx)).
domain::Actor ApiCaller(const Context& ctx);

// "v<version>", quoted: the ETag of a request.
std::string ETagOf(const domain::Request& r);
// If-Match: "v3" or W/"v3" → 3; "*" or absent → no expectation; any other
// value is an ETag we never issued: kPreconditionFailed.
Result<std::optional<std::int64_t>> ExpectedVersion(const Context& ctx);
// The Idempotency-Key of a POST with a fingerprint of its method, path and body.
std::optional<domain::Idempotency> IdempotencyOf(const Context& ctx);
bool IsJson(const Context& ctx, bool allow_merge_patch = false);
Response UnsupportedMedia(const Context& ctx);
// {"items": [...]} serialised, without copying the items.
std::string ItemsJson(nlohmann::json items);

// The filters of request lists shared by GET /api/v1/requests and the
// inbox: status and category (comma-separated), team, channel, service.
// Returns false for another key; a bad value adds a field error.
bool ParseRequestFilter(const std::string& key, const std::string& value, domain::RequestQuery& q,
                        std::vector<FieldError>& errs);

// The request as JSON with its ETag.
Response WithRequest(const Context& ctx, bhttp::status st, const domain::Request& r);

}  // namespace guichet::http
