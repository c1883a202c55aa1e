#include "domain/memory_store.hpp"

#include <algorithm>
#include <tuple>

namespace guichet::domain {
namespace {

class MemoryTx final : public WriteTx {
 public:
  explicit MemoryTx(MemoryStore::State& s) : s_(s) {}

  Result<std::int64_t> InsertRequest(const Request& r) override {
    if (ReferenceExists(r.reference)) return Error::Conflict("Cette référence existe déjà.");
    Request copy = r;
    copy.id = s_.next_id++;
    copy.version = 1;
    s_.requests[copy.id] = copy;
    return copy.id;
  }
  Status UpdateRequest(const Request& r, std::int64_t expected_version) override {
    auto it = s_.requests.find(r.id);
    if (it == s_.requests.end()) return Error::NotFound("Cette demande n’existe pas.");
    if (it->second.version != expected_version) return Error::Stale("version");
    Request copy = r;
    copy.reference = it->second.reference;
    copy.version = expected_version + 1;
    it->second = copy;
    return Status::Ok();
  }
  Result<Request> GetRequest(std::int64_t id) override {
    auto it = s_.requests.find(id);
    if (it == s_.requests.end()) return Error::NotFound("Cette demande n’existe pas.");
    return it->second;
  }
  bool ReferenceExists(const std::string& reference) override {
    return std::any_of(s_.requests.begin(), s_.requests.end(),
                       [&](const auto& kv) { return kv.second.reference == reference; });
  }
  Result<std::int64_t> AppendEvent(const Event& e) override {
    Event copy = e;
    copy.id = s_.next_id++;
    s_.events[copy.id] = copy;
    return copy.id;
  }
  std::optional<IdempotencyRecord> FindIdempotency(const std::string& scope,
                                                   const std::string& key) override {
    auto it = s_.idempotency.find({scope, key});
    if (it == s_.idempotency.end()) return std::nullopt;
    return it->second;
  }
  Status SaveIdempotency(const IdempotencyRecord& rec) override {
    s_.idempotency[{rec.scope, rec.key}] = rec;
    return Status::Ok();
  }
  Status UpsertTeam(const Team& t) override {
    s_.teams[t.id] = t;
    return Status::Ok();
  }
  Status UpsertService(const Service& s) override {
    s_.services[s.id] = s;
    return Status::Ok();
  }
  Result<std::int64_t> InsertAgent(const Agent& a) override {
    Agent copy = a;
    copy.id = s_.next_id++;
    s_.agents[copy.id] = copy;
    return copy.id;
  }
  bool AgentExists(std::int64_t id) override { return s_.agents.count(id) > 0; }
  Result<std::int64_t> InsertCitizen(const Citizen& c) override {
    Citizen copy = c;
    copy.id = s_.next_id++;
    s_.citizens[copy.id] = copy;
    return copy.id;
  }
  std::optional<std::int64_t> FindAgentByEmail(const std::string& email) override {
    for (const auto& [id, a] : s_.agents) {
      if (a.email == email) return id;
    }
    return std::nullopt;
  }
  std::vector<Timer> ListTimers(std::int64_t request_id) override {
    std::vector<Timer> out;
    for (const auto& [_, t] : s_.timers) {
      if (t.request_id == request_id) out.push_back(t);
    }
    return out;
  }
  Result<std::int64_t> InsertTimer(const Timer& t) override {
    Timer copy = t;
    copy.id = s_.next_id++;
    s_.timers[copy.id] = copy;
    return copy.id;
  }
  Status UpdateTimer(const Timer& t) override {
    auto it = s_.timers.find(t.id);
    if (it == s_.timers.end()) return Error::NotFound("timer");
    it->second.state = t.state;
    it->second.due_at = t.due_at;
    it->second.remaining = t.remaining;
    it->second.fired_at = t.fired_at;
    return Status::Ok();
  }
  bool ClaimTimer(std::int64_t id, Timestamp now) override {
    auto it = s_.timers.find(id);
    if (it == s_.timers.end() || it->second.state != Timer::State::kRunning) return false;
    it->second.state = Timer::State::kFired;
    it->second.fired_at = now;
    return true;
  }
  Status SaveDraft(const Draft& d) override {
    s_.drafts[d.id] = d;
    return Status::Ok();
  }
  Status DeleteDraft(const std::string& id) override {
    s_.drafts.erase(id);
    return Status::Ok();
  }
  std::int64_t DeleteExpiredDrafts(Timestamp now) override {
    return static_cast<std::int64_t>(
        std::erase_if(s_.drafts, [now](const auto& kv) { return kv.second.expires_at <= now; }));
  }
  Status InsertUpload(const Upload& u, const std::string& bytes) override {
    s_.uploads[u.id] = {u, bytes};
    return Status::Ok();
  }
  Status AttachUpload(const std::string& upload_id, std::int64_t request_id) override {
    auto it = s_.uploads.find(upload_id);
    if (it == s_.uploads.end()) return Error::NotFound("Ce fichier n’existe pas.");
    it->second.first.request_id = request_id;
    return Status::Ok();
  }

