#include "http/problem.hpp"

#include <nlohmann/json.hpp>

namespace guichet::http {

namespace bhttp = boost::beast::http;

bhttp::status StatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return bhttp::status::bad_request;
    case ErrorCode::kNotFound:
      return bhttp::status::not_found;
    case ErrorCode::kConflict:
      return bhttp::status::conflict;
    case ErrorCode::kPreconditionFailed:
      return bhttp::status::precondition_failed;
    case ErrorCode::kBusinessRule:
      return bhttp::status::unprocessable_entity;
    case ErrorCode::kTooLarge:
      return bhttp::status::payload_too_large;
    case ErrorCode::kUnauthenticated:
      return bhttp::status::unauthorized;
    case ErrorCode::kForbidden:
      return bhttp::status::forbidden;
    case ErrorCode::kRateLimited:
      return bhttp::status::too_many_requests;
    case ErrorCode::kUnavailable:
      return bhttp::status::service_unavailable;
    case ErrorCode::kInternal:
      return bhttp::status::internal_server_error;
  }
  return bhttp::status::internal_server_error;
}

namespace {

struct ProblemType {
  const char* slug;
  const char* title;
};

ProblemType TypeFor(bhttp::status status) {
  switch (status) {
    case bhttp::status::bad_request:
      return {"requete-invalide", "Requête invalide"};
    case bhttp::status::unauthorized:
      return {"authentification-requise", "Authentification requise"};
    case bhttp::status::forbidden:
      return {"acces-refuse", "Accès refusé"};
    case bhttp::status::not_found:
      return {"introuvable", "Ressource introuvable"};
    case bhttp::status::method_not_allowed:
      return {"methode-non-permise", "Méthode non permise"};
    case bhttp::status::conflict:
      return {"conflit", "Conflit"};
    case bhttp::status::precondition_failed:
      return {"version-perimee", "La ressource a été modifiée entre-temps"};
    case bhttp::status::payload_too_large:
      return {"trop-volumineux", "Contenu trop volumineux"};
    case bhttp::status::unsupported_media_type:
      return {"type-non-pris-en-charge", "Type de contenu non pris en charge"};
    case bhttp::status::unprocessable_entity:
      return {"regle-metier", "Opération refusée"};
    case bhttp::status::too_many_requests:
      return {"trop-de-requetes", "Trop de requêtes"};
    case bhttp::status::request_header_fields_too_large:
      return {"en-tetes-trop-volumineux", "En-têtes trop volumineux"};
    case bhttp::status::service_unavailable:
      return {"indisponible", "Service momentanément indisponible"};
    default:
      return {"erreur-interne", "Erreur interne"};
  }
}

}  // namespace

std::string ProblemJson(const Error& error, bhttp::status status, const std::string& instance,
                        const std::string& request_id) {
  const ProblemType type = TypeFor(status);
  nlohmann::json body = {
      {"type", std::string("/problemes/") + type.slug},
      {"title", type.title},
      {"status", static_cast<int>(status)},
      {"detail", error.message()},
      {"instance", instance},
      {"request_id", request_id},
  };
  if (!error.fields().empty()) {
    auto& errors = body["errors"] = nlohmann::json::array();
    for (const auto& f : error.fields())
      errors.push_back({{"field", f.field}, {"detail", f.message}});
  }
  if (!error.allowed().empty()) body["allowed"] = error.allowed();
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace guichet::http
