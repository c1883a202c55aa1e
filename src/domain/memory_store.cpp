#include "domain/memory_store.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cstdint>
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
    // The outbox rule, as SqlStore applies it.
    if (auto m = OutboxFor(copy)) (void)InsertOutbox(*m);
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

  // --- Back-office (issue 4) ---
  Status AppendAudit(std::span<const AuditEntry> entries) override {
    for (const auto& e : entries) {
      AuditEntry copy = e;
      copy.id = s_.next_id++;
      copy.prev_hash = s_.audit.empty() ? "" : s_.audit.rbegin()->second.hash;
      copy.hash = AuditDigest(copy, copy.prev_hash);
      s_.audit[copy.id] = copy;
    }
    return Status::Ok();
  }
  Result<std::int64_t> SaveCannedResponse(const CannedResponse& c) override {
    CannedResponse copy = c;
    if (copy.id == 0) {
      copy.id = s_.next_id++;
    } else if (!s_.canned.count(copy.id)) {
      return Error::NotFound("Cette réponse type n’existe pas.");
    }
    s_.canned[copy.id] = copy;
    return copy.id;
  }
  Status DeleteCannedResponse(std::int64_t id) override {
    if (!s_.canned.erase(id)) return Error::NotFound("Cette réponse type n’existe pas.");
    return Status::Ok();
  }
  Status InsertLink(const RequestLink& l) override {
    for (const auto& o : s_.links) {
      if (o.from_id == l.from_id && o.to_id == l.to_id && o.kind == l.kind) return Status::Ok();
    }
    s_.links.push_back(l);
    return Status::Ok();
  }
  std::optional<std::int64_t> NextRoundRobinAgent(const std::string& team_id) override {
    std::vector<std::int64_t> ids;
    for (const auto& [id, a] : s_.agents) {
      if (a.team_id == team_id) ids.push_back(id);
    }
    if (ids.empty()) return std::nullopt;
    auto last = s_.round_robin.find(team_id);
    auto next = ids.front();
    if (last != s_.round_robin.end()) {
      auto it = std::upper_bound(ids.begin(), ids.end(), last->second);
      if (it != ids.end()) next = *it;
    }
    s_.round_robin[team_id] = next;
    return next;
  }
  // ---- Inbound mail ----
  bool MailMessageStored(const std::string& sha256) override {
    return s_.mail_messages.count(sha256) > 0;
  }
  Status InsertMailMessage(const MailMessage& m) override {
    s_.mail_messages.emplace(m.sha256, m);
    return Status::Ok();
  }
  std::int64_t CountMailAcks(const std::string& sender, Timestamp since) override {
    return std::count_if(s_.mail_messages.begin(), s_.mail_messages.end(), [&](const auto& kv) {
      const MailMessage& m = kv.second;
      return m.acknowledged && m.sender == sender && m.received_at >= since;
    });
  }
  Status MarkAddressFailing(const FailingAddress& f) override {
    auto [it, inserted] = s_.failing_addresses.emplace(f.address, f);
    if (!inserted) {
      it->second.reason = f.reason;
      it->second.failed_at = f.failed_at;
      it->second.bounces += 1;
    } else {
      it->second.bounces = 1;
    }
    return Status::Ok();
  }
  std::optional<FailingAddress> FindFailingAddress(const std::string& address) override {
    auto it = s_.failing_addresses.find(address);
    if (it == s_.failing_addresses.end()) return std::nullopt;
    return it->second;
  }
  // ---- end of inbound mail ----
  // --- web (issue #7) ---
  Status InsertRating(const Rating& r) override {
    if (!s_.ratings.emplace(r.request_id, r).second) {
      return Error::Conflict("Cette demande a déjà été évaluée.");
    }
    return Status::Ok();
  }
  // --- end web ---
  // --- outbox (issue #5) ---------------------------------------------------
  Result<std::int64_t> InsertOutbox(const OutboxMessage& m) override {
    if (m.event_id) {
      for (const auto& [id, row] : s_.outbox) {
        if (row.event_id == m.event_id) return id;
      }
    }
    OutboxMessage copy = m;
    copy.id = s_.next_id++;
    s_.outbox[copy.id] = copy;
    return copy.id;
  }
  Result<OutboxMessage> GetOutbox(std::int64_t id) override {
    auto it = s_.outbox.find(id);
    if (it == s_.outbox.end()) return Error::NotFound("Ce message sortant n’existe pas.");
    return it->second;
  }
  bool ClaimOutbox(std::int64_t id, Timestamp now, Timestamp lease_until) override {
    auto it = s_.outbox.find(id);
    if (it == s_.outbox.end() || !MemoryStore::OutboxDue(it->second, now)) return false;
    it->second.state = OutboxState::kSending;
    it->second.attempts += 1;
    it->second.lease_until = lease_until;
    it->second.updated_at = now;
    return true;
  }
  Status UpdateOutbox(const OutboxMessage& m, OutboxState expected,
                      int expected_attempts) override {
    auto it = s_.outbox.find(m.id);
    if (it == s_.outbox.end() || it->second.state != expected ||
        it->second.attempts != expected_attempts) {
      return Error::Stale("Ce message sortant a changé entre-temps.");
    }
    OutboxMessage copy = m;
    copy.request_id = it->second.request_id;
    copy.event_id = it->second.event_id;
    copy.created_at = it->second.created_at;
    copy.subject = it->second.subject;  // rendered per attempt, stored as written
    copy.body = it->second.body;
    copy.printed_at = it->second.printed_at;
    copy.receipt = it->second.receipt;
    it->second = copy;
    return Status::Ok();
  }
  Status AddSmsOptOut(const std::string& phone, Timestamp now) override {
    s_.sms_opt_outs.emplace(phone, now);
    return Status::Ok();
  }
  std::optional<Citizen> FindCitizen(std::int64_t id) override {
    auto it = s_.citizens.find(id);
    if (it == s_.citizens.end()) return std::nullopt;
    return it->second;
  }
  Status DeleteTemplateOverride(const std::string& id) override {
    s_.template_overrides.erase(id);
    return Status::Ok();
  }
  Status SaveTemplateOverride(const TemplateOverride& t) override {
    s_.template_overrides[t.id] = t;
    return Status::Ok();
  }
  bool MarkLetterPrinted(std::int64_t id, Timestamp now) override {
    auto it = s_.outbox.find(id);
    if (it == s_.outbox.end() || it->second.channel != Channel::kPostal ||
        it->second.state != OutboxState::kSent || it->second.printed_at) {
      return false;
    }
    it->second.printed_at = now;
    return true;
  }
  bool SetOutboxReceipt(std::int64_t id, const std::string& receipt) override {
    auto it = s_.outbox.find(id);
    if (it == s_.outbox.end() || !it->second.receipt.empty()) return false;
    it->second.receipt = receipt;
    return true;
  }
  std::optional<std::int64_t> FindOutboxByProvider(Channel channel,
                                                   const std::string& provider_id) override {
    if (provider_id.empty()) return std::nullopt;
    for (const auto& [id, m] : s_.outbox) {
      if (m.channel == channel && m.provider_id == provider_id) return id;
    }
    return std::nullopt;
  }
  // --- end outbox ----------------------------------------------------------
  // --- counter -------------------------------------------------------------
  std::optional<Citizen> FindCitizenByContact(const std::string& email,
                                              const std::string& phone) override {
    for (const auto& [id, c] : s_.citizens) {
      if ((!email.empty() && AsciiLower(c.email) == AsciiLower(email)) ||
          (!phone.empty() && c.phone == phone)) {
        return c;
      }
    }
    return std::nullopt;
  }
  Result<std::int64_t> InsertScan(const PostalScan& scan) override {
    PostalScan copy = scan;
    copy.id = s_.next_id++;
    s_.scans[copy.id] = copy;
    return copy.id;
  }
  bool ClaimScan(std::int64_t id, Timestamp now, Timestamp lease_until) override {
    auto it = s_.scans.find(id);
    if (it == s_.scans.end() || !MemoryStore::ScanDue(it->second, now)) return false;
    it->second.state = PostalScan::State::kRunning;
    it->second.attempts += 1;
    it->second.lease_until = lease_until;
    return true;
  }
  Status UpdateScan(const PostalScan& scan, int expected_attempts) override {
    auto it = s_.scans.find(scan.id);
    if (it == s_.scans.end() || it->second.state != PostalScan::State::kRunning ||
        it->second.attempts != expected_attempts) {
      return Error::Stale("Ce traitement a été repris par un autre processus.");
    }
    PostalScan copy = it->second;
    copy.state = scan.state;
    copy.due_at = scan.due_at;
    copy.lease_until = scan.lease_until;
    copy.text = scan.text;
    copy.error = scan.error;
    copy.updated_at = scan.updated_at;
    it->second = copy;
    return Status::Ok();
  }
  // --- end counter ---------------------------------------------------------

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

