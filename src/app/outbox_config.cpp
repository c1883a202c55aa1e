#include "app/outbox_config.hpp"

#include <charconv>

#include "domain/outbox.hpp"

namespace guichet::app {
namespace {

Error KeyError(const std::string& key, const std::string& why) {
  return Error::Invalid("configuration invalide : " + key + " : " + why, {{key, why}});
}

Status Int(const std::string& key, const std::string& v, int min, int max, int& out) {
  int n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || n < min || n > max) {
    return KeyError(key, "« " + v + " » doit être un entier entre " + std::to_string(min) + " et " +
                             std::to_string(max));
  }
  out = n;
  return Status::Ok();
}

Status Url(const std::string& key, const std::string& v, std::initializer_list<const char*> schemes,
           std::string& out) {
  if (!v.empty()) {
    bool ok = false;
    for (const char* s : schemes) ok = ok || v.rfind(s, 0) == 0;
    if (!ok) return KeyError(key, "« " + v + " » n’a pas un schéma accepté");
  }
  out = v;
  return Status::Ok();
}

Status Text(std::string& out, const std::string& v) {
  out = v;
  return Status::Ok();
}

}  // namespace

std::optional<Status> ApplyOutboxKey(const std::string& key, const std::string& v,
                                     OutboxConfig& c) {
  if (key == "mail.smtp_url") return Url(key, v, {"smtp://", "smtps://"}, c.smtp_url);
  if (key == "mail.starttls") {
    if (v != "true" && v != "false") return KeyError(key, "true ou false");
    c.smtp_starttls = v == "true";
    return Status::Ok();
  }
  if (key == "mail.username") return Text(c.smtp_username, v);
  if (key == "mail.password") return Text(c.smtp_password, v);
  if (key == "mail.from") {
    if (v.find('@') == std::string::npos) return KeyError(key, "une adresse électronique");
    return Text(c.from, v);
  }
  if (key == "mail.from_name") return Text(c.from_name, v);
  if (key == "mail.reply_local") {
    if (v.empty() || v.find_first_of("@+ <>") != std::string::npos) {
      return KeyError(key, "la partie locale de l’adresse de réponse, sans @ ni +");
    }
    return Text(c.reply_local, v);
  }
  if (key == "mail.reply_domain") {
    if (v.empty() || v.find_first_of("@ <>") != std::string::npos) {
      return KeyError(key, "un nom de domaine");
    }
    return Text(c.reply_domain, v);
  }
  if (key == "sms.gateway_url") return Url(key, v, {"http://", "https://"}, c.sms_gateway_url);
  if (key == "sms.format") {
    if (v != "form" && v != "json") return KeyError(key, "form ou json");
    return Text(c.sms_format, v);
  }
  if (key == "sms.token") return Text(c.sms_token, v);
  if (key == "sms.secret") return Text(c.sms_secret, v);
  if (key == "sms.sender") return Text(c.sms_sender, v);
  if (key == "sms.status_callback") {
    return Url(key, v, {"http://", "https://"}, c.sms_status_callback);
  }
  if (key == "sms.service") return Text(c.sms_service, v);
  if (key == "postal.spool_dir") return Text(c.postal_spool, v);
  if (key == "postal.letterhead") return Text(c.postal_letterhead, v);
  if (key == "postal.letterhead_address") {
    std::string lines = v;
    for (size_t at; (at = lines.find(" | ")) != std::string::npos;) lines.replace(at, 3, "\n");
    return Text(c.postal_letterhead_address, lines);
  }
  if (key == "postal.logo") {
    if (!v.empty() && v.size() < 4) return KeyError(key, "le chemin d’un fichier PNG");
    if (!v.empty() && v.substr(v.size() - 4) != ".png") {
      return KeyError(key, "le chemin d’un fichier PNG");
    }
    return Text(c.postal_logo, v);
  }
  if (key == "outbox.templates") return Text(c.templates_dir, v);
  if (key == "outbox.fallback") {
    const auto chain = domain::SplitChannels(v);
    for (auto ch : chain) {
      if (ch != domain::Channel::kEmail && ch != domain::Channel::kSms &&
          ch != domain::Channel::kPostal) {
        return KeyError(key, "seuls email, sms et postal sont des canaux d’envoi");
      }
    }
    if (chain.empty() || domain::JoinChannels(chain).size() != v.size()) {
      return KeyError(key, "une liste comme « email,sms,postal »");
    }
    return Text(c.fallback, v);
  }
  if (key == "outbox.interval_ms") return Int(key, v, 10, 3'600'000, c.interval_ms);
  if (key == "outbox.max_attempts") return Int(key, v, 1, 100, c.max_attempts);
  if (key == "outbox.backoff_ms") return Int(key, v, 1, 86'400'000, c.backoff_ms);
  if (key == "outbox.backoff_cap_ms") return Int(key, v, 1, 604'800'000, c.backoff_cap_ms);
  if (key == "outbox.lease_ms") return Int(key, v, 100, 86'400'000, c.lease_ms);
  return std::nullopt;
}

Status ApplyOutboxEnvironment(const std::map<std::string, std::string>& env, OutboxConfig& c) {
  static const std::pair<const char*, const char*> kEnv[] = {
      {"GUICHET_SMTP_URL", "mail.smtp_url"},
      {"GUICHET_MAIL_FROM", "mail.from"},
      {"GUICHET_MAIL_REPLY_DOMAIN", "mail.reply_domain"},
      {"GUICHET_SMS_GATEWAY_URL", "sms.gateway_url"},
      {"GUICHET_SMS_FORMAT", "sms.format"},
      {"GUICHET_SMS_SECRET", "sms.secret"},
      {"GUICHET_SMS_SERVICE", "sms.service"},
      {"GUICHET_SMS_STATUS_CALLBACK", "sms.status_callback"},
      {"GUICHET_POSTAL_SPOOL", "postal.spool_dir"},
      {"GUICHET_POSTAL_LETTERHEAD", "postal.letterhead"},
      {"GUICHET_POSTAL_ADDRESS", "postal.letterhead_address"},
      {"GUICHET_POSTAL_LOGO", "postal.logo"},
      {"GUICHET_TEMPLATES", "outbox.templates"},
      {"GUICHET_OUTBOX_FALLBACK", "outbox.fallback"},
      {"GUICHET_OUTBOX_INTERVAL_MS", "outbox.interval_ms"},
      {"GUICHET_OUTBOX_MAX_ATTEMPTS", "outbox.max_attempts"},
      {"GUICHET_OUTBOX_BACKOFF_MS", "outbox.backoff_ms"},
      {"GUICHET_OUTBOX_LEASE_MS", "outbox.lease_ms"},
  };
  for (const auto& [var, key] : kEnv) {
    auto it = env.find(var);
    if (it == env.end()) continue;
    auto s = *ApplyOutboxKey(key, it->second, c);
    if (!s.ok()) {
      return KeyError(std::string(var) + " (" + key + ")", s.error().fields().front().message);
    }
  }
  return Status::Ok();
}

}  // namespace guichet::app
