// A bounded pool of connections for readers. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "storage/sql/connection.hpp"

namespace guichet::storage::sql {

class ConnectionPool {
 public:
  using Factory = std::function<std::unique_ptr<Connection>()>;

  // Connections are opened lazily, up to `max_size`.
  ConnectionPool(Factory factory, size_t max_size);

  // Returns the connection to the pool when destroyed; a lease whose
  // connection failed is discarded instead (Discard()).
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }
    void Discard() { conn_.reset(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Waits at most `kAcquireTimeout` for a free connection; throws DbError after.
  Lease Acquire();

  // Runs `fn` on every idle connection, none of which can be acquired meanwhile.
  void ForEachIdle(const std::function<void(Connection&)>& fn);

  struct Stats {
    size_t open = 0;
    size_t in_use = 0;
    size_t max = 0;
    std::uint64_t waits = 0;
  };
  Stats stats() const;

 private:
  // Long enough to ride out a burst, short enough to answer 503 before clients time out.
  static constexpr std::chrono::seconds kAcquireTimeout{5};
  void Release(std::unique_ptr<Connection> conn);

  Factory factory_;
  const size_t max_size_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // GUARDED_BY(mu_)
  size_t open_ = 0;                                // GUARDED_BY(mu_)
  size_t in_use_ = 0;                              // GUARDED_BY(mu_)
  std::uint64_t waits_ = 0;                        // GUARDED_BY(mu_)
};

}  // namespace guichet::storage::sql