namespace {
// Every filter of `q` but the box and the page's keyset (as SqlStore's AppendFilters).
bool MatchesFilters(const RequestQuery& q, const Request& r) {
  if (!q.statuses.empty() &&
      std::find(q.statuses.begin(), q.statuses.end(), r.status) == q.statuses.end()) {
    return false;
  }
  if (!q.categories.empty() &&
      std::find(q.categories.begin(), q.categories.end(), r.category) == q.categories.end()) {
    return false;
  }
  if (!q.team_ids.empty() &&
      std::find(q.team_ids.begin(), q.team_ids.end(), r.team_id) == q.team_ids.end()) {
    return false;
  }
  if ((q.team_id && r.team_id != *q.team_id) || (q.channel && r.channel != *q.channel) ||
      (q.service_id && r.service_id != *q.service_id) || (q.agent_id && r.agent_id != q.agent_id) ||
      (q.citizen_id && r.citizen_id != q.citizen_id)) {
    return false;
  }
  if (q.scope && !q.scope->Allows(r)) return false;
  if (!q.fulltext.empty() && r.title.find(q.fulltext) == std::string::npos &&
      r.description.find(q.fulltext) == std::string::npos) {
    return false;
  }
  if ((q.unassigned && r.agent_id) ||
      (q.overdue_at && (!r.due_at || *r.due_at >= *q.overdue_at || IsTerminal(r.category)))) {
    return false;
  }
  if (!q.text.empty() && r.reference != q.text && r.title.find(q.text) == std::string::npos &&
      r.description.find(q.text) == std::string::npos) {
    return false;
  }
  const auto in = [](const std::vector<std::string>& set, const std::string& v) {
    return set.empty() || std::find(set.begin(), set.end(), v) != set.end();
  };
  if (!in(q.references, r.reference) || !in(q.service_ids, r.service_id) ||
      (q.created_from && r.created_at < *q.created_from) ||
      (q.created_to && r.created_at > *q.created_to)) {
    return false;
  }
  return true;
}
}  // namespace

