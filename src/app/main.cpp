// guichet: serve, migrate, seed-demo, check-config, version.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "app/config.hpp"
#include "app/demo.hpp"
#include "domain/case_service.hpp"
#include "http/api_v1.hpp"
#include "http/log.hpp"
#include "http/server.hpp"
#include "storage/open.hpp"

namespace {

using namespace guichet;

constexpr int kExitConfig = 2;
constexpr int kExitDatabase = 3;

// Loads and checks the configuration, or says why not (no stack trace).
std::optional<app::Config> Configure(const std::string& path) {
  auto config = app::LoadConfig(path, app::ProcessEnvironment());
  if (!config.ok()) {
    std::fprintf(stderr, "guichet: %s\n", config.error().message().c_str());
    return std::nullopt;
  }
  return *config;
}

storage::DatabaseUrl UrlOf(const app::Config& c) { return *storage::ParseDatabaseUrl(c.database); }

int Migrate(const app::Config& c, bool quiet) {
  try {
    for (const auto& name : storage::MigrateDatabase(UrlOf(c))) {
      if (!quiet) std::printf("migration appliquée : %s\n", name.c_str());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "guichet: migration impossible : %s\n", e.what());
    return kExitDatabase;
  }
}

int Serve(const app::Config& c) {
  http::InitLogging(spdlog::level::from_str(c.log_level));
  if (int rc = Migrate(c, true)) return rc;
  std::unique_ptr<storage::SqlStore> store;
  try {
    store = storage::OpenStore(UrlOf(c), static_cast<size_t>(c.read_pool));
  } catch (const std::exception& e) {
    http::LogEvent(spdlog::level::critical, "base de données inaccessible", {{"cause", e.what()}});
    return kExitDatabase;
  }
  SystemClock clock;
  domain::CaseService cases(*store, clock);
  if (auto s = cases.LoadCatalogue(); !s.ok()) {
    http::LogEvent(spdlog::level::critical, "catalogue illisible", {{"cause", s.error().cause()}});
    return kExitDatabase;
  }
  http::Metrics metrics;
  metrics.AddGauges([&store] { return store->Stats(); });
  http::Router router;
  http::ApiV1 api(cases, *store, metrics);
  api.Register(router);
  http::ServerOptions options;
  options.host = c.host;
  options.port = c.port;
  options.threads = c.threads;
  options.access_log = c.access_log;
  options.on_reload = [&cases] {
    auto s = cases.LoadCatalogue();
    http::LogEvent(s.ok() ? spdlog::level::info : spdlog::level::err, "catalogue rechargé",
                   {{"ok", s.ok()}});
  };
  http::Server server(options, router, metrics);
  try {
    server.Bind();
  } catch (const std::exception& e) {
    http::LogEvent(spdlog::level::critical, "écoute impossible",
                   {{"address", c.host}, {"port", c.port}, {"cause", e.what()}});
    return 1;
  }
  server.Run();
  // In-flight requests are done: finish queued writes, close the database.
  store->Close();
  store.reset();
  spdlog::shutdown();
  return 0;
}

int Seed(const app::Config& c, std::int64_t bulk) {
  if (int rc = Migrate(c, true)) return rc;
  try {
    auto store = storage::OpenStore(UrlOf(c), 2);
    SystemClock clock;
    domain::CaseService cases(*store, clock);
    if (auto s = app::SeedDemo(*store, cases); !s.ok()) {
      std::fprintf(stderr, "guichet: données de démonstration : %s (%s)\n",
                   s.error().message().c_str(), s.error().cause().c_str());
      return kExitDatabase;
    }
    if (bulk > 0) {
      if (auto s = app::SeedBulk(*store, bulk, clock.Now()); !s.ok()) {
        std::fprintf(stderr, "guichet: données de masse : %s (%s)\n", s.error().message().c_str(),
                     s.error().cause().c_str());
        return kExitDatabase;
      }
    }
    auto n = store->CountRequests();
    std::printf("données de démonstration prêtes : %lld demandes\n",
                static_cast<long long>(n.ok() ? *n : -1));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "guichet: %s\n", e.what());
    return kExitDatabase;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Guichet — la relation citoyen de la commune, sur tous les canaux."};
  cli.require_subcommand(1);
  std::string config_path;
  cli.add_option("-c,--config", config_path, "Fichier de configuration TOML")
      ->check(CLI::ExistingFile);
  auto* serve = cli.add_subcommand("serve", "Démarre le serveur HTTP");
  auto* migrate = cli.add_subcommand("migrate", "Applique les migrations de la base");
  auto* seed = cli.add_subcommand("seed-demo", "Charge les données de démonstration");
  std::int64_t bulk = 0;
  seed->add_option("--requests", bulk, "Ajoute N demandes synthétiques (bancs d’essai)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{100'000'000}));
  auto* check = cli.add_subcommand("check-config", "Vérifie la configuration et s’arrête");
  auto* version = cli.add_subcommand("version", "Affiche la version");
  for (auto* sub : {serve, migrate, seed, check}) {
    sub->add_option("-c,--config", config_path, "Fichier de configuration TOML")
        ->check(CLI::ExistingFile);
  }
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  if (*version) {
    std::printf("guichet %s\n", GUICHET_VERSION);
    return 0;
  }
  auto config = Configure(config_path);
  if (!config) return kExitConfig;
  if (*check) {
    std::printf(
        "configuration valide : écoute %s:%u, base %s\n", config->host.c_str(), config->port,
        storage::ParseDatabaseUrl(config->database)->dialect == storage::sql::Dialect::kPostgres
            ? "PostgreSQL"
            : config->database.c_str());
    return 0;
  }
  if (*migrate) return Migrate(*config, false);
  if (*seed) return Seed(*config, bulk);
  return Serve(*config);
}
