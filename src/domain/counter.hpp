// Contacts an agent records on a citizen's behalf (issues #5 and #7): a phone
// call or a counter visit, and a postal letter's scan. The citizen is found
// by name, email or phone, or created; the call, visit or letter becomes a
// new request or a message on an existing one through CaseService, so the
// workflow (acknowledgement, deadlines) applies as for any other channel.
//
// A letter's scan is an upload (typed by its bytes) attached to the request;
// its text is extracted later by the OCR worker (workers/ocr_worker.hpp)
// through the TextExtractor port, and appended to the timeline as a note,
// which the full-text search indexes. A failed extraction is recorded on the
// scan's job and the timeline; the scan itself stays attached.
//
// Thread-safe. Writes are asynchronous like CaseService's: `done` runs once,
// on the store's writer thread, when the change is durable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/case_service.hpp"
#include "domain/counter_model.hpp"
#include "domain/store.hpp"

namespace guichet::domain {

inline constexpr int kMaxCitizenLookupResults = 20;
inline constexpr size_t kMaxLookupLength = 200;
// What a scan's text may add to the timeline; the rest is cut (a long
// letter is still found by its first pages).
inline constexpr size_t kMaxScanTextBytes = 100 * 1024;
// Extraction attempts before a scan's job is marked failed.
inline constexpr int kMaxScanAttempts = 3;
// The content types a postal scan may have (sniffed from its bytes).
bool IsScanType(std::string_view content_type);

// kInvalidArgument (field "q") for an empty, over-long or non-UTF-8 text.
Result<CitizenLookup> ParseCitizenLookup(std::string_view text, int limit);

struct NewCitizen {
  std::string name;
  std::string email;
  std::string phone;                         // any common French writing; stored E.164
  std::string postal_address;                // where letters go
  std::optional<Channel> preferred_channel;  // email, sms or postal; default from the details
};

// A phone call or a counter visit: a new request (service, title,
// description, location) or a message on `request_id`.
struct RecordedContact {
  Channel channel = Channel::kPhone;  // kPhone or kCounter
  std::int64_t citizen_id = 0;
  std::optional<std::int64_t> request_id;  // the existing request, already checked visible
  std::string service_id;
  std::string title;
  std::string description;
  std::optional<Location> location;
};

// A postal letter: its scan (an upload not attached yet) as a new request or
// onto `request_id`. The citizen is optional: a letter may come from someone
// without a record, whose name is then the contact's.
struct PostalLetter {
  std::string upload_id;
  std::optional<std::int64_t> citizen_id;
  std::string contact_name;
  std::optional<std::int64_t> request_id;
  std::string service_id;
  std::string title;
  std::string description;  // what the agent says of the letter (optional)
};

struct CitizenCreated {
  Citizen citizen;
  bool created = true;
};

struct Recorded {
  Request request;
  Event event;  // the message_in of the call, visit or letter
  bool created = false;
};

// Extracts the text of a scan (PDF, JPEG, PNG). Blocking; called from the
// OCR worker's thread, never from an I/O thread. Thread-safe.
class TextExtractor {
 public:
  virtual ~TextExtractor() = default;
  // The text (possibly empty: a blank page); an error when the tools fail.
  virtual Result<std::string> Extract(const std::string& content_type,
                                      const std::string& bytes) = 0;
};

class CounterService {
 public:
  CounterService(Store& store, CaseService& cases, const Clock& clock);

  Result<std::vector<Citizen>> FindCitizens(const CitizenLookup& q) const {
    return store_.FindCitizens(q);
  }
  // kInvalidArgument with every field error. When a citizen has this email
  // or phone already, nothing is written: `created` is false and `citizen`
  // is that citizen (checked in the write transaction: two agents creating
  // the same person at once make one record).
  void CreateCitizen(NewCitizen in, Done<CitizenCreated> done);

  // kNotFound for an unknown citizen; the use cases' errors otherwise.
  void RecordContact(RecordedContact in, Actor actor, Done<Recorded> done);
  // kInvalidArgument when the upload is unknown, attached already or not a
  // PDF, JPEG or PNG.
  void ReceiveLetter(PostalLetter in, Actor actor, Done<Recorded> done);

  Result<std::vector<PostalScan>> Scans(std::int64_t request_id) const {
    return store_.ListScans(request_id);
  }
  // The OCR worker's side: claim a due job, then record its outcome (text
  // appended to the timeline, or the failure, retried kMaxScanAttempts times).
  Result<std::vector<PostalScan>> DueScans(int limit) const;
  // False when another worker holds the job.
  Result<bool> ClaimScan(std::int64_t id, Timestamp lease);
  Status CompleteScan(const PostalScan& claimed, const Result<std::string>& outcome);

 private:
  Store& store_;
  CaseService& cases_;
  const Clock& clock_;
};

}  // namespace guichet::domain
