#include "domain/case_service.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <tuple>

#include "core/reference.hpp"
#include "domain/outbox.hpp"
#include "domain/validation.hpp"
#include "domain/workflow_engine.hpp"

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

void CollectFileIds(const std::vector<Field>& fields, const nlohmann::json& answers,
                    std::vector<std::string>& out) {
  if (!answers.is_object()) return;
  for (const auto& f : fields) {
    auto it = answers.find(f.key);
    if (it == answers.end()) continue;
    if (f.type == FieldType::kFile && it->is_array()) {
      for (const auto& id : *it) {
        if (id.is_string()) out.push_back(id.get<std::string>());
      }
    } else if (f.type == FieldType::kRepeat && it->is_array()) {
      for (const auto& entry : *it) CollectFileIds(f.fields, entry, out);
    }
  }
}

// The uploads a (validated, normalised) set of answers refers to.
std::vector<std::string> FileIdsOf(const Form& form, const std::string& data_json) {
  std::vector<std::string> out;
  CollectFileIds(form.fields, nlohmann::json::parse(data_json, nullptr, false), out);
  return out;
}

std::string AnswerText(const nlohmann::json& data, const std::string& key) {
  auto it = data.find(key);
  if (key.empty() || it == data.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("label") && (*it)["label"].is_string()) {
    return (*it)["label"].get<std::string>();
  }
  return {};
}

// The first address answer carrying coordinates, for location-based procedures.
std::optional<Location> LocationFromAnswers(const Form& form, const nlohmann::json& data) {
  for (const auto& f : form.fields) {
    if (f.type != FieldType::kAddress) continue;
    auto it = data.find(f.key);
    if (it == data.end() || !it->is_object()) continue;
    if (it->contains("lat") && it->contains("lon")) {
      return Location{(*it)["lat"].get<double>(), (*it)["lon"].get<double>(),
                      AnswerText(data, f.key)};
    }
  }
  return std::nullopt;
}

// Checks and normalises a new request against its procedure: the form (all
// errors, under "data."), then the request's own fields.
std::vector<FieldError> ValidateNew(const Catalogue& cat, NewRequest& in, Date today,
                                    const FileLookup& files) {
  std::vector<FieldError> errs;
  const Procedure* proc = in.service_id.empty() ? nullptr : cat.FindProcedure(in.service_id);
  if (in.service_id.empty()) {
    errs.push_back({"service", "Le service est obligatoire."});
  } else if (!proc || !proc->active) {
    errs.push_back({"service", "Le service « " + in.service_id + " » n’existe pas."});
    proc = nullptr;
  }
  if (in.data_json.empty()) in.data_json = "{}";
  const auto data = nlohmann::json::parse(in.data_json, nullptr, false);
  if (data.is_discarded() || !data.is_object()) {
    errs.push_back({"data", "Les données du formulaire doivent être un objet JSON."});
  } else if (proc && !proc->form.fields.empty()) {
    FormCheck check =
        ValidateForm(proc->form, in.data_json, in.form_mode, FormatDate(today), files);
    for (auto& e : check.errors) {
      errs.push_back({e.field.empty() ? "data" : "data." + e.field, std::move(e.message)});
    }
    if (check.errors.empty()) {
      in.data_json = std::move(check.normalized_json);
      const auto answers = nlohmann::json::parse(in.data_json);
      if (in.title.empty()) in.title = AnswerText(answers, proc->title_field);
      if (in.description.empty()) in.description = AnswerText(answers, proc->description_field);
      if (!in.location) in.location = LocationFromAnswers(proc->form, answers);
    }
  } else {
    in.data_json = data.dump();
  }
  if (proc) {
    if (in.title.empty()) in.title = proc->title;
    if (in.description.empty() && in.form_mode == FormMode::kSubmit) {
      in.description = "Demande déposée en ligne : " + proc->title + ".";
    }
    if (proc->location_based && !in.location && in.form_mode == FormMode::kSubmit) {
      errs.push_back({"location", "Indiquez le lieu concerné (adresse ou point sur la carte)."});
    }
  }
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
  return errs;
}

