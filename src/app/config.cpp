#include "app/config.hpp"

#include <toml++/toml.h>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "storage/open.hpp"

extern char** environ;

namespace guichet::app {
namespace {

Error ConfigError(const std::string& key, const std::string& why) {
  return Error::Invalid("configuration invalide : " + key + " : " + why, {{key, why}});
}

// "127.0.0.1:8080", "[::1]:8080", "localhost:8080".
Status ParseListen(const std::string& value, Config& c) {
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return ConfigError("server.listen", "« " + value + " » n’est pas de la forme hôte:port");
  }
  std::string host = value.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  const std::string p = value.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc() || ptr != p.data() + p.size() || port < 0 || port > 65535) {
    return ConfigError("server.listen",
                       "le port « " + p + " » n’est pas un nombre entre 0 et 65535");
  }
  if (host == "localhost") host = "127.0.0.1";
  // Guichet speaks plain HTTP: other hosts reach it through a TLS reverse
  // proxy on this machine (session cookies are Secure), never directly.
  if (host.rfind("127.", 0) != 0 && host != "::1") {
    return ConfigError("server.listen",
                       "Guichet n’écoute que sur la boucle locale (127.0.0.1 ou ::1), derrière un "
                       "mandataire inverse TLS ; pas sur « " +
                           host + " »");
  }
  c.host = host;
  c.port = static_cast<unsigned short>(port);
  return Status::Ok();
}

Status ParseBool(const std::string& key, const std::string& v, bool& out) {
  if (v == "true" || v == "1" || v == "yes") {
    out = true;
  } else if (v == "false" || v == "0" || v == "no") {
    out = false;
  } else {
    return ConfigError(key, "« " + v + " » n’est pas un booléen (true ou false)");
  }
  return Status::Ok();
}

Status ParseInt(const std::string& key, const std::string& v, int min, int max, int& out) {
  int n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || n < min || n > max) {
    return ConfigError(key, "« " + v + " » doit être un entier entre " + std::to_string(min) +
                                " et " + std::to_string(max));
  }
  out = n;
  return Status::Ok();
}

Status CheckLevel(const std::string& key, const std::string& v) {
  for (const char* l : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (v == l) return Status::Ok();
  }
  return ConfigError(key, "« " + v + " » n’est pas un niveau (debug, info, warn, error)");
}

// Applies one setting given as text (from TOML or the environment).
// --- web (issue #7) ---
// [web] dist, contact_email, contact_phone, contact_address, tile_url,
// tile_attribution, map_center ("lat,lon"), map_zoom.
Status ApplyWeb(const std::string& key, const std::string& value, Config& c) {
  if (key == "web.dist") {
    if (value.empty())
      return ConfigError(key, "le répertoire du portail construit est obligatoire");
    c.web_dist = value;
    return Status::Ok();
  }
  if (key == "web.contact_email") {
    c.web_contact_email = value;
    return Status::Ok();
  }
  if (key == "web.contact_phone") {
    c.web_contact_phone = value;
    return Status::Ok();
  }
  if (key == "web.contact_address") {
    c.web_contact_address = value;
    return Status::Ok();
  }
  if (key == "web.tile_attribution") {
    c.web_tile_attribution = value;
    return Status::Ok();
  }
  if (key == "web.tile_url") {
    if (!value.empty() && value.rfind("https://", 0) != 0 && value.rfind("http://", 0) != 0) {
      return ConfigError(key, "« " + value + " » n’est pas une adresse http:// ou https://");
    }
    c.web_tile_url = value;
    return Status::Ok();
  }
  if (key == "web.map_zoom") return ParseInt(key, value, 1, 19, c.web_map_zoom);
  if (key == "web.map_center") {
    double lat = 0, lon = 0;
    char extra = 0;
    if (std::sscanf(value.c_str(), "%lf,%lf%c", &lat, &lon, &extra) != 2 || lat < -90 || lat > 90 ||
        lon < -180 || lon > 180) {
      return ConfigError(key, "« " + value + " » n’est pas de la forme « latitude,longitude »");
    }
    c.web_map_lat = lat;
    c.web_map_lon = lon;
    return Status::Ok();
  }
  return ConfigError(key, "clé inconnue");
}
// --- end web ---

