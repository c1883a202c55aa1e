#include "channels/sms/gsm7.hpp"

#include <vector>

namespace guichet::channels::sms {
namespace {

// GSM 03.38 default alphabet, in table order (0x00–0x7F); 0x1B is the escape
// to the extension table and carries no character.
constexpr char32_t kBasic[128] = {
    U'@', U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç',  U'\n', U'Ø', U'ø', U'\r', U'Å',
    U'å', U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ', U'Σ',  U'Θ',  U'Ξ', 0,    U'Æ',  U'æ',
    U'ß', U'É', U' ', U'!', U'"', U'#', U'¤', U'%', U'&', U'\'', U'(',  U')', U'*', U'+',  U',',
    U'-', U'.', U'/', U'0', U'1', U'2', U'3', U'4', U'5', U'6',  U'7',  U'8', U'9', U':',  U';',
    U'<', U'=', U'>', U'?', U'¡', U'A', U'B', U'C', U'D', U'E',  U'F',  U'G', U'H', U'I',  U'J',
    U'K', U'L', U'M', U'N', U'O', U'P', U'Q', U'R', U'S', U'T',  U'U',  U'V', U'W', U'X',  U'Y',
    U'Z', U'Ä', U'Ö', U'Ñ', U'Ü', U'§', U'¿', U'a', U'b', U'c',  U'd',  U'e', U'f', U'g',  U'h',
    U'i', U'j', U'k', U'l', U'm', U'n', U'o', U'p', U'q', U'r',  U's',  U't', U'u', U'v',  U'w',
    U'x', U'y', U'z', U'ä', U'ö', U'ñ', U'ü', U'à'};

static_assert(kBasic[0x1B] == 0 && kBasic[0x41] == U'A' && kBasic[0x60] == U'¿' &&
              kBasic[0x7F] == U'à' && kBasic[0x24] == U'¤');

// The extension table: each costs the escape septet and its own.
constexpr char32_t kExtension[] = {U'\f', U'^', U'{', U'}', U'\\', U'[', U'~', U']', U'|', U'€'};

// Decodes UTF-8; an invalid sequence gives U+FFFD and moves one byte on.
std::vector<char32_t> CodePoints(std::string_view s) {
  std::vector<char32_t> out;
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t c = len == 1 ? b : b & (0xFF >> (len + 1));
    bool ok = true;
    for (int k = 1; k < len; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xC0) != 0x80) ok = false;
      c = (c << 6) | (cont & 0x3F);
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(c);
    i += len;
  }
  return out;
}

// Segments for items of the given sizes packed greedily, never splitting one.
int Segments(const std::vector<int>& sizes, int total, int single, int per_segment) {
  if (total == 0) return 0;
  if (total <= single) return 1;
  int segments = 1, used = 0;
  for (int n : sizes) {
    if (used + n > per_segment) {
      ++segments;
      used = 0;
    }
    used += n;
  }
  return segments;
}

}  // namespace

int GsmSeptets(char32_t c) {
  if (c == 0) return 0;
  for (char32_t b : kBasic) {
    if (b == c) return 1;
  }
  for (char32_t e : kExtension) {
    if (e == c) return 2;
  }
  return 0;
}

SmsLength MeasureSms(std::string_view utf8) {
  const auto cps = CodePoints(utf8);
  std::vector<int> septets;
  septets.reserve(cps.size());
  int total = 0;
  bool gsm = true;
  for (char32_t c : cps) {
    const int n = GsmSeptets(c);
    if (n == 0) {
      gsm = false;
      break;
    }
    septets.push_back(n);
    total += n;
  }
  if (gsm) return {SmsEncoding::kGsm7, total, Segments(septets, total, 160, 153)};
  std::vector<int> units;
  units.reserve(cps.size());
  total = 0;
  for (char32_t c : cps) {
    const int n = c > 0xFFFF ? 2 : 1;
    units.push_back(n);
    total += n;
  }
  return {SmsEncoding::kUcs2, total, Segments(units, total, 70, 67)};
}

}  // namespace guichet::channels::sms
