// Drafts and uploads: what a citizen prepares before submitting a form.
//
// A draft is reached by an unguessable token the citizen keeps (the database
// holds only its SHA-256); it expires after a configurable delay. An upload
// is typed from its bytes by a ContentSniffer, never from its name, and
// stays unattached until a submitted form refers to it.
//
// Thread-safe; writes call `done` once, on the store's writer thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "domain/case_service.hpp"

namespace guichet::domain {

// Tells the MIME type of content from its bytes. Implementations are thread-safe.
class ContentSniffer {
 public:
  virtual ~ContentSniffer() = default;
  virtual std::string MimeType(std::string_view bytes) = 0;
};

inline constexpr std::size_t kMaxUploadBytes = 10 * 1024 * 1024;  // the largest field limit allowed
inline constexpr std::size_t kMaxDraftBytes = 256 * 1024;         // answers of one form, as JSON
inline constexpr std::size_t kMaxFilenameLength = 255;

struct SavedDraft {
  std::string token;  // only ever returned to the citizen, never stored
  Draft draft;
  // Problems with what is already filled in (the draft is saved anyway).
  std::vector<FieldError> warnings;
};

class DraftService {
 public:
  DraftService(Store& store, const Clock& clock, CaseService& cases, ContentSniffer& sniffer,
               std::chrono::hours ttl);

  // Creates a draft (empty `token`) or replaces the answers of one; each save
  // pushes the expiry back by the ttl.
  void Save(const std::string& service_id, const std::string& token, std::string data_json,
            Done<SavedDraft> done);
  // kNotFound once expired.
  Result<Draft> Get(const std::string& token) const;
  void Delete(const std::string& token, Done<bool> done);
  // Submits the draft's answers with `in`'s contact and location (the form
  // must now be complete), then deletes the draft.
  void Submit(const std::string& token, NewRequest in, Actor actor, std::optional<Idempotency> idem,
              Done<Created> done);
  // Deletes expired drafts; returns how many.
  Result<std::int64_t> Purge();

  // Stores a file typed from its content.
  void Upload(std::string filename, std::string bytes, Done<domain::Upload> done);

 private:
  Store& store_;
  const Clock& clock_;
  CaseService& cases_;
  ContentSniffer& sniffer_;
  const Timestamp ttl_;
};

}  // namespace guichet::domain
