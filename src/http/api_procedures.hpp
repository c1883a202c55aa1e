// API v1 for procedures (démarches): definitions, form submission, drafts,
// uploads, deadlines, corrections, and the catalogue reload.
#pragma once

#include <functional>

#include "domain/case_service.hpp"
#include "domain/drafts.hpp"
#include "http/router.hpp"

namespace guichet::http {

class ProcedureApi {
 public:
  // `reload` re-reads the catalogue files and installs them if valid: it
  // returns the problems found (empty when the new catalogue is in use).
  using Reload = std::function<std::vector<std::string>()>;

  ProcedureApi(domain::CaseService& cases, domain::DraftService& drafts, Reload reload);
  void Register(Router& router);

 private:
  static void FileUnderCaller(const Context& ctx, domain::NewRequest& in);
  Result<domain::Upload> VisibleUpload(const Context& ctx, const std::string& id);

  domain::CaseService& cases_;
  domain::DraftService& drafts_;
  Reload reload_;
};

}  // namespace guichet::http
