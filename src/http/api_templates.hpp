// API v1 of the notification templates (domain/templates.hpp):
//   GET  /api/v1/templates                 every template, default or customised
//   GET  /api/v1/templates/{id}            one ("reply.sms")
//   PUT  /api/v1/templates/{id}            a platform administrator's version
//   POST /api/v1/templates/{id}/preview    rendered with sample or given variables
#pragma once

#include "domain/templates.hpp"
#include "http/router.hpp"

namespace guichet::http {

class TemplatesApi {
 public:
  explicit TemplatesApi(domain::TemplateService& templates);
  void Register(Router& router);

 private:
  domain::TemplateService& templates_;
};

}  // namespace guichet::http
