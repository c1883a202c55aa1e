// JSON representations of the domain (API v1), both ways. Parsing returns
// every field error at once.
#pragma once

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "domain/case_service.hpp"
#include "domain/model.hpp"

namespace guichet::http {

nlohmann::json ToJson(const domain::Request& r);
// The same JSON as ToJson(r).dump() (the same bytes, but for the case of the
// hex digits of \u escapes), written straight to text: GET by id and list
// pages spent more time building nlohmann's tree than reading SQLite.
std::string ToJsonText(const domain::Request& r);
// {"items": [...], "next_cursor": "…" or null}.
std::string ToJsonText(const std::vector<domain::Request>& items,
                       const std::optional<std::string>& next_cursor);
nlohmann::json ToJson(const domain::Event& e);
nlohmann::json ToJson(const domain::Service& s);
nlohmann::json ToJson(const domain::Team& t);
nlohmann::json ToJson(const domain::Workflow& w);
nlohmann::json ToJson(const domain::Action& a);
nlohmann::json ToJson(const Delay& d);
// A request's deadline: name, label, legal, state, due_at and last_day.
nlohmann::json ToJson(const domain::RequestDeadline& d);
// The definition clients render a procedure's form from.
nlohmann::json ToJson(const domain::Procedure& p, const domain::Catalogue& cat);
// The roles that may fire `t` (the staff roles when it names none).
std::vector<std::string> RolesOf(const domain::Transition& t);

// Parses a JSON body (must be an object); kInvalidArgument otherwise.
Result<nlohmann::json> ParseBody(const std::string& body);

// Reads what it can and appends every shape error to `errs`; the domain's
// own checks (CaseService::Validate) run on the result so that a client gets
// all field errors in one answer.
domain::NewRequest ParseNewRequest(const nlohmann::json& j, std::vector<FieldError>& errs);
Result<domain::NewEvent> ParseNewEvent(const nlohmann::json& j);
Result<domain::Correction> ParseCorrection(const nlohmann::json& j);
Result<domain::Assignment> ParseAssignment(const nlohmann::json& j);

}  // namespace guichet::http
