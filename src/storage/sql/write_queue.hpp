// Group commit: one writer thread owns the write connection, takes every op
// queued since its last commit, runs them in one transaction and commits
// once. When an op fails, the transaction is rolled back and the batch runs
// again with each op inside a savepoint, so the failing op is undone alone:
// an op may therefore run twice, and must depend only on what it captured
// and what it reads in the transaction (never on its own earlier run). An
// op's completion runs after the commit returned, i.e. once the data is durable.
//
// Thread-safe. Completions run on the writer thread and must not block.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "storage/sql/connection.hpp"

namespace guichet::storage::sql {

class WriteQueue {
 public:
  using Op = std::function<Status(Connection&)>;
  using Done = std::function<void(Status)>;
  using Factory = std::function<std::unique_ptr<Connection>()>;

  // Most ops one transaction carries: bounds the latency a batch adds.
  static constexpr size_t kMaxBatch = 1024;
  // Most ops waiting: past it, writes are refused (503) rather than queued forever.
  static constexpr size_t kQueueLimit = 100'000;

  using Hook = std::function<void(Connection&)>;

  // `on_commit` runs on the writer thread after each commit, before the
  // ops' `done` callbacks. `before_commit` runs in each batch's transaction
  // after its ops, just before COMMIT: work done once per batch rather than
  // once per op (what SQLite's full-text index costs). If it throws, the
  // whole batch fails and is rolled back. When the connection's log wants
  // starting over, `restart_ready` says whether it may be now; asked again
  // after each commit until it says yes (SQLite: once the checkpointer
  // thread has copied the log back, SqlStore::LogCopiedForRestart).
  explicit WriteQueue(Factory factory, std::function<void()> on_commit = {},
                      Hook before_commit = {}, std::function<bool()> restart_ready = {});
  ~WriteQueue();  // Stop()

  // A write nobody waits for (the audit record of a read already answered)
  // may wait this long for other writes to share its commit: alone, each
  // made a commit of its own, rewriting the same last pages of the audit
  // log to the WAL and syncing it thousands of times a second.
  static constexpr std::chrono::milliseconds kMaxDefer{20};

  void Submit(Op op, Done done);
  // Like Submit, but the op may wait up to kMaxDefer for a commit.
  void SubmitDeferrable(Op op, Done done);
  // Runs what is queued, then stops the thread. Later submits fail.
  void Stop();

  struct Stats {
    std::uint64_t batches = 0;
    std::uint64_t ops = 0;
    std::uint64_t failed_batches = 0;
    size_t queued = 0;
  };
  Stats stats() const;
  // Commits made so far; it moves before the `done` of the ops committed.
  std::uint64_t commits() const { return commits_.load(std::memory_order_acquire); }
  // The writer is starting its log over: readers end their snapshot after
  // each read instead of keeping it (SqlStore::Read).
  bool draining() const { return draining_.load(std::memory_order_acquire); }

 private:
  struct Item {
    Op op;
    Done done;
    bool deferrable = false;
    std::chrono::steady_clock::time_point queued_at;
  };
  void Enqueue(Item item);
  void Run();
  void RunBatch(std::deque<Item>& batch);
  // One transaction, no savepoints; false (rolled back) when an op failed.
  bool RunBatchOptimistically(std::deque<Item>& batch, std::vector<Status>& results);
  void RunBatchWithSavepoints(std::deque<Item>& batch, std::vector<Status>& results,
                              bool& committed, std::string& failure);
  // Counts the batch, runs on_commit, then every op's `done`.
  void Finish(std::deque<Item>& batch, std::vector<Status>& results, bool committed,
              const std::string& failure);
  void Commit();

  Factory factory_;
  std::function<void()> on_commit_;
  Hook before_commit_;
  std::function<bool()> restart_ready_;
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<bool> draining_{false};
  std::unique_ptr<Connection> conn_;  // writer thread only
  std::mutex stop_mu_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;  // GUARDED_BY(mu_)
  size_t urgent_ = 0;       // GUARDED_BY(mu_): the queued ops that are not deferrable
  bool stopping_ = false;   // GUARDED_BY(mu_)
  Stats stats_;             // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace guichet::storage::sql
