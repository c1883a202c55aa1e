#include <gtest/gtest.h>

#include "channels/outbound/letter_sender.hpp"
#include "channels/outbound/smtp_sender.hpp"

namespace guichet::channels::outbound {
namespace {

TEST(AddressBlock, FollowsThePostalNorm) {
  auto block = AddressBlock("Jeanne Dupont", "12 rue de la République, 69002 Lyon");
  ASSERT_TRUE(block.ok()) << block.error().message();
  EXPECT_EQ(*block,
            (std::vector<std::string>{"Jeanne Dupont", "12 rue de la République", "69002 LYON"}));
}

TEST(AddressBlock, WritesTheTownLineInCapitalsWithoutAccentsOrPunctuation) {
  auto block = AddressBlock("M. Léon Martin", "3, place de l’Hôtel-de-Ville\n42000 Saint-Étienne.");
  ASSERT_TRUE(block.ok()) << block.error().message();
  EXPECT_EQ(*block, (std::vector<std::string>{"M. Léon Martin", "3 place de l’Hôtel-de-Ville",
                                              "42000 SAINT ETIENNE"}));
}

TEST(AddressBlock, KeepsCedexAndComplementLines) {
  auto block = AddressBlock("Service des eaux",
                            "Bâtiment B, BP 12, 1 avenue Jean Jaurès, 75700 Paris Cedex 07");
  ASSERT_TRUE(block.ok()) << block.error().message();
  EXPECT_EQ(block->size(), 5u);
  EXPECT_EQ(block->back(), "75700 PARIS CEDEX 07");
}

TEST(AddressBlock, WrapsLongLinesAtWords) {
  auto block = AddressBlock("Jeanne Dupont",
                            "Résidence des Tilleuls bâtiment B escalier 4 appartement 12, "
                            "12 rue de la République, 69002 Lyon");
  ASSERT_TRUE(block.ok()) << block.error().message();
  EXPECT_LE(block->size(), kAddressLines);
  for (const auto& line : *block) {
    size_t n = 0;
    for (char c : line) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    EXPECT_LE(n, kAddressLineLength) << line;
  }
  EXPECT_EQ(block->back(), "69002 LYON");
}

TEST(AddressBlock, RefusesWhatCannotFitWithAReason) {
  const struct {
    std::string name, address, reason;
  } cases[] = {
      {"Jeanne Dupont", "", "voie"},
      {"", "1 rue A, 69002 Lyon", "nom"},
      {"Jeanne", "1 rue A, Lyon", "code postal"},                          // no postcode
      {"Jeanne", "a, b, c, d, e, f, 69002 Lyon", "6 lignes"},              // 8 lines
      {"Jeanne", std::string(39, 'x') + ", 69002 Lyon", "38 caractères"},  // one long word
  };
  for (const auto& c : cases) {
    auto block = AddressBlock(c.name, c.address);
    ASSERT_FALSE(block.ok()) << c.address;
    EXPECT_NE(block.error().message().find(c.reason), std::string::npos) << block.error().message();
  }
}

TEST(BuildEmail, WritesUtf8HeadersAStableMessageIdAndThePlusAddress) {
  domain::OutboxMessage m;
  m.id = 42;
  m.created_at = 1'780'000'000'000'000;
  m.recipient = "jeanne@example.org";
  m.subject = "Votre demande a été reçue";
  m.body = "Bonjour,\nVotre demande est enregistrée.\nÀ bientôt.";
  domain::Request r;
  r.reference = "GU-2026-7KQ4MX";
  SmtpOptions o;
  o.from = "mairie@ville.example";
  o.from_name = "Mairie de Saint-Étienne";
  o.reply_local = "demarches";
  o.reply_domain = "ville.example";
  const std::string text = BuildEmail(m, &r, o);
  EXPECT_NE(text.find("Message-Id: <outbox-42.GU-2026-7KQ4MX@ville.example>"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("In-Reply-To"), std::string::npos);
  EXPECT_NE(text.find("demarches+GU-2026-7KQ4MX@ville.example"), std::string::npos);
  const auto subject = text.substr(text.find("Subject: "), 80);
  EXPECT_NE(subject.find("=?UTF-8?"), std::string::npos) << subject;           // RFC 2047
  for (char c : text) ASSERT_LT(static_cast<unsigned char>(c), 0x80) << text;  // 7-bit on the wire
  EXPECT_NE(text.find("charset=utf-8"), std::string::npos);
  EXPECT_NE(text.find("=C3=80 bient=C3=B4t."), std::string::npos);
  EXPECT_NE(text.find("Content-Transfer-Encoding: quoted-printable"), std::string::npos);
  EXPECT_NE(text.find("Auto-Submitted: auto-generated"), std::string::npos);
  EXPECT_NE(text.find("\r\n\r\n"), std::string::npos);
  // The same row gives the same Message-ID at every attempt.
  EXPECT_EQ(BuildEmail(m, &r, o).find("Message-Id"), text.find("Message-Id"));
}

TEST(BuildEmail, AnswersTheInboundMailItAcknowledges) {
  domain::OutboxMessage m;
  m.id = 3;
  m.recipient = "jeanne@example.org";
  m.body = "Bien reçu.";
  m.in_reply_to = "m1@citoyen.example";
  domain::Request r;
  r.reference = "GU-2026-7KQ4MX";
  const std::string text = BuildEmail(m, &r, SmtpOptions{});
  EXPECT_NE(text.find("In-Reply-To: <m1@citoyen.example>"), std::string::npos) << text;
  EXPECT_NE(text.find("References: <m1@citoyen.example>"), std::string::npos) << text;
}

}  // namespace
}  // namespace guichet::channels::outbound
