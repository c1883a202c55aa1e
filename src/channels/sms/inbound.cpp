#include "channels/sms/inbound.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>

#include "core/text.hpp"
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

// Calls `field` with each decoded key and value of a form body, in order;
// false when the body is not a valid form (then stops).
template <typename F>
bool ForEachField(std::string_view form_body, F field) {
  while (!form_body.empty()) {
    const auto amp = form_body.find('&');
    const std::string_view pair = form_body.substr(0, amp);
    form_body = amp == std::string_view::npos ? std::string_view() : form_body.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) return false;
    field(*key, std::move(*value));
  }
  return true;
}

bool IsSid(const std::string& sid) {
  return sid.size() <= kMaxSidLength && std::all_of(sid.begin(), sid.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
         });
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
  const bool decoded = ForEachField(form_body, [&](const std::string& key, std::string value) {
    if (key == "From") {
      sms.from = std::move(value), seen_from = true;
    } else if (key == "To") {
      sms.to = std::move(value), seen_to = true;
    } else if (key == "Body") {
      sms.body = std::move(value), seen_body = true;
    } else if (key == "MessageSid") {
      sms.message_sid = std::move(value), seen_sid = true;
    }
  });
  if (!decoded) errs.push_back({"body", "Le corps n’est pas un formulaire encodé valide."});
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
    } else if (!IsSid(sms.message_sid)) {
      errs.push_back({"MessageSid", "L’identifiant du message est invalide."});
    }
  }
  if (!errs.empty()) return Error::Invalid("Le SMS reçu est invalide.", std::move(errs));
  return sms;
}

Result<SmsStatusReport> ParseSmsStatus(std::string_view form_body) {
  if (form_body.size() > kMaxInboundBody) return Error::Invalid("Le rapport reçu est trop long.");
  std::vector<FieldError> errs;
  SmsStatusReport r;
  const bool decoded = ForEachField(form_body, [&r](const std::string& key, std::string value) {
    if (key == "MessageSid") r.message_sid = std::move(value);
    if (key == "MessageStatus") r.status = std::move(value);
    if (key == "ErrorCode") r.error_code = std::move(value);
  });
  if (!decoded) errs.push_back({"body", "Le corps n’est pas un formulaire encodé valide."});
  if (r.message_sid.empty()) {
    errs.push_back({"MessageSid", "L’identifiant du message est obligatoire."});
  } else if (!IsSid(r.message_sid)) {
    errs.push_back({"MessageSid", "L’identifiant du message est invalide."});
  }
  static constexpr std::string_view kStatuses[] = {"accepted",  "queued",      "sending", "sent",
                                                   "delivered", "undelivered", "failed"};
  if (std::find(std::begin(kStatuses), std::end(kStatuses), r.status) == std::end(kStatuses)) {
    errs.push_back({"MessageStatus",
                    "Statut inconnu (queued, sending, sent, delivered, undelivered ou failed)."});
  }
  if (r.error_code.size() > 32 || !domain::IsValidUtf8(r.error_code)) {
    errs.push_back({"ErrorCode", "Le code d’erreur est invalide."});
  }
  if (!errs.empty()) return Error::Invalid("Le rapport de remise est invalide.", std::move(errs));
  return r;
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
