// The access policy of every route, in one table: a route registered
// without an entry here stops the server at start-up (Router::Add), and the
// role-matrix test (tests/access_matrix_test.cpp) checks each entry against
// every kind of caller. Records are checked again by the handlers against
// the caller's domain::AccessScope (agents: their teams; citizens: their own).
#include <array>

#include "http/router.hpp"

namespace guichet::http {
namespace {

using bhttp::verb;

struct Rule {
  verb method;
  std::string_view pattern;
  Access access;
};

constexpr auto kPolicy = std::to_array<Rule>({
    // Operations and the API's own description.
    {verb::get, "/healthz", Access::kPublic},
    {verb::get, "/readyz", Access::kPublic},
    {verb::get, "/metrics", Access::kLoopback},
    {verb::get, "/api/v1/openapi.json", Access::kPublic},
    // The catalogue, and what a citizen needs without an account.
    {verb::get, "/api/v1/services", Access::kPublic},
    {verb::get, "/api/v1/teams", Access::kPublic},
    // Who a request of the team may be given to: that team's staff only.
    {verb::get, "/api/v1/teams/{id}/agents", Access::kStaff},
    {verb::get, "/api/v1/services/{slug}", Access::kPublic},
    {verb::post, "/api/v1/services/{slug}/requests", Access::kPublic},
    {verb::post, "/api/v1/services/{slug}/drafts", Access::kPublic},
    {verb::get, "/api/v1/drafts/{token}", Access::kPublic},
    {verb::put, "/api/v1/drafts/{token}", Access::kPublic},
    {verb::delete_, "/api/v1/drafts/{token}", Access::kPublic},
    {verb::post, "/api/v1/drafts/{token}/submit", Access::kPublic},
    {verb::post, "/api/v1/uploads", Access::kPublic},
    // An upload id is unguessable; once attached, the request's scope applies.
    {verb::get, "/api/v1/uploads/{id}", Access::kPublic},
    {verb::get, "/api/v1/uploads/{id}/content", Access::kPublic},
    // The proof is the email or phone the request was filed with.
    {verb::post, "/api/v1/requests/{id}/corrections", Access::kPublic},
    // Requests: read by whoever may see them, changed by staff.
    {verb::post, "/api/v1/requests", Access::kSignedIn},
    {verb::get, "/api/v1/requests", Access::kSignedIn},
    {verb::get, "/api/v1/requests/{id}", Access::kSignedIn},
    {verb::patch, "/api/v1/requests/{id}", Access::kStaff},
    {verb::get, "/api/v1/requests/{id}/events", Access::kSignedIn},
    {verb::post, "/api/v1/requests/{id}/events", Access::kStaff},
    {verb::get, "/api/v1/requests/{id}/transitions", Access::kSignedIn},
    {verb::post, "/api/v1/requests/{id}/transitions", Access::kStaff},
    {verb::get, "/api/v1/requests/{id}/deadlines", Access::kSignedIn},
    // Identity.
    {verb::post, "/api/v1/auth/signup", Access::kPublic},
    {verb::post, "/api/v1/auth/verify", Access::kPublic},
    {verb::post, "/api/v1/auth/verify/resend", Access::kPublic},
    {verb::post, "/api/v1/auth/login", Access::kPublic},
    {verb::post, "/api/v1/auth/magic-link", Access::kPublic},
    {verb::post, "/api/v1/auth/magic-link/consume", Access::kPublic},
    {verb::post, "/api/v1/auth/password-reset", Access::kPublic},
    {verb::post, "/api/v1/auth/password-reset/confirm", Access::kPublic},
    {verb::post, "/api/v1/auth/agent-login", Access::kPublic},
    // FranceConnect-style login: the browser arrives signed out, by redirects.
    {verb::get, "/api/v1/auth/oidc/start", Access::kPublic},
    {verb::get, "/api/v1/auth/oidc/callback", Access::kPublic},
    {verb::get, "/api/v1/auth/session", Access::kSignedIn},
    {verb::post, "/api/v1/auth/logout", Access::kSignedIn},
    {verb::post, "/api/v1/auth/logout-all", Access::kSignedIn},
    {verb::post, "/api/v1/auth/totp/enroll", Access::kAgent},
    {verb::post, "/api/v1/auth/totp/confirm", Access::kAgent},
    {verb::get, "/api/v1/me", Access::kCitizen},
    {verb::patch, "/api/v1/me", Access::kCitizen},
    // Administration of the platform.
    {verb::post, "/api/v1/admin/catalogue/reload", Access::kAdmin},
    {verb::get, "/api/v1/admin/agents", Access::kAdmin},
    {verb::post, "/api/v1/admin/agents", Access::kAdmin},
    {verb::get, "/api/v1/admin/agents/{id}", Access::kAdmin},
    {verb::patch, "/api/v1/admin/agents/{id}", Access::kAdmin},
    {verb::put, "/api/v1/admin/teams/{id}", Access::kAdmin},
    // The back-office: staff only; each record is checked against the
    // caller's teams, lists and counts are narrowed to them in SQL.
    {verb::get, "/api/v1/inbox", Access::kStaff},
    {verb::get, "/api/v1/inbox/counts", Access::kStaff},
    {verb::get, "/api/v1/search", Access::kStaff},
    {verb::post, "/api/v1/requests/{id}/assign", Access::kStaff},
    {verb::post, "/api/v1/requests/{id}/notes", Access::kStaff},
    {verb::post, "/api/v1/requests/{id}/replies", Access::kStaff},
    {verb::post, "/api/v1/requests/{id}/merge", Access::kStaff},
    {verb::get, "/api/v1/requests/{id}/links", Access::kStaff},
    {verb::post, "/api/v1/requests/{id}/links", Access::kStaff},
    {verb::post, "/api/v1/bulk/status", Access::kStaff},
    {verb::post, "/api/v1/bulk/assign", Access::kStaff},
    {verb::get, "/api/v1/canned-responses", Access::kStaff},
    {verb::get, "/api/v1/canned-responses/{id}", Access::kStaff},
    {verb::post, "/api/v1/canned-responses", Access::kSupervisor},
    {verb::put, "/api/v1/canned-responses/{id}", Access::kSupervisor},
    {verb::delete_, "/api/v1/canned-responses/{id}", Access::kSupervisor},
    {verb::get, "/api/v1/audit", Access::kAdmin},
    // Calls, counter visits and postal mail recorded on a citizen's behalf:
    // staff; a request named in the body or path is checked against the
    // caller's teams, and every citizen lookup is audited.
    {verb::get, "/api/v1/citizens", Access::kStaff},
    {verb::post, "/api/v1/citizens", Access::kStaff},
    {verb::post, "/api/v1/contacts", Access::kStaff},
    {verb::post, "/api/v1/postal-mail", Access::kStaff},
    {verb::get, "/api/v1/requests/{id}/scans", Access::kStaff},
    // Outbound messages and their delivery: staff; the SMS gateway's webhook
    // proves itself with its HMAC signature, not with a session.
    {verb::get, "/api/v1/outbox", Access::kStaff},
    {verb::get, "/api/v1/outbox/{id}", Access::kStaff},
    {verb::post, "/api/v1/outbox/{id}/retry", Access::kStaff},
    {verb::post, "/api/v1/channels/sms/inbound", Access::kPublic},
    // Raw mail from `guichet mailgate` on this machine: the [mail]
    // ingest_secret it shares with the server, not a session.
    {verb::post, "/api/v1/channels/mail/inbound", Access::kPublic},
    {verb::post, "/api/v1/channels/sms/status", Access::kPublic},
    // Letters waiting for the print room, and the notification templates:
    // agents read them, a platform administrator changes the templates.
    {verb::get, "/api/v1/letters", Access::kStaff},
    {verb::get, "/api/v1/letters/{id}/pdf", Access::kStaff},
    {verb::post, "/api/v1/letters/{id}/printed", Access::kStaff},
    {verb::get, "/api/v1/templates", Access::kStaff},
    {verb::get, "/api/v1/templates/{id}", Access::kStaff},
    {verb::put, "/api/v1/templates/{id}", Access::kAdmin},
    {verb::delete_, "/api/v1/templates/{id}", Access::kAdmin},
    {verb::post, "/api/v1/templates/{id}/preview", Access::kStaff},
    // The citizen portal: the town hall's details, following a request with
    // the reference and the contact it was filed with, the quality figures.
    {verb::get, "/api/v1/portal", Access::kPublic},
    {verb::post, "/api/v1/track", Access::kPublic},
    {verb::post, "/api/v1/track/messages", Access::kPublic},
    {verb::post, "/api/v1/track/rating", Access::kPublic},
    // Proven by reference and contact, like /track, by a signed-in citizen.
    {verb::post, "/api/v1/track/attach", Access::kCitizen},
    {verb::get, "/api/v1/quality", Access::kPublic},
});

// Open311 GeoReport v2 keeps its own rules (an api_key parameter for POSTs).
constexpr std::string_view kOpen311Prefix = "/open311/";

}  // namespace

std::string_view ToString(Access a) {
  switch (a) {
    case Access::kPublic:
      return "public";
    case Access::kLoopback:
      return "loopback";
    case Access::kSignedIn:
      return "signed-in";
    case Access::kCitizen:
      return "citizen";
    case Access::kAgent:
      return "agent";
    case Access::kStaff:
      return "staff";
    case Access::kSupervisor:
      return "supervisor";
    case Access::kAdmin:
      return "admin";
  }
  return "?";
}

std::optional<Access> DeclaredAccess(bhttp::verb method, std::string_view pattern) {
  for (const auto& r : kPolicy) {
    if (r.method == method && r.pattern == pattern) return r.access;
  }
  if (pattern.starts_with(kOpen311Prefix)) return Access::kPublic;
  return std::nullopt;
}

}  // namespace guichet::http
