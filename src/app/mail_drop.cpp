#include "app/mail_drop.hpp"

#include <sodium.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/digest.hpp"
#include "core/time.hpp"

namespace guichet::app {
namespace {

// RFC 2047: a non-ASCII header value as one UTF-8 base64 encoded-word.
std::string EncodedWord(const std::string& s) {
  bool ascii = true;
  for (unsigned char c : s) ascii = ascii && c >= 0x20 && c < 0x7f;
  if (ascii) return s;
  std::string b64(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(s.data()),
                    s.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return "=?UTF-8?B?" + b64 + "?=";
}

// Header injection: an address or subject never carries a line break.
bool HasBreak(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

}  // namespace

MailDrop::MailDrop(std::string dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
}

Status MailDrop::Send(const std::string& to, const std::string& subject, const std::string& text) {
  if (HasBreak(to) || HasBreak(subject)) return Error::Invalid("En-tête de message invalide.");
  const auto now = std::chrono::system_clock::now();
  const Timestamp ts =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::string id = RandomToken(12);
  const std::string name = std::to_string(ts) + "-" + std::to_string(seq_++) + "-" + id;
  // Written under a temporary name then renamed: a reader never sees half a message.
  const std::string tmp = dir_ + "/." + name + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << "From: Guichet <ne-pas-repondre@guichet.invalid>\r\n"
        << "To: " << to << "\r\n"
        << "Subject: " << EncodedWord(subject) << "\r\n"
        << "Date: " << FormatIso8601(ts) << "\r\n"
        << "Message-ID: <" << id << "@guichet.invalid>\r\n"
        << "MIME-Version: 1.0\r\n"
        << "Content-Type: text/plain; charset=utf-8\r\n"
        << "Content-Transfer-Encoding: 8bit\r\n\r\n";
    for (char c : text) {
      if (c == '\n') out << '\r';
      out << c;
    }
    if (!out) return Error::Unavailable("écriture du message impossible : " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, dir_ + "/" + name + ".eml", ec);
  if (ec) return Error::Unavailable("dépôt du message impossible : " + ec.message());
  return Status::Ok();
}

}  // namespace guichet::app