Status Apply(const std::string& key, const std::string& value, Config& c) {
  if (key == "server.listen") return ParseListen(value, c);
  if (key == "server.threads") return ParseInt(key, value, 0, 256, c.threads);
  if (key == "server.access_log") return ParseBool(key, value, c.access_log);
  if (key == "database.url") {
    auto url = storage::ParseDatabaseUrl(value);
    if (!url.ok()) return ConfigError(key, url.error().message());
    c.database = value;
    return Status::Ok();
  }
  if (key == "database.read_pool") return ParseInt(key, value, 1, 256, c.read_pool);
  if (key == "procedures.catalogue") {
    if (value.empty()) return ConfigError(key, "le répertoire du catalogue est obligatoire");
    c.catalogue = value;
    return Status::Ok();
  }
  if (key == "procedures.draft_ttl_days") return ParseInt(key, value, 1, 3650, c.draft_ttl_days);
  if (key == "procedures.timer_interval_ms") {
    return ParseInt(key, value, 10, 3'600'000, c.timer_interval_ms);
  }
  if (key == "postal.ocr_interval_ms") {
    return ParseInt(key, value, 10, 3'600'000, c.ocr_interval_ms);
  }
  if (key == "postal.tesseract" || key == "postal.languages") {
    if (value.empty() || value.find_first_of(" \t\n") != std::string::npos) {
      return ConfigError(key, "une valeur sans espace est attendue");
    }
    (key == "postal.tesseract" ? c.ocr_tesseract : c.ocr_languages) = value;
    return Status::Ok();
  }
  if (key == "open311.jurisdiction_id") {
    c.open311_jurisdiction_id = value;
    return Status::Ok();
  }
  if (key == "open311.base_url") {
    if (!value.empty() && value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
      return ConfigError(key, "« " + value + " » n’est pas une adresse http:// ou https://");
    }
    c.open311_base_url = value;
    return Status::Ok();
  }
  if (key == "open311.contact") {
    c.open311_contact = value;
    return Status::Ok();
  }
  // ---- [mail] ----
  if (key == "mail.general_service") {
    if (value.empty())
      return ConfigError(key, "le service des courriels non rattachés est obligatoire");
    c.mail_general_service = value;
    return Status::Ok();
  }
  if (key == "mail.addresses") {
    c.mail_addresses = value;
    return Status::Ok();
  }
  if (key == "mail.ack_limit") return ParseInt(key, value, 0, 10'000, c.mail_ack_limit);
  if (key == "mail.ack_window_minutes") {
    return ParseInt(key, value, 1, 10'080, c.mail_ack_window_minutes);
  }
  if (key == "mail.ingest_secret") {
    if (!value.empty() && value.size() < kMinIngestSecret) {
      return ConfigError(key, "le secret doit compter au moins " +
                                  std::to_string(kMinIngestSecret) + " caractères");
    }
    c.mail_ingest_secret = value;
    return Status::Ok();
  }
  if (key == "mail.ingest_timeout_seconds") {
    return ParseInt(key, value, 1, 3600, c.mail_ingest_timeout_seconds);
  }
  if (key == "mail.maildir.path") {
    c.maildir_path = value;
    return Status::Ok();
  }
  // ---- end of [mail] ----
  if (key.rfind("web.", 0) == 0) return ApplyWeb(key, value, c);
  if (key == "mail.dev_drop_dir") {
    if (value.empty()) return ConfigError(key, "le répertoire est obligatoire");
    c.mail_drop_dir = value;
    return Status::Ok();
  }
  if (key == "identity.public_url") {
    if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
      return ConfigError(key, "« " + value + " » n’est pas une adresse http:// ou https://");
    }
    c.public_url = value;
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
    return Status::Ok();
  }
  if (key == "identity.session_idle_minutes") {
    return ParseInt(key, value, 1, 24 * 60, c.session_idle_minutes);
  }
  if (key == "identity.session_absolute_hours") {
    return ParseInt(key, value, 1, 24 * 30, c.session_absolute_hours);
  }
  if (key == "identity.hash_threads") return ParseInt(key, value, 1, 64, c.hash_threads);
  if (key == "identity.hash_queue") return ParseInt(key, value, 1, 100'000, c.hash_queue);
  if (key == "oidc.issuer" || key == "oidc.redirect_uri") {
    if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
      return ConfigError(key, "« " + value + " » n’est pas une adresse http:// ou https://");
    }
    (key == "oidc.issuer" ? c.oidc_issuer : c.oidc_redirect_uri) = value;
    return Status::Ok();
  }
  if (key == "oidc.client_id") {
    c.oidc_client_id = value;
    return Status::Ok();
  }
  if (key == "oidc.client_secret") {
    c.oidc_client_secret = value;
    return Status::Ok();
  }
  if (key == "oidc.after_login") {
    // A local path only: the landing page must not become an open redirect.
    if (value.empty() || value[0] != '/' || value.rfind("//", 0) == 0) {
      return ConfigError(key, "un chemin du portail commençant par / est attendu");
    }
    c.oidc_after_login = value;
    return Status::Ok();
  }
  if (key == "log.level") {
    GUICHET_TRY(CheckLevel(key, value));
    c.log_level = value;
    return Status::Ok();
  }
  if (auto s = ApplyOutboxKey(key, value, c.outbox)) return *s;
  return ConfigError(key, "clé inconnue");
}

std::string ToText(const toml::node& n) {
  if (auto s = n.value<std::string>()) return *s;
  if (auto b = n.value_exact<bool>()) return *b ? "true" : "false";
  if (auto i = n.value_exact<int64_t>()) return std::to_string(*i);
  return "\x01";  // not a scalar we accept
}

}  // namespace

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    const size_t eq = kv.find('=');
    if (eq != std::string_view::npos && kv.rfind("GUICHET_", 0) == 0) {
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
  }
  return env;
}

