#include "http/server.hpp"

#include <sodium.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <csignal>
#include <thread>
#include <vector>

#include "core/text.hpp"
#include "core/thread_name.hpp"
#include "http/limits.hpp"
#include "http/log.hpp"

namespace guichet::http {

using asio::redirect_error;
using asio::use_awaitable;
using asio::ip::tcp;

namespace {

// 16 hex digits. Request ids only need to be unique, not secret: a
// per-thread splitmix64 sequence seeded once from libsodium spares a
// getrandom system call per request.
std::string NewRequestId() {
  thread_local std::uint64_t state = [] {
    std::uint64_t seed;
    randombytes_buf(&seed, sizeof seed);
    return seed;
  }();
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  static const char* kHex = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, z >>= 4) out[static_cast<size_t>(i)] = kHex[z & 15];
  return out;
}

// A client-supplied id is kept when it is short and harmless in logs.
std::string RequestIdFrom(const Request& req) {
  auto it = req.find("X-Request-Id");
  if (it != req.end()) {
    std::string_view v = it->value();
    bool ok = !v.empty() && v.size() <= 64;
    for (char c : v)
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    if (ok) return std::string(v);
  }
  return NewRequestId();
}

// A problem answered before routing; `target`: the request target when the
// header was read (its path becomes the instance), else empty.
Response Bare(bhttp::status status, const std::string& detail, std::string_view target) {
  Request dummy;
  dummy.version(11);
  dummy.keep_alive(false);
  Context ctx{dummy, std::string(target.substr(0, target.find('?'))), "", {}, {}, NewRequestId(),
              ""};
  Response res = ctx.Problem(status, detail);
  res.keep_alive(false);
  return res;
}

}  // namespace

Server::Server(ServerOptions options, const Router& router, Metrics& metrics)
    : options_(std::move(options)), router_(router), metrics_(metrics), acceptor_(ioc_) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium init failed");
}

Server::~Server() = default;

void Server::Bind() {
  const tcp::endpoint ep(asio::ip::make_address(options_.host), options_.port);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

void Server::Run() {
  if (!acceptor_.is_open()) Bind();
  asio::signal_set signals(ioc_, SIGINT, SIGTERM);
  asio::signal_set hup(ioc_, SIGHUP);
  std::function<void()> wait_signal = [&] {
    signals.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      LogEvent(spdlog::level::info, "arrêt demandé", {{"signal", sig}});
      Stop();
    });
  };
  std::function<void()> wait_hup = [&] {
    hup.async_wait([this, &wait_hup](const boost::system::error_code& ec, int) {
      if (ec) return;
      if (options_.on_reload) options_.on_reload();
      wait_hup();
    });
  };
  wait_signal();
  wait_hup();
  const int n =
      options_.threads > 0 ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
  for (int i = 0; i < n; ++i) workers_.push_back(std::make_unique<asio::io_context>(1));
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& w : workers_) guards.push_back(asio::make_work_guard(*w));
  asio::co_spawn(ioc_, Accept(), asio::detached);
  LogEvent(spdlog::level::info, "serveur à l’écoute",
           {{"address", options_.host}, {"port", port_}, {"threads", n}});

  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    threads.emplace_back([this, i] {
      NameThisThread("http-" + std::to_string(i));
      workers_[i]->run();
    });
  }
  ioc_.run();  // returns when Drain() stops it
  guards.clear();
  for (auto& w : workers_) w->stop();
  for (auto& t : threads) t.join();
  LogEvent(spdlog::level::info, "serveur arrêté");
}

void Server::Stop() {
  asio::post(ioc_, [this] {
    if (stopping_.exchange(true)) return;
    boost::system::error_code ec;
    acceptor_.close(ec);
    asio::co_spawn(ioc_, Drain(), asio::detached);
  });
}

asio::awaitable<void> Server::Drain() {
  asio::steady_timer timer(ioc_);
  const auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
  while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(10));
    boost::system::error_code ec;
    co_await timer.async_wait(redirect_error(use_awaitable, ec));
  }
  // Idle keep-alive connections are simply dropped with the io_context.
  ioc_.stop();
}

