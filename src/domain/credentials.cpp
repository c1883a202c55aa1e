#include "domain/credentials.hpp"

#include <crack.h>
#include <liboath/oath.h>
#include <sodium.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_set>

#include "domain/validation.hpp"

namespace guichet::domain {
namespace {

// libsodium's interactive limits: 2 passes over 64 MiB, ~50 ms on one core.
constexpr unsigned long long kOpsLimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr std::size_t kMemLimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
constexpr std::size_t kTotpSecretBytes = 20;
constexpr unsigned kTotpDigits = 6;
constexpr unsigned kTotpPeriod = 30;

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium init failed");
    if (oath_init() != OATH_OK) throw std::runtime_error("liboath init failed");
  });
}

// The word list of cracklib-runtime: a password that is one of these words
// once its digits and symbols are taken away ("Password123!") is refused.
constexpr const char* kWordList = "/usr/share/dict/cracklib-small";

bool IsDictionaryWord(std::string_view password) {
  static const std::unordered_set<std::string> words = [] {
    std::unordered_set<std::string> out;
    std::ifstream in(kWordList);
    for (std::string w; std::getline(in, w);) {
      if (w.size() >= 4) out.insert(w);
    }
    return out;
  }();
  std::string core;
  for (unsigned char c : password) {
    if (std::isalpha(c)) core += static_cast<char>(std::tolower(c));
  }
  return core.size() >= 4 && words.count(core) > 0;
}

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};

std::optional<std::string> DecodeBase32(const std::string& b32) {
  char* out = nullptr;
  size_t len = 0;
  if (oath_base32_decode(b32.data(), b32.size(), &out, &len) != OATH_OK) return std::nullopt;
  std::unique_ptr<char, FreeDeleter> holder(out);
  return std::string(out, len);
}

bool Contains(std::string_view hay, std::string_view needle) {
  if (needle.size() < 4) return false;
  auto lower = [](std::string_view s) {
    std::string o(s);
    for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
  };
  return lower(hay).find(lower(needle)) != std::string::npos;
}

}  // namespace

std::string HashPassword(std::string_view password) {
  InitOnce();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), kOpsLimit, kMemLimit) != 0) {
    throw std::runtime_error("crypto_pwhash_str: out of memory");
  }
  return out;
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  InitOnce();
  if (hash.empty() || password.size() > kMaxPasswordBytes) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void BurnPasswordVerification(std::string_view password) {
  // A hash of the same parameters, computed once: verifying against it costs
  // what a real verification costs.
  static const std::string dummy = HashPassword("guichet: compte inexistant");
  (void)VerifyPassword(password, dummy);
}

std::optional<std::string> PasswordProblem(std::string_view password, std::string_view context) {
  if (password.size() > kMaxPasswordBytes) {
    return "Le mot de passe dépasse " + std::to_string(kMaxPasswordBytes) + " octets.";
  }
  if (!IsValidUtf8(std::string(password))) return "Le mot de passe n’est pas en UTF-8.";
  bool lower = false, upper = false, digit = false, special = false, other = false;
  for (unsigned char c : password) {
    if (c >= 0x80) {
      other = true;
    } else if (std::islower(c)) {
      lower = true;
    } else if (std::isupper(c)) {
      upper = true;
    } else if (std::isdigit(c)) {
      digit = true;
    } else {
      special = true;
    }
  }
  const double alphabet = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) +
                          (special ? 33 : 0) + (other ? 64 : 0);
  const double length = static_cast<double>(Utf8Length(std::string(password)));
  if (length < 12 || alphabet == 0 || length * std::log2(alphabet) < kMinPasswordEntropyBits) {
    return "Le mot de passe est trop faible : au moins 12 caractères mêlant minuscules, "
           "majuscules, chiffres et caractères spéciaux (ou 14 caractères de trois de ces "
           "types, ou une phrase de passe plus longue).";
  }
  if (!context.empty()) {
    // The local part of an email, the name: each word at least 4 letters long.
    std::string word;
    for (char c : std::string(context) + " ") {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        word += c;
      } else {
        if (Contains(password, word)) {
          return "Le mot de passe ne doit pas contenir votre nom ou votre adresse électronique.";
        }
        word.clear();
      }
    }
  }
  // cracklib keeps state in static buffers: one check at a time.
  static std::mutex crack_mu;
  std::lock_guard lock(crack_mu);
  const std::string pw(password);
  if (const char* why = FascistCheck(pw.c_str(), GetDefaultCracklibDict()); why != nullptr) {
    return std::string("Ce mot de passe est trop courant ou trop facile à deviner (") + why + ").";
  }
  if (IsDictionaryWord(password)) {
    return "Ce mot de passe est un mot du dictionnaire à peine déguisé : trop facile à deviner.";
  }
  return std::nullopt;
}

std::string NewTotpSecret() {
  InitOnce();
  unsigned char raw[kTotpSecretBytes];
  randombytes_buf(raw, sizeof raw);
  char* out = nullptr;
  size_t len = 0;
  if (oath_base32_encode(reinterpret_cast<const char*>(raw), sizeof raw, &out, &len) != OATH_OK) {
    throw std::runtime_error("oath_base32_encode failed");
  }
  std::unique_ptr<char, FreeDeleter> holder(out);
  std::string s(out, len);
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string TotpUri(std::string_view account, const std::string& secret_base32) {
  std::string label;
  for (unsigned char c : account) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '@') {
      label += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      label += buf;
    }
  }
  return "otpauth://totp/Guichet:" + label + "?secret=" + secret_base32 +
         "&issuer=Guichet&algorithm=SHA1&digits=6&period=30";
}

std::optional<std::int64_t> TotpStep(const std::string& secret_base32, std::string_view code,
                                     Timestamp now) {
  InitOnce();
  if (code.size() != kTotpDigits) return std::nullopt;
  for (char c : code) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  auto secret = DecodeBase32(secret_base32);
  if (!secret) return std::nullopt;
  const time_t t = static_cast<time_t>(now / kMicrosPerSecond);
  int pos = 0;
  const std::string otp(code);
  const int rc =
      oath_totp_validate2(secret->data(), secret->size(), t, kTotpPeriod, 0, 1, &pos, otp.c_str());
  if (rc < 0) return std::nullopt;
  return TotpStepOf(now) + pos;
}

std::string TotpCode(const std::string& secret_base32, std::int64_t step) {
  InitOnce();
  auto secret = DecodeBase32(secret_base32);
  if (!secret) return {};
  char out[kTotpDigits + 1] = {};
  if (oath_totp_generate(secret->data(), secret->size(), static_cast<time_t>(step * kTotpPeriod),
                         kTotpPeriod, 0, kTotpDigits, out) != OATH_OK) {
    return {};
  }
  return out;
}

}  // namespace guichet::domain
