#include "storage/sql_web.hpp"

namespace guichet::storage::web {

using sql::Value;

namespace {

constexpr const char* kInsertRating =
    "INSERT INTO ratings (request_id, score, comment, created_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (request_id) DO NOTHING";

// One row per request received since ?: the first answer is the earliest
// message out or status change made by someone other than the system (the
// acknowledgement and the timers do not answer anybody). The correlated
// subquery is served by events_request (request_id, id). A finished
// request's workflow usually clears its deadline (due_at null): its due date
// is then the one its deadline timer had.
constexpr const char* kQualitySamples =
    "SELECT r.service_id, r.created_at, "
    "(SELECT MIN(e.created_at) FROM events e WHERE e.request_id = r.id "
    "AND e.kind IN ('message_out', 'status_change') AND e.author <> 'system'), "
    "r.closed_at, COALESCE(r.due_at, (SELECT MAX(t.due_at) FROM timers t "
    "WHERE t.request_id = r.id AND t.kind = 'deadline')), g.score "
    "FROM requests r LEFT JOIN ratings g ON g.request_id = r.id "
    "WHERE r.created_at >= ? ORDER BY r.created_at, r.id";

}  // namespace

Status InsertRating(sql::Connection& c, const domain::Rating& r) {
  const Value p[] = {r.request_id, std::int64_t{r.score}, r.comment, r.created_at};
  if (c.Execute(kInsertRating, p) != 1) {
    return Error::Conflict("Cette demande a déjà été évaluée.");
  }
  return Status::Ok();
}

Result<domain::Rating> GetRating(sql::Connection& c, std::int64_t request_id) {
  const Value p[] = {request_id};
  auto rows =
      c.Query("SELECT request_id, score, comment, created_at FROM ratings WHERE request_id = ?", p);
  if (!rows->Next()) return Error::NotFound("Cette demande n’a pas été évaluée.");
  return domain::Rating{rows->Int(0), static_cast<int>(rows->Int(1)), rows->Text(2), rows->Int(3)};
}

std::vector<domain::QualitySample> ListQualitySamples(sql::Connection& c, Timestamp since) {
  const Value p[] = {since};
  auto rows = c.Query(kQualitySamples, p);
  std::vector<domain::QualitySample> out;
  while (rows->Next()) {
    domain::QualitySample q;
    q.service_id = rows->Text(0);
    q.created_at = rows->Int(1);
    q.first_answer_at = rows->OptInt(2);
    q.closed_at = rows->OptInt(3);
    q.due_at = rows->OptInt(4);
    if (auto s = rows->OptInt(5)) q.score = static_cast<int>(*s);
    out.push_back(std::move(q));
  }
  return out;
}

}  // namespace guichet::storage::web
