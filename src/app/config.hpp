// Configuration: a TOML file (--config) then environment overrides
// (GUICHET_DATABASE, GUICHET_LISTEN, GUICHET_THREADS, GUICHET_LOG_LEVEL,
// GUICHET_ACCESS_LOG). Errors name the key and say why.
#pragma once

#include <map>
#include <string>

#include "core/result.hpp"

namespace guichet::app {

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
  // [open311]: the jurisdiction_id clients must send, if any (checked when set);
  // the public URL of /open311/v2 (from the Host header when empty); the
  // contact shown in the discovery document.
  std::string open311_jurisdiction_id;
  std::string open311_base_url;
  std::string open311_contact;
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
};

// `path` empty: defaults then environment. `env` is injected for tests.
Result<Config> LoadConfig(const std::string& path, const std::map<std::string, std::string>& env);
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace guichet::app
