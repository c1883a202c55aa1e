#include "channels/sms/inbound.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "domain/validation.hpp"

namespace guichet::channels::sms {
namespace {

constexpr std::string_view kSignaturePrefix = "sha256=";

std::string Hmac(std::string_view body, std::string_view secret) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded: '+' is a space, %XX a byte; nullopt on
// a truncated or non-hex escape.
std::optional<std::string> FormDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string SignBody(std::string_view body, std::string_view secret) {
  const std::string mac = Hmac(body, secret);
  std::string hex(mac.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(mac.data()),
                 mac.size());
  hex.pop_back();
  return std::string(kSignaturePrefix) + hex;
}

bool VerifySignature(std::string_view body, std::string_view header, std::string_view secret) {
  if (secret.empty() || header.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
    return false;
  }
  header.remove_prefix(kSignaturePrefix.size());
  unsigned char given[crypto_auth_hmacsha256_BYTES];
  size_t len = 0;
  if (header.size() != 2 * sizeof given ||
      sodium_hex2bin(given, sizeof given, header.data(), header.size(), nullptr, &len, nullptr) !=
          0 ||
      len != sizeof given) {
    return false;
  }
  const std::string mac = Hmac(body, secret);
  return sodium_memcmp(given, mac.data(), sizeof given) == 0;
}

Result<InboundSms> ParseInboundSms(std::string_view form_body) {
  std::vector<FieldError> errs;
  if (form_body.size() > kMaxInboundBody) {
    return Error::Invalid("Le message reçu est trop long.");
  }
  InboundSms sms;
  bool seen_from = false, seen_to = false, seen_body = false, seen_sid = false;
  while (!form_body.empty()) {
    const auto amp = form_body.find('&');
    const std::string_view pair = form_body.substr(0, amp);
    form_body = amp == std::string_view::npos ? std::string_view() : form_body.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const auto key = FormDecode(pair.substr(0, eq));
    const auto value =
        FormDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key || !value) {
      errs.push_back({"body", "Le corps n’est pas un formulaire encodé valide."});
      break;
    }
    if (*key == "From") {
      sms.from = *value, seen_from = true;
    } else if (*key == "To") {
      sms.to = *value, seen_to = true;
    } else if (*key == "Body") {
      sms.body = *value, seen_body = true;
    } else if (*key == "MessageSid") {
      sms.message_sid = *value, seen_sid = true;
    }
  }
  if (errs.empty()) {
    if (!seen_from || sms.from.empty()) {
      errs.push_back({"From", "Le numéro de l’expéditeur est obligatoire."});
    } else if (auto p = domain::NormalizePhone(sms.from)) {
      sms.from = *p;
    } else {
      errs.push_back({"From", "Le numéro de l’expéditeur n’est pas un numéro de téléphone."});
    }
    if (!seen_to || sms.to.empty()) {
      errs.push_back({"To", "Le numéro destinataire est obligatoire."});
    } else if (sms.to.size() > 32) {
      errs.push_back({"To", "Le numéro destinataire est trop long."});
    }
    if (!seen_body) {
      errs.push_back({"Body", "Le texte du message est obligatoire."});
    } else if (!domain::IsValidUtf8(sms.body)) {
      errs.push_back({"Body", "Le texte du message n’est pas en UTF-8 valide."});
    } else if (sms.body.size() > kMaxSmsText) {
      errs.push_back({"Body", "Le texte du message dépasse 1 600 octets."});
    }
    if (!seen_sid || sms.message_sid.empty()) {
      errs.push_back({"MessageSid", "L’identifiant du message est obligatoire."});
    } else if (sms.message_sid.size() > kMaxSidLength ||
               !std::all_of(sms.message_sid.begin(), sms.message_sid.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
               })) {
      errs.push_back({"MessageSid", "L’identifiant du message est invalide."});
    }
  }
  if (!errs.empty()) return Error::Invalid("Le SMS reçu est invalide.", std::move(errs));
  return sms;
}

bool IsStopKeyword(std::string_view body) {
  std::string word;
  for (char c : body) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u)) {
      word += static_cast<char>(std::toupper(u));
    } else if (u >= 0x80) {
      word += c;  // Ê in ARRÊT, kept as UTF-8
    } else if (c == ' ' && !word.empty() && word.back() != ' ') {
      word += ' ';
    }
  }
  while (!word.empty() && word.back() == ' ') word.pop_back();
  return word == "STOP" || word == "STOP SMS" || word == "ARRET" || word == "ARR\xC3\x8AT" ||
         word == "ARR\xC3\xAAT";
}

}  // namespace guichet::channels::sms
