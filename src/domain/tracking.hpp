// "Suivre ma demande": what a citizen without an account may see and do on
// a request, given its reference and the email or phone it was filed with —
// read its status, deadlines and public timeline, reply, add documents, and
// rate it once it is finished.
//
// No enumeration: a wrong reference and a wrong contact get the same
// kNotFound with the same message. Thread-safe; writes are asynchronous
// like CaseService's (`done` on the store's writer thread, exactly once).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/case_service.hpp"

namespace guichet::domain {

inline constexpr size_t kMaxRatingCommentLength = 2000;  // code points

// The proof a citizen gives: the reference and one of the contact details.
struct TrackProof {
  std::string reference;
  std::string contact;  // an email address or a phone number
  // A signed-in citizen: their own request needs no contact (empty contact).
  std::optional<std::int64_t> citizen_id;
};

// The request as its citizen sees it: never internal notes or assignments.
struct CitizenView {
  Request request;
  std::vector<Event> timeline;  // messages, status changes, attachments
  std::vector<RequestDeadline> deadlines;
  std::optional<Rating> rating;
};

// True for the events a citizen sees on their own request.
bool VisibleToCitizen(const Event& e);

class TrackingService {
 public:
  TrackingService(Store& store, CaseService& cases, const Clock& clock);

  Result<CitizenView> Track(const TrackProof& proof) const;
  // A message from the citizen (may be empty when files are sent), with
  // unattached uploads joined to the request.
  void Reply(const TrackProof& proof, std::string message, std::vector<std::string> files,
             Done<Request> done);
  // Once the request is finished (resolved, rejected, closed); once only (kConflict).
  void Rate(const TrackProof& proof, int score, std::string comment, Done<Rating> done);
  // Files a request made without an account under the account of
  // `citizen_id`, proven by its reference and contact (never by the session
  // alone). A request already under another account answers the same
  // kNotFound as a wrong reference or contact.
  void Attach(const TrackProof& proof, std::int64_t citizen_id, Done<Request> done);

 private:
  Result<Request> Prove(const TrackProof& proof) const;

  Store& store_;
  CaseService& cases_;
  const Clock& clock_;
};

}  // namespace guichet::domain
