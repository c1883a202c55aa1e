// API v1 of the outbox: the messages to citizens and their delivery state,
// the dead letters agents retry.
//   GET  /api/v1/outbox?state=dead&request=GU-…&cursor=…&limit=…
//   GET  /api/v1/outbox/{id}
//   POST /api/v1/outbox/{id}/retry
//   GET  /api/v1/letters?printed=false&cursor=…&limit=…   the print queue
//   GET  /api/v1/letters/{id}/pdf                         a letter, from the spool
//   POST /api/v1/letters/{id}/printed
#pragma once

#include <nlohmann/json.hpp>

#include "domain/case_service.hpp"
#include "domain/outbox_service.hpp"
#include "http/router.hpp"

namespace guichet::http {

class OutboxApi {
 public:
  // `letter_spool`: the directory the letter sender writes PDFs to.
  OutboxApi(domain::OutboxService& outbox, domain::CaseService& cases,
            std::string letter_spool = {});
  void Register(Router& router);

 private:
  domain::OutboxService& outbox_;
  domain::CaseService& cases_;
  const std::string letter_spool_;
};

nlohmann::json ToJson(const domain::OutboxMessage& m);

}  // namespace guichet::http
