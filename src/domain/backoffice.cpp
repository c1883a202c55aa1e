#include "domain/backoffice.hpp"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>

#include "domain/validation.hpp"
#include "domain/workflow_engine.hpp"

namespace guichet::domain {
namespace {

// The completion of a write whose result the op left in `*out`.
template <typename T>
Store::WriteDone Deliver(std::shared_ptr<T> out, Done<T> done) {
  return [out, done = std::move(done)](Status s) {
    if (!s.ok()) return done(s.error());
    done(std::move(*out));
  };
}

bool CanCarryReply(Channel c) {
  return c == Channel::kEmail || c == Channel::kSms || c == Channel::kPostal;
}

// Where a message on `channel` goes: the address the outbox sends it to.
std::string RecipientOf(const Request& r, const std::optional<Citizen>& citizen, Channel channel) {
  const std::string email = citizen && !citizen->email.empty() ? citizen->email : r.contact.email;
  const std::string phone = citizen && !citizen->phone.empty() ? citizen->phone : r.contact.phone;
  const std::string name = citizen && !citizen->name.empty() ? citizen->name : r.contact.name;
  if (channel == Channel::kEmail) return email;
  if (channel == Channel::kSms) return phone;
  return name;
}

// The status a merged duplicate ends in: closed, else another final one.
const WorkflowStatus* FinalStatus(const Workflow& wf) {
  for (auto cat : {StatusCategory::kClosed, StatusCategory::kRejected, StatusCategory::kResolved}) {
    for (const auto& s : wf.statuses()) {
      if (s.category == cat) return &s;
    }
  }
  return nullptr;
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

}  // namespace

bool MayManageCannedResponses(const Actor& a) {
  if (a.platform_admin || ScopeOf(a).all) return true;
  for (const auto& role : a.EffectiveRoles()) {
    if (role == kRoleSupervisor || role == kRoleAdministrator) return true;
  }
  return false;
}

// Records of answered calls waiting for the writer. The first one queues a
// deferrable op; when the writer runs it, the op takes every record queued
// by then, so that a read costs one insert rather than a write op of its own.
struct BackofficeService::PendingAudits {
  std::mutex mu;
  std::vector<AuditEntry> entries;                 // GUARDED_BY(mu)
  std::vector<std::function<void(Status)>> dones;  // GUARDED_BY(mu), one per entry
};

BackofficeService::BackofficeService(Store& store, CaseService& cases, const Clock& clock)
    : store_(store), cases_(cases), clock_(clock), pending_(std::make_shared<PendingAudits>()) {}

Result<std::string> BackofficeService::RenderCanned(std::int64_t canned_id,
                                                    const Request& r) const {
  auto canned = store_.GetCannedResponse(canned_id);
  if (!canned.ok()) return canned.error();
  std::string name = r.contact.name;
  if (r.citizen_id) {
    auto c = store_.GetCitizen(*r.citizen_id);
    if (c.ok() && !c->name.empty()) name = c->name;
  }
  if (name.empty()) name = "Madame, Monsieur";
  std::string text = canned->body;
  // The citizen's name is ours; the engine's RenderTemplate fills in the rest.
  ReplaceAll(text, "{{citizen_name}}", name);
  ReplaceAll(text, "{{ citizen_name }}", name);
  const auto cat = cases_.catalogue();
  const EngineContext ctx{cat->FindProcedure(r.service_id), cat->WorkflowOf(r.service_id),
                          cat->holiday_region, clock_.Now()};
  return RenderTemplate(text, r, ctx, "", "");
}

void BackofficeService::SendReply(const Request& r, Reply in, Actor actor,
                                  std::optional<std::int64_t> expected_version,
                                  Done<EventAdded> done) {
  std::string body = in.body;
  std::string canned_title;
  if (in.canned_id) {
    auto rendered = RenderCanned(*in.canned_id, r);
    if (!rendered.ok()) {
      if (rendered.error().code() != ErrorCode::kNotFound) return done(rendered.error());
      return done(Error::Invalid("La réponse contient des erreurs.",
                                 {{"canned_response_id", "Cette réponse type n’existe pas."}}));
    }
    body = in.body.empty() ? *rendered : *rendered + "\n\n" + in.body;
  }
  std::optional<Citizen> citizen;
  if (r.citizen_id) {
    auto c = store_.GetCitizen(*r.citizen_id);
    if (c.ok()) citizen = *c;
  }
  Channel channel = in.channel                 ? *in.channel
                    : citizen                  ? citizen->preferred_channel
                    : CanCarryReply(r.channel) ? r.channel
                                               : NotificationChannel(r);
  if (!CanCarryReply(channel)) {
    return done(
        Error::Invalid("La réponse contient des erreurs.",
                       {{"channel", "Une réponse part par courriel, SMS ou courrier postal."}}));
  }
  const std::string to = RecipientOf(r, citizen, channel);
  if (to.empty()) {
    return done(Error::Invalid(
        "La réponse contient des erreurs.",
        {{"channel",
          "Le citoyen n’a pas de coordonnées pour ce canal ; choisissez-en un autre."}}));
  }
  // The shape the workflow engine's notify action writes: the outbox sends it.
  nlohmann::json data = {
      {"template", in.canned_id ? "canned:" + std::to_string(*in.canned_id) : ""},
      {"notification", "reply"},
      {"subject", "Votre demande " + r.reference},
      {"to", to},
      {"delivery", "pending"}};
  NewEvent e{EventKind::kMessageOut, channel, std::move(body), data.dump()};
  cases_.AddEvent(r.id, std::move(e), std::move(actor), expected_version, std::nullopt,
                  std::move(done));
}

void BackofficeService::SaveCanned(CannedResponse c, Done<CannedResponse> done) {
  std::vector<FieldError> errs;
  if (!IsValidUtf8(c.title) || c.title.find_first_not_of(" \t\r\n") == std::string::npos) {
    errs.push_back({"title", "Le titre est obligatoire."});
  } else if (Utf8Length(c.title) > kMaxCannedTitleLength) {
    errs.push_back({"title", "Le titre dépasse 200 caractères."});
  }
  if (!IsValidUtf8(c.body) || c.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    errs.push_back({"body", "Le texte est obligatoire."});
  } else if (Utf8Length(c.body) > kMaxMessageLength) {
    errs.push_back({"body", "Le texte dépasse 20000 caractères."});
  }
  if (!c.team_id.empty()) {
    const auto teams = cases_.Teams();
    if (std::none_of(teams.begin(), teams.end(),
                     [&](const Team& t) { return t.id == c.team_id; })) {
      errs.push_back({"team", "L’équipe « " + c.team_id + " » n’existe pas."});
    }
  }
  if (!errs.empty()) {
    return done(Error::Invalid("La réponse type contient des erreurs.", std::move(errs)));
  }
  const Timestamp now = clock_.Now();
  if (c.id == 0) c.created_at = now;
  c.updated_at = now;
  auto out = std::make_shared<CannedResponse>();
  store_.Write(
      [c, out](WriteTx& tx) -> Status {
        CannedResponse saved = c;
        if (saved.id != 0) {
          // Keep the creation date of the response being replaced.
          saved.created_at = c.created_at;
        }
        auto id = tx.SaveCannedResponse(saved);
        if (!id.ok()) return id.error();
        saved.id = *id;
        *out = std::move(saved);
        return Status::Ok();
      },
      Deliver(out, std::move(done)));
}

void BackofficeService::DeleteCanned(std::int64_t id, Done<bool> done) {
  auto out = std::make_shared<bool>(false);
  store_.Write(
      [id, out](WriteTx& tx) -> Status {
        GUICHET_TRY(tx.DeleteCannedResponse(id));
        *out = true;
        return Status::Ok();
      },
      Deliver(out, std::move(done)));
}

void BackofficeService::Merge(std::int64_t duplicate_id, std::int64_t target_id, Actor actor,
                              Done<Merged> done) {
  if (duplicate_id == target_id) {
    return done(
        Error::Invalid("La fusion contient des erreurs.",
                       {{"into", "Une demande ne peut pas être fusionnée dans elle-même."}}));
  }
  auto links = store_.ListLinks(duplicate_id);
  if (!links.ok()) return done(links.error());
  const Timestamp now = clock_.Now();
  const auto cat = cases_.catalogue();
  auto out = std::make_shared<Merged>();
  store_.Write(
      [=](WriteTx& tx) -> Status {
        auto dup = tx.GetRequest(duplicate_id);
        if (!dup.ok()) return dup.error();
        auto target = tx.GetRequest(target_id);
        if (!target.ok()) {
          return Error::Invalid("La fusion contient des erreurs.",
                                {{"into", "La demande visée n’existe pas."}});
        }
        for (const auto& l : *links) {
          if (l.kind == "duplicate" && l.from_id == duplicate_id) {
            return Error::Conflict("Cette demande a déjà été fusionnée dans une autre.");
          }
          if (l.kind == "duplicate" && l.to_id == duplicate_id && l.from_id == target_id) {
            return Error::Conflict("La demande visée a été fusionnée dans celle-ci.");
          }
        }
        if (IsTerminal(target->category)) {
          return Error::Rule("La demande visée est terminée ; rouvrez-la avant d’y fusionner.");
        }
        GUICHET_TRY(tx.InsertLink({duplicate_id, target_id, "duplicate", actor.Label(), now}));
        const std::string comment = "Doublon fusionné dans la demande " + target->reference + ".";
        if (!IsTerminal(dup->category)) {
          const Workflow& wf = cat->WorkflowOf(dup->service_id);
          const WorkflowStatus* final_status = FinalStatus(wf);
          if (!final_status) return Error::Rule("Le circuit de cette demande n’a pas de fin.");
          // Closing a duplicate is not a step of its procedure: any status may close it.
          const Transition t{"fusion", dup->status, final_status->code, false, "Fusionner", {}};
          const EngineContext ctx{cat->FindProcedure(dup->service_id), wf, cat->holiday_region,
                                  now};
          auto fx = Transit(tx, *dup, t, comment, actor, ctx);
          if (!fx.ok()) return fx.error();
          GUICHET_TRY(tx.UpdateRequest(*dup, dup->version));
          dup->version += 1;
          GUICHET_TRY(fx->Record(tx, dup->id));
        }
        // Its clocks stop with it.
        for (Timer t : tx.ListTimers(duplicate_id)) {
          if (t.state != Timer::State::kRunning && t.state != Timer::State::kSuspended) continue;
          t.state = Timer::State::kCancelled;
          GUICHET_TRY(tx.UpdateTimer(t));
        }
        Event note;
        note.request_id = target_id;
        note.kind = EventKind::kNote;
        note.author = actor.Label();
        note.body =
            "La demande " + dup->reference + " y a été fusionnée ; son historique est joint.";
        note.data_json =
            nlohmann::json{{"merged", duplicate_id}, {"reference", dup->reference}}.dump();
        note.created_at = now;
        GUICHET_TRY(tx.AppendEvent(note));
        target->updated_at = now;
        GUICHET_TRY(tx.UpdateRequest(*target, target->version));
        target->version += 1;
        out->duplicate = std::move(*dup);
        out->target = std::move(*target);
        return Status::Ok();
      },
      Deliver(out, std::move(done)));
}

void BackofficeService::Link(std::int64_t from_id, std::int64_t to_id, Actor actor,
                             Done<RequestLink> done) {
  if (from_id == to_id) {
    return done(Error::Invalid("Le lien contient des erreurs.",
                               {{"request", "Une demande ne peut pas être liée à elle-même."}}));
  }
  const Timestamp now = clock_.Now();
  auto out = std::make_shared<RequestLink>();
  store_.Write(
      [=](WriteTx& tx) -> Status {
        auto from = tx.GetRequest(from_id);
        if (!from.ok()) return from.error();
        auto to = tx.GetRequest(to_id);
        if (!to.ok()) {
          return Error::Invalid("Le lien contient des erreurs.",
                                {{"request", "La demande à lier n’existe pas."}});
        }
        RequestLink l{from_id, to_id, "related", actor.Label(), now};
        GUICHET_TRY(tx.InsertLink(l));
        *out = l;
        return Status::Ok();
      },
      Deliver(out, std::move(done)));
}

void BackofficeService::Prepare(AuditEntry& e) const {
  if (e.at == 0) e.at = clock_.Now();
  if (e.purpose.size() > kMaxPurposeLength) {
    size_t n = kMaxPurposeLength;
    while (n > 0 && (static_cast<unsigned char>(e.purpose[n]) & 0xC0) == 0x80) --n;
    e.purpose.resize(n);  // on a code point boundary
  }
}

void BackofficeService::Audit(AuditEntry e, std::function<void(Status)> done) {
  Prepare(e);
  store_.Write(
      [e = std::move(e)](WriteTx& tx) {
        return tx.AppendAudit({&e, 1});
      },
      [done = std::move(done)](Status s) {
        if (done) done(std::move(s));
      });
}

void BackofficeService::AuditAfterResponse(AuditEntry e, std::function<void(Status)> done) {
  Prepare(e);
  {
    std::lock_guard lock(pending_->mu);
    pending_->entries.push_back(std::move(e));
    pending_->dones.push_back(std::move(done));
    if (pending_->entries.size() > 1) return;  // an op is queued and will take it
  }
  // What the op took; it is taken once: the write queue may run an op again
  // (with savepoints) after another op of its batch failed.
  struct Batch {
    bool taken = false;
    std::vector<AuditEntry> entries;
    std::vector<std::function<void(Status)>> dones;
  };
  auto batch = std::make_shared<Batch>();
  const auto take = [pending = pending_, batch] {
    if (batch->taken) return;
    batch->taken = true;
    std::lock_guard lock(pending->mu);
    batch->entries.swap(pending->entries);
    batch->dones.swap(pending->dones);
  };
  store_.WriteDeferrable(
      [batch, take](WriteTx& tx) {
        take();
        return tx.AppendAudit(batch->entries);
      },
      [batch, take](Status s) {
        take();  // if the op never ran (the queue refused it), its records fail
        for (auto& done : batch->dones) {
          if (done) done(s);
        }
      });
}

}  // namespace guichet::domain
