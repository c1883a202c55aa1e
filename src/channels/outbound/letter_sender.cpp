#include "channels/outbound/letter_sender.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>

namespace guichet::channels::outbound {
namespace {

size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string Trim(std::string s) {
  const char* blank = " \t\r,.;";
  s.erase(0, s.find_first_not_of(blank));
  const auto end = s.find_last_not_of(blank);
  s.erase(end == std::string::npos ? 0 : end + 1);
  return s;
}

// Upper-cases ASCII letters and the accented lower-case letters of French.
std::string Capitals(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b == 0xC3 && i + 1 < s.size()) {
      const auto n = static_cast<unsigned char>(s[i + 1]);
      out += s[i];
      out += static_cast<char>(n >= 0xA0 && n <= 0xBE && n != 0xB7 ? n - 0x20 : n);
      ++i;
    } else {
      out += static_cast<char>(std::toupper(b));
    }
  }
  return out;
}

// Wraps `line` at spaces into pieces of at most kAddressLineLength code points.
bool Wrap(const std::string& line, std::vector<std::string>& out) {
  std::string current;
  size_t start = 0;
  while (start <= line.size()) {
    auto sp = line.find(' ', start);
    if (sp == std::string::npos) sp = line.size();
    const std::string word = line.substr(start, sp - start);
    if (CodePoints(word) > kAddressLineLength) return false;
    if (!word.empty()) {
      const std::string joined = current.empty() ? word : current + " " + word;
      if (CodePoints(joined) > kAddressLineLength) {
        out.push_back(current);
        current = word;
      } else {
        current = joined;
      }
    }
    start = sp + 1;
  }
  if (!current.empty()) out.push_back(current);
  return true;
}

}  // namespace

std::optional<std::vector<std::string>> AddressBlock(const std::string& name,
                                                     const std::string& address) {
  std::vector<std::string> parts;
  parts.push_back(Trim(name));
  std::string piece;
  for (char c : address + "\n") {
    if (c == ',' || c == '\n') {
      if (!Trim(piece).empty()) parts.push_back(Trim(piece));
      piece.clear();
    } else {
      piece += c;
    }
  }
  if (parts.size() < 2 || parts.front().empty()) return std::nullopt;
  parts.back() = Capitals(parts.back());
  std::vector<std::string> lines;
  for (const auto& p : parts) {
    if (!Wrap(p, lines)) return std::nullopt;
  }
  if (lines.size() > kAddressLines) return std::nullopt;
  return lines;
}

domain::Delivery LetterSender::Send(const domain::OutboxMessage& m,
                                    const domain::Request* request) {
  if (!request || !request->location) {
    return domain::Delivery::Permanent("pas d’adresse postale pour ce courrier");
  }
  auto block = AddressBlock(m.recipient, request->location->address);
  if (!block) return domain::Delivery::Permanent("adresse postale hors norme (6 × 38 caractères)");
  std::error_code ec;
  std::filesystem::create_directories(options_.spool_dir, ec);
  const std::string name = "courrier-" + std::to_string(m.id) + ".txt";
  const auto final_path = std::filesystem::path(options_.spool_dir) / name;
  const auto tmp_path = std::filesystem::path(options_.spool_dir) / ("." + name + ".tmp");
  {
    std::ofstream out(tmp_path, std::ios::binary | std::ios::trunc);
    out << options_.letterhead << "\n\n";
    for (const auto& line : *block) out << std::string(40, ' ') << line << "\n";
    out << "\nRéférence : " << request->reference << "\nObjet : " << m.subject << "\n\n"
        << m.body << "\n";
    out.flush();
    if (!out) return domain::Delivery::Transient("écriture du courrier impossible");
  }
  // The print room sees a letter whole or not at all.
  std::filesystem::rename(tmp_path, final_path, ec);
  if (ec) return domain::Delivery::Transient("écriture du courrier impossible : " + ec.message());
  return domain::Delivery::Sent(name);
}

}  // namespace guichet::channels::outbound
