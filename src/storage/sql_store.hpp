// domain::Store over SQL: one implementation for SQLite and PostgreSQL.
// Reads go through a pool of connections; writes through the group-commit
// WriteQueue. Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "domain/store.hpp"
#include "storage/sql/pool.hpp"
#include "storage/sql/write_queue.hpp"

namespace guichet::storage {

class SqlStore final : public domain::Store {
 public:
  SqlStore(sql::Dialect dialect, sql::ConnectionPool::Factory readers, size_t read_pool_size,
           sql::WriteQueue::Factory writer);
  ~SqlStore() override;

  Result<domain::Request> GetRequest(std::int64_t id) override;
  Result<domain::Request> GetRequestByReference(const std::string& reference) override;
  Result<domain::RequestPage> ListRequests(const domain::RequestQuery& q) override;
  Result<std::vector<domain::Event>> ListEvents(std::int64_t request_id) override;
  Result<std::vector<domain::Event>> ListEventsOf(
      const std::vector<std::int64_t>& request_ids) override;
  Result<std::vector<domain::Team>> ListTeams() override;
  Result<std::vector<domain::Service>> ListServices() override;
  Result<std::vector<domain::Agent>> ListAgents() override;
  Result<std::int64_t> CountRequests() override;
  Result<std::vector<domain::Timer>> ListDueTimers(Timestamp now, int limit) override;
  Result<std::vector<domain::Timer>> ListTimers(std::int64_t request_id) override;
  Result<domain::Draft> GetDraft(const std::string& id) override;
  Result<domain::Upload> GetUpload(const std::string& id) override;
  Result<std::string> GetUploadBytes(const std::string& id) override;
  Result<domain::ApiKey> FindApiKey(const std::string& hash) override;
  Result<std::vector<domain::ApiKey>> ListApiKeys() override;
  Result<std::vector<domain::Event>> ListEventsSince(const std::vector<domain::EventKind>& kinds,
                                                     const std::vector<std::string>& service_ids,
                                                     Timestamp since, Timestamp until,
                                                     int limit) override;
  // --- Back-office (issue 4) ---
  Result<domain::InboxCounts> CountInbox(const domain::RequestQuery& q, Timestamp now,
                                         std::optional<std::int64_t> me) override;
  Result<std::vector<domain::SearchHit>> Search(const std::string& text,
                                                const domain::AccessScope& scope,
                                                int limit) override;
  Result<std::vector<domain::AuditEntry>> ListAudit(const domain::AuditQuery& q) override;
  Result<std::vector<domain::AuditEntry>> ListAuditChain(std::int64_t after_id, int limit) override;
  Result<std::vector<domain::CannedResponse>> ListCannedResponses() override;
  Result<domain::CannedResponse> GetCannedResponse(std::int64_t id) override;
  Result<std::vector<domain::RequestLink>> ListLinks(std::int64_t request_id) override;
  Result<domain::Citizen> GetCitizen(std::int64_t id) override;
  // --- end back-office ---
  // --- web (issue #7) ---
  Result<domain::Rating> GetRating(std::int64_t request_id) override;
  Result<std::vector<domain::QualitySample>> ListQualitySamples(Timestamp since) override;
  // --- end web ---
  // --- outbox (issue #5) ---------------------------------------------------
  Result<std::vector<domain::OutboxMessage>> ListDueOutbox(Timestamp now, int limit) override;
  Result<std::vector<domain::OutboxMessage>> ListOutbox(
      std::optional<domain::OutboxState> state, std::optional<std::int64_t> request_id,
      std::optional<std::int64_t> before_id, int limit,
      const std::optional<domain::AccessScope>& scope) override;
  Result<domain::OutboxMessage> GetOutbox(std::int64_t id) override;
  Result<bool> IsSmsOptedOut(const std::string& phone) override;
  Result<domain::Request> FindOpenRequestByPhone(const std::string& phone) override;
  Result<std::vector<domain::TemplateOverride>> ListTemplateOverrides() override;
  Result<std::vector<domain::OutboxMessage>> ListLetters(
      bool printed, std::optional<std::int64_t> before_id, int limit,
      const std::optional<domain::AccessScope>& scope) override;
  // --- end outbox ----------------------------------------------------------
  void Write(WriteOp op, WriteDone done) override;
  void WriteDeferrable(WriteOp op, WriteDone done) override;
  // ---- Inbound mail ----
  Result<std::optional<std::int64_t>> FindCitizenByEmail(const std::string& email) override;
  // --- counter ---
  Result<std::vector<domain::Citizen>> FindCitizens(const domain::CitizenLookup& q) override;
  Result<std::vector<domain::PostalScan>> ListDueScans(Timestamp now, int limit) override;
  Result<std::vector<domain::PostalScan>> ListScans(std::int64_t request_id) override;
  // --- end counter ---
  Result<domain::MailMessage> GetMailMessage(const std::string& sha256) override;
  // ---- end of inbound mail ----
  // A write on the raw connection, in the same group-commit queue as Write()
  // (for the stores of other ports sharing this database: identity).
  void WriteSql(sql::WriteQueue::Op op, WriteDone done) {
    writer_.Submit(std::move(op), std::move(done));
  }
  bool Ping() override;
  std::vector<std::pair<std::string, double>> Stats() override;
  // After a bulk load (seed-demo --requests): merges the full-text index into
  // one segment, so that the first writes after it do not pay for merging
  // what the load left, and searches read one segment. SQLite only (FTS5's
  // 'optimize', one transaction that rewrites the index); nothing to do on
  // PostgreSQL, whose index is a GIN maintained by each write.
  Status CompactSearchIndex();

  // Finishes queued writes and stops the writer (the destructor does too).
  void Close();
  sql::Dialect dialect() const { return dialect_; }
  // Runs `fn` with a read connection (tools, tests).
  template <typename Fn>
  auto WithReader(Fn&& fn) {
    auto lease = readers_.Acquire();
    lease->BeginRead(writer_.commits());
    return fn(*lease);
  }

 private:
  // Appends " AND …" for every filter of `q` (scope included) except the
  // box and the keyset of a page: lists and counts select the same rows.
  void AppendFilters(std::string& sql, std::vector<sql::Value>& params,
                     const domain::RequestQuery& q) const;
  template <typename T, typename Fn>
  Result<T> Read(Fn&& fn);

  // SQLite: copies the WAL back into the database file on a thread of its
  // own, so that the writer seldom does: it only copies what is left when it
  // starts the WAL over, every 48 MB, after answering (RestartLog).
  void RunCheckpoints(sql::WriteQueue::Factory factory);
  // The writer's gate before it starts the WAL over: the first call asks
  // the checkpointer for a pass at once, and the answer is yes once that
  // pass is over. The writer's RESTART then copies only what was committed
  // during the pass, instead of up to a whole interval's worth on its own
  // thread (the copy and the database's fsync were 8 % of its time).
  bool LogCopiedForRestart();

  sql::Dialect dialect_;
  // Declared before the writer, whose thread uses them.
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_stop_ = false;                // GUARDED_BY(checkpoint_mu_)
  bool checkpoint_now_ = false;                 // GUARDED_BY(checkpoint_mu_)
  std::uint64_t passes_begun_ = 0;              // GUARDED_BY(checkpoint_mu_)
  std::uint64_t passes_done_ = 0;               // GUARDED_BY(checkpoint_mu_)
  std::optional<std::uint64_t> restart_after_;  // GUARDED_BY(checkpoint_mu_)
  sql::ConnectionPool readers_;
  sql::WriteQueue writer_;
  std::thread checkpointer_;
};

}  // namespace guichet::storage