  Result<std::int64_t> InsertApiKey(const ApiKey& k) override {
    for (const auto& [_, other] : s_.api_keys) {
      if (other.hash == k.hash) return Error::Conflict("Cette clé existe déjà.");
    }
    ApiKey copy = k;
    copy.id = s_.next_id++;
    s_.api_keys[copy.id] = copy;
    return copy.id;
  }
  Status RevokeApiKey(std::int64_t id, Timestamp now) override {
    auto it = s_.api_keys.find(id);
    if (it == s_.api_keys.end()) return Error::NotFound("Cette clé d’API n’existe pas.");
    if (!it->second.revoked_at) it->second.revoked_at = now;
    return Status::Ok();
  }

 private:
  MemoryStore::State& s_;
};

}  // namespace

Result<Request> MemoryStore::GetRequest(std::int64_t id) {
  std::lock_guard lock(mu_);
  return MemoryTx(state_).GetRequest(id);
}

Result<Request> MemoryStore::GetRequestByReference(const std::string& reference) {
  std::lock_guard lock(mu_);
  for (const auto& [_, r] : state_.requests) {
    if (r.reference == reference) return r;
  }
  return Error::NotFound("Cette demande n’existe pas.");
}

Result<RequestPage> MemoryStore::ListRequests(const RequestQuery& q) {
  std::lock_guard lock(mu_);
  RequestPage page;
  int skipped = 0;
  for (auto it = state_.requests.rbegin(); it != state_.requests.rend(); ++it) {
    const Request& r = it->second;
    if (q.before_id && r.id >= *q.before_id) continue;
    if (!q.statuses.empty() &&
        std::find(q.statuses.begin(), q.statuses.end(), r.status) == q.statuses.end()) {
      continue;
    }
    if (!q.categories.empty() &&
        std::find(q.categories.begin(), q.categories.end(), r.category) == q.categories.end()) {
      continue;
    }
    if (!q.team_ids.empty() &&
        std::find(q.team_ids.begin(), q.team_ids.end(), r.team_id) == q.team_ids.end()) {
      continue;
    }
    if ((q.team_id && r.team_id != *q.team_id) || (q.channel && r.channel != *q.channel) ||
        (q.service_id && r.service_id != *q.service_id) ||
        (q.agent_id && r.agent_id != q.agent_id) ||
        (q.citizen_id && r.citizen_id != q.citizen_id)) {
      continue;
    }
    if (!q.text.empty() && r.reference != q.text && r.title.find(q.text) == std::string::npos &&
        r.description.find(q.text) == std::string::npos) {
      continue;
    }
    const auto in = [](const std::vector<std::string>& set, const std::string& v) {
      return set.empty() || std::find(set.begin(), set.end(), v) != set.end();
    };
    if (!in(q.references, r.reference) || !in(q.service_ids, r.service_id) ||
        (q.created_from && r.created_at < *q.created_from) ||
        (q.created_to && r.created_at > *q.created_to)) {
      continue;
    }
    if (q.bbox &&
        (!r.location || r.location->lat < q.bbox->min_lat || r.location->lat > q.bbox->max_lat ||
         r.location->lon < q.bbox->min_lon || r.location->lon > q.bbox->max_lon)) {
      continue;
    }
    if (skipped < q.offset) {
      ++skipped;
      continue;
    }
    if (static_cast<int>(page.items.size()) == q.limit) {
      page.next_before_id = page.items.back().id;
      break;
    }
    page.items.push_back(r);
  }
  return page;
}

Result<std::vector<Event>> MemoryStore::ListEvents(std::int64_t request_id) {
  std::lock_guard lock(mu_);
  std::vector<Event> out;
  for (const auto& [_, e] : state_.events) {
    if (e.request_id == request_id) out.push_back(e);
  }
  return out;
}

Result<std::vector<Team>> MemoryStore::ListTeams() {
  std::lock_guard lock(mu_);
  std::vector<Team> out;
  for (const auto& [_, t] : state_.teams) out.push_back(t);
  return out;
}

Result<std::vector<Service>> MemoryStore::ListServices() {
  std::lock_guard lock(mu_);
  std::vector<Service> out;
  for (const auto& [_, s] : state_.services) out.push_back(s);
  return out;
}

Result<std::vector<Agent>> MemoryStore::ListAgents() {
  std::lock_guard lock(mu_);
  std::vector<Agent> out;
  for (const auto& [_, a] : state_.agents) out.push_back(a);
  return out;
}

Result<std::int64_t> MemoryStore::CountRequests() {
  std::lock_guard lock(mu_);
  return static_cast<std::int64_t>(state_.requests.size());
}

Result<std::vector<Timer>> MemoryStore::ListDueTimers(Timestamp now, int limit) {
  std::lock_guard lock(mu_);
  std::vector<Timer> out;
  for (const auto& [_, t] : state_.timers) {
    if (t.state == Timer::State::kRunning && t.due_at && *t.due_at <= now) out.push_back(t);
  }
  std::sort(out.begin(), out.end(), [](const Timer& a, const Timer& b) {
    return std::tie(*a.due_at, a.id) < std::tie(*b.due_at, b.id);
  });
  if (static_cast<int>(out.size()) > limit) out.resize(static_cast<size_t>(limit));
  return out;
}

Result<std::vector<Timer>> MemoryStore::ListTimers(std::int64_t request_id) {
  std::lock_guard lock(mu_);
  return MemoryTx(state_).ListTimers(request_id);
}

Result<Draft> MemoryStore::GetDraft(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = state_.drafts.find(id);
  if (it == state_.drafts.end()) return Error::NotFound("Ce brouillon n’existe pas.");
  return it->second;
}

Result<Upload> MemoryStore::GetUpload(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = state_.uploads.find(id);
  if (it == state_.uploads.end()) return Error::NotFound("Ce fichier n’existe pas.");
  return it->second.first;
}

Result<std::string> MemoryStore::GetUploadBytes(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = state_.uploads.find(id);
  if (it == state_.uploads.end()) return Error::NotFound("Ce fichier n’existe pas.");
  return it->second.second;
}

Result<ApiKey> MemoryStore::FindApiKey(const std::string& hash) {
  std::lock_guard lock(mu_);
  for (const auto& [_, k] : state_.api_keys) {
    if (k.hash == hash) return k;
  }
  return Error::NotFound("Cette clé d’API n’existe pas.");
}

Result<std::vector<ApiKey>> MemoryStore::ListApiKeys() {
  std::lock_guard lock(mu_);
  std::vector<ApiKey> out;
  for (const auto& [_, k] : state_.api_keys) out.push_back(k);
  return out;
}

Result<std::vector<Event>> MemoryStore::ListEventsSince(const std::vector<EventKind>& kinds,
                                                        const std::vector<std::string>& service_ids,
                                                        Timestamp since, Timestamp until,
                                                        int limit) {
  std::lock_guard lock(mu_);
  std::vector<Event> out;
  for (const auto& [_, e] : state_.events) {
    if (e.created_at <= since || e.created_at > until) continue;
    if (std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end()) continue;
    auto r = state_.requests.find(e.request_id);
    if (r == state_.requests.end() || std::find(service_ids.begin(), service_ids.end(),
                                                r->second.service_id) == service_ids.end()) {
      continue;
    }
    out.push_back(e);
  }
  std::stable_sort(out.begin(), out.end(), [](const Event& a, const Event& b) {
    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
  });
  if (static_cast<int>(out.size()) > limit) out.resize(static_cast<size_t>(limit));
  return out;
}

void MemoryStore::Write(WriteOp op, WriteDone done) {
  Status s;
  {
    std::lock_guard lock(mu_);
    State before = state_;
    MemoryTx tx(state_);
    s = op(tx);
    if (!s.ok()) state_ = std::move(before);
  }
  done(std::move(s));
}

}  // namespace guichet::domain
