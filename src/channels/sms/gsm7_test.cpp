#include "channels/sms/gsm7.hpp"

#include <gtest/gtest.h>

#include <string>

namespace guichet::channels::sms {
namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

struct Case {
  const char* name;
  std::string text;
  SmsEncoding encoding;
  int units;
  int segments;
};

TEST(MeasureSms, CountsEncodingUnitsAndSegments) {
  const Case cases[] = {
      {"empty", "", SmsEncoding::kGsm7, 0, 0},
      {"plain", "Bonjour", SmsEncoding::kGsm7, 7, 1},
      {"accents of the default alphabet", "é è à ù ì ò É Ç", SmsEncoding::kGsm7, 15, 1},
      {"e circumflex is not GSM-7", "Fête", SmsEncoding::kUcs2, 4, 1},
      {"small c cedilla is not GSM-7", "reçu", SmsEncoding::kUcs2, 4, 1},
      {"capital C cedilla is GSM-7", "ÇA", SmsEncoding::kGsm7, 2, 1},
      {"typographic apostrophe is not GSM-7", "l’état", SmsEncoding::kUcs2, 6, 1},
      {"euro takes two septets", "5 €", SmsEncoding::kGsm7, 4, 1},
      {"extension table", "[{~}]|^\\", SmsEncoding::kGsm7, 16, 1},
      {"160 septets fit one SMS", Repeat("a", 160), SmsEncoding::kGsm7, 160, 1},
      {"161 septets need two", Repeat("a", 161), SmsEncoding::kGsm7, 161, 2},
      {"306 septets fit two", Repeat("a", 306), SmsEncoding::kGsm7, 306, 2},
      {"307 septets need three", Repeat("a", 307), SmsEncoding::kGsm7, 307, 3},
      {"an escape pair is not split", Repeat("a", 152) + "€" + Repeat("a", 152), SmsEncoding::kGsm7,
       306, 3},
      {"70 UCS-2 units fit one SMS", Repeat("ê", 70), SmsEncoding::kUcs2, 70, 1},
      {"71 UCS-2 units need two", Repeat("ê", 71), SmsEncoding::kUcs2, 71, 2},
      {"134 UCS-2 units fit two", Repeat("ê", 134), SmsEncoding::kUcs2, 134, 2},
      {"135 UCS-2 units need three", Repeat("ê", 135), SmsEncoding::kUcs2, 135, 3},
      {"emoji is a surrogate pair", "ok 😀", SmsEncoding::kUcs2, 5, 1},
      {"a surrogate pair is not split", Repeat("ê", 66) + "😀" + Repeat("ê", 66), SmsEncoding::kUcs2,
       134, 3},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto m = MeasureSms(c.text);
    EXPECT_EQ(m.encoding, c.encoding);
    EXPECT_EQ(m.units, c.units);
    EXPECT_EQ(m.segments, c.segments);
  }
}

TEST(GsmSeptets, FollowsTheGsm0338Tables) {
  EXPECT_EQ(GsmSeptets(U'@'), 1);
  EXPECT_EQ(GsmSeptets(U'¤'), 1);
  EXPECT_EQ(GsmSeptets(U'€'), 2);
  EXPECT_EQ(GsmSeptets(U'\f'), 2);
  EXPECT_EQ(GsmSeptets(U'ç'), 0);
  EXPECT_EQ(GsmSeptets(U'â'), 0);
  EXPECT_EQ(GsmSeptets(U'œ'), 0);
  EXPECT_EQ(GsmSeptets(U'`'), 0);  // not in the default alphabet
}

}  // namespace
}  // namespace guichet::channels::sms
