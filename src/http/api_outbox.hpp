// API v1 of the outbox: the messages to citizens and their delivery state,
// the dead letters agents retry.
//   GET  /api/v1/outbox?state=dead&request=GU-…&cursor=…&limit=…
//   GET  /api/v1/outbox/{id}
//   POST /api/v1/outbox/{id}/retry
#pragma once

#include <nlohmann/json.hpp>

#include "domain/case_service.hpp"
#include "domain/outbox_service.hpp"
#include "http/router.hpp"

namespace guichet::http {

class OutboxApi {
 public:
  OutboxApi(domain::OutboxService& outbox, domain::CaseService& cases);
  void Register(Router& router);

 private:
  domain::OutboxService& outbox_;
  domain::CaseService& cases_;
};

nlohmann::json ToJson(const domain::OutboxMessage& m);

}  // namespace guichet::http