asio::awaitable<void> Server::Accept() {
  for (;;) {
    boost::system::error_code ec;
    asio::io_context& worker = *workers_[next_worker_++ % workers_.size()];
    tcp::socket socket = co_await acceptor_.async_accept(worker, redirect_error(use_awaitable, ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) co_return;
      // Out of descriptors and the like: back off briefly rather than spin.
      asio::steady_timer t(ioc_, std::chrono::milliseconds(50));
      co_await t.async_wait(redirect_error(use_awaitable, ec));
      continue;
    }
    if (static_cast<size_t>(connections_.load()) >= kMaxConnections) {
      socket.close(ec);
      continue;
    }
    asio::co_spawn(worker, Session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::Session(tcp::socket socket) {
  ++connections_;
  metrics_.ConnectionOpened();
  std::string remote;
  {
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    // Beast checks Content-Length against the body limit while it reads the
    // header: allow the largest (raw mail) there, and hold every route to its
    // own limit (JSON, uploads, raw mail) once its target is known.
    parser.body_limit(kLargestBodyLimit);
    stream.expires_after(kReadTimeout);
    boost::system::error_code ec;
    co_await bhttp::async_read_header(stream, buffer, parser, redirect_error(use_awaitable, ec));
    std::size_t body_limit =
        parser.is_header_done() ? BodyLimitFor(parser.get().target()) : kLargestBodyLimit;
    if (!ec) {
      if (parser.content_length() && *parser.content_length() > body_limit) {
        ec = bhttp::error::body_limit;
      } else {
        parser.body_limit(body_limit);
      }
    }
    if (!ec) {
      co_await bhttp::async_read(stream, buffer, parser, redirect_error(use_awaitable, ec));
    }
    if (ec) {
      std::optional<Response> res;
      if (ec == bhttp::error::body_limit) {
        res = Bare(bhttp::status::payload_too_large,
                   "Le corps de la requête dépasse la taille permise (" +
                       std::to_string(body_limit >> 20) + " Mio).",
                   parser.is_header_done() ? parser.get().target() : std::string_view());
      } else if (ec == bhttp::error::header_limit) {
        res = Bare(bhttp::status::request_header_fields_too_large,
                   "Les en-têtes de la requête dépassent 16 Kio.", "");
      } else if (ec.category() == beast::error_code(bhttp::error::end_of_stream).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        res = Bare(bhttp::status::bad_request, "La requête HTTP est mal formée.", "");
      }
      if (res) {
        stream.expires_after(kWriteTimeout);
        co_await bhttp::async_write(stream, *res, redirect_error(use_awaitable, ec));
      }
      break;
    }
    Request req = parser.release();
    ++in_flight_;
    Response res = co_await Dispatch(req, remote);
    --in_flight_;
    if (stopping_) res.keep_alive(false);
    const bool keep = res.keep_alive();
    stream.expires_after(kWriteTimeout);
    co_await bhttp::async_write(stream, res, redirect_error(use_awaitable, ec));
    if (ec || !keep) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  --connections_;
  metrics_.ConnectionClosed();
}

asio::awaitable<Response> Server::Dispatch(Request& req, const std::string& remote) {
  const auto start = std::chrono::steady_clock::now();
  std::string_view target = req.target();
  const size_t qpos = target.find('?');
  const std::string_view raw_path = target.substr(0, qpos);
  Context ctx{req, "", "", {}, {}, RequestIdFrom(req), remote};
  ctx.query = ParseQuery(qpos == std::string_view::npos ? "" : target.substr(qpos + 1));
  Response res;
  auto path = PercentDecode(raw_path, false);
  if (!path || path->empty() || path->front() != '/') {
    ctx.path = std::string(raw_path);
    res = ctx.Problem(bhttp::status::bad_request, "Le chemin de la requête est mal formé.");
  } else {
    ctx.path = *path;
    auto match = router_.Find(req.method(), ctx.path);
    ctx.route = match.pattern.empty() ? "(none)" : match.pattern;
    if (match.handler) {
      ctx.params = std::move(match.params);
      try {
        std::optional<Response> refused;
        if (router_.guard()) refused = router_.guard()(ctx, match.access);
        if (refused) {
          res = std::move(*refused);
        } else {
          res = co_await (*match.handler)(ctx);
        }
      } catch (const std::exception& e) {
        LogEvent(spdlog::level::err, "erreur interne",
                 {{"request_id", ctx.request_id}, {"route", ctx.route}, {"cause", e.what()}});
        res = ctx.Problem(bhttp::status::internal_server_error, "Une erreur interne est survenue.");
      }
    } else if (!match.allowed.empty()) {
      if (match.wrong_method) {
        // A standard API under its own prefix answers in its own format.
        ctx.allowed_methods = match.allowed;
        res = co_await (*match.wrong_method)(ctx);
      } else {
        res = ctx.Problem(bhttp::status::method_not_allowed,
                          "La méthode " + std::string(req.method_string()) +
                              " n’est pas permise sur cette ressource.");
      }
      std::string allow;
      for (auto m : match.allowed) {
        if (!allow.empty()) allow += ", ";
        allow += std::string(bhttp::to_string(m));
      }
      res.set(bhttp::field::allow, allow);
    } else {
      res = ctx.Problem(bhttp::status::not_found, "Aucune ressource à cette adresse.");
    }
  }
  if (options_.on_response && !ctx.route.empty() && ctx.route != "(none)") {
    try {
      options_.on_response(ctx, res);
    } catch (const std::exception& e) {
      LogEvent(spdlog::level::err, "erreur interne",
               {{"request_id", ctx.request_id}, {"route", ctx.route}, {"cause", e.what()}});
    }
  }
  if (req.method() == bhttp::verb::head) {
    res.body().clear();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const unsigned status = res.result_int();
  metrics_.Record(ctx.route, std::string(req.method_string()), status, seconds);
  if (options_.access_log) {
    LogEvent(status >= 500 ? spdlog::level::err : spdlog::level::info, "requête",
             {{"request_id", ctx.request_id},
              {"method", std::string(req.method_string())},
              {"route", ctx.route},
              {"status", status},
              {"duration_ms", seconds * 1000},
              {"remote", remote}});
  }
  co_return res;
}

}  // namespace guichet::http
