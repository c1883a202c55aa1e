// The workflow engine: moves a request from one status to another and runs
// what the procedure declares on the way — role and comment checks, the
// actions of the status entered (notify, assign, deadlines, correction
// requests, delayed transitions), and the timers that outlive a status.
//
// Every function runs inside one write transaction (WriteTx) and changes the
// request in memory; the caller stores it. Pure apart from the WriteTx.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"
#include "domain/placeholders.hpp"
#include "domain/procedure.hpp"
#include "domain/store.hpp"

namespace guichet::domain {

struct EngineContext {
  const Procedure* procedure = nullptr;  // null for a service without one (no actions)
  const Workflow& workflow;
  HolidayRegion region = HolidayRegion::kMetropole;
  Timestamp now = 0;
};

// What a step produced besides the request's own fields: recorded by the
// caller once the request row exists (its id is filled in then).
struct Effects {
  std::vector<Event> events;
  std::vector<Timer> new_timers;
  std::vector<Timer> changed_timers;

  // Writes events and timers for request `request_id`.
  Status Record(WriteTx& tx, std::int64_t request_id);
};

// The instant a delay starting at `start` runs out: the beginning (Paris
// time) of the day after its last day.
Timestamp DelayExpiry(Timestamp start, Delay delay, HolidayRegion region);

// Runs the entry actions of `status` on `r` (a new request, or one that just
// changed status). `timers`: the request's current timers.
Result<Effects> EnterStatus(WriteTx& tx, Request& r, const WorkflowStatus& status,
                            const EngineContext& ctx, const std::vector<Timer>& timers,
                            const std::string& comment = "");

// Checks that `actor` may fire `t` (roles, required comment), leaves the
// current status (cancels its delayed transitions, resumes deadlines a
// correction request had suspended), enters `t.to`, and records a status
// change event. kForbidden for a role not allowed; kInvalidArgument for a
// missing comment.
Result<Effects> Transit(WriteTx& tx, Request& r, const Transition& t, const std::string& comment,
                        const Actor& actor, const EngineContext& ctx);

// True when one of the actor's roles may fire `t`.
bool MayFire(const Transition& t, const Actor& actor);

// "1er janvier 2027", "12 janvier 2027".
std::string FrenchDate(Date d);
// "12 janvier 2027": the last day of a deadline expiring at `expiry`.
std::string FrenchLastDay(Timestamp expiry);

// The channel a notification goes out by, until citizens' preferences exist:
// email when the request has an address, else SMS when it has a phone, else post.
Channel NotificationChannel(const Request& r);

// The values of those placeholders for `r` (domain/placeholders.hpp).
PlaceholderValues TemplateValues(const Request& r, const EngineContext& ctx,
                                 const std::string& reason, const std::string& comment);
// Fills a template's placeholders ({{reference}}, {{title}}, {{service}},
// {{status}}, {{deadline}}, {{reason}}, {{comment}}); unknown ones stay as written.
std::string RenderTemplate(const std::string& text, const Request& r, const EngineContext& ctx,
                           const std::string& reason, const std::string& comment);

}  // namespace guichet::domain
