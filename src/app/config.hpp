// Configuration: a TOML file (--config) then environment overrides
// (GUICHET_DATABASE, GUICHET_LISTEN, GUICHET_THREADS, GUICHET_LOG_LEVEL,
// GUICHET_ACCESS_LOG). Errors name the key and say why.
#pragma once

#include <map>
#include <string>

#include "app/outbox_config.hpp"
#include "core/result.hpp"

namespace guichet::app {

// The shortest [mail] ingest_secret accepted: guessing it must be hopeless.
inline constexpr std::size_t kMinIngestSecret = 16;

struct Config {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  int threads = 0;  // 0: one per core
  bool access_log = true;
  std::string database = "sqlite:./data/guichet.db";
  int read_pool = 8;
  std::string log_level = "info";
  // The directory of the procedure catalogue (catalogue.toml, workflows/, services/).
  std::string catalogue = "./catalogue";
  int draft_ttl_days = 30;       // a draft not saved again for this long is deleted
  int timer_interval_ms = 1000;  // how often the worker looks for due timers
  // [postal]: the OCR worker of scanned letters (channels/postal/ocr.hpp).
  int ocr_interval_ms = 1000;               // how often it looks for scans to read
  std::string ocr_tesseract = "tesseract";  // the program (PATH or absolute)
  std::string ocr_languages = "fra";        // tesseract -l
  // [open311]: the jurisdiction_id clients must send, if any (checked when set);
  // the public URL of /open311/v2 (from the Host header when empty); the
  // contact shown in the discovery document.
  std::string open311_jurisdiction_id;
  std::string open311_base_url;
  std::string open311_contact;
  // ---- [mail] inbound email (channels/mail) ----
  std::string mail_general_service = "question-generale";  // where unthreaded mail lands
  std::string mail_addresses;  // our own addresses, comma-separated: never acknowledged
  int mail_ack_limit = 5;      // acknowledgements per sender per window
  int mail_ack_window_minutes = 60;
  std::string maildir_path;  // [mail.maildir] path: read by `guichet maildir`
  // [mail] ingest_secret: shared by the server and `guichet mailgate`, which
  // then posts each message to the running server (POST
  // /api/v1/channels/mail/inbound); empty, mailgate writes to the database
  // itself. At least kMinIngestSecret characters; never logged.
  std::string mail_ingest_secret;
  // [mail] ingest_timeout_seconds: how long mailgate waits for the server's
  // answer before asking the MTA to retry (read by the front, src/front).
  int mail_ingest_timeout_seconds = 120;
  // ---- end of [mail] ----
  // --- web (issue #7) ---
  // [web]: the built front end (GUICHET_WEB_DIST), the town hall's contact
  // shown on the portal, the map's tile server ({z}/{x}/{y}; none by
  // default: the map is a plain pick without a base layer) and its centre.
  std::string web_dist = "./web/dist";
  std::string web_contact_email;
  std::string web_contact_phone;
  std::string web_contact_address;
  std::string web_tile_url;
  std::string web_tile_attribution;
  double web_map_lat = 45.764;
  double web_map_lon = 4.8357;
  int web_map_zoom = 14;
  // --- end web ---
  OutboxConfig outbox;  // [mail], [sms], [postal], [outbox] (outbox_config.hpp)
  // --- identity (issue #4) ---
  // [mail] dev_drop_dir: account mails (verification, magic link, reset) are
  // written there, one .eml file each, until the SMTP outbox is wired.
  std::string mail_drop_dir = "./data/mail";
  // [identity]: the public address links in mails start with; session
  // expiry; the worker pool that hashes passwords.
  std::string public_url = "http://127.0.0.1:8080";
  int session_idle_minutes = 30;
  int session_absolute_hours = 12;
  int hash_threads = 2;
  int hash_queue = 64;
  // [oidc]: the OpenID provider of the FranceConnect-style login; the login
  // routes answer 503 while issuer is empty. The secret is never logged
  // (GUICHET_OIDC_CLIENT_SECRET keeps it out of the file).
  std::string oidc_issuer;
  std::string oidc_client_id;
  std::string oidc_client_secret;
  std::string oidc_redirect_uri;             // public URL of /api/v1/auth/oidc/callback
  std::string oidc_after_login = "/compte";  // the portal page the browser lands on once signed in
};

// `path` empty: defaults then environment. `env` is injected for tests.
Result<Config> LoadConfig(const std::string& path, const std::map<std::string, std::string>& env);
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace guichet::app
