// API v1 for identity: citizen sign-up, verification, password, magic link
// and reset; agent login with TOTP and enrolment; sessions and logout; the
// citizen's preferences; the administration of agents and teams. Every
// blocking use case runs on the identity BlockingPool.
#pragma once

#include "domain/identity_service.hpp"
#include "domain/store.hpp"
#include "http/blocking_pool.hpp"
#include "http/rate_limit.hpp"
#include "http/router.hpp"

namespace guichet::http {

// Account mails (sign-up, verification, magic link, reset) allowed per hour
// for one address and from one client address, whether or not an account
// exists: past them, 429 for every address alike, and no mail.
inline constexpr int kAccountMailsPerAddressPerHour = 5;
inline constexpr int kAccountMailsPerIpPerHour = 30;

class IdentityApi {
 public:
  IdentityApi(domain::IdentityService& identity, domain::Store& store, BlockingPool& pool,
              Timestamp session_absolute)
      : identity_(identity), store_(store), pool_(pool), session_absolute_(session_absolute) {}
  void Register(Router& router);

 private:
  Response SessionResponse(const Context& ctx, const domain::IssuedSession& s) const;
  // nullopt: a mail may be sent to `email` for this caller; otherwise the 429 answer.
  std::optional<Response> MailLimited(const Context& ctx, const std::string& email);
  Handler MailToAddress(Status (domain::IdentityService::*send)(const std::string&));

  domain::IdentityService& identity_;
  domain::Store& store_;
  BlockingPool& pool_;
  Timestamp session_absolute_;
  RateLimiter mails_per_address_{kAccountMailsPerAddressPerHour, std::chrono::hours(1)};
  RateLimiter mails_per_ip_{kAccountMailsPerIpPerHour, std::chrono::hours(1)};
};

}  // namespace guichet::http
