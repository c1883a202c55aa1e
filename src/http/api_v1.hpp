// API v1: the JSON routes over the case model, plus health, readiness,
// metrics and the OpenAPI document. The handlers only translate between
// HTTP/JSON and the domain use cases.
#pragma once

#include "domain/case_service.hpp"
#include "domain/store.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

namespace guichet::http {

class ApiV1 {
 public:
  ApiV1(domain::CaseService& cases, domain::Store& store, Metrics& metrics);
  void Register(Router& router);

 private:
  domain::CaseService& cases_;
  domain::Store& store_;
  Metrics& metrics_;
};

// The OpenAPI document (docs/openapi.yaml, embedded at build time) as JSON.
const std::string& OpenApiJson();

}  // namespace guichet::http
