#include "storage/sql/write_queue.hpp"
#include "core/thread_name.hpp"

#include <exception>

namespace guichet::storage::sql {

WriteQueue::WriteQueue(Factory factory, std::function<void()> on_commit, Hook before_commit,
                       std::function<bool()> restart_ready)
    : factory_(std::move(factory)),
      on_commit_(std::move(on_commit)),
      before_commit_(std::move(before_commit)),
      restart_ready_(std::move(restart_ready)) {
  conn_ = factory_();
  thread_ = std::thread([this] {
    NameThisThread("sql-writer");
    Run();
  });
}

WriteQueue::~WriteQueue() { Stop(); }

void WriteQueue::Submit(Op op, Done done) {
  Enqueue({std::move(op), std::move(done), false, std::chrono::steady_clock::now()});
}

void WriteQueue::SubmitDeferrable(Op op, Done done) {
  Enqueue({std::move(op), std::move(done), true, std::chrono::steady_clock::now()});
}

void WriteQueue::Enqueue(Item item) {
  bool stopping;
  {
    std::lock_guard lock(mu_);
    stopping = stopping_;
    if (!stopping && queue_.size() < kQueueLimit) {
      if (!item.deferrable) ++urgent_;
      queue_.push_back(std::move(item));
      cv_.notify_one();
      return;
    }
  }
  item.done(Error::Unavailable(stopping ? "writer stopping" : "write queue full"));
}

void WriteQueue::Stop() {
  std::lock_guard stop_lock(stop_mu_);  // two Stop() calls must not both join
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

WriteQueue::Stats WriteQueue::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.queued = queue_.size();
  return s;
}

void WriteQueue::Run() {
  for (;;) {
    std::deque<Item> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      // Only deferrable ops: commit when a write someone waits for comes,
      // or when the oldest (the front: the queue is in order) has waited long enough.
      cv_.wait_until(lock, queue_.front().queued_at + kMaxDefer,
                     [&] { return stopping_ || urgent_ > 0 || queue_.size() >= kMaxBatch; });
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        if (!queue_.front().deferrable) --urgent_;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(batch);
  }
}

namespace {

// Runs one op, turning the failures a single write may have into its Status.
// DbError (the connection or the disk) propagates: the whole batch fails.
Status RunOp(const std::function<Status(Connection&)>& op, Connection& conn) {
  try {
    return op(conn);
  } catch (const ConstraintError& e) {
    return Error(ErrorCode::kConflict, "Cette donnée existe déjà.", e.what());
  } catch (const DbError&) {
    throw;
  } catch (const std::exception& e) {
    return Error::Internal(e.what());
  }
}

}  // namespace

bool WriteQueue::RunBatchOptimistically(std::deque<Item>& batch, std::vector<Status>& results) {
  conn_->Begin();
  for (size_t i = 0; i < batch.size(); ++i) {
    results[i] = RunOp(batch[i].op, *conn_);
    if (!results[i].ok()) {
      conn_->ExecScript("ROLLBACK");
      return false;
    }
  }
  Commit();
  return true;
}

void WriteQueue::Commit() {
  if (before_commit_) before_commit_(*conn_);
  conn_->Execute("COMMIT");
}

void WriteQueue::RunBatch(std::deque<Item>& batch) {
  std::vector<Status> results(batch.size());
  bool committed = false;
  std::string failure;
  try {
    if (!conn_) conn_ = factory_();  // reconnect after a failure
    // Most batches succeed whole: run them without savepoints, which made
    // SQLite copy every page a write touched to a sub-journal (most of the
    // writer's time). When one write fails, start again with a savepoint
    // per write so that only the failing ones are undone.
    committed = RunBatchOptimistically(batch, results);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (committed) {
    commits_.fetch_add(1, std::memory_order_release);
  } else if (failure.empty()) {
    RunBatchWithSavepoints(batch, results, committed, failure);
  } else {
    try {
      if (conn_) conn_->ExecScript("ROLLBACK");
    } catch (const std::exception&) {
      conn_.reset();  // unusable: reopen on the next batch
    }
  }
  Finish(batch, results, committed, failure);
  if (committed && conn_ && conn_->LogWantsRestart() && (!restart_ready_ || restart_ready_())) {
    // Readers keep their snapshot from one read to the next while nothing
    // is committed; a snapshot on the log keeps it from starting over.
    // Draining, they let go of it after each read, and the idle ones let go
    // now (on_commit_); the clients of the batch have had their answers.
    draining_.store(true, std::memory_order_release);
    if (on_commit_) on_commit_();
    conn_->RestartLog();
    draining_.store(false, std::memory_order_release);
  }
}

void WriteQueue::RunBatchWithSavepoints(std::deque<Item>& batch, std::vector<Status>& results,
                                        bool& committed, std::string& failure) {
  try {
    conn_->Begin();
    for (size_t i = 0; i < batch.size(); ++i) {
      conn_->Execute("SAVEPOINT op");
      Status s = RunOp(batch[i].op, *conn_);
      if (!s.ok()) conn_->Execute("ROLLBACK TO op");
      conn_->Execute("RELEASE op");
      results[i] = std::move(s);
    }
    Commit();
    committed = true;
    commits_.fetch_add(1, std::memory_order_release);
  } catch (const std::exception& e) {
    failure = e.what();
    try {
      if (conn_) conn_->ExecScript("ROLLBACK");
    } catch (const std::exception&) {
      conn_.reset();  // unusable: reopen on the next batch
    }
  }
}

void WriteQueue::Finish(std::deque<Item>& batch, std::vector<Status>& results, bool committed,
                        const std::string& failure) {
  {
    std::lock_guard lock(mu_);
    ++stats_.batches;
    stats_.ops += batch.size();
    if (!committed) ++stats_.failed_batches;
  }
  if (committed && on_commit_) on_commit_();
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].done(committed ? std::move(results[i]) : Status(Error::Unavailable(failure)));
  }
}

}  // namespace guichet::storage::sql
