#include "app/mail_cli.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>

#include "catalogue/loader.hpp"
#include "channels/mail/intake.hpp"
#include "core/time.hpp"
#include "domain/case_service.hpp"
#include "storage/magic_sniffer.hpp"
#include "storage/open.hpp"

namespace guichet::app {
namespace {

namespace fs = std::filesystem;

// Messages handed to the store at once by the Maildir reader: enough to fill
// the group commit's batches, few enough to bound memory (32 MB each at most).
constexpr int kMaildirInFlight = 128;

std::vector<std::string> SplitAddresses(const std::string& list) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : list + ",") {
    if (ch == ',' || ch == ' ' || ch == ';') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(ch);
    }
  }
  return out;
}

// libmagic loads its database (megabytes) only for a message with attachments:
// most mail has none, and mailgate starts once per message. Throws as
// MagicSniffer does.
class LazySniffer final : public domain::ContentSniffer {
 public:
  std::string MimeType(std::string_view bytes) override {
    std::call_once(once_, [this] { sniffer_ = std::make_unique<storage::MagicSniffer>(); });
    return sniffer_->MimeType(bytes);
  }

 private:
  std::once_flag once_;
  std::unique_ptr<storage::MagicSniffer> sniffer_;
};

// The catalogue loaded by the first message that needs it.
struct CatalogueOnce {
  std::mutex mu;
  bool loaded = false;  // GUARDED_BY(mu)
};

// Everything a mail command needs, opened once.
struct MailContext {
  std::unique_ptr<storage::SqlStore> store;
  SystemClock clock;
  std::unique_ptr<domain::CaseService> cases;
  LazySniffer sniffer;
  std::unique_ptr<channels::mail::MailIntake> intake;

  ~MailContext() {
    intake.reset();
    if (store) store->Close();
  }
};

// Throws on what the MTA should retry later (database, catalogue, libmagic).
// `readers`: the read connections, one per thread calling Ingest.
// Without the server, each mailgate (and the Maildir reader) writes to the
// database itself, and an MTA runs several at once: a process waits this
// long for another's write lock before the message goes back to the MTA
// (75). The server's 5 s ran out once with 16 deliveries on a loaded
// machine; an MTA gives a delivery agent far longer (Postfix: 1,000 s).
constexpr std::chrono::seconds kDirectWriteLockWait{120};

std::unique_ptr<MailContext> OpenMail(const Config& c, std::size_t readers = 1) {
  auto url = storage::ParseDatabaseUrl(c.database);
  if (!url.ok()) throw std::runtime_error(url.error().message());
  auto ctx = std::make_unique<MailContext>();
  ctx->store = storage::OpenStore(*url, readers, kDirectWriteLockWait);
  ctx->cases = std::make_unique<domain::CaseService>(*ctx->store, ctx->clock);
  channels::mail::IntakeOptions options = MailIntakeOptionsOf(c);
  // The server installed the catalogue; a mail command only reads it, and
  // only for a new request (parsing its files is most of a mailgate's start).
  // Once, whichever of the Maildir's parsing threads gets there first.
  options.before_new_request = [cases = ctx->cases.get(), dir = c.catalogue,
                                service = c.mail_general_service,
                                once = std::make_shared<CatalogueOnce>()]() -> Status {
    std::lock_guard lock(once->mu);
    if (once->loaded) return Status::Ok();
    auto cat = catalogue::LoadCatalogue(dir);
    if (!cat.problems.empty()) {
      return Error::Unavailable("catalogue invalide : " + cat.problems.front().ToString());
    }
    if (!cat.catalogue->FindProcedure(service)) {
      return Error::Unavailable("le service « " + service +
                                " » ([mail] general_service) n’est pas au catalogue");
    }
    cases->UseCatalogue(cat.catalogue);
    once->loaded = true;
    return Status::Ok();
  };
  ctx->intake = std::make_unique<channels::mail::MailIntake>(*ctx->cases, *ctx->store, ctx->sniffer,
                                                             ctx->clock, options);
  return ctx;
}

// The whole file, or nullopt when it cannot be read.
std::optional<std::string> ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  const auto size = in.tellg();
  if (size < 0) return std::nullopt;
  std::string raw(static_cast<std::size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(raw.data(), size)) return std::nullopt;
  return raw;
}

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

}  // namespace

channels::mail::IntakeOptions MailIntakeOptionsOf(const Config& c) {
  channels::mail::IntakeOptions options;
  options.general_service = c.mail_general_service;
  options.own_addresses = SplitAddresses(c.mail_addresses);
  options.ack_limit = c.mail_ack_limit;
  options.ack_window = std::chrono::minutes(c.mail_ack_window_minutes);
  return options;
}

