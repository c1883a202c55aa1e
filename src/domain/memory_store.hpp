// An in-memory domain::Store for unit tests. Writes run synchronously on the
// caller's thread; an op that fails leaves no trace (the state is restored).
// Thread-safe (one mutex).
#pragma once

#include <map>
#include <mutex>

#include "domain/store.hpp"

namespace guichet::domain {

class MemoryStore final : public Store {
 public:
  Result<Request> GetRequest(std::int64_t id) override;
  Result<Request> GetRequestByReference(const std::string& reference) override;
  Result<RequestPage> ListRequests(const RequestQuery& q) override;
  Result<std::vector<Event>> ListEvents(std::int64_t request_id) override;
  Result<std::vector<Event>> ListEventsOf(const std::vector<std::int64_t>& request_ids) override;
  Result<std::vector<Team>> ListTeams() override;
  Result<std::vector<Service>> ListServices() override;
  Result<std::vector<Agent>> ListAgents() override;
  Result<std::int64_t> CountRequests() override;
  Result<std::vector<Timer>> ListDueTimers(Timestamp now, int limit) override;
  Result<std::vector<Timer>> ListTimers(std::int64_t request_id) override;
  Result<Draft> GetDraft(const std::string& id) override;
  Result<Upload> GetUpload(const std::string& id) override;
  Result<std::string> GetUploadBytes(const std::string& id) override;
  Result<ApiKey> FindApiKey(const std::string& hash) override;
  Result<std::vector<ApiKey>> ListApiKeys() override;
  Result<std::vector<Event>> ListEventsSince(const std::vector<EventKind>& kinds,
                                             const std::vector<std::string>& service_ids,
                                             Timestamp since, Timestamp until, int limit) override;
  // --- Back-office (issue 4) ---
  Result<InboxCounts> CountInbox(const RequestQuery& q, Timestamp now,
                                 std::optional<std::int64_t> me) override;
  Result<std::vector<SearchHit>> Search(const std::string& text, const AccessScope& scope,
                                        int limit) override;
  Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& q) override;
  Result<std::vector<AuditEntry>> ListAuditChain(std::int64_t after_id, int limit) override;
  Result<std::vector<CannedResponse>> ListCannedResponses() override;
  Result<CannedResponse> GetCannedResponse(std::int64_t id) override;
  Result<std::vector<RequestLink>> ListLinks(std::int64_t request_id) override;
  Result<Citizen> GetCitizen(std::int64_t id) override;
  // --- end back-office ---
  // --- web (issue #7) ---
  Result<Rating> GetRating(std::int64_t request_id) override;
  Result<std::vector<QualitySample>> ListQualitySamples(Timestamp since) override;
  // --- end web ---
  // --- outbox (issue #5) ---------------------------------------------------
  Result<std::vector<OutboxMessage>> ListDueOutbox(Timestamp now, int limit) override;
  Result<std::vector<OutboxMessage>> ListOutbox(std::optional<OutboxState> state,
                                                std::optional<std::int64_t> request_id,
                                                std::optional<std::int64_t> before_id, int limit,
                                                const std::optional<AccessScope>& scope) override;
  Result<OutboxMessage> GetOutbox(std::int64_t id) override;
  Result<bool> IsSmsOptedOut(const std::string& phone) override;
  Result<Request> FindOpenRequestByPhone(const std::string& phone) override;
  Result<std::vector<TemplateOverride>> ListTemplateOverrides() override;
  Result<std::vector<OutboxMessage>> ListLetters(bool printed,
                                                 std::optional<std::int64_t> before_id, int limit,
                                                 const std::optional<AccessScope>& scope) override;
  static bool OutboxDue(const OutboxMessage& m, Timestamp now);
  // --- end outbox ----------------------------------------------------------
  // --- counter (names are folded for ASCII only here: the SQL stores fold accents) ---
  Result<std::vector<Citizen>> FindCitizens(const CitizenLookup& q) override;
  Result<std::vector<PostalScan>> ListDueScans(Timestamp now, int limit) override;
  Result<std::vector<PostalScan>> ListScans(std::int64_t request_id) override;
  static bool ScanDue(const PostalScan& s, Timestamp now);
  // --- end counter ---
  void Write(WriteOp op, WriteDone done) override;
  // ---- Inbound mail ----
  Result<std::optional<std::int64_t>> FindCitizenByEmail(const std::string& email) override;
  Result<MailMessage> GetMailMessage(const std::string& sha256) override;
  // ---- end of inbound mail ----
  bool Ping() override { return true; }
  std::vector<std::pair<std::string, double>> Stats() override { return {}; }

  struct State {
    std::map<std::int64_t, Request> requests;
    std::map<std::int64_t, Event> events;
    std::map<std::string, Team> teams;
    std::map<std::string, Service> services;
    std::map<std::int64_t, Agent> agents;
    std::map<std::int64_t, Citizen> citizens;
    std::map<std::pair<std::string, std::string>, IdempotencyRecord> idempotency;
    std::map<std::int64_t, Timer> timers;
    std::map<std::string, Draft> drafts;
    std::map<std::string, std::pair<Upload, std::string>> uploads;
    std::map<std::int64_t, ApiKey> api_keys;
    std::map<std::string, MailMessage> mail_messages;            // by sha256
    std::map<std::string, FailingAddress> failing_addresses;     // by address
    std::map<std::int64_t, Rating> ratings;                      // web (issue #7): by request id
    std::map<std::int64_t, OutboxMessage> outbox;                // outbox (issue #5)
    std::map<std::string, Timestamp> sms_opt_outs;               // outbox (issue #5)
    std::map<std::string, TemplateOverride> template_overrides;  // outbox (issue #5): by id
    std::map<std::int64_t, PostalScan> scans;                    // counter: postal OCR jobs
    std::int64_t next_id = 1;
    // Back-office (issue 4).
    std::map<std::int64_t, AuditEntry> audit;
    std::map<std::int64_t, CannedResponse> canned;
    std::vector<RequestLink> links;
    std::map<std::string, std::int64_t> round_robin;  // team → last agent
  };

 private:
  // Whether `scope` (none: everything) allows the request of `m`; mu_ held.
  bool InScope(const OutboxMessage& m, const std::optional<AccessScope>& scope) const;

  std::mutex mu_;
  State state_;  // GUARDED_BY(mu_)
};

// For unit tests: the `accueil` team and its general-contact service
// `question-generale` (a 15-day delay), which mail, SMS and outbox tests use.
Status SeedGeneralContact(WriteTx& tx);

}  // namespace guichet::domain
