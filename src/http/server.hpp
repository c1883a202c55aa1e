// The HTTP/1.1 server: Boost.Beast on Asio coroutines. One io_context per
// thread: a connection lives on one thread for its whole life, so it needs
// no strand (Boost 1.74's strand-wrapped any_io_executor showed a
// use-after-free under ASan when completions arrive from the writer thread).
//
// Run() blocks until SIGINT/SIGTERM (or Stop()); it then stops accepting,
// lets in-flight requests finish (up to kDrainTimeout) and returns.
#pragma once

#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/metrics.hpp"
#include "http/router.hpp"

namespace guichet::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  int threads = 0;  // 0: one per core
  bool access_log = true;
  std::function<void()> on_reload;  // SIGHUP
  // Called with every routed request and its response, before it is sent
  // (the audit log); must not block.
  std::function<void(const Context&, const Response&)> on_response;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router, Metrics& metrics);
  ~Server();

  // Binds the listening socket; throws std::system_error (port in use…).
  void Bind();
  unsigned short port() const { return port_; }
  void Run();
  // Thread-safe; begins a graceful stop.
  void Stop();

 private:
  asio::awaitable<void> Accept();
  asio::awaitable<void> Session(asio::ip::tcp::socket socket);
  asio::awaitable<Response> Dispatch(Request& req, const std::string& remote);
  asio::awaitable<void> Drain();

  ServerOptions options_;
  const Router& router_;
  Metrics& metrics_;
  asio::io_context ioc_;  // acceptor, signals, drain: run by the calling thread
  std::vector<std::unique_ptr<asio::io_context>> workers_;  // one per I/O thread
  size_t next_worker_ = 0;
  asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<long> in_flight_{0};
  std::atomic<long> connections_{0};
};

// Runs an asynchronous domain operation (callback style, callback on any
// thread) and resumes the calling coroutine on its own executor.
template <typename T, typename Start>
asio::awaitable<T> AwaitCallback(Start start);

}  // namespace guichet::http

#include "http/await.inl"
