#include "channels/mail/message.hpp"

#include <gtest/gtest.h>

namespace guichet::channels::mail {
namespace {

std::string Crlf(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

TEST(ParseMail, ReadsHeadersAddressesAndPlainText) {
  auto m =
      ParseMail(Crlf("From: Jeanne Martin <Jeanne.Martin@Example.org>\n"
                     "To: Mairie <demarches+GU-2026-7KQ4MX@mairie.fr>, autre@x.fr\n"
                     "Subject: =?UTF-8?Q?M=C3=A9diath=C3=A8que?=\n"
                     "Message-ID: <abc@example.org>\n"
                     "In-Reply-To: <outbox-4.GU-2026-7KQ4MX@mairie.fr>\n"
                     "References: <a@x> <outbox-4.GU-2026-7KQ4MX@mairie.fr>\n"
                     "Content-Type: text/plain; charset=UTF-8\n\nBonjour à tous\n"));
  EXPECT_FALSE(m.malformed);
  EXPECT_EQ(m.from_address, "jeanne.martin@example.org");
  EXPECT_EQ(m.from_name, "Jeanne Martin");
  EXPECT_EQ(m.subject, "Médiathèque");
  EXPECT_EQ(m.message_id, "abc@example.org");
  EXPECT_EQ(m.in_reply_to, "outbox-4.GU-2026-7KQ4MX@mairie.fr");
  ASSERT_EQ(m.references.size(), 2u);
  EXPECT_EQ(m.references[1], "outbox-4.GU-2026-7KQ4MX@mairie.fr");
  ASSERT_EQ(m.recipients.size(), 2u);
  EXPECT_EQ(m.recipients[0], "demarches+gu-2026-7kq4mx@mairie.fr");
  EXPECT_EQ(m.text, "Bonjour à tous\n");
}

struct CharsetCase {
  const char* charset;
  const char* encoding;
  std::string body;
  const char* expected;
};

class Charsets : public ::testing::TestWithParam<CharsetCase> {};

TEST_P(Charsets, BecomeUtf8) {
  const auto& c = GetParam();
  auto m = ParseMail(std::string("From: a@b.fr\r\nContent-Type: text/plain; charset=") + c.charset +
                     "\r\nContent-Transfer-Encoding: " + c.encoding + "\r\n\r\n" + c.body);
  EXPECT_EQ(m.text, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    FrenchMail, Charsets,
    ::testing::Values(
        CharsetCase{"ISO-8859-1", "8bit", "d\xe9j\xe0 \xe9t\xe9", "déjà été"},
        CharsetCase{"ISO-8859-15", "8bit", "\xa4 \xbd", "€ œ"},
        CharsetCase{"windows-1252", "8bit", "\x93s\x9cur\x94 150 \x80", "“sœur” 150 €"},
        // Labelled Latin-1 but written by Windows: the superset is used.
        CharsetCase{"iso-8859-1", "8bit", "l\x92\xe9t\xe9", "l’été"},
        CharsetCase{"UTF-8", "quoted-printable", "=C3=A0 l=E2=80=99=C3=A9co=\r\nle", "à l’école"},
        CharsetCase{"UTF-8", "base64", "w6AgbOKAmcOpY29sZQ==", "à l’école"}));

TEST(ParseMail, HtmlOnlyBecomesReadableText) {
  auto m = ParseMail(
      "From: a@b.fr\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
      "<html><head><style>p{}</style></head><body><p>Bonjour,</p><p>Le lampadaire du "
      "<b>24 avenue</b> est éteint.</p><ul><li>Rue sombre</li><li>Passage piéton</li></ul>"
      "<a href=\"https://ex.org/p\">photo</a><script>x()</script></body></html>");
  EXPECT_TRUE(m.text_from_html);
  EXPECT_EQ(m.text,
            "Bonjour,\n\nLe lampadaire du 24 avenue est éteint.\n- Rue sombre\n- Passage "
            "piéton\nphoto (https://ex.org/p)");
}

TEST(ParseMail, NestedPartsGiveOneBodyAndEveryAttachment) {
  auto m =
      ParseMail(Crlf("From: a@b.fr\nContent-Type: multipart/mixed; boundary=M\n\n--M\n"
                     "Content-Type: multipart/related; boundary=R\n\n--R\n"
                     "Content-Type: multipart/alternative; boundary=A\n\n--A\n"
                     "Content-Type: text/plain; charset=UTF-8\n\nLe texte.\n--A\n"
                     "Content-Type: text/html\n\n<p>Le texte.</p>\n--A--\n--R\n"
                     "Content-Type: image/png\nContent-ID: <logo@x>\nContent-Disposition: inline\n"
                     "Content-Transfer-Encoding: base64\n\naGVsbG8=\n--R--\n--M\n"
                     "Content-Type: application/pdf; name=\"cerfa.pdf\"\n"
                     "Content-Disposition: attachment; filename=\"cerfa.pdf\"\n"
                     "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQ=\n--M--\n"));
  EXPECT_EQ(m.text, "Le texte.");
  ASSERT_EQ(m.attachments.size(), 2u);
  EXPECT_EQ(m.attachments[0].content_type, "image/png");
  EXPECT_TRUE(m.attachments[0].inline_part);
  EXPECT_EQ(m.attachments[0].content_id, "logo@x");
  EXPECT_EQ(m.attachments[0].bytes, "hello");
  EXPECT_EQ(m.attachments[1].filename, "cerfa.pdf");
  EXPECT_FALSE(m.attachments[1].inline_part);
  EXPECT_EQ(m.attachments[1].bytes, "%PDF-1.4");
}

TEST(ParseMail, DeliveryStatusNotificationNamesTheFailedRecipient) {
  auto m = ParseMail(
      Crlf("Return-Path: <>\nFrom: MAILER-DAEMON@mx.fr\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=D\n\n--D\n"
           "Content-Type: text/plain\n\nUndelivered.\n--D\n"
           "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.fr\n\n"
           "Final-Recipient: rfc822; Inconnu@Example.org\nAction: failed\nStatus: 5.1.1\n"
           "Diagnostic-Code: smtp; 550 User unknown\n\n--D\n"
           "Content-Type: text/rfc822-headers\n\nMessage-ID: <outbox-9.GU-2026-7KQ4MX@m.fr>\n\n"
           "--D--\n"));
  EXPECT_TRUE(m.is_dsn);
  EXPECT_TRUE(m.null_return_path);
  ASSERT_EQ(m.failures.size(), 1u);
  EXPECT_EQ(m.failures[0].recipient, "inconnu@example.org");
  EXPECT_EQ(m.failures[0].action, "failed");
  EXPECT_EQ(m.failures[0].status, "5.1.1");
  EXPECT_EQ(m.failures[0].diagnostic, "550 User unknown");
  ASSERT_EQ(m.original_message_ids.size(), 1u);
  EXPECT_EQ(m.original_message_ids[0], "outbox-9.GU-2026-7KQ4MX@m.fr");
}

TEST(ParseMail, LoopHeadersAreRead) {
  auto m = ParseMail(
      "From: a@b.fr\r\nAuto-Submitted: Auto-Replied\r\nPrecedence: Bulk\r\nList-Id: <l.x>\r\n\r\n"
      "absent");
  EXPECT_EQ(m.auto_submitted, "auto-replied");
  EXPECT_EQ(m.precedence, "bulk");
  EXPECT_TRUE(m.has_list_id);
  EXPECT_FALSE(m.null_return_path);
}

TEST(ParseMail, GarbageIsFlaggedNotThrown) {
  for (std::string raw : {std::string(), std::string("\xff\xfe\x00garbage", 10),
                          std::string("Content-Type: multipart/mixed\r\n\r\n--x\r\n"),
                          std::string("no headers at all, just text")}) {
    auto m = ParseMail(raw);
    EXPECT_TRUE(m.malformed) << raw;
    EXPECT_FALSE(m.problems.empty());
  }
}

TEST(DisplayText, CutsQuotesAndSignatureButNotTheMessage) {
  EXPECT_EQ(DisplayText("Merci.\n\nLe 3 mars 2026 à 10:20, Mairie <d@m.fr> a écrit :\n> Bonjour\n"),
            "Merci.");
  EXPECT_EQ(DisplayText("Merci.\nLe mar. 3 mars 2026 à 10:20, Mairie <d@m.fr>\na écrit :\n> x"),
            "Merci.");
  EXPECT_EQ(DisplayText("Oui.\n-- \nJeanne\n06 12"), "Oui.");
  EXPECT_EQ(DisplayText("> cité\nma réponse\n> cité"), "ma réponse");
  EXPECT_EQ(DisplayText("Voici.\n-----Message d'origine-----\nDe : x"), "Voici.");
  EXPECT_EQ(DisplayText("On Tue, Mar 3, 2026 Mairie wrote:\n> x"),
            "On Tue, Mar 3, 2026 Mairie wrote:\n> x");
  // Le nom de la ville n'est pas une citation.
  EXPECT_EQ(DisplayText("Le lampadaire est en panne."), "Le lampadaire est en panne.");
}

}  // namespace
}  // namespace guichet::channels::mail