int RunMailgate(const Config& c) {
  std::string raw;
  raw.reserve(64 * 1024);
  char buf[64 * 1024];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
    raw.append(buf, n);
    if (raw.size() > channels::mail::kMaxMessageBytes) {
      std::fprintf(stderr, "guichet mailgate: message refusé : plus de %zu Mo\n",
                   channels::mail::kMaxMessageBytes >> 20);
      return kExitDataErr;
    }
  }
  if (std::ferror(stdin)) {
    std::fprintf(stderr, "guichet mailgate: lecture de l’entrée impossible\n");
    return kExitTempFail;
  }
  try {
    auto ctx = OpenMail(c);
    auto r = ctx->intake->IngestSync(std::move(raw));
    if (!r.ok()) {
      std::fprintf(stderr, "guichet mailgate: message non enregistré, à réessayer : %s (%s)\n",
                   r.error().message().c_str(), r.error().cause().c_str());
      return r.error().code() == ErrorCode::kTooLarge ? kExitDataErr : kExitTempFail;
    }
    std::printf("%s%s%s%s\n", r->disposition.c_str(), r->reference ? " " : "",
                r->reference ? r->reference->c_str() : "", r->duplicate ? " (déjà reçu)" : "");
    return kExitStored;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "guichet mailgate: message non enregistré, à réessayer : %s\n", e.what());
    return kExitTempFail;
  }
}

int RunMaildir(const Config& c, const std::string& dir_arg, bool watch, int interval_ms) {
  const fs::path dir = dir_arg.empty() ? fs::path(c.maildir_path) : fs::path(dir_arg);
  if (dir.empty()) {
    std::fprintf(stderr, "guichet maildir: aucun Maildir ([mail.maildir] path ou argument)\n");
    return kExitTempFail;
  }
  const std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  std::unique_ptr<MailContext> ctx;
  try {
    ctx = OpenMail(c, threads);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "guichet maildir: %s\n", e.what());
    return kExitTempFail;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::error_code ec;
  fs::create_directories(dir / "cur", ec);
  fs::create_directories(dir / "tmp", ec);
  bool all_stored = true;
  std::uint64_t stored = 0, failed = 0;
  do {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir / "new", ec)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    if (ec) {
      std::fprintf(stderr, "guichet maildir: %s/new illisible : %s\n", dir.c_str(),
                   ec.message().c_str());
      return kExitTempFail;
    }
    std::mutex mu;
    std::condition_variable cv;
    int in_flight = 0;  // GUARDED_BY(mu)
    std::atomic<std::size_t> next{0};
    // Each thread reads and parses its share of new/ (GMime, hashing, the
    // threading look-ups); the store's writer commits them in batches, and
    // a file moves to cur/ only once its batch is committed.
    auto work = [&] {
      for (std::size_t i = next++; i < files.size() && !g_stop; i = next++) {
        const fs::path& file = files[i];
        auto raw = ReadWholeFile(file);
        if (!raw) {
          std::lock_guard lock(mu);
          ++failed;
          continue;
        }
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return in_flight < kMaildirInFlight; });
          ++in_flight;
        }
        ctx->intake->Ingest(std::move(*raw), [&, file](Result<channels::mail::IntakeResult> r) {
          bool ok = r.ok();
          if (ok) {
            // Only once stored: the Maildir convention for a message seen. A
            // crash before this line leaves it in new/: stored once all the
            // same next time (its bytes are its identity).
            std::error_code rename_ec;
            fs::rename(file, dir / "cur" / (file.filename().string() + ":2,S"), rename_ec);
            ok = !rename_ec;
          } else {
            std::fprintf(stderr, "guichet maildir: %s laissé dans new/ : %s (%s)\n",
                         file.filename().c_str(), r.error().message().c_str(),
                         r.error().cause().c_str());
          }
          std::lock_guard lock(mu);
          (ok ? stored : failed) += 1;
          --in_flight;
          cv.notify_all();
        });
      }
    };
    std::vector<std::thread> helpers;
    for (std::size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
    work();
    for (auto& t : helpers) t.join();
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
    if (failed) all_stored = false;
    if (watch && !g_stop) {
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    }
  } while (watch && !g_stop);
  std::printf("%llu messages enregistrés, %llu en échec\n", static_cast<unsigned long long>(stored),
              static_cast<unsigned long long>(failed));
  return all_stored ? kExitStored : kExitTempFail;
}

}  // namespace guichet::app