Result<Config> LoadConfig(const std::string& path, const std::map<std::string, std::string>& env) {
  Config c;
  if (!path.empty()) {
    toml::table table;
    try {
      table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      const auto& src = e.source();
      return ConfigError(
          path + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column),
          std::string(e.description()));
    } catch (const std::exception& e) {
      return ConfigError(path, e.what());
    }
    for (const auto& [section, node] : table) {
      const auto* sub = node.as_table();
      if (!sub) return ConfigError(std::string(section.str()), "une section [table] est attendue");
      for (const auto& [k, v] : *sub) {
        const std::string key = std::string(section.str()) + "." + std::string(k.str());
        // One level of sub-tables ([mail.maildir]).
        if (const auto* subsub = v.as_table()) {
          for (const auto& [k2, v2] : *subsub) {
            const std::string key2 = key + "." + std::string(k2.str());
            const std::string text2 = ToText(v2);
            if (text2 == "\x01") return ConfigError(key2, "valeur d’un type non pris en charge");
            GUICHET_TRY(Apply(key2, text2, c));
          }
          continue;
        }
        const std::string text = ToText(v);
        if (text == "\x01") return ConfigError(key, "valeur d’un type non pris en charge");
        GUICHET_TRY(Apply(key, text, c));
      }
    }
  }
  static const std::pair<const char*, const char*> kEnv[] = {
      {"GUICHET_DATABASE", "database.url"},
      {"GUICHET_LISTEN", "server.listen"},
      {"GUICHET_THREADS", "server.threads"},
      {"GUICHET_ACCESS_LOG", "server.access_log"},
      {"GUICHET_LOG_LEVEL", "log.level"},
      {"GUICHET_READ_POOL", "database.read_pool"},
      {"GUICHET_CATALOGUE", "procedures.catalogue"},
      {"GUICHET_TIMER_INTERVAL_MS", "procedures.timer_interval_ms"},
      {"GUICHET_OCR_INTERVAL_MS", "postal.ocr_interval_ms"},
      {"GUICHET_TESSERACT", "postal.tesseract"},
      {"GUICHET_OPEN311_JURISDICTION", "open311.jurisdiction_id"},
      {"GUICHET_MAIL_GENERAL_SERVICE", "mail.general_service"},
      {"GUICHET_MAIL_ADDRESSES", "mail.addresses"},
      {"GUICHET_MAILDIR", "mail.maildir.path"},
      {"GUICHET_MAIL_INGEST_SECRET", "mail.ingest_secret"},
      {"GUICHET_MAIL_INGEST_TIMEOUT", "mail.ingest_timeout_seconds"},
      {"GUICHET_WEB_DIST", "web.dist"},
      {"GUICHET_MAIL_DROP_DIR", "mail.dev_drop_dir"},
      {"GUICHET_PUBLIC_URL", "identity.public_url"},
      {"GUICHET_OIDC_ISSUER", "oidc.issuer"},
      {"GUICHET_OIDC_CLIENT_ID", "oidc.client_id"},
      {"GUICHET_OIDC_CLIENT_SECRET", "oidc.client_secret"},
      {"GUICHET_OIDC_REDIRECT_URI", "oidc.redirect_uri"},
  };
  for (const auto& [var, key] : kEnv) {
    auto it = env.find(var);
    if (it == env.end()) continue;
    auto s = Apply(key, it->second, c);
    if (!s.ok()) {
      return ConfigError(std::string(var) + " (" + key + ")", s.error().fields().front().message);
    }
  }
  GUICHET_TRY(ApplyOutboxEnvironment(env, c.outbox));
  if (!c.oidc_issuer.empty()) {
    for (const auto& [key, v] : {std::pair{"oidc.client_id", &c.oidc_client_id},
                                 std::pair{"oidc.client_secret", &c.oidc_client_secret},
                                 std::pair{"oidc.redirect_uri", &c.oidc_redirect_uri}}) {
      if (v->empty()) return ConfigError(key, "obligatoire quand oidc.issuer est donné");
    }
  }
  return c;
}

}  // namespace guichet::app
