#include "domain/drafts.hpp"

#include <nlohmann/json.hpp>

#include "core/digest.hpp"
#include "domain/validation.hpp"

namespace guichet::domain {
namespace {

constexpr std::size_t kTokenBytes = 32;  // 256 bits: drafts are reached by token alone

Error DraftNotFound() {
  return Error::NotFound(
      "Ce brouillon n’existe pas ou a expiré (les brouillons sont conservés "
      "un temps limité).");
}

}  // namespace

DraftService::DraftService(Store& store, const Clock& clock, CaseService& cases,
                           ContentSniffer& sniffer, std::chrono::hours ttl)
    : store_(store),
      clock_(clock),
      cases_(cases),
      sniffer_(sniffer),
      ttl_(std::chrono::duration_cast<std::chrono::microseconds>(ttl).count()) {}

void DraftService::Save(const std::string& service_id, const std::string& token,
                        std::string data_json, Done<SavedDraft> done) {
  const auto cat = cases_.catalogue();
  const Procedure* proc = cat->FindProcedure(service_id);
  if (!proc || !proc->active) {
    done(Error::NotFound("Cette démarche n’existe pas."));
    return;
  }
  if (data_json.size() > kMaxDraftBytes) {
    done(
        Error::TooLarge("Le brouillon dépasse " + std::to_string(kMaxDraftBytes / 1024) + " Kio."));
    return;
  }
  const auto data = nlohmann::json::parse(data_json, nullptr, false);
  if (data.is_discarded() || !data.is_object()) {
    done(Error::Invalid("Le brouillon contient des erreurs.",
                        {{"data", "Les réponses doivent être un objet JSON."}}));
    return;
  }
  const Timestamp now = clock_.Now();
  auto out = std::make_shared<SavedDraft>();
  const FileLookup files = cases_.UnattachedUploads();
  for (auto& e :
       ValidateForm(proc->form, data_json, FormMode::kDraft, FormatDate(ParisDateOf(now)), files)
           .errors) {
    out->warnings.push_back({"data." + e.field, std::move(e.message)});
  }
  out->token = token.empty() ? RandomToken(kTokenBytes) : token;
  Draft& d = out->draft;
  d.id = Sha256Hex(out->token);
  d.service_id = service_id;
  d.data_json = data.dump();
  d.created_at = d.updated_at = now;
  d.expires_at = now + ttl_;
  if (!token.empty()) {
    auto prior = store_.GetDraft(d.id);
    if (!prior.ok() || prior->expires_at <= now) {
      done(DraftNotFound());
      return;
    }
    if (prior->service_id != service_id) {
      done(Error::Rule("Ce brouillon appartient à une autre démarche."));
      return;
    }
    d.created_at = prior->created_at;
    d.citizen_id = prior->citizen_id;
  }
  store_.Write([out](WriteTx& tx) { return tx.SaveDraft(out->draft); },
               [out, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(s.error());
                 done(std::move(*out));
               });
}

Result<Draft> DraftService::Get(const std::string& token) const {
  auto d = store_.GetDraft(Sha256Hex(token));
  if (!d.ok() || d->expires_at <= clock_.Now()) return DraftNotFound();
  return d;
}

void DraftService::Delete(const std::string& token, Done<bool> done) {
  auto d = Get(token);
  if (!d.ok()) {
    done(d.error());
    return;
  }
  const std::string id = d->id;
  store_.Write([id](WriteTx& tx) { return tx.DeleteDraft(id); },
               [done = std::move(done)](Status s) {
                 if (!s.ok()) return done(s.error());
                 done(true);
               });
}

void DraftService::Submit(const std::string& token, NewRequest in, Actor actor,
                          std::optional<Idempotency> idem, Done<Created> done) {
  auto d = Get(token);
  if (!d.ok()) {
    done(d.error());
    return;
  }
  in.service_id = d->service_id;
  in.data_json = d->data_json;
  in.citizen_id = d->citizen_id;
  in.form_mode = FormMode::kSubmit;
  const std::string id = d->id;
  Store& store = store_;
  cases_.Create(std::move(in), std::move(actor), std::move(idem),
                [&store, id, done = std::move(done)](Result<Created> created) {
                  if (!created.ok()) return done(std::move(created));
                  // The request is durable; a draft left behind would only expire.
                  store.Write([id](WriteTx& tx) { return tx.DeleteDraft(id); },
                              [created = std::move(created), done](Status) mutable {
                                done(std::move(created));
                              });
                });
}

Result<std::int64_t> DraftService::Purge() {
  const Timestamp now = clock_.Now();
  auto count = std::make_shared<std::int64_t>(0);
  GUICHET_TRY(store_.WriteSync([now, count](WriteTx& tx) {
    *count = tx.DeleteExpiredDrafts(now);
    return Status::Ok();
  }));
  return *count;
}

void DraftService::Upload(std::string filename, std::string bytes, Done<domain::Upload> done) {
  std::vector<FieldError> errs;
  if (bytes.empty()) errs.push_back({"body", "Le fichier est vide."});
  if (bytes.size() > kMaxUploadBytes) {
    errs.push_back(
        {"body", "Le fichier dépasse " + std::to_string(kMaxUploadBytes >> 20) + " Mo."});
  }
  if (filename.empty() || filename.size() > kMaxFilenameLength || !IsValidUtf8(filename) ||
      filename.find_first_of("/\\\r\n") != std::string::npos) {
    errs.push_back({"filename",
                    "Indiquez un nom de fichier valide (255 caractères au plus, sans "
                    "« / »)."});
  }
  if (!errs.empty()) {
    done(Error::Invalid("Le fichier ne peut pas être reçu.", std::move(errs)));
    return;
  }
  auto u = std::make_shared<domain::Upload>(
      NewUpload(std::move(filename), sniffer_.MimeType(bytes), bytes, clock_.Now()));
  auto content = std::make_shared<std::string>(std::move(bytes));
  store_.Write([u, content](WriteTx& tx) { return tx.InsertUpload(*u, *content); },
               [u, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(s.error());
                 done(std::move(*u));
               });
}

}  // namespace guichet::domain
