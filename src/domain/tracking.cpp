#include "domain/tracking.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "core/reference.hpp"
#include "core/text.hpp"
#include "domain/validation.hpp"

namespace guichet::domain {

namespace {

constexpr const char* kNoMatch =
    "Aucune demande ne correspond à cette référence et à ces coordonnées.";

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

Actor CitizenOf(const Request& r) { return Actor{Actor::Kind::kCitizen, r.citizen_id.value_or(0)}; }

}  // namespace

bool VisibleToCitizen(const Event& e) {
  return e.kind == EventKind::kMessageIn || e.kind == EventKind::kMessageOut ||
         e.kind == EventKind::kStatusChange || e.kind == EventKind::kAttachment;
}

TrackingService::TrackingService(Store& store, CaseService& cases, const Clock& clock)
    : store_(store), cases_(cases), clock_(clock) {}

Result<Request> TrackingService::Prove(const TrackProof& proof) const {
  const std::string ref = NormalizeReference(Trim(proof.reference));
  const std::string contact = Trim(proof.contact);
  if (!LooksLikeReference(ref) || (contact.empty() && !proof.citizen_id)) {
    return Error::NotFound(kNoMatch);
  }
  auto r = store_.GetRequestByReference(ref);
  if (!r.ok()) {
    if (r.error().code() == ErrorCode::kNotFound) return Error::NotFound(kNoMatch);
    return r.error();
  }
  if (contact.empty()) {
    // The session proves the citizen; the request must be filed under them.
    if (r->citizen_id != proof.citizen_id) return Error::NotFound(kNoMatch);
    return r;
  }
  const bool by_email = contact.find('@') != std::string::npos && !r->contact.email.empty() &&
                        AsciiLower(contact) == AsciiLower(r->contact.email);
  const auto phone = by_email ? std::nullopt : NormalizePhone(contact);
  const bool by_phone = phone && !r->contact.phone.empty() && *phone == r->contact.phone;
  if (!by_email && !by_phone) return Error::NotFound(kNoMatch);
  return r;
}

Result<CitizenView> TrackingService::Track(const TrackProof& proof) const {
  auto r = Prove(proof);
  if (!r.ok()) return r.error();
  CitizenView view;
  auto events = store_.ListEvents(r->id);
  if (!events.ok()) return events.error();
  for (auto& e : *events) {
    if (VisibleToCitizen(e)) view.timeline.push_back(std::move(e));
  }
  auto deadlines = cases_.Deadlines(*r);
  if (!deadlines.ok()) return deadlines.error();
  view.deadlines = std::move(*deadlines);
  auto rating = store_.GetRating(r->id);
  if (rating.ok()) {
    view.rating = std::move(*rating);
  } else if (rating.error().code() != ErrorCode::kNotFound) {
    return rating.error();
  }
  view.request = std::move(*r);
  return view;
}

void TrackingService::Reply(const TrackProof& proof, std::string message,
                            std::vector<std::string> files, Done<Request> done) {
  auto r = Prove(proof);
  if (!r.ok()) return done(r.error());
  message = Trim(message);
  std::vector<FieldError> errs;
  if (!IsValidUtf8(message)) {
    errs.push_back({"message", "Le message n’est pas un texte UTF-8 valide."});
  } else if (Utf8Length(message) > kMaxMessageLength) {
    errs.push_back(
        {"message", "Le message dépasse " + std::to_string(kMaxMessageLength) + " caractères."});
  }
  if (message.empty() && files.empty()) {
    errs.push_back({"message", "Écrivez un message ou joignez un document."});
  }
  for (size_t i = 0; i < files.size(); ++i) {
    auto u = store_.GetUpload(files[i]);
    if (!u.ok() || u->request_id) {
      errs.push_back(
          {"files." + std::to_string(i), "Ce fichier est inconnu ou déjà joint à une demande."});
    }
  }
  if (!errs.empty()) return done(Error::Invalid("Le message contient des erreurs.", errs));
  const Timestamp now = clock_.Now();
  const std::int64_t id = r->id;
  const Actor citizen = CitizenOf(*r);
  auto out = std::make_shared<Request>();
  store_.Write(
      [id, message, files, citizen, now, out](WriteTx& tx) -> Status {
        auto req = tx.GetRequest(id);
        if (!req.ok()) return req.error();
        if (!message.empty()) {
          Event e;
          e.request_id = id;
          e.kind = EventKind::kMessageIn;
          e.channel = Channel::kWeb;
          e.author = citizen.Label();
          e.body = message;
          e.data_json = R"({"tracking":true})";
          e.created_at = now;
          auto eid = tx.AppendEvent(e);
          if (!eid.ok()) return eid.error();
        }
        GUICHET_TRY(AttachFiles(tx, id, files, Channel::kWeb, citizen, now));
        req->updated_at = now;
        GUICHET_TRY(tx.UpdateRequest(*req, req->version));
        req->version += 1;
        *out = std::move(*req);
        return Status::Ok();
      },
      [out, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s.error());
        done(std::move(*out));
      });
}

