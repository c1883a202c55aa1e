// guichet: serve, migrate, seed-demo, check-config, version.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>

#include "app/api_key_cli.hpp"
#include "app/audit_cli.hpp"
#include "app/catalogue_cli.hpp"
#include "app/config.hpp"
#include "app/demo.hpp"
#include "app/identity_cli.hpp"
#include "app/mail_cli.hpp"
#include "app/mail_drop.hpp"
#include "app/mail_routes.hpp"
#include "app/oidc_routes.hpp"
#include "app/open311_routes.hpp"
#include "app/outbox_wiring.hpp"
#include "app/sms_routes.hpp"
#include "app/web_config.hpp"
#include "catalogue/loader.hpp"
#include "channels/mail/intake.hpp"
#include "channels/open311/open311.hpp"
#include "channels/postal/ocr.hpp"
#include "domain/api_keys.hpp"
#include "domain/backoffice.hpp"
#include "domain/case_service.hpp"
#include "domain/counter.hpp"
#include "domain/drafts.hpp"
#include "domain/tracking.hpp"
#include "http/api_backoffice.hpp"
#include "http/api_counter.hpp"
#include "http/api_identity.hpp"
#include "http/api_outbox.hpp"
#include "http/api_procedures.hpp"
#include "http/api_templates.hpp"
#include "http/api_v1.hpp"
#include "http/api_web.hpp"
#include "http/auth.hpp"
#include "http/log.hpp"
#include "http/server.hpp"
#include "http/static_site.hpp"
#include "storage/magic_sniffer.hpp"
#include "storage/open.hpp"
#include "storage/sql_identity_store.hpp"
#include "workers/ocr_worker.hpp"
#include "workers/outbox_worker.hpp"
#include "workers/timer_worker.hpp"