Result<RequestPage> MemoryStore::ListRequests(const RequestQuery& q) {
  std::lock_guard lock(mu_);
  RequestPage page;
  int skipped = 0;
  for (auto it = state_.requests.rbegin(); it != state_.requests.rend(); ++it) {
    const Request& r = it->second;
    if (q.before_id && r.id >= *q.before_id) continue;
    if (!MatchesFilters(q, r)) continue;
    if (q.bbox &&
        (!r.location || r.location->lat < q.bbox->min_lat || r.location->lat > q.bbox->max_lat ||
         r.location->lon < q.bbox->min_lon || r.location->lon > q.bbox->max_lon)) {
      continue;
    }
    if (q.sort != RequestQuery::Sort::kNewest) {
      page.items.push_back(r);  // sorted and cut below
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
  if (q.sort != RequestQuery::Sort::kNewest) {
    const bool by_due = q.sort == RequestQuery::Sort::kDueDate;
    // Both sorts as ascending keys: the deadline (none last), or minus the last activity.
    const auto key = [by_due](const Request& r) {
      return std::pair<std::int64_t, std::int64_t>(
          by_due ? r.due_at.value_or(INT64_MAX) : -r.updated_at, by_due ? r.id : -r.id);
    };
    std::sort(page.items.begin(), page.items.end(),
              [&](const Request& a, const Request& b) { return key(a) < key(b); });
    if (q.after) {
      const std::pair<std::int64_t, std::int64_t> after =
          by_due ? *q.after : std::pair{-q.after->first, -q.after->second};
      std::erase_if(page.items, [&](const Request& r) { return !(after < key(r)); });
    }
    if (static_cast<int>(page.items.size()) > q.limit) {
      page.items.resize(static_cast<size_t>(q.limit));
      const Request& last = page.items.back();
      page.next_after = {by_due ? last.due_at.value_or(INT64_MAX) : last.updated_at, last.id};
    }
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

Result<std::vector<Event>> MemoryStore::ListEventsOf(const std::vector<std::int64_t>& request_ids) {
  std::lock_guard lock(mu_);
  std::vector<Event> out;
  for (const auto& [_, e] : state_.events) {
    if (std::find(request_ids.begin(), request_ids.end(), e.request_id) != request_ids.end()) {
      out.push_back(e);
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Event& a, const Event& b) { return a.request_id < b.request_id; });
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

// --- Back-office (issue 4) ---
Result<InboxCounts> MemoryStore::CountInbox(const RequestQuery& q, Timestamp now,
                                            std::optional<std::int64_t> me) {
  std::lock_guard lock(mu_);
  InboxCounts c;
  for (const auto& [_, r] : state_.requests) {
    if (!MatchesFilters(q, r)) continue;
    ++c.total;
    ++c.by_category[std::string(ToString(r.category))];
    ++c.by_channel[std::string(ToString(r.channel))];
    if (r.due_at && *r.due_at < now && !IsTerminal(r.category)) ++c.overdue;
    if (me && r.agent_id == me) ++c.mine;
    if (!r.agent_id) ++c.unassigned;
  }
  return c;
}

// Plain substring matching: the stemming and accent folding are the SQL stores'.
Result<std::vector<SearchHit>> MemoryStore::Search(const std::string& text,
                                                   const AccessScope& scope, int limit) {
  std::lock_guard lock(mu_);
  std::vector<SearchHit> out;
  for (auto it = state_.requests.rbegin(); it != state_.requests.rend(); ++it) {
    const Request& r = it->second;
    if (!scope.Allows(r) || static_cast<int>(out.size()) >= limit) continue;
    std::string found;
    if (r.title.find(text) != std::string::npos) found = r.title;
    if (found.empty() && r.description.find(text) != std::string::npos) found = r.description;
    for (const auto& [_, e] : state_.events) {
      if (found.empty() && e.request_id == r.id && e.body.find(text) != std::string::npos) {
        found = e.body;
      }
    }
    if (!found.empty()) out.push_back({r, found, 1});
  }
  return out;
}

Result<std::vector<AuditEntry>> MemoryStore::ListAudit(const AuditQuery& q) {
  std::lock_guard lock(mu_);
  std::vector<AuditEntry> out;
  for (auto it = state_.audit.rbegin(); it != state_.audit.rend(); ++it) {
    const AuditEntry& e = it->second;
    if ((q.before_id && e.id >= *q.before_id) || (q.citizen_id && e.citizen_id != q.citizen_id) ||
        (q.request_id && e.request_id != q.request_id) ||
        (!q.actor_label.empty() && e.actor_label != q.actor_label) ||
        (!q.action.empty() && e.action != q.action) || (q.from && e.at < *q.from) ||
        (q.to && e.at > *q.to)) {
      continue;
    }
    if (static_cast<int>(out.size()) == q.limit) break;
    out.push_back(e);
  }
  return out;
}

Result<std::vector<AuditEntry>> MemoryStore::ListAuditChain(std::int64_t after_id, int limit) {
  std::lock_guard lock(mu_);
  std::vector<AuditEntry> out;
  for (auto it = state_.audit.upper_bound(after_id);
       it != state_.audit.end() && static_cast<int>(out.size()) < limit; ++it) {
    out.push_back(it->second);
  }
  return out;
}

Result<std::vector<CannedResponse>> MemoryStore::ListCannedResponses() {
  std::lock_guard lock(mu_);
  std::vector<CannedResponse> out;
  for (const auto& [_, c] : state_.canned) out.push_back(c);
  return out;
}

Result<CannedResponse> MemoryStore::GetCannedResponse(std::int64_t id) {
  std::lock_guard lock(mu_);
  auto it = state_.canned.find(id);
  if (it == state_.canned.end()) return Error::NotFound("Cette réponse type n’existe pas.");
  return it->second;
}

Result<std::vector<RequestLink>> MemoryStore::ListLinks(std::int64_t request_id) {
  std::lock_guard lock(mu_);
  std::vector<RequestLink> out;
  for (const auto& l : state_.links) {
    if (l.from_id == request_id || l.to_id == request_id) out.push_back(l);
  }
  return out;
}

Result<Citizen> MemoryStore::GetCitizen(std::int64_t id) {
  std::lock_guard lock(mu_);
  auto it = state_.citizens.find(id);
  if (it == state_.citizens.end()) return Error::NotFound("Ce citoyen n’existe pas.");
  return it->second;
}
// --- end back-office ---
// --- web (issue #7) ---
Result<Rating> MemoryStore::GetRating(std::int64_t request_id) {
  std::lock_guard lock(mu_);
  auto it = state_.ratings.find(request_id);
  if (it == state_.ratings.end()) return Error::NotFound("Cette demande n’a pas été évaluée.");
  return it->second;
}

Result<std::vector<QualitySample>> MemoryStore::ListQualitySamples(Timestamp since) {
  std::lock_guard lock(mu_);
  std::vector<QualitySample> out;
  for (const auto& [id, r] : state_.requests) {
    if (r.created_at < since) continue;
    QualitySample q{r.service_id, r.created_at, std::nullopt, r.closed_at, r.due_at, std::nullopt};
    for (const auto& [_, e] : state_.events) {
      const bool answer = e.kind == EventKind::kMessageOut || e.kind == EventKind::kStatusChange;
      if (e.request_id != id || !answer || e.author == "system") continue;
      if (!q.first_answer_at || e.created_at < *q.first_answer_at) q.first_answer_at = e.created_at;
    }
    // A cleared deadline leaves its due date on its timer (as in SQL).
    for (const auto& [_, t] : state_.timers) {
      if (r.due_at || t.request_id != id || t.kind != Timer::Kind::kDeadline || !t.due_at) continue;
      q.due_at = std::max(q.due_at.value_or(*t.due_at), *t.due_at);
    }
    if (auto g = state_.ratings.find(id); g != state_.ratings.end()) q.score = g->second.score;
    out.push_back(std::move(q));
  }
  std::stable_sort(out.begin(), out.end(), [](const QualitySample& a, const QualitySample& b) {
    return a.created_at < b.created_at;
  });
  return out;
}
// --- end web ---

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

// --- counter ---
bool MemoryStore::ScanDue(const PostalScan& s, Timestamp now) {
  return (s.state == PostalScan::State::kPending && s.due_at <= now) ||
         (s.state == PostalScan::State::kRunning && s.lease_until && *s.lease_until <= now);
}

Result<std::vector<Citizen>> MemoryStore::FindCitizens(const CitizenLookup& q) {
  std::lock_guard lock(mu_);
  std::vector<std::string> words;
  for (size_t i = 0; i < q.value.size();) {
    size_t j = q.value.find(' ', i);
    if (j == std::string::npos) j = q.value.size();
    if (j > i) words.push_back(AsciiLower(q.value.substr(i, j - i)));
    i = j + 1;
  }
  std::vector<Citizen> out;
  for (const auto& [id, c] : state_.citizens) {
    bool match = false;
    switch (q.by) {
      case CitizenLookup::By::kEmail:
        match = !c.email.empty() && AsciiLower(c.email) == AsciiLower(q.value);
        break;
      case CitizenLookup::By::kPhone:
        match = !c.phone.empty() && c.phone == q.value;
        break;
      case CitizenLookup::By::kName: {
        const std::string name = " " + AsciiLower(c.name);
        match = !words.empty();
        for (const auto& w : words) match = match && name.find(" " + w) != std::string::npos;
        break;
      }
    }
    if (match) out.push_back(c);
    if (static_cast<int>(out.size()) >= q.limit) break;
  }
  return out;
}

Result<std::vector<PostalScan>> MemoryStore::ListDueScans(Timestamp now, int limit) {
  std::lock_guard lock(mu_);
  std::vector<PostalScan> out;
  for (const auto& [_, s] : state_.scans) {
    if (ScanDue(s, now)) out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const PostalScan& a, const PostalScan& b) {
    return std::tie(a.due_at, a.id) < std::tie(b.due_at, b.id);
  });
  if (static_cast<int>(out.size()) > limit) out.resize(static_cast<size_t>(limit));
  return out;
}

Result<std::vector<PostalScan>> MemoryStore::ListScans(std::int64_t request_id) {
  std::lock_guard lock(mu_);
  std::vector<PostalScan> out;
  for (const auto& [_, s] : state_.scans) {
    if (s.request_id == request_id) out.push_back(s);
  }
  return out;
}
// --- end counter ---

// ---- Inbound mail ----
Result<std::optional<std::int64_t>> MemoryStore::FindCitizenByEmail(const std::string& email) {
  auto lower = [](std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  std::lock_guard lock(mu_);
  for (const auto& [id, c] : state_.citizens) {
    if (!c.email.empty() && lower(c.email) == lower(email)) return std::optional(id);
  }
  return std::optional<std::int64_t>();
}

Result<MailMessage> MemoryStore::GetMailMessage(const std::string& sha256) {
  std::lock_guard lock(mu_);
  auto it = state_.mail_messages.find(sha256);
  if (it == state_.mail_messages.end()) return Error::NotFound("Ce courriel n’a pas été reçu.");
  return it->second;
}
// ---- end of inbound mail ----
// --- outbox (issue #5) -----------------------------------------------------
bool MemoryStore::OutboxDue(const OutboxMessage& m, Timestamp now) {
  return (m.state == OutboxState::kPending && m.next_attempt_at <= now) ||
         (m.state == OutboxState::kSending && m.lease_until && *m.lease_until <= now);
}

bool MemoryStore::InScope(const OutboxMessage& m, const std::optional<AccessScope>& scope) const {
  if (!scope || scope->all) return true;
  const auto r = m.request_id ? state_.requests.find(*m.request_id) : state_.requests.end();
  return r != state_.requests.end() && scope->Allows(r->second);
}

Result<std::vector<OutboxMessage>> MemoryStore::ListDueOutbox(Timestamp now, int limit) {
  std::lock_guard lock(mu_);
  std::vector<OutboxMessage> out;
  for (const auto& [_, m] : state_.outbox) {
    if (OutboxDue(m, now)) out.push_back(m);
  }
  std::sort(out.begin(), out.end(), [](const OutboxMessage& a, const OutboxMessage& b) {
    return std::tie(a.next_attempt_at, a.id) < std::tie(b.next_attempt_at, b.id);
  });
  if (static_cast<int>(out.size()) > limit) out.resize(static_cast<size_t>(limit));
  return out;
}

Result<std::vector<OutboxMessage>> MemoryStore::ListOutbox(
    std::optional<OutboxState> state, std::optional<std::int64_t> request_id,
    std::optional<std::int64_t> before_id, int limit, const std::optional<AccessScope>& scope) {
  std::lock_guard lock(mu_);
  std::vector<OutboxMessage> out;
  for (auto it = state_.outbox.rbegin(); it != state_.outbox.rend(); ++it) {
    const auto& m = it->second;
    if (state && m.state != *state) continue;
    if (request_id && m.request_id != request_id) continue;
    if (before_id && m.id >= *before_id) continue;
    if (!InScope(m, scope)) continue;
    out.push_back(m);
    if (static_cast<int>(out.size()) >= limit) break;
  }
  return out;
}

Result<OutboxMessage> MemoryStore::GetOutbox(std::int64_t id) {
  std::lock_guard lock(mu_);
  auto it = state_.outbox.find(id);
  if (it == state_.outbox.end()) return Error::NotFound("Ce message sortant n’existe pas.");
  return it->second;
}

Result<bool> MemoryStore::IsSmsOptedOut(const std::string& phone) {
  std::lock_guard lock(mu_);
  return state_.sms_opt_outs.count(phone) > 0;
}

Result<Request> MemoryStore::FindOpenRequestByPhone(const std::string& phone) {
  std::lock_guard lock(mu_);
  for (auto it = state_.requests.rbegin(); it != state_.requests.rend(); ++it) {
    if (it->second.contact.phone == phone && !IsTerminal(it->second.category)) return it->second;
  }
  return Error::NotFound("Aucune demande ouverte pour ce numéro.");
}

Result<std::vector<TemplateOverride>> MemoryStore::ListTemplateOverrides() {
  std::lock_guard lock(mu_);
  std::vector<TemplateOverride> out;
  for (const auto& [_, t] : state_.template_overrides) out.push_back(t);
  return out;
}

Result<std::vector<OutboxMessage>> MemoryStore::ListLetters(
    bool printed, std::optional<std::int64_t> before_id, int limit,
    const std::optional<AccessScope>& scope) {
  std::lock_guard lock(mu_);
  std::vector<OutboxMessage> out;
  for (auto it = state_.outbox.rbegin(); it != state_.outbox.rend(); ++it) {
    const auto& m = it->second;
    if (m.channel != Channel::kPostal || m.state != OutboxState::kSent) continue;
    if (m.printed_at.has_value() != printed) continue;
    if (before_id && m.id >= *before_id) continue;
    if (!InScope(m, scope)) continue;
    out.push_back(m);
    const auto r = m.request_id ? state_.requests.find(*m.request_id) : state_.requests.end();
    if (r != state_.requests.end() && r->second.citizen_id) {
      const auto c = state_.citizens.find(*r->second.citizen_id);
      if (c != state_.citizens.end()) out.back().postal_address = c->second.postal_address;
    }
    if (static_cast<int>(out.size()) >= limit) break;
  }
  return out;
}
// --- end outbox --------------------------------------------------------------

Status SeedGeneralContact(WriteTx& tx) {
  GUICHET_TRY(tx.UpsertTeam({"accueil", "Accueil", ""}));
  GUICHET_TRY(tx.UpsertService({"question-generale", "Question", "", "accueil", 15, true}));
  return Status::Ok();
}

}  // namespace guichet::domain