void TrackingService::Rate(const TrackProof& proof, int score, std::string comment,
                           Done<Rating> done) {
  auto r = Prove(proof);
  if (!r.ok()) return done(r.error());
  comment = Trim(comment);
  std::vector<FieldError> errs;
  if (score < 1 || score > 5) errs.push_back({"score", "La note va de 1 à 5."});
  if (!IsValidUtf8(comment)) {
    errs.push_back({"comment", "Le commentaire n’est pas un texte UTF-8 valide."});
  } else if (Utf8Length(comment) > kMaxRatingCommentLength) {
    errs.push_back({"comment", "Le commentaire dépasse " + std::to_string(kMaxRatingCommentLength) +
                                   " caractères."});
  }
  if (!errs.empty()) return done(Error::Invalid("L’évaluation contient des erreurs.", errs));
  if (!IsTerminal(r->category)) {
    return done(Error::Rule("Vous pourrez évaluer la réponse une fois la demande terminée."));
  }
  const Rating rating{r->id, score, comment, clock_.Now()};
  store_.Write([rating](WriteTx& tx) { return tx.InsertRating(rating); },
               [rating, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(s.error());
                 done(rating);
               });
}

void TrackingService::Attach(const TrackProof& proof, std::int64_t citizen_id, Done<Request> done) {
  TrackProof by_contact = proof;
  by_contact.citizen_id.reset();
  auto r = Prove(by_contact);
  if (!r.ok()) return done(r.error());
  if (r->citizen_id && *r->citizen_id != citizen_id) return done(Error::NotFound(kNoMatch));
  if (r->citizen_id) return done(std::move(*r));  // already theirs: nothing to do
  const Timestamp now = clock_.Now();
  const std::int64_t id = r->id;
  auto out = std::make_shared<Request>();
  store_.Write(
      [id, citizen_id, now, out](WriteTx& tx) -> Status {
        auto req = tx.GetRequest(id);
        if (!req.ok()) return req.error();
        // Checked again in the transaction: two accounts cannot both take it.
        if (req->citizen_id && *req->citizen_id != citizen_id) {
          return Error::NotFound(kNoMatch);
        }
        req->citizen_id = citizen_id;
        req->updated_at = now;
        GUICHET_TRY(tx.UpdateRequest(*req, req->version));
        req->version += 1;
        Event e;
        e.request_id = id;
        e.kind = EventKind::kNote;
        e.author = Actor{Actor::Kind::kCitizen, citizen_id}.Label();
        e.body =
            "Demande rattachée au compte du citoyen, qui l’a prouvée par sa référence et "
            "ses coordonnées.";
        e.data_json = nlohmann::json{{"attached_to_citizen", citizen_id}}.dump();
        e.created_at = now;
        auto eid = tx.AppendEvent(e);
        if (!eid.ok()) return eid.error();
        *out = std::move(*req);
        return Status::Ok();
      },
      [out, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s.error());
        done(std::move(*out));
      });
}

}  // namespace guichet::domain
