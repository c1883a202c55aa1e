#include "domain/case_service.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "core/reference.hpp"
#include "domain/validation.hpp"

namespace guichet::domain {
namespace {

constexpr int kReferenceAttempts = 8;
constexpr const char* kRequestsScope = "requests";

void CheckText(std::vector<FieldError>& errs, const std::string& field, const std::string& value,
               size_t max, bool required, const char* what) {
  if (!IsValidUtf8(value)) {
    errs.push_back({field, std::string(what) + " n’est pas un texte UTF-8 valide."});
  } else if (required && value.find_first_not_of(" \t\r\n") == std::string::npos) {
    errs.push_back({field, std::string(what) + " est obligatoire."});
  } else if (Utf8Length(value) > max) {
    errs.push_back({field, std::string(what) + " dépasse " + std::to_string(max) + " caractères."});
  }
}

Status CheckVersion(const Request& r, std::optional<std::int64_t> expected) {
  if (expected && *expected != r.version) {
    return Error::Stale("La demande a été modifiée entre-temps (version " +
                        std::to_string(r.version) + ") ; rechargez-la avant de recommencer.");
  }
  return Status::Ok();
}

Status CheckIdempotency(WriteTx& tx, const std::string& scope, const Idempotency& idem,
                        std::int64_t& existing_id) {
  existing_id = 0;
  auto rec = tx.FindIdempotency(scope, idem.key);
  if (!rec) return Status::Ok();
  if (rec->fingerprint != idem.fingerprint) {
    return Error::Rule(
        "Cette clé d’idempotence a déjà servi pour une autre requête ; utilisez une nouvelle clé.");
  }
  existing_id = rec->resource_id;
  return Status::Ok();
}

}  // namespace

CaseService::CaseService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

Status CaseService::LoadCatalogue() {
  auto services = store_.ListServices();
  if (!services.ok()) return services.error();
  auto teams = store_.ListTeams();
  if (!teams.ok()) return teams.error();
  std::lock_guard lock(mu_);
  services_.clear();
  teams_.clear();
  for (auto& s : *services) services_[s.id] = s;
  for (auto& t : *teams) teams_[t.id] = t;
  return Status::Ok();
}

std::optional<Service> CaseService::FindService(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = services_.find(id);
  if (it == services_.end()) return std::nullopt;
  return it->second;
}

std::vector<Service> CaseService::Services() const {
  std::lock_guard lock(mu_);
  std::vector<Service> out;
  for (const auto& [_, s] : services_) out.push_back(s);
  std::sort(out.begin(), out.end(), [](const Service& a, const Service& b) { return a.id < b.id; });
  return out;
}

std::vector<Team> CaseService::Teams() const {
  std::lock_guard lock(mu_);
  std::vector<Team> out;
  for (const auto& [_, t] : teams_) out.push_back(t);
  std::sort(out.begin(), out.end(), [](const Team& a, const Team& b) { return a.id < b.id; });
  return out;
}

const Workflow& CaseService::WorkflowFor(const std::string&) const { return Workflow::Default(); }

std::vector<FieldError> CaseService::Validate(NewRequest& in) const {
  std::vector<FieldError> errs;
  const auto service = FindService(in.service_id);
  if (in.service_id.empty()) {
    errs.push_back({"service", "Le service est obligatoire."});
  } else if (!service || !service->active) {
    errs.push_back({"service", "Le service « " + in.service_id + " » n’existe pas."});
  }
  if (in.title.empty() && service) in.title = service->name;
  CheckText(errs, "title", in.title, kMaxTitleLength, false, "Le titre");
  CheckText(errs, "description", in.description, kMaxDescriptionLength, true, "La description");
  CheckText(errs, "contact.name", in.contact.name, kMaxNameLength, false, "Le nom");
  if (!in.contact.email.empty() && !IsValidEmail(in.contact.email)) {
    errs.push_back({"contact.email", "L’adresse électronique n’est pas valide."});
  }
  if (!in.contact.phone.empty()) {
    if (auto phone = NormalizePhone(in.contact.phone)) {
      in.contact.phone = *phone;
    } else {
      errs.push_back(
          {"contact.phone",
           "Le numéro de téléphone n’est pas valide (ex. : 06 12 34 56 78 ou +33612345678)."});
    }
  }
  if (in.location) {
    if (!(in.location->lat >= -90 && in.location->lat <= 90)) {
      errs.push_back({"location.lat", "La latitude doit être comprise entre -90 et 90."});
    }
    if (!(in.location->lon >= -180 && in.location->lon <= 180)) {
      errs.push_back({"location.lon", "La longitude doit être comprise entre -180 et 180."});
    }
    CheckText(errs, "location.address", in.location->address, kMaxAddressLength, false,
              "L’adresse");
  }
  if (in.data_json.empty()) in.data_json = "{}";
  auto data = nlohmann::json::parse(in.data_json, nullptr, false);
  if (data.is_discarded() || !data.is_object()) {
    errs.push_back({"data", "Les données du formulaire doivent être un objet JSON."});
  }
  return errs;
}

void CaseService::Create(NewRequest in, Actor actor, std::optional<Idempotency> idem,
                         Done<Created> done) {
  std::vector<FieldError> errs = Validate(in);
  if (idem && idem->key.size() > kMaxIdempotencyKeyLength) {
    errs.push_back({"Idempotency-Key", "La clé d’idempotence dépasse 255 caractères."});
  }
  if (!errs.empty()) {
    done(Error::Invalid("La demande contient des erreurs.", std::move(errs)));
    return;
  }

  const auto service = FindService(in.service_id);
  const Workflow& wf = WorkflowFor(in.service_id);
  Request r;
  r.service_id = in.service_id;
  r.title = std::move(in.title);
  r.description = std::move(in.description);
  r.citizen_id = in.citizen_id;
  r.contact = std::move(in.contact);
  r.channel = in.channel;
  r.status = wf.initial();
  r.category = wf.FindStatus(wf.initial())->category;
  r.priority = in.priority;
  r.location = std::move(in.location);
  r.data_json = nlohmann::json::parse(in.data_json).dump();
  r.created_at = r.updated_at = clock_.Now();
  r.due_at = r.created_at + service->due_days * kMicrosPerDay;
  r.team_id = service->team_id;

  auto out = std::make_shared<Created>();
  store_.Write(
      [r = std::move(r), idem, out, actor](WriteTx& tx) mutable -> Status {
        if (idem) {
          std::int64_t existing = 0;
          GUICHET_TRY(CheckIdempotency(tx, kRequestsScope, *idem, existing));
          if (existing) {
            auto prior = tx.GetRequest(existing);
            if (!prior.ok()) return prior.error();
            out->request = std::move(*prior);
            out->replayed = true;
            return Status::Ok();
          }
        }
        const int year = DateOf(r.created_at).year;
        for (int i = 0; i < kReferenceAttempts; ++i) {
          r.reference = NewReference(year);
          if (!tx.ReferenceExists(r.reference)) break;
        }
        auto id = tx.InsertRequest(r);
        if (!id.ok()) return id.error();
        r.id = *id;
        Event e;
        e.request_id = r.id;
        e.kind = EventKind::kMessageIn;
        e.channel = r.channel;
        e.author = actor.Label();
        e.body = r.description;
        e.created_at = r.created_at;
        GUICHET_TRY(tx.AppendEvent(e));
        if (idem) {
          GUICHET_TRY(tx.SaveIdempotency(
              {kRequestsScope, idem->key, idem->fingerprint, r.id, r.created_at}));
        }
        out->request = std::move(r);
        return Status::Ok();
      },
      [out, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s.error());
        done(std::move(*out));
      });
}

