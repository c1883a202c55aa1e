#include "domain/workflow_engine.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "domain/outbox.hpp"
#include "domain/placeholders.hpp"

namespace guichet::domain {
namespace {

using nlohmann::json;

constexpr const char* kSystemAuthor = "system";

bool IsBlank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

// The request's timers as the step changes them: ids of stored ones, 0 for new ones.
struct TimerSet {
  std::vector<Timer> original;
  std::vector<Timer> work;

  std::vector<Timer*> Find(Timer::Kind kind, const std::string& name) {
    std::vector<Timer*> out;
    for (auto& t : work) {
      if (t.kind == kind && t.name == name) out.push_back(&t);
    }
    return out;
  }

  void Into(Effects& fx) const {
    for (const auto& t : work) {
      if (t.id == 0) {
        fx.new_timers.push_back(t);
        continue;
      }
      auto it = std::find_if(original.begin(), original.end(),
                             [&](const Timer& o) { return o.id == t.id; });
      if (it != original.end() &&
          (it->state != t.state || it->due_at != t.due_at || it->remaining != t.remaining)) {
        fx.changed_timers.push_back(t);
      }
    }
  }
};

Event SystemEvent(EventKind kind, const EngineContext& ctx, std::string body, json data) {
  Event e;
  e.kind = kind;
  e.author = kSystemAuthor;
  e.body = std::move(body);
  e.data_json = data.dump();
  e.created_at = ctx.now;
  return e;
}

// The deadline that is the request's due date: the legal one, or the only
// one a procedure without a legal deadline declares first.
bool IsDueDate(const EngineContext& ctx, const Deadline* dl) {
  if (!dl || !ctx.procedure) return false;
  const Deadline* legal = ctx.procedure->LegalDeadline();
  if (legal) return legal == dl;
  return !ctx.procedure->deadlines.empty() && &ctx.procedure->deadlines.front() == dl;
}

void ResumeDeadline(Timer& t, Request& r, const Deadline* dl, const EngineContext& ctx) {
  const Delay delay = dl ? dl->delay : Delay{};
  // A suspended delay continues for the whole days that were left, counted
  // from today: a deadline always falls at a local midnight.
  if (t.remaining) {
    const auto days = (*t.remaining + kMicrosPerDay / 2) / kMicrosPerDay;  // DST: ±1 h
    t.due_at = StartOfParisDay(AddDays(ParisDateOf(ctx.now), days));
  } else {
    t.due_at = DelayExpiry(ctx.now, delay, ctx.region);
  }
  t.remaining.reset();
  t.state = Timer::State::kRunning;
  if (IsDueDate(ctx, dl)) r.due_at = t.due_at;
}

const Deadline* DeadlineOf(const EngineContext& ctx, const std::string& name) {
  return ctx.procedure ? ctx.procedure->FindDeadline(name) : nullptr;
}

std::string CorrectionReasonOf(const WorkflowStatus& status) {
  for (const auto& a : status.actions) {
    if (a.kind == Action::Kind::kRequestCorrection) return std::string(Describe(a.reason));
  }
  return {};
}

Status EnterStatusImpl(WriteTx& tx, Request& r, const WorkflowStatus& status,
                       const EngineContext& ctx, TimerSet& timers, Effects& fx,
                       const std::string& comment) {
  const std::string reason = CorrectionReasonOf(status);
  for (const Action& a : status.actions) {
    switch (a.kind) {
      case Action::Kind::kNotify: {
        const MessageTemplate* tmpl = ctx.procedure ? ctx.procedure->FindTemplate(a.name) : nullptr;
        if (!tmpl) break;
        const Channel channel = PreferredChannel(tx, r);
        Event e = SystemEvent(EventKind::kMessageOut, ctx,
                              RenderTemplate(tmpl->body, r, ctx, reason, comment),
                              {{"template", tmpl->name},
                               {"notification", "status_change"},
                               {"subject", RenderTemplate(tmpl->subject, r, ctx, reason, comment)},
                               {"to", channel == Channel::kEmail ? r.contact.email
                                      : channel == Channel::kSms ? r.contact.phone
                                                                 : r.contact.name},
                               {"delivery", "pending"}});
        e.channel = channel;
        fx.events.push_back(std::move(e));
        break;
      }
      case Action::Kind::kAssignTeam:
        if (r.team_id == a.name) break;
        fx.events.push_back(SystemEvent(EventKind::kAssignment, ctx, "",
                                        {{"from_team", r.team_id}, {"team", a.name}}));
        r.team_id = a.name;
        break;
      case Action::Kind::kAssignAgent: {
        auto agent = tx.FindAgentByEmail(a.name);
        if (!agent) {
          fx.events.push_back(
              SystemEvent(EventKind::kNote, ctx,
                          "Affectation automatique impossible : aucun agent « " + a.name + " ».",
                          {{"agent_email", a.name}}));
          break;
        }
        r.agent_id = *agent;
        fx.events.push_back(SystemEvent(EventKind::kAssignment, ctx, "", {{"agent", *agent}}));
        break;
      }
      case Action::Kind::kUnassignAgent:
        if (!r.agent_id) break;
        r.agent_id.reset();
        fx.events.push_back(SystemEvent(EventKind::kAssignment, ctx, "", {{"agent", nullptr}}));
        break;
      case Action::Kind::kSetDeadline: {
        const Deadline* dl = DeadlineOf(ctx, a.name);
        if (!dl) break;
        bool running = false;
        for (Timer* t : timers.Find(Timer::Kind::kDeadline, a.name)) {
          if (t->state == Timer::State::kRunning) running = true;
          if (t->state == Timer::State::kSuspended) {
            ResumeDeadline(*t, r, dl, ctx);
            running = true;
          }
        }
        if (running) break;
        Timer t;
        t.kind = Timer::Kind::kDeadline;
        t.name = dl->name;
        t.status = status.code;
        t.due_at = DelayExpiry(ctx.now, dl->delay, ctx.region);
        t.created_at = ctx.now;
        if (IsDueDate(ctx, dl)) r.due_at = t.due_at;
        timers.work.push_back(std::move(t));
        break;
      }
      case Action::Kind::kClearDeadline: {
        const Deadline* dl = DeadlineOf(ctx, a.name);
        for (Timer* t : timers.Find(Timer::Kind::kDeadline, a.name)) {
          if (t->state == Timer::State::kRunning || t->state == Timer::State::kSuspended) {
            t->state = Timer::State::kCancelled;
          }
        }
        if (IsDueDate(ctx, dl)) r.due_at.reset();
        break;
      }
      case Action::Kind::kRequestCorrection:
        for (Timer& t : timers.work) {
          if (t.kind != Timer::Kind::kDeadline || t.state != Timer::State::kRunning) continue;
          const Deadline* dl = DeadlineOf(ctx, t.name);
          const OnCorrection rule = dl ? dl->on_correction : OnCorrection::kIgnore;
          if (rule == OnCorrection::kIgnore) continue;
          // Whole days left, today included: suspending and resuming on the
          // same day changes nothing.
          const Timestamp today = StartOfParisDay(ParisDateOf(ctx.now));
          t.remaining = rule == OnCorrection::kSuspend
                            ? std::optional<Timestamp>(std::max<Timestamp>(0, *t.due_at - today))
                            : std::nullopt;
          t.due_at.reset();
          t.state = Timer::State::kSuspended;
          if (IsDueDate(ctx, dl)) r.due_at.reset();
        }
        break;
      case Action::Kind::kScheduleTransition: {
        Timer t;
        t.kind = Timer::Kind::kTransition;
        t.name = a.name;
        t.status = status.code;
        t.due_at = DelayExpiry(ctx.now, a.delay, ctx.region);
        t.created_at = ctx.now;
        timers.work.push_back(std::move(t));
        break;
      }
    }
  }
  return Status::Ok();
}

constexpr const char* kMonths[] = {"janvier",   "février", "mars",     "avril",
                                   "mai",       "juin",    "juillet",  "août",
                                   "septembre", "octobre", "novembre", "décembre"};

}  // namespace

Status Effects::Record(WriteTx& tx, std::int64_t request_id) {
  for (auto& e : events) {
    e.request_id = request_id;
    auto id = tx.AppendEvent(e);
    if (!id.ok()) return id.error();
    e.id = *id;
  }
  for (auto& t : new_timers) {
    t.request_id = request_id;
    auto id = tx.InsertTimer(t);
    if (!id.ok()) return id.error();
    t.id = *id;
  }
  for (const auto& t : changed_timers) GUICHET_TRY(tx.UpdateTimer(t));
  return Status::Ok();
}

Timestamp DelayExpiry(Timestamp start, Delay delay, HolidayRegion region) {
  const Date last = AddDelay(ParisDateOf(start), delay, region);
  return StartOfParisDay(AddDays(last, 1));
}

std::string FrenchDate(Date d) {
  return std::to_string(d.day) + (d.day == 1 ? "er " : " ") + kMonths[d.month - 1] + " " +
         std::to_string(d.year);
}

std::string FrenchLastDay(Timestamp expiry) { return FrenchDate(ParisDateOf(expiry - 1)); }

Channel NotificationChannel(const Request& r) {
  if (!r.contact.email.empty()) return Channel::kEmail;
  if (!r.contact.phone.empty()) return Channel::kSms;
  return Channel::kPostal;
}

PlaceholderValues TemplateValues(const Request& r, const EngineContext& ctx,
                                 const std::string& reason, const std::string& comment) {
  const WorkflowStatus* status = ctx.workflow.FindStatus(r.status);
  return {
      {"reference", r.reference},
      {"title", r.title},
      {"service", ctx.procedure ? ctx.procedure->title : r.service_id},
      {"status", status ? status->label : r.status},
      {"deadline", r.due_at ? FrenchLastDay(*r.due_at) : std::string("(pas de délai en cours)")},
      {"reason", reason},
      {"comment", comment},
  };
}

std::string RenderTemplate(const std::string& text, const Request& r, const EngineContext& ctx,
                           const std::string& reason, const std::string& comment) {
  return FillPlaceholders(text, TemplateValues(r, ctx, reason, comment));
}

bool MayFire(const Transition& t, const Actor& actor) {
  static const std::vector<std::string> kStaff = {
      std::string(kRoleAgent), std::string(kRoleSupervisor), std::string(kRoleAdministrator)};
  const auto& allowed = t.roles.empty() ? kStaff : t.roles;
  for (const auto& role : actor.EffectiveRoles()) {
    if (std::find(allowed.begin(), allowed.end(), role) != allowed.end()) return true;
  }
  return false;
}

Result<Effects> EnterStatus(WriteTx& tx, Request& r, const WorkflowStatus& status,
                            const EngineContext& ctx, const std::vector<Timer>& timers,
                            const std::string& comment) {
  TimerSet set{timers, timers};
  Effects fx;
  GUICHET_TRY(EnterStatusImpl(tx, r, status, ctx, set, fx, comment));
  set.Into(fx);
  return fx;
}

Result<Effects> Transit(WriteTx& tx, Request& r, const Transition& t, const std::string& comment,
                        const Actor& actor, const EngineContext& ctx) {
  const std::string label = t.label.empty() ? t.name : t.label;
  if (!MayFire(t, actor)) {
    return Error::Forbidden("Votre rôle ne permet pas l’action « " + label + " ».");
  }
  if (t.comment_required && IsBlank(comment)) {
    return Error::Invalid("Un commentaire est obligatoire pour « " + label + " ».",
                          {{"comment", "Expliquez la décision au citoyen."}});
  }
  const WorkflowStatus* from = ctx.workflow.FindStatus(r.status);
  const WorkflowStatus* to = ctx.workflow.FindStatus(t.to);
  if (!to) return Error::Internal("workflow " + ctx.workflow.id() + " has no status " + t.to);
  const auto stored = tx.ListTimers(r.id);
  TimerSet timers{stored, stored};

  // Leaving: delayed transitions of the old status lapse; deadlines a
  // correction request suspended start again now that the citizen answered.
  for (Timer& tm : timers.work) {
    if (tm.kind == Timer::Kind::kTransition && tm.state == Timer::State::kRunning &&
        tm.status == r.status) {
      tm.state = Timer::State::kCancelled;
    }
  }
  const std::string reason = from ? CorrectionReasonOf(*from) : std::string();
  if (!reason.empty()) {
    for (Timer& tm : timers.work) {
      if (tm.kind == Timer::Kind::kDeadline && tm.state == Timer::State::kSuspended) {
        ResumeDeadline(tm, r, DeadlineOf(ctx, tm.name), ctx);
      }
    }
  }

  const std::string old_status = r.status;
  r.status = to->code;
  r.category = to->category;
  r.closed_at = IsTerminal(to->category) ? std::optional<Timestamp>(ctx.now) : std::nullopt;
  r.updated_at = ctx.now;

  Effects fx;
  json data = {{"from", old_status}, {"to", r.status}, {"transition", t.name}};
  const std::string entering_reason = CorrectionReasonOf(*to);
  if (!entering_reason.empty()) data["correction_reason"] = entering_reason;
  Event e;
  e.kind = EventKind::kStatusChange;
  e.author = actor.Label();
  e.body = comment;
  e.data_json = data.dump();
  e.created_at = ctx.now;
  fx.events.push_back(std::move(e));
  GUICHET_TRY(EnterStatusImpl(tx, r, *to, ctx, timers, fx, comment));
  timers.Into(fx);
  return fx;
}

}  // namespace guichet::domain
