// The Open311 GeoReport v2 channel: the standard street-issue API
// (https://wiki.open311.org/GeoReport_v2, copied in the reference folder),
// an adapter from its parameters to the domain's use cases. Requests filed
// here go through CaseService::Create like every other channel (channel
// "open311"), validated against the procedure's form.
//
// Transport-free: the HTTP routes (src/app/open311_routes.cpp) pass the
// decoded parameters in and send the Reply out. Only procedures flagged
// `open311 = true` in the catalogue are visible; answers never carry
// personal data (names, emails, phones).
//
// Thread-safe: the Endpoint holds no mutable state.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "channels/open311/document.hpp"
#include "core/time.hpp"
#include "domain/api_keys.hpp"
#include "domain/case_service.hpp"

namespace guichet::channels::open311 {

enum class Format { kXml, kJson };

// "033.xml" → ("033", kXml); nullopt for another or no suffix.
std::optional<std::pair<std::string, Format>> SplitFormat(std::string_view file);

// Decoded query or form parameters, in order (repeated keys kept).
using Params = std::vector<std::pair<std::string, std::string>>;

struct Reply {
  int status = 200;
  Format format = Format::kXml;
  std::string body;
  // The request a POST created or added to: not sent, it tells the server's
  // audit log which request the call was about.
  std::optional<domain::Request> request;
  // "text/xml; charset=utf-8" or "application/json; charset=utf-8".
  std::string ContentType() const;
};

struct Options {
  // Checked when set: another value is a 404, as the spec says.
  std::string jurisdiction_id;
  std::string contact = "Mairie : contactez l’accueil de la mairie.";
  std::string key_service = "Demandez une clé d’API à la mairie (guichet api-key create).";
};

// Limits of the spec and of this endpoint.
inline constexpr std::size_t kMaxDescription = 4000;     // code points, as the spec says
inline constexpr std::size_t kMaxMediaUrl = 2048;        // bytes
inline constexpr int kDefaultQueryLimit = 1000;          // "first 1000 requests"
inline constexpr int kMaxSpanDays = 90;                  // start_date..end_date
inline constexpr std::size_t kMaxIdsPerQuery = 200;      // service_request_id list
inline constexpr std::size_t kMaxAttributeValues = 100;  // attribute[code][] values
inline constexpr std::size_t kMaxUpdateId = 200;         // a client's own update id, bytes

class Endpoint {
 public:
  Endpoint(domain::CaseService& cases, const domain::ApiKeyService& keys, const Clock& clock,
           Options options);

  // `base_url`: the absolute URL of /open311/v2 as the client reached it.
  Reply Discovery(Format f, const Params& q, const std::string& base_url) const;
  Reply Services(Format f, const Params& q) const;
  Reply ServiceDefinition(Format f, const std::string& code, const Params& q) const;
  // `form`: the form-encoded body; `bearer`: the Authorization Bearer secret,
  // accepted in place of the api_key parameter. `done` is called once, on
  // any thread.
  void PostRequest(Format f, const Params& form, const std::string& bearer,
                   std::function<void(Reply)> done) const;
  Reply GetRequests(Format f, const Params& q) const;
  Reply GetRequest(Format f, const std::string& id, const Params& q) const;
  Reply GetToken(Format f, const std::string& token, const Params& q) const;
  // FixMyStreet's extension: status changes since a date. Each status is the
  // workflow status's `open311_status`, else derived from its category.
  Reply GetUpdates(Format f, const Params& q) const;
  // FixMyStreet's extension: a citizen's follow-up on a report, added to its
  // timeline as an incoming message (channel open311) through
  // CaseService::AddEvent; answered with the new update_id. The `status` the
  // client sends is recorded with the message, never applied: agents move
  // the workflow. A client `update_id` makes a retry safe (same answer).
  // `done` is called once, on any thread.
  void PostUpdate(Format f, const Params& form, const std::string& bearer,
                  std::function<void(Reply)> done) const;
  // An error reply (404 for a resource that does not exist…).
  static Reply Errors(Format f, int status, std::vector<std::string> descriptions);

 private:
  std::optional<Reply> CheckJurisdiction(Format f, const Params& q) const;
  // A 403 (503 when the keys cannot be read) unless `api_key` or `bearer` is
  // a valid Open311 key, whose id goes to `key_id`.
  std::optional<Reply> CheckKey(Format f, const Params& form, const std::string& bearer,
                                std::int64_t& key_id) const;
  std::vector<std::string> PublishedServices() const;

  domain::CaseService& cases_;
  const domain::ApiKeyService& keys_;
  const Clock& clock_;
  Options options_;
};

}  // namespace guichet::channels::open311