// Fires `t` on `r` inside `tx` and stores the result: the request (one
// version up) and what the engine produced (events, timers).
Status ApplyTransition(WriteTx& tx, const Catalogue& cat, Request& r, const Transition& t,
                       const std::string& comment, const Actor& actor, Timestamp now) {
  const EngineContext ctx{cat.FindProcedure(r.service_id), cat.WorkflowOf(r.service_id),
                          cat.holiday_region, now};
  auto fx = Transit(tx, r, t, comment, actor, ctx);
  if (!fx.ok()) return fx.error();
  GUICHET_TRY(tx.UpdateRequest(r, r.version));
  r.version += 1;
  return fx->Record(tx, r.id);
}

}  // namespace

// Attaches uploads to a request, each with its timeline event.
Status AttachFiles(WriteTx& tx, std::int64_t request_id, const std::vector<std::string>& files,
                   Channel channel, const Actor& actor, Timestamp now) {
  for (const auto& file : files) {
    GUICHET_TRY(tx.AttachUpload(file, request_id));
    Event a;
    a.request_id = request_id;
    a.kind = EventKind::kAttachment;
    a.channel = channel;
    a.author = actor.Label();
    a.data_json = nlohmann::json{{"upload", file}}.dump();
    a.created_at = now;
    GUICHET_TRY(tx.AppendEvent(a));
  }
  return Status::Ok();
}

namespace {

// The completion of a write whose result the op left in `*out`.
template <typename T>
Store::WriteDone Deliver(std::shared_ptr<T> out, Done<T> done) {
  return [out, done = std::move(done)](Status s) {
    if (!s.ok()) return done(s.error());
    done(std::move(*out));
  };
}

}  // namespace

CaseService::CaseService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

Status CaseService::InstallCatalogue(std::shared_ptr<const Catalogue> catalogue) {
  auto stored = store_.ListServices();
  if (!stored.ok()) return stored.error();
  std::vector<Service> services = catalogue->Services();
  for (Service s : *stored) {
    if (catalogue->FindProcedure(s.id)) continue;
    // Requests keep referring to a withdrawn service: it stays, inactive.
    s.active = false;
    services.push_back(std::move(s));
  }
  GUICHET_TRY(store_.WriteSync([&](WriteTx& tx) -> Status {
    for (const auto& t : catalogue->teams) GUICHET_TRY(tx.UpsertTeam(t));
    for (const auto& s : services) GUICHET_TRY(tx.UpsertService(s));
    return Status::Ok();
  }));
  const Timestamp now = clock_.Now();
  std::lock_guard lock(mu_);
  catalogue_ = std::move(catalogue);
  catalogue_installed_at_ = now;
  return Status::Ok();
}

Status CaseService::LoadCatalogue() {
  auto services = store_.ListServices();
  if (!services.ok()) return services.error();
  auto teams = store_.ListTeams();
  if (!teams.ok()) return teams.error();
  auto c = std::make_shared<Catalogue>();
  c->teams = *teams;
  for (const auto& s : *services) {
    Procedure p;
    p.slug = s.id;
    p.title = s.name;
    p.description = s.description;
    p.team_id = s.team_id;
    p.active = s.active;
    p.workflow_id = Workflow::Default().id();
    c->procedures.emplace(s.id, std::move(p));
  }
  const Timestamp now = clock_.Now();
  std::lock_guard lock(mu_);
  catalogue_ = std::move(c);
  catalogue_installed_at_ = now;
  return Status::Ok();
}

void CaseService::UseCatalogue(std::shared_ptr<const Catalogue> catalogue) {
  const Timestamp now = clock_.Now();
  std::lock_guard lock(mu_);
  catalogue_ = std::move(catalogue);
  catalogue_installed_at_ = now;
}

std::optional<Timestamp> CaseService::catalogue_installed_at() const {
  std::lock_guard lock(mu_);
  return catalogue_installed_at_;
}

std::shared_ptr<const Catalogue> CaseService::catalogue() const {
  std::lock_guard lock(mu_);
  return catalogue_ ? catalogue_ : std::make_shared<const Catalogue>();
}

std::vector<Service> CaseService::Services() const { return catalogue()->Services(); }

std::vector<Team> CaseService::Teams() const {
  // The database holds the catalogue's teams and those made by the
  // administration API; the catalogue alone when it cannot be read.
  auto stored = store_.ListTeams();
  std::vector<Team> out = stored.ok() ? std::move(*stored) : catalogue()->teams;
  std::sort(out.begin(), out.end(), [](const Team& a, const Team& b) { return a.id < b.id; });
  return out;
}

FileLookup CaseService::UnattachedUploads() const { return UploadsUsableBy(std::nullopt); }

