// API v1 for identity: citizen sign-up, verification, password, magic link
// and reset; agent login with TOTP and enrolment; sessions and logout; the
// citizen's preferences; the administration of agents and teams. Every
// blocking use case runs on the identity BlockingPool.
#pragma once

#include "domain/identity_service.hpp"
#include "domain/store.hpp"
#include "http/blocking_pool.hpp"
#include "http/router.hpp"

namespace guichet::http {

class IdentityApi {
 public:
  IdentityApi(domain::IdentityService& identity, domain::Store& store, BlockingPool& pool,
              Timestamp session_absolute)
      : identity_(identity), store_(store), pool_(pool), session_absolute_(session_absolute) {}
  void Register(Router& router);

 private:
  Response SessionResponse(const Context& ctx, const domain::IssuedSession& s) const;

  domain::IdentityService& identity_;
  domain::Store& store_;
  BlockingPool& pool_;
  Timestamp session_absolute_;
};

}  // namespace guichet::http