Result<Request> CaseService::Get(const std::string& key) const {
  std::int64_t id = 0;
  auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
  if (ec == std::errc() && ptr == key.data() + key.size() && id > 0) return store_.GetRequest(id);
  const std::string ref = NormalizeReference(key);
  if (!LooksLikeReference(ref)) {
    return Error::NotFound("Aucune demande ne correspond à « " + key + " ».");
  }
  return store_.GetRequestByReference(ref);
}

Result<RequestPage> CaseService::List(const RequestQuery& q) const {
  return store_.ListRequests(q);
}

Result<std::vector<Event>> CaseService::Timeline(std::int64_t request_id) const {
  auto r = store_.GetRequest(request_id);
  if (!r.ok()) return r.error();
  return store_.ListEvents(request_id);
}

void CaseService::AddEvent(std::int64_t request_id, NewEvent in, Actor actor,
                           std::optional<std::int64_t> expected_version,
                           std::optional<Idempotency> idem, Done<EventAdded> done) {
  std::vector<FieldError> errs;
  CheckText(errs, "body", in.body, kMaxMessageLength, true, "Le message");
  const bool is_message = in.kind == EventKind::kMessageIn || in.kind == EventKind::kMessageOut;
  if (!is_message && in.kind != EventKind::kNote) {
    errs.push_back({"kind", "Seuls les messages et les notes internes s’ajoutent ainsi."});
  }
  if (is_message && !in.channel) {
    errs.push_back({"channel", "Le canal du message est obligatoire."});
  }
  if (!is_message) in.channel.reset();
  if (!errs.empty()) {
    done(Error::Invalid("L’événement contient des erreurs.", std::move(errs)));
    return;
  }
  const Timestamp now = clock_.Now();
  auto out = std::make_shared<EventAdded>();
  store_.Write(
      [=](WriteTx& tx) -> Status {
        const std::string scope = "events:" + std::to_string(request_id);
        std::int64_t existing = 0;
        if (idem) GUICHET_TRY(CheckIdempotency(tx, scope, *idem, existing));
        auto r = tx.GetRequest(request_id);
        if (!r.ok()) return r.error();
        if (existing) {
          out->request = std::move(*r);
          out->event.id = existing;
          out->replayed = true;
          return Status::Ok();
        }
        GUICHET_TRY(CheckVersion(*r, expected_version));
        Event e;
        e.request_id = request_id;
        e.kind = in.kind;
        e.channel = in.channel;
        e.author = actor.Label();
        e.body = in.body;
        e.created_at = now;
        auto id = tx.AppendEvent(e);
        if (!id.ok()) return id.error();
        e.id = *id;
        r->updated_at = now;
        GUICHET_TRY(tx.UpdateRequest(*r, r->version));
        r->version += 1;
        if (idem) GUICHET_TRY(tx.SaveIdempotency({scope, idem->key, idem->fingerprint, e.id, now}));
        out->event = std::move(e);
        out->request = std::move(*r);
        return Status::Ok();
      },
      [out, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s.error());
        done(std::move(*out));
      });
}