namespace {

using namespace guichet;

constexpr int kExitConfig = 2;
constexpr int kExitDatabase = 3;
constexpr int kExitCatalogue = 4;
// Calls to the OpenID provider wait on the network (10 s at most each): a few
// threads suffice, and a full queue answers 503 rather than piling up logins.
constexpr size_t kOidcThreads = 4;
constexpr size_t kOidcQueue = 256;
// Messages posted by mailgate waiting for a parser thread; past this the
// server answers 503 and the MTA retries (each message holds up to 32 MB).
constexpr std::size_t kMailQueue = 256;

// Reads the catalogue directory and installs it when valid; returns every
// problem otherwise (the catalogue in use, if any, stays).
std::vector<std::string> InstallCatalogue(domain::CaseService& cases, const std::string& dir) {
  auto loaded = catalogue::LoadCatalogue(dir);
  std::vector<std::string> problems;
  for (const auto& p : loaded.problems) problems.push_back(p.ToString());
  if (!problems.empty()) return problems;
  if (auto s = cases.InstallCatalogue(loaded.catalogue); !s.ok()) {
    problems.push_back(s.error().message() + " (" + s.error().cause() + ")");
  }
  return problems;
}

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

domain::IdentityOptions IdentityOptionsOf(const app::Config& c) {
  domain::IdentityOptions o;
  o.public_url = c.public_url;
  o.session_idle = Timestamp{c.session_idle_minutes} * 60 * kMicrosPerSecond;
  o.session_absolute = Timestamp{c.session_absolute_hours} * 3600 * kMicrosPerSecond;
  return o;
}

// Account emails go through the outbox (SMTP, retries, dead letters) when
// SMTP is configured; otherwise into the file drop (development, tests).
// Throws std::runtime_error when the drop directory cannot be created.
std::unique_ptr<domain::AccountMailer> AccountMailerOf(const app::Config& c, domain::Store& store,
                                                       const Clock& clock) {
  if (!c.outbox.smtp_url.empty()) {
    return std::make_unique<domain::OutboxAccountMailer>(store, clock);
  }
  return std::make_unique<app::MailDrop>(c.mail_drop_dir);
}

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
  // Memory comes from jemalloc (CMakeLists.txt): glibc's malloc returned
  // each request's few kilobytes to the kernel and took them back (madvise,
  // mprotect) until tuned with mallopt, and cost more per call even then.
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
  // The server refuses to start on an invalid catalogue; a reload keeps the
  // last good one.
  std::mutex reload_mu;
  auto reload = [&cases, &c, &reload_mu] {
    std::lock_guard lock(reload_mu);
    auto problems = InstallCatalogue(cases, c.catalogue);
    for (const auto& p : problems) {
      http::LogEvent(spdlog::level::err, "catalogue invalide", {{"problem", p}});
    }
    return problems;
  };
  if (!reload().empty()) {
    http::LogEvent(spdlog::level::critical, "catalogue invalide : arrêt",
                   {{"catalogue", c.catalogue}});
    return kExitCatalogue;
  }
  std::unique_ptr<storage::MagicSniffer> sniffer;
  try {
    sniffer = std::make_unique<storage::MagicSniffer>();
  } catch (const std::exception& e) {
    http::LogEvent(spdlog::level::critical, "libmagic indisponible", {{"cause", e.what()}});
    return 1;
  }
  domain::DraftService drafts(*store, clock, cases, *sniffer,
                              std::chrono::hours(24 * c.draft_ttl_days));
  workers::TimerWorker timers(cases, drafts, *store, clock,
                              std::chrono::milliseconds(c.timer_interval_ms));
  http::Metrics metrics;
  metrics.AddGauges([&store] { return store->Stats(); });
  http::Router router;
  http::ApiV1 api(cases, *store, metrics);
  api.Register(router);
  http::ProcedureApi procedures(cases, drafts, reload);
  procedures.Register(router);
  domain::ApiKeyService api_keys(*store, clock);
  // Identity: sessions, accounts, and the guard that checks every route.
  std::unique_ptr<domain::AccountMailer> mailer;
  try {
    mailer = AccountMailerOf(c, *store, clock);
  } catch (const std::exception& e) {
    http::LogEvent(spdlog::level::critical, "dépôt des courriels impossible",
                   {{"dir", c.mail_drop_dir}, {"cause", e.what()}});
    return kExitConfig;
  }
  // Notification templates (issue #5): the shipped texts must all be valid.
  auto template_source = app::TemplateDefaultsOf(c.outbox, c.catalogue);
  if (!template_source.problems.empty()) {
    for (const auto& p : template_source.problems) std::fprintf(stderr, "guichet: %s\n", p.c_str());
    http::LogEvent(spdlog::level::critical, "modèles de messages invalides : arrêt",
                   {{"templates", template_source.origin}});
    return kExitCatalogue;
  }
  domain::TemplateService templates(*store, cases, clock, std::move(template_source.defaults),
                                    app::MeasureSmsText, c.public_url);
  storage::SqlIdentityStore identities(*store);
  const auto identity_options = IdentityOptionsOf(c);
  domain::IdentityService identity(identities, *store, *mailer, clock, identity_options);
  identity.UseTemplates(&templates);
  http::BlockingPool identity_pool("identity", static_cast<size_t>(c.hash_threads),
                                   static_cast<size_t>(c.hash_queue));
  http::IdentityApi identity_api(identity, *store, identity_pool,
                                 identity_options.session_absolute);
  identity_api.Register(router);
  // FranceConnect-style login: the provider is called on its own pool, not the hashing one.
  std::unique_ptr<channels::oidc::Client> oidc;
  if (!c.oidc_issuer.empty()) {
    oidc = std::make_unique<channels::oidc::Client>(channels::oidc::Options{
        c.oidc_issuer, c.oidc_client_id, c.oidc_client_secret, c.oidc_redirect_uri});
  }
  http::BlockingPool oidc_pool("oidc", kOidcThreads, kOidcQueue);
  app::RegisterOidcRoutes(router, oidc.get(), identity, oidc_pool,
                          {c.oidc_after_login, identity_options.session_absolute});
  http::Authenticator authenticator(identity, api_keys);
  router.SetGuard([&authenticator](http::Context& ctx, http::Access access) {
    return authenticator(ctx, access);
  });
  channels::open311::Options open311_options;
  open311_options.jurisdiction_id = c.open311_jurisdiction_id;
  if (!c.open311_contact.empty()) open311_options.contact = c.open311_contact;
  channels::open311::Endpoint open311(cases, api_keys, clock, open311_options);
  app::RegisterOpen311(router, open311, c.open311_base_url);
  // Back-office (issue 4): inbox, search, replies, merge, audit.
  domain::BackofficeService backoffice(*store, cases, clock);
  http::BackofficeApi backoffice_api(cases, backoffice, *store, clock);
  backoffice_api.Register(router);
  // --- web (issue #7): the portal's API and the built front end ---
  domain::TrackingService tracking(*store, cases, clock);
  http::WebApi web_api(cases, tracking, *store, clock, app::PortalInfoOf(c));
  web_api.Register(router);
  http::StaticSite site({c.web_dist, app::OriginOf(c.web_tile_url)});
  site.Register(router);
  if (!site.Ready()) {
    http::LogEvent(spdlog::level::warn, "portail non construit : seule l’API répond",
                   {{"web_dist", c.web_dist}});
  }
  // --- end web ---
  // --- outbox (issue #5): delivery of messages to citizens, the SMS webhook.
  domain::OutboxService outbox(*store, clock, app::OutboxPolicyOf(c.outbox));
  http::OutboxApi outbox_api(outbox, cases, c.outbox.postal_spool);
  outbox_api.Register(router);
  http::TemplatesApi templates_api(templates);
  templates_api.Register(router);
  channels::sms::SmsChannel sms(cases, *store, clock, c.outbox.sms_service);
  app::RegisterSmsInbound(router, sms, c.outbox.sms_secret);
  app::RegisterSmsStatus(router, outbox, c.outbox.sms_secret);
  app::OutboundSenders senders(c.outbox, *store);
  workers::OutboxWorker outbox_worker(outbox, *store, senders.Map(),
                                      std::chrono::milliseconds(c.outbox.interval_ms), &templates);
  // --- end outbox
  // Inbound mail posted by `guichet mailgate` (one process per message).
  channels::mail::IntakeOptions mail_options = app::MailIntakeOptionsOf(c);
  mail_options.before_new_request = [&cases, service = c.mail_general_service]() -> Status {
    auto cat = cases.catalogue();
    if (!cat || !cat->FindProcedure(service)) {
      return Error::Unavailable("le service « " + service +
                                " » ([mail] general_service) n’est pas au catalogue");
    }
    return Status::Ok();
  };
  channels::mail::MailIntake mail_intake(cases, *store, *sniffer, clock, std::move(mail_options));
  http::BlockingPool mail_pool("mail-parse", std::max(1u, std::thread::hardware_concurrency()),
                               kMailQueue);
  app::RegisterMailInbound(router, mail_intake, mail_pool, c.mail_ingest_secret);
  // Phone calls, counter visits and postal mail; the OCR of scanned letters.
  domain::CounterService counter(*store, cases, clock);
  http::CounterApi counter_api(cases, counter, backoffice, clock);
  counter_api.Register(router);
  channels::postal::OcrOptions ocr_options;
  ocr_options.tesseract = c.ocr_tesseract;
  ocr_options.languages = c.ocr_languages;
  channels::postal::TesseractExtractor ocr(ocr_options);
  workers::OcrWorker ocr_worker(counter, *store, ocr, std::chrono::milliseconds(c.ocr_interval_ms));
  http::ServerOptions options;
  options.host = c.host;
  options.port = c.port;
  options.threads = c.threads;
  options.access_log = c.access_log;
  options.on_response = [&backoffice_api](const http::Context& ctx, const http::Response& res) {
    backoffice_api.Audit(ctx, res);
  };
  options.on_reload = [&reload] {
    const bool ok = reload().empty();
    http::LogEvent(
        ok ? spdlog::level::info : spdlog::level::err,
        ok ? "catalogue rechargé" : "catalogue non rechargé : l’ancien reste en service");
  };
  http::Server server(options, router, metrics);
  try {
    server.Bind();
  } catch (const std::exception& e) {
    http::LogEvent(spdlog::level::critical, "écoute impossible",
                   {{"address", c.host}, {"port", c.port}, {"cause", e.what()}});
    return 1;
  }
  // The workers run unattended: the log says when one stops working, and why.
  const auto report = [](std::string_view worker, std::string_view cause, int failures) {
    if (cause.empty()) {
      http::LogEvent(spdlog::level::warn, "tâche de fond rétablie",
                     {{"worker", worker}, {"failed_passes", failures}});
    } else {
      http::LogEvent(spdlog::level::err, "tâche de fond en échec",
                     {{"worker", worker}, {"failed_passes", failures}, {"cause", cause}});
    }
  };
  timers.Start(report);
  outbox_worker.Start(report);
  ocr_worker.Start(report);
  server.Run();
  // In-flight requests are done: stop the workers, finish queued writes, close the database.
  ocr_worker.Stop();
  outbox_worker.Stop();
  timers.Stop();
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
    if (auto problems = InstallCatalogue(cases, c.catalogue); !problems.empty()) {
      for (const auto& p : problems) std::fprintf(stderr, "guichet: %s\n", p.c_str());
      return kExitCatalogue;
    }
    if (auto s = app::SeedDemo(*store, cases); !s.ok()) {
      std::fprintf(stderr, "guichet: données de démonstration : %s (%s)\n",
                   s.error().message().c_str(), s.error().cause().c_str());
      return kExitDatabase;
    }
    {
      storage::SqlIdentityStore identities(*store);
      if (auto s = app::SeedDemoIdentities(identities, clock.Now()); !s.ok()) {
        std::fprintf(stderr, "guichet: comptes de démonstration : %s (%s)\n",
                     s.error().message().c_str(), s.error().cause().c_str());
        for (const auto& f : s.error().fields()) {
          std::fprintf(stderr, "  %s : %s\n", f.field.c_str(), f.message.c_str());
        }
        return kExitDatabase;
      }
    }
    if (bulk > 0) {
      if (auto s = app::SeedBulk(*store, *cases.catalogue(), bulk, clock.Now()); !s.ok()) {
        std::fprintf(stderr, "guichet: données de masse : %s (%s)\n", s.error().message().c_str(),
                     s.error().cause().c_str());
        return kExitDatabase;
      }
      if (auto s = store->CompactSearchIndex(); !s.ok()) {
        std::fprintf(stderr, "guichet: index de recherche : %s (%s)\n", s.error().message().c_str(),
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

// Runs an `api-key` subcommand against the configured database.
int ApiKeys(const app::Config& c, const std::function<int(domain::ApiKeyService&)>& run) {
  if (int rc = Migrate(c, true)) return rc;
  try {
    auto store = storage::OpenStore(UrlOf(c), 1);
    SystemClock clock;
    domain::ApiKeyService keys(*store, clock);
    return run(keys);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "guichet: %s\n", e.what());
    return kExitDatabase;
  }
}

// Runs an `agent` subcommand against the configured database.
int Agents(const app::Config& c, const std::function<int(domain::IdentityService&)>& run) {
  if (int rc = Migrate(c, true)) return rc;
  try {
    auto store = storage::OpenStore(UrlOf(c), 1);
    SystemClock clock;
    auto mailer = AccountMailerOf(c, *store, clock);
    storage::SqlIdentityStore identities(*store);
    domain::IdentityService identity(identities, *store, *mailer, clock, IdentityOptionsOf(c));
    return run(identity);
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
  auto* catalogue_cmd = cli.add_subcommand("catalogue", "Outils du catalogue des démarches");
  catalogue_cmd->require_subcommand(1);
  auto* catalogue_check = catalogue_cmd->add_subcommand(
      "check", "Vérifie un dossier de catalogue et liste chaque erreur");
  std::string catalogue_dir = "catalogue";
  catalogue_check->add_option("dir", catalogue_dir, "Dossier du catalogue (défaut : catalogue)");
  auto* key_cmd = cli.add_subcommand("api-key", "Clés d’API des applications partenaires");
  key_cmd->require_subcommand(1);
  auto* key_create = key_cmd->add_subcommand("create", "Crée une clé et l’affiche une fois");
  std::string key_name, key_scope = "open311", key_team;
  key_create->add_option("--name", key_name, "À qui la clé est remise")->required();
  key_create->add_option("--scope", key_scope, "Portée (open311, api, admin)");
  key_create->add_option("--team", key_team, "Limite une clé « api » à une équipe");
  auto* key_list = key_cmd->add_subcommand("list", "Liste les clés (sans leur secret)");
  auto* key_revoke = key_cmd->add_subcommand("revoke", "Révoque une clé");
  std::int64_t key_id = 0;
  key_revoke->add_option("id", key_id, "Numéro de la clé")->required();
  auto* audit_cmd = cli.add_subcommand("audit", "Journal d’audit");
  audit_cmd->require_subcommand(1);
  auto* audit_verify =
      audit_cmd->add_subcommand("verify", "Vérifie la chaîne de hachage du journal d’audit");
  // ---- inbound mail ----
  auto* mailgate = cli.add_subcommand(
      "mailgate", "Enregistre un courriel lu sur l’entrée standard (alias ou pipe d’un MTA)");
  auto* maildir = cli.add_subcommand("maildir", "Enregistre les courriels de new/ d’un Maildir");
  std::string maildir_path;
  bool maildir_watch = false;
  int maildir_interval_ms = 1000;
  maildir->add_option("dir", maildir_path, "Le Maildir (défaut : [mail.maildir] path)");
  maildir->add_flag("--watch", maildir_watch, "Continue de surveiller new/ jusqu’à SIGTERM");
  maildir->add_option("--interval-ms", maildir_interval_ms, "Intervalle de --watch")
      ->check(CLI::Range(10, 3'600'000));
  // ---- end of inbound mail ----
  auto* agent_cmd = cli.add_subcommand("agent", "Agents de la collectivité");
  agent_cmd->require_subcommand(1);
  auto* agent_create = agent_cmd->add_subcommand(
      "create", "Crée un agent ; le mot de passe est lu sur l’entrée standard");
  std::string agent_name, agent_email;
  std::vector<std::string> agent_teams;
  bool agent_admin = false;
  agent_create->add_option("--name", agent_name, "Nom")->required();
  agent_create->add_option("--email", agent_email, "Adresse électronique (identifiant)")
      ->required();
  agent_create
      ->add_option("--team", agent_teams,
                   "Équipe et rôle : voirie:supervisor (rôles agent, supervisor, administrator)")
      ->required();
  agent_create->add_flag("--admin", agent_admin, "Administrateur de la plateforme");
  auto* agent_list = agent_cmd->add_subcommand("list", "Liste les agents");
  for (auto* sub : {serve, migrate, seed, check, key_create, key_list, key_revoke, audit_verify,
                    mailgate, maildir, agent_create, agent_list}) {
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
  if (*catalogue_check) return app::RunCatalogueCheck(catalogue_dir);
  auto config = Configure(config_path);
  // An MTA retries on 75 (EX_TEMPFAIL): a configuration mistake must not bounce mail.
  if (!config) return *mailgate || *maildir ? app::kExitTempFail : kExitConfig;
  if (*mailgate) return app::RunMailgate(*config);
  if (*maildir) return app::RunMaildir(*config, maildir_path, maildir_watch, maildir_interval_ms);
  if (*check) {
    std::printf(
        "configuration valide : écoute %s:%u, base %s\n", config->host.c_str(), config->port,
        storage::ParseDatabaseUrl(config->database)->dialect == storage::sql::Dialect::kPostgres
            ? "PostgreSQL"
            : config->database.c_str());
    return 0;
  }
  if (*migrate) return Migrate(*config, false);
  if (*key_create) {
    return ApiKeys(*config,
                   [&](auto& k) { return app::RunApiKeyCreate(k, key_name, key_scope, key_team); });
  }
  if (*key_list) return ApiKeys(*config, [](auto& k) { return app::RunApiKeyList(k); });
  if (*key_revoke)
    return ApiKeys(*config, [&](auto& k) { return app::RunApiKeyRevoke(k, key_id); });
  if (*audit_verify) {
    if (int rc = Migrate(*config, true)) return rc;
    try {
      auto store = storage::OpenStore(UrlOf(*config), 1);
      return app::RunAuditVerify(*store);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "guichet: %s\n", e.what());
      return kExitDatabase;
    }
  }
  if (*agent_create) {
    return Agents(*config, [&](auto& id) {
      return app::RunAgentCreate(id, agent_name, agent_email, agent_teams, agent_admin);
    });
  }
  if (*agent_list) return Agents(*config, [](auto& id) { return app::RunAgentList(id); });
  if (*seed) return Seed(*config, bulk);
  return Serve(*config);
}
