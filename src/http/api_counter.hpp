// API v1 of what agents record on a citizen's behalf (see docs/api.md):
// finding and creating citizens, phone calls and counter visits, postal
// letters and the text extracted from their scans.
//
// Staff only. Every lookup of citizens is written to the audit log, one line
// per citizen shown (their access journal lists it); a request named in a
// body is checked against the caller's teams like one in a path.
#pragma once

#include "domain/backoffice.hpp"
#include "domain/case_service.hpp"
#include "domain/counter.hpp"
#include "http/router.hpp"

namespace guichet::http {

class CounterApi {
 public:
  CounterApi(domain::CaseService& cases, domain::CounterService& counter,
             domain::BackofficeService& backoffice, const Clock& clock);
  void Register(Router& router);

 private:
  domain::CaseService& cases_;
  domain::CounterService& counter_;
  domain::BackofficeService& backoffice_;
  const Clock& clock_;
};

}  // namespace guichet::http