FileLookup CaseService::UploadsUsableBy(std::optional<std::int64_t> request_id) const {
  return [this, request_id](const std::string& id) -> std::optional<FileInfo> {
    auto u = store_.GetUpload(id);
    if (!u.ok() || (u->request_id && u->request_id != request_id)) return std::nullopt;
    return FileInfo{u->id, u->filename, u->content_type, u->size};
  };
}

std::vector<FieldError> CaseService::Validate(NewRequest& in) const {
  return ValidateNew(*catalogue(), in, ParisDateOf(clock_.Now()), UnattachedUploads());
}

void CaseService::Create(NewRequest in, Actor actor, std::optional<Idempotency> idem,
                         Done<Created> done) {
  const auto cat = catalogue();
  std::vector<FieldError> errs =
      ValidateNew(*cat, in, ParisDateOf(clock_.Now()), UnattachedUploads());
  if (idem && idem->key.size() > kMaxIdempotencyKeyLength) {
    errs.push_back({"Idempotency-Key", "La clé d’idempotence dépasse 255 caractères."});
  }
  if (!errs.empty()) {
    done(Error::Invalid("La demande contient des erreurs.", std::move(errs)));
    return;
  }

  const Procedure* proc = cat->FindProcedure(in.service_id);
  Request r;
  r.service_id = in.service_id;
  r.title = std::move(in.title);
  r.description = std::move(in.description);
  r.citizen_id = in.citizen_id;
  r.contact = std::move(in.contact);
  r.channel = in.channel;
  r.priority = in.priority;
  r.location = std::move(in.location);
  r.data_json = std::move(in.data_json);
  r.created_at = r.updated_at = clock_.Now();
  r.team_id = proc->team_id;
  const std::vector<std::string> files = FileIdsOf(proc->form, r.data_json);
  const auto intake = nlohmann::json::parse(in.intake_json, nullptr, false);
  std::string intake_json = intake.is_object() ? intake.dump() : "{}";

  auto out = std::make_shared<Created>();
  store_.Write(
      [base = std::move(r), idem, out, actor, cat, files, intake_json = std::move(intake_json),
       in_same_tx = std::move(in.in_same_tx)](WriteTx& tx) -> Status {
        // The op may run twice (see Store::Write): start from the captured request.
        Request r = base;
        if (r.citizen_id) {
          // A known citizen's request carries their details, so an answer can go out on
          // the channel they prefer whatever channel they wrote on (an email → an SMS).
          if (auto c = tx.FindCitizen(*r.citizen_id)) {
            if (r.contact.name.empty()) r.contact.name = c->name;
            if (r.contact.email.empty()) r.contact.email = c->email;
            if (r.contact.phone.empty()) r.contact.phone = c->phone;
          }
        }
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
        const Procedure* proc = cat->FindProcedure(r.service_id);
        const Workflow& wf = cat->WorkflowOf(r.service_id);
        const WorkflowStatus* initial = wf.FindStatus(wf.initial());
        r.status = initial->code;
        r.category = initial->category;
        // The reference first: the acknowledgement quotes it.
        const int year = DateOf(r.created_at).year;
        for (int i = 0; i < kReferenceAttempts; ++i) {
          r.reference = NewReference(year);
          if (!tx.ReferenceExists(r.reference)) break;
        }
        const EngineContext ctx{proc, wf, cat->holiday_region, r.created_at};
        auto fx = EnterStatus(tx, r, *initial, ctx, {});
        if (!fx.ok()) return fx.error();
        // A procedure without declared deadlines keeps the service's default delay.
        if (!r.due_at && proc->deadlines.empty()) {
          r.due_at = DelayExpiry(r.created_at, {proc->DueDays(), DelayUnit::kCalendarDays},
                                 cat->holiday_region);
        }
        // Back-office: a team with round_robin gives each new request to its next agent.
        bool round_robin = false;
        if (!r.agent_id) {
          for (const auto& team : cat->teams) {
            if (team.id == r.team_id && team.round_robin) {
              r.agent_id = tx.NextRoundRobinAgent(team.id);
              round_robin = r.agent_id.has_value();
            }
          }
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
        e.data_json = intake_json;
        e.created_at = r.created_at;
        GUICHET_TRY(tx.AppendEvent(e));
        if (round_robin) {
          Event a;
          a.request_id = r.id;
          a.kind = EventKind::kAssignment;
          a.author = Actor{Actor::Kind::kSystem, 0, {}}.Label();
          a.data_json = nlohmann::json{{"agent", *r.agent_id}, {"round_robin", true}}.dump();
          a.created_at = r.created_at;
          GUICHET_TRY(tx.AppendEvent(a));
        }
        GUICHET_TRY(AttachFiles(tx, r.id, files, r.channel, actor, r.created_at));
        if (in_same_tx) GUICHET_TRY(in_same_tx(tx, r, fx->events));
        GUICHET_TRY(fx->Record(tx, r.id));
        if (idem) {
          GUICHET_TRY(tx.SaveIdempotency(
              {kRequestsScope, idem->key, idem->fingerprint, r.id, r.created_at}));
        }
        out->request = std::move(r);
        return Status::Ok();
      },
      Deliver(out, std::move(done)));
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
  auto events = store_.ListEvents(request_id);
  if (!events.ok()) return events;
  // Duplicates merged into this request (back-office): their timelines join it.
  auto links = store_.ListLinks(request_id);
  if (!links.ok()) return links.error();
  bool joined = false;
  for (const auto& l : *links) {
    if (l.kind != "duplicate" || l.to_id != request_id) continue;
    auto more = store_.ListEvents(l.from_id);
    if (!more.ok()) return more.error();
    events->insert(events->end(), more->begin(), more->end());
    joined = true;
  }
  if (joined) {
    std::stable_sort(events->begin(), events->end(), [](const Event& a, const Event& b) {
      return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
    });
  }
  return events;
}

Result<std::map<std::int64_t, std::vector<Event>>> CaseService::Timelines(
    const std::vector<Request>& page) const {
  std::vector<std::int64_t> ids;
  ids.reserve(page.size());
  for (const auto& r : page) ids.push_back(r.id);
  auto events = store_.ListEventsOf(ids);
  if (!events.ok()) return events.error();
  std::map<std::int64_t, std::vector<Event>> out;
  for (auto& e : *events) out[e.request_id].push_back(std::move(e));
  return out;
}

namespace {
// An agent's reply is sent by the outbox (domain/outbox.hpp) when it goes
// out on a channel Guichet delivers and the request has an address there;
// `"delivery"` set by the caller (e.g. "none": given at the counter) wins.
void QueueReply(WriteTx& tx, const Request& r, Event& e) {
  if (!e.channel) e.channel = PreferredChannel(tx, r);
  const auto data = nlohmann::json::parse(e.data_json, nullptr, false);
  const auto citizen = RequesterOf(tx, r);
  const Citizen* who = citizen ? &*citizen : nullptr;
  if (data.contains("delivery") || AddressOn(*e.channel, r, who).empty()) return;
  e.data_json = PendingDeliveryData(*e.channel, r, "Votre demande " + r.reference,
                                    std::move(e.data_json), who);
}
}  // namespace

void CaseService::AddEvent(std::int64_t request_id, NewEvent in, Actor actor,
                           std::optional<std::int64_t> expected_version,
                           std::optional<Idempotency> idem, Done<EventAdded> done) {
  std::vector<FieldError> errs;
  CheckText(errs, "body", in.body, kMaxMessageLength, true, "Le message");
  const bool is_message = in.kind == EventKind::kMessageIn || in.kind == EventKind::kMessageOut;
  if (!is_message && in.kind != EventKind::kNote) {
    errs.push_back({"kind", "Seuls les messages et les notes internes s’ajoutent ainsi."});
  }
  // A reply without a channel goes out on the citizen's preferred one.
  if (in.kind == EventKind::kMessageIn && !in.channel) {
    errs.push_back({"channel", "Le canal du message est obligatoire."});
  }
  if (!is_message) in.channel.reset();
  if (!nlohmann::json::parse(in.data_json, nullptr, false).is_object()) {
    errs.push_back({"data", "Les détails de l’événement doivent être un objet JSON."});
  }
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
        e.data_json = in.data_json;
        e.created_at = now;
        if (e.kind == EventKind::kMessageOut) QueueReply(tx, *r, e);
        auto id = tx.AppendEvent(e);
        if (!id.ok()) return id.error();
        e.id = *id;
        r->updated_at = now;
        GUICHET_TRY(tx.UpdateRequest(*r, r->version));
        r->version += 1;
        if (in.in_same_tx) GUICHET_TRY(in.in_same_tx(tx, *r, e));
        if (idem) GUICHET_TRY(tx.SaveIdempotency({scope, idem->key, idem->fingerprint, e.id, now}));
        out->event = std::move(e);
        out->request = std::move(*r);
        return Status::Ok();
      },
      Deliver(out, std::move(done)));
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
  const auto cat = catalogue();
  auto out = std::make_shared<Request>();
  store_.Write(
      [cat, request_id, to, comment, actor, expected_version, now, out](WriteTx& tx) -> Status {
        auto r = tx.GetRequest(request_id);
        if (!r.ok()) return r.error();
        GUICHET_TRY(CheckVersion(*r, expected_version));
        const Workflow& wf = cat->WorkflowOf(r->service_id);
        auto t = wf.Find(r->status, to);
        if (!t.ok()) return t.error();
        GUICHET_TRY(ApplyTransition(tx, *cat, *r, **t, comment, actor, now));
        *out = std::move(*r);
        return Status::Ok();
      },
      Deliver(out, std::move(done)));
}

