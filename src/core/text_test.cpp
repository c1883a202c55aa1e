#include "core/text.hpp"

#include <gtest/gtest.h>

namespace guichet {
namespace {

TEST(PercentDecode, DecodesEscapesAndAFormsPlus) {
  EXPECT_EQ(PercentDecode("a%20b%C3%A9+c", false), "a bé+c");
  EXPECT_EQ(PercentDecode("a%20b%c3%a9+c", true), "a bé c");
  EXPECT_EQ(PercentDecode("", true), "");
}

TEST(PercentDecode, RefusesTruncatedOrNonHexEscapesAndNul) {
  for (const char* s : {"%", "%2", "a%zz", "%g0", "%00", "a%00b"}) {
    EXPECT_EQ(PercentDecode(s, true), std::nullopt) << s;
  }
  EXPECT_EQ(PercentDecode("%01", true), std::string("\x01"));
}

}  // namespace
}  // namespace guichet
