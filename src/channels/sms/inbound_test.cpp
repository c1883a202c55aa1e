#include "channels/sms/inbound.hpp"

#include <gtest/gtest.h>

namespace guichet::channels::sms {
namespace {

constexpr const char* kSecret = "secret-partagé";

TEST(SmsSignature, AcceptsOnlyTheHmacOfTheBodyUnderTheSecret) {
  const std::string body = "From=%2B33612345678&To=MAIRIE&Body=Bonjour&MessageSid=SM1";
  const std::string sig = SignBody(body, kSecret);
  EXPECT_EQ(sig.substr(0, 7), "sha256=");
  EXPECT_EQ(sig.size(), 7u + 64u);
  EXPECT_TRUE(VerifySignature(body, sig, kSecret));
  EXPECT_FALSE(VerifySignature(body + "x", sig, kSecret));
  EXPECT_FALSE(VerifySignature(body, sig, "autre"));
  EXPECT_FALSE(VerifySignature(body, sig.substr(7), kSecret));
  EXPECT_FALSE(VerifySignature(body, sig.substr(0, sig.size() - 2), kSecret));
  EXPECT_FALSE(VerifySignature(body, "", kSecret));
  EXPECT_FALSE(VerifySignature(body, sig, ""));
}

TEST(ParseInboundSms, DecodesTheFormAndNormalisesTheSender) {
  auto sms = ParseInboundSms(
      "From=06+12+34+56+78&To=%2B33700000000&Body=Le+trou+est+toujours+l%C3%A0+%21&MessageSid="
      "SM_abc-1&Extra=ignored");
  ASSERT_TRUE(sms.ok()) << sms.error().message();
  EXPECT_EQ(sms->from, "+33612345678");
  EXPECT_EQ(sms->to, "+33700000000");
  EXPECT_EQ(sms->body, "Le trou est toujours là !");
  EXPECT_EQ(sms->message_sid, "SM_abc-1");
}

TEST(ParseInboundSms, ListsEveryBadField) {
  auto sms = ParseInboundSms("From=abc&Body=%FF&MessageSid=a%20b");
  ASSERT_FALSE(sms.ok());
  std::vector<std::string> fields;
  for (const auto& f : sms.error().fields()) fields.push_back(f.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"From", "To", "Body", "MessageSid"}));
}

TEST(ParseInboundSms, RefusesBrokenEscapesAndOversizedBodies) {
  EXPECT_FALSE(ParseInboundSms("From=%2").ok());
  EXPECT_FALSE(ParseInboundSms("From=%zz").ok());
  EXPECT_FALSE(ParseInboundSms("From=%2B33612345678&To=x&MessageSid=s&Body=a%00b").ok());
  EXPECT_FALSE(ParseInboundSms(std::string(kMaxInboundBody + 1, 'a')).ok());
  const std::string long_body =
      "From=%2B33612345678&To=x&MessageSid=s&Body=" + std::string(kMaxSmsText + 1, 'a');
  EXPECT_FALSE(ParseInboundSms(long_body).ok());
}

TEST(IsStopKeyword, RecognisesTheOptOutWords) {
  for (const char* yes : {"STOP", "stop", " Stop. ", "STOP SMS", "arret", "ARRÊT", "Arrêt"}) {
    EXPECT_TRUE(IsStopKeyword(yes)) << yes;
  }
  for (const char* no : {"", "STOPPER", "Merci, stop les travaux", "non"}) {
    EXPECT_FALSE(IsStopKeyword(no)) << no;
  }
}

}  // namespace
}  // namespace guichet::channels::sms