void CaseService::Assign(std::int64_t request_id, Assignment a, Actor actor,
                         std::optional<std::int64_t> expected_version, Done<Request> done) {
  bool round_robin = false;
  if (a.team_id) {
    const auto teams = Teams();
    auto team =
        std::find_if(teams.begin(), teams.end(), [&](const Team& t) { return t.id == *a.team_id; });
    if (team == teams.end()) {
      done(Error::Invalid("L’affectation contient des erreurs.",
                          {{"team", "L’équipe « " + *a.team_id + " » n’existe pas."}}));
      return;
    }
    round_robin = team->round_robin;
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
        std::optional<std::int64_t> next_in_turn;
        if (a.team_id) {
          data["from_team"] = r->team_id;
          data["team"] = *a.team_id;
          // Moved to a round-robin team without a named agent: its next agent in turn.
          if (round_robin && !a.agent_id && r->team_id != *a.team_id) {
            next_in_turn = tx.NextRoundRobinAgent(*a.team_id);
            data["agent"] = next_in_turn ? nlohmann::json(*next_in_turn) : nlohmann::json(nullptr);
            data["round_robin"] = true;
            r->agent_id = next_in_turn;
          }
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
      Deliver(out, std::move(done)));
}

void CaseService::SubmitCorrection(std::int64_t request_id, Correction c,
                                   std::optional<std::int64_t> expected_version,
                                   Done<Request> done) {
  auto current = store_.GetRequest(request_id);
  if (!current.ok()) return done(current.error());
  const auto cat = catalogue();
  const auto lower = [](std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  const auto phone = NormalizePhone(c.phone);
  const bool proven =
      (!c.email.empty() && lower(c.email) == lower(current->contact.email)) ||
      (phone && !current->contact.phone.empty() && *phone == current->contact.phone);
  if (!proven) {
    return done(Error::Forbidden(
        "L’adresse électronique ou le téléphone ne correspond pas à celui de la demande."));
  }
  Actor citizen{Actor::Kind::kCitizen, current->citizen_id.value_or(0), {}};
  const Workflow& wf = cat->WorkflowOf(current->service_id);
  const Transition* back = nullptr;
  for (const Transition* t : wf.From(current->status)) {
    if (!back && MayFire(*t, citizen)) back = t;
  }
  if (!back) {
    return done(Error::Rule("Cette demande n’attend pas de correction de votre part."));
  }
  std::vector<FieldError> errs;
  CheckText(errs, "message", c.message, kMaxMessageLength, false, "Le message");
  std::vector<std::string> files;
  const Procedure* proc = cat->FindProcedure(current->service_id);
  if (c.data_json && proc) {
    // The files of the request itself stay valid answers; new ones must be unattached.
    const FileLookup own_or_new = UploadsUsableBy(request_id);
    FormCheck check = ValidateForm(proc->form, *c.data_json, FormMode::kSubmit,
                                   FormatDate(ParisDateOf(clock_.Now())), own_or_new);
    for (auto& e : check.errors) {
      errs.push_back({e.field.empty() ? "data" : "data." + e.field, std::move(e.message)});
    }
    c.data_json = std::move(check.normalized_json);
    for (auto& id : FileIdsOf(proc->form, *c.data_json)) {
      auto u = store_.GetUpload(id);
      if (u.ok() && !u->request_id) files.push_back(std::move(id));
    }
  }
  if (!errs.empty()) {
    return done(Error::Invalid("La correction contient des erreurs.", std::move(errs)));
  }
  const Timestamp now = clock_.Now();
  const std::string transition = back->name;
  auto out = std::make_shared<Request>();
  store_.Write(
      [cat, request_id, c, files, citizen, transition, expected_version, now,
       out](WriteTx& tx) -> Status {
        auto r = tx.GetRequest(request_id);
        if (!r.ok()) return r.error();
        GUICHET_TRY(CheckVersion(*r, expected_version));
        const Workflow& wf = cat->WorkflowOf(r->service_id);
        auto t = wf.Find(r->status, transition);
        if (!t.ok()) return t.error();
        if (c.data_json) r->data_json = *c.data_json;
        Event e;
        e.request_id = request_id;
        e.kind = EventKind::kMessageIn;
        e.channel = Channel::kWeb;
        e.author = citizen.Label();
        e.body = c.message.empty() ? "Dossier corrigé." : c.message;
        e.data_json =
            nlohmann::json{{"correction", true}, {"data_changed", c.data_json.has_value()}}.dump();
        e.created_at = now;
        GUICHET_TRY(tx.AppendEvent(e));
        GUICHET_TRY(AttachFiles(tx, request_id, files, Channel::kWeb, citizen, now));
        // The citizen's message doubles as the comment a transition may require.
        GUICHET_TRY(ApplyTransition(tx, *cat, *r, **t, c.message, citizen, now));
        *out = std::move(*r);
        return Status::Ok();
      },
      Deliver(out, std::move(done)));
}

void CaseService::FireTimer(Timer timer, Done<bool> done) {
  const Timestamp now = clock_.Now();
  const auto cat = catalogue();
  auto fired = std::make_shared<bool>(false);
  store_.Write(
      [cat, timer, now, fired](WriteTx& tx) -> Status {
        if (!tx.ClaimTimer(timer.id, now)) return Status::Ok();
        *fired = true;
        auto r = tx.GetRequest(timer.request_id);
        if (!r.ok()) return r.error();
        const Workflow& wf = cat->WorkflowOf(r->service_id);
        const Procedure* proc = cat->FindProcedure(r->service_id);
        const Actor system{Actor::Kind::kSystem, 0, {}};
        std::string transition;
        std::string comment;
        Effects fx;
        if (timer.kind == Timer::Kind::kTransition) {
          // A delayed transition lapses once the request has left its status.
          if (r->status != timer.status) return Status::Ok();
          transition = timer.name;
          comment = "Changement automatique à l’échéance prévue.";
        } else {
          const Deadline* dl = proc ? proc->FindDeadline(timer.name) : nullptr;
          const std::string label = dl && !dl->label.empty() ? dl->label : timer.name;
          Event e;
          e.kind = EventKind::kNote;
          e.author = system.Label();
          e.body = "Le délai « " + label + " » est arrivé à échéance.";
          e.data_json = nlohmann::json{{"deadline", timer.name}, {"expired", true}}.dump();
          e.created_at = now;
          fx.events.push_back(std::move(e));
          if (dl && !dl->on_expiry.empty()) {
            transition = dl->on_expiry;
            comment =
                "Décision implicite : le délai « " + label + " » a expiré sans décision expresse.";
          }
        }
        GUICHET_TRY(fx.Record(tx, r->id));
        if (transition.empty()) return Status::Ok();
        // The decision applies only if the request is still where it was.
        auto t = wf.Find(r->status, transition);
        if (!t.ok()) return Status::Ok();
        return ApplyTransition(tx, *cat, *r, **t, comment, system, now);
      },
      [fired, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s.error());
        done(*fired);
      });
}

Result<std::vector<RequestDeadline>> CaseService::Deadlines(const Request& r) const {
  auto timers = store_.ListTimers(r.id);
  if (!timers.ok()) return timers.error();
  const auto cat = catalogue();
  const Procedure* proc = cat->FindProcedure(r.service_id);
  std::vector<RequestDeadline> out;
  for (const auto& t : *timers) {
    if (t.kind != Timer::Kind::kDeadline || t.state == Timer::State::kCancelled) continue;
    const Deadline* dl = proc ? proc->FindDeadline(t.name) : nullptr;
    out.push_back({t.name, dl ? dl->label : t.name, dl && dl->legal, t.state, t.due_at});
  }
  return out;
}

}  // namespace guichet::domain