void CaseService::ChangeStatus(std::int64_t request_id, std::string to, std::string comment,
                               Actor actor, std::optional<std::int64_t> expected_version,
                               Done<Request> done) {
  std::vector<FieldError> errs;
  if (to.empty()) errs.push_back({"to", "Le statut visé est obligatoire."});
  CheckText(errs, "comment", comment, kMaxMessageLength, false, "Le commentaire");
  if (!errs.empty()) {
    done(Error::Invalid("Le changement de statut contient des erreurs.", std::move(errs)));
    return;
  }
  const Timestamp now = clock_.Now();
  auto out = std::make_shared<Request>();
  store_.Write(
      [this, request_id, to, comment, actor, expected_version, now, out](WriteTx& tx) -> Status {
        auto r = tx.GetRequest(request_id);
        if (!r.ok()) return r.error();
        GUICHET_TRY(CheckVersion(*r, expected_version));
        const Workflow& wf = WorkflowFor(r->service_id);
        auto t = wf.Find(r->status, to);
        if (!t.ok()) return t.error();
        if ((*t)->comment_required && comment.find_first_not_of(" \t\r\n") == std::string::npos) {
          return Error::Invalid("Un commentaire est obligatoire pour ce changement de statut.",
                                {{"comment", "Expliquez la décision au citoyen."}});
        }
        const WorkflowStatus* target = wf.FindStatus((*t)->to);
        const std::string from = r->status;
        r->status = target->code;
        r->category = target->category;
        r->closed_at = IsTerminal(target->category) ? std::optional<Timestamp>(now) : std::nullopt;
        r->updated_at = now;
        GUICHET_TRY(tx.UpdateRequest(*r, r->version));
        r->version += 1;
        Event e;
        e.request_id = request_id;
        e.kind = EventKind::kStatusChange;
        e.author = actor.Label();
        e.body = comment;
        e.data_json =
            nlohmann::json{{"from", from}, {"to", r->status}, {"transition", (*t)->name}}.dump();
        e.created_at = now;
        GUICHET_TRY(tx.AppendEvent(e));
        *out = std::move(*r);
        return Status::Ok();
      },
      [out, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s.error());
        done(std::move(*out));
      });
}

void CaseService::Assign(std::int64_t request_id, Assignment a, Actor actor,
                         std::optional<std::int64_t> expected_version, Done<Request> done) {
  if (a.team_id) {
    std::lock_guard lock(mu_);
    if (!teams_.count(*a.team_id)) {
      done(Error::Invalid("L’affectation contient des erreurs.",
                          {{"team", "L’équipe « " + *a.team_id + " » n’existe pas."}}));
      return;
    }
  }
  if (!a.team_id && !a.agent_id) {
    done(Error::Invalid("Indiquez une équipe ou un agent.",
                        {{"team", "Indiquez une équipe ou un agent."}}));
    return;
  }
  const Timestamp now = clock_.Now();
  auto out = std::make_shared<Request>();
  store_.Write(
      [=](WriteTx& tx) -> Status {
        auto r = tx.GetRequest(request_id);
        if (!r.ok()) return r.error();
        GUICHET_TRY(CheckVersion(*r, expected_version));
        nlohmann::json data = nlohmann::json::object();
        if (a.team_id) {
          data["from_team"] = r->team_id;
          data["team"] = *a.team_id;
          r->team_id = *a.team_id;
        }
        if (a.agent_id) {
          const auto& agent = *a.agent_id;
          if (agent && !tx.AgentExists(*agent)) {
            return Error::Invalid(
                "L’affectation contient des erreurs.",
                {{"agent_id", "L’agent " + std::to_string(*agent) + " n’existe pas."}});
          }
          data["agent"] = agent ? nlohmann::json(*agent) : nlohmann::json(nullptr);
          r->agent_id = agent;
        }
        r->updated_at = now;
        GUICHET_TRY(tx.UpdateRequest(*r, r->version));
        r->version += 1;
        Event e;
        e.request_id = request_id;
        e.kind = EventKind::kAssignment;
        e.author = actor.Label();
        e.data_json = data.dump();
        e.created_at = now;
        GUICHET_TRY(tx.AppendEvent(e));
        *out = std::move(*r);
        return Status::Ok();
      },
      [out, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s.error());
        done(std::move(*out));
      });
}

}  // namespace guichet::domain
