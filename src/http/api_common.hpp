// Helpers shared by the handlers of API v1: versions and ETags, idempotency
// keys, content types. Internal to the http module.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/case_service.hpp"
#include "http/router.hpp"

namespace guichet::http {

// Who calls the API, as the router's guard (http/auth.hpp) resolved it:
// a citizen or agent session, an API key, or anonymous. Its AccessScope
// (domain/access.hpp) is ScopeOf(ApiCaller(ctx)).
domain::Actor ApiCaller(const Context& ctx);
// The caller acting on `r`: an agent's workflow roles are those of their
// role in r's team (a supervisor of one team is an agent in another).
domain::Actor ApiCallerOn(const Context& ctx, const domain::Request& r);
// The request `id_or_reference` when the caller may see it; kNotFound (the
// same answer as for a request that does not exist) otherwise.
Result<domain::Request> VisibleRequest(const Context& ctx, const domain::CaseService& cases,
                                       const std::string& id_or_reference);
// Narrows a list query to what the caller may see; false when nothing can match.
bool LimitToScope(const Context& ctx, domain::RequestQuery& q);

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

// The string member `key` of a JSON object body ("" when absent or null); a
// field error when it is of another type.
std::string StringField(const nlohmann::json& j, const char* key, std::vector<FieldError>& errs);

// Names r as the request this call is about (Context::subject), for the
// audit hook.
void NoteSubject(const Context& ctx, const domain::Request& r);
// The request as JSON with its ETag; notes it as the call's subject.
Response WithRequest(const Context& ctx, bhttp::status st, const domain::Request& r);

// The JSON object of the request body; kInvalidArgument (`what`, one error
// per key) when it has a key not in `allowed`.
Result<nlohmann::json> ObjectBody(const Context& ctx,
                                  std::initializer_list<std::string_view> allowed,
                                  const char* what);
// j[key] as a string ("" when absent or null); a field error when not a string.
std::string StringField(const nlohmann::json& j, const char* key, std::vector<FieldError>& errs);

}  // namespace guichet::http
