// API v1 of the agent back-office: the inbox and its counts, full-text
// search, assignment, notes and replies, canned responses, merging and
// linking, bulk actions, and the audit log (see docs/api.md).
//
// Every route takes the caller from ApiCaller(ctx) and shows or touches
// only what domain::ScopeOf(caller) allows; a request outside the scope
// answers 404, as if it did not exist.
#pragma once

#include "domain/backoffice.hpp"
#include "domain/case_service.hpp"
#include "http/router.hpp"

namespace guichet::http {

// The header a caller states its purpose in, kept in the audit log.
inline constexpr const char* kPurposeHeader = "Guichet-Purpose";

// An audit line for the caller of `ctx` at `now`: who (actor), from where
// (IP, User-Agent) and why (Guichet-Purpose); the caller fills in the rest.
domain::AuditEntry AuditEntryOf(const Context& ctx, Timestamp now);

class BackofficeApi {
 public:
  BackofficeApi(domain::CaseService& cases, domain::BackofficeService& backoffice,
                domain::Store& store, const Clock& clock);
  void Register(Router& router);

  // Records `ctx` in the audit log when it wrote something (any method but
  // GET/HEAD, answered below 400) or read personal data (the request
  // routes, lists, search, the audit log itself). Called by the server once
  // the response is built; never blocks on the write.
  void Audit(const Context& ctx, const Response& res);

 private:
  domain::CaseService& cases_;
  domain::BackofficeService& backoffice_;
  domain::Store& store_;
  const Clock& clock_;
};

}  // namespace guichet::http
