#include "channels/mail/intake.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/memory_store.hpp"

namespace guichet::channels::mail {
namespace {

using domain::EventKind;
using nlohmann::json;

constexpr Timestamp kNoon = 1'764'331'200LL * kMicrosPerSecond;  // 2025-11-28T12:00:00Z

class FixedSniffer final : public domain::ContentSniffer {
 public:
  std::string MimeType(std::string_view bytes) override {
    return bytes.rfind("%PDF", 0) == 0 ? "application/pdf" : "application/octet-stream";
  }
};

std::string Mail(const std::string& from, const std::string& headers, const std::string& body) {
  return "From: " + from + "\r\nTo: demarches@mairie.fr\r\n" + headers +
         "Content-Type: text/plain; charset=UTF-8\r\n\r\n" + body;
}

class IntakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_
                    .WriteSync([](domain::WriteTx& tx) -> Status {
                      GUICHET_TRY(domain::SeedGeneralContact(tx));
                      domain::Citizen c;
                      c.name = "Jeanne";
                      c.email = "Jeanne@Example.org";
                      return tx.InsertCitizen(c).ok() ? Status::Ok() : Error::Internal("citizen");
                    })
                    .ok());
    ASSERT_TRUE(cases_.LoadCatalogue().ok());
    IntakeOptions o;
    o.own_addresses = {"demarches@mairie.fr"};
    o.ack_limit = 2;
    intake_ = std::make_unique<MailIntake>(cases_, store_, sniffer_, clock_, o);
  }

  IntakeResult Ingest(const std::string& raw) {
    auto r = intake_->IngestSync(raw);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().cause());
    return r.ok() ? *r : IntakeResult{};
  }
  std::vector<domain::Event> Timeline(const std::string& reference) {
    auto r = store_.GetRequestByReference(reference);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *store_.ListEvents(r->id) : std::vector<domain::Event>{};
  }
  int Pending(const std::vector<domain::Event>& events) {
    int n = 0;
    for (const auto& e : events) {
      if (e.kind == EventKind::kMessageOut && json::parse(e.data_json)["delivery"] == "pending")
        ++n;
    }
    return n;
  }

  domain::MemoryStore store_;
  ManualClock clock_{kNoon};
  domain::CaseService cases_{store_, clock_};
  FixedSniffer sniffer_;
  std::unique_ptr<MailIntake> intake_;
};

TEST_F(IntakeTest, NewMailBecomesARequestWithAnAcknowledgement) {
  auto r = Ingest(Mail("Jeanne <jeanne@example.org>", "Subject: Horaires\r\nMessage-ID: <m1@x>\r\n",
                       "Quels horaires ?\r\n-- \r\nJeanne\r\n"));
  EXPECT_EQ(r.disposition, "request");
  EXPECT_TRUE(r.acknowledged);
  ASSERT_TRUE(r.reference);
  auto req = store_.GetRequestByReference(*r.reference);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->channel, domain::Channel::kEmail);
  EXPECT_EQ(req->title, "Horaires");
  EXPECT_EQ(req->citizen_id, 1);  // matched without case
  auto events = Timeline(*r.reference);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0].kind, EventKind::kMessageIn);
  EXPECT_EQ(events[0].body, "Quels horaires ?");
  auto data = json::parse(events[0].data_json);
  EXPECT_EQ(data["from"], "jeanne@example.org");
  EXPECT_EQ(data["full_text"], "Quels horaires ?\n-- \nJeanne\n");
  EXPECT_TRUE(store_.GetUpload(data["raw"]).ok());
  EXPECT_EQ(Pending(events), 1);
  const auto& ack = events.back();
  EXPECT_NE(ack.body.find(*r.reference), std::string::npos);
  EXPECT_EQ(json::parse(ack.data_json)["to"], "jeanne@example.org");
  EXPECT_EQ(json::parse(ack.data_json)["in_reply_to"], "m1@x");
}

TEST_F(IntakeTest, SameBytesTwiceAreStoredOnce) {
  const auto raw = Mail("a@example.org", "Subject: Bis\r\n", "Deux fois");
  auto first = Ingest(raw);
  auto second = Ingest(raw);
  EXPECT_FALSE(first.duplicate);
  EXPECT_TRUE(second.duplicate);
  EXPECT_EQ(first.reference, second.reference);
  EXPECT_EQ(*store_.CountRequests(), 1);
}

TEST_F(IntakeTest, RepliesThreadByPlusAddressInReplyToOrSubject) {
  auto first = Ingest(Mail("a@example.org", "Subject: Trou\r\n", "Un trou"));
  const std::string ref = *first.reference;
  std::string lower = ref;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string replies[] = {
      "From: a@example.org\r\nTo: demarches+" + lower + "@mairie.fr\r\n\r\nplus",
      Mail("a@example.org", "In-Reply-To: <outbox-7." + ref + "@mairie.fr>\r\n", "irt"),
      Mail("b@example.org", "References: <x@y> <outbox-8." + ref + "@mairie.fr>\r\n", "refs"),
      Mail("a@example.org", "Subject: Re: votre demande " + lower + "\r\n", "sujet"),
  };
  for (const auto& raw : replies) {
    auto r = Ingest(raw);
    EXPECT_EQ(r.disposition, "reply") << raw;
    EXPECT_EQ(r.reference, ref);
    EXPECT_FALSE(r.acknowledged);
  }
  EXPECT_EQ(*store_.CountRequests(), 1);
  EXPECT_EQ(Pending(Timeline(ref)), 1);  // the first acknowledgement only
}

TEST_F(IntakeTest, AutomaticMailIsNeverAnswered) {
  const std::string cases[] = {
      Mail("a@example.org", "Auto-Submitted: auto-replied\r\n", "absent"),
      Mail("b@example.org", "Precedence: bulk\r\n", "lettre"),
      Mail("c@example.org", "Precedence: junk\r\n", "pub"),
      Mail("d@example.org", "List-Id: <liste.example.org>\r\n", "liste"),
      "Return-Path: <>\r\n" + Mail("e@example.org", "", "sans retour"),
  };
  for (const auto& raw : cases) {
    auto r = Ingest(raw);
    EXPECT_EQ(r.disposition, "request") << raw;
    EXPECT_FALSE(r.acknowledged) << raw;
    EXPECT_EQ(Pending(Timeline(*r.reference)), 0) << raw;
  }
  // "Auto-Submitted: no" is a person.
  EXPECT_TRUE(Ingest(Mail("f@example.org", "Auto-Submitted: no\r\n", "moi")).acknowledged);
}

TEST_F(IntakeTest, OurOwnAddressIsIgnoredUnlessItThreads) {
  auto r = Ingest(Mail("Demarches+x@Mairie.fr", "Subject: boucle\r\n", "écho"));
  EXPECT_EQ(r.disposition, "ignored");
  EXPECT_EQ(*store_.CountRequests(), 0);
}

TEST_F(IntakeTest, AcknowledgementsAreRateLimitedPerSender) {
  std::vector<bool> acks;
  for (int i = 0; i < 4; ++i) {
    acks.push_back(Ingest(Mail("flood@example.org", "", "n°" + std::to_string(i))).acknowledged);
  }
  EXPECT_EQ(acks, (std::vector<bool>{true, true, false, false}));
  EXPECT_TRUE(Ingest(Mail("other@example.org", "", "autre")).acknowledged);
  clock_.Advance(61LL * 60 * kMicrosPerSecond);
  EXPECT_TRUE(Ingest(Mail("flood@example.org", "", "plus tard")).acknowledged);
}

TEST_F(IntakeTest, BouncesMarkTheAddressFailingAndThreadWhenTheyCan) {
  auto first = Ingest(Mail("inconnu@example.org", "", "Bonjour"));
  const std::string dsn =
      "Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.fr\r\nTo: demarches@mairie.fr\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=D\r\n\r\n"
      "--D\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
      "Final-Recipient: rfc822; inconnu@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
      "--D\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <outbox-1." +
      *first.reference + "@mairie.fr>\r\n\r\n--D--\r\n";
  auto r = Ingest(dsn);
  EXPECT_EQ(r.disposition, "bounce");
  EXPECT_EQ(r.reference, first.reference);
  EXPECT_FALSE(r.acknowledged);
  std::optional<domain::FailingAddress> failing;
  ASSERT_TRUE(store_
                  .WriteSync([&](domain::WriteTx& tx) {
                    failing = tx.FindFailingAddress("inconnu@example.org");
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(failing);
  EXPECT_EQ(failing->reason, "5.1.1");
  // A bounce that threads nowhere is kept all the same.
  std::string lost = dsn;
  lost.replace(lost.find(*first.reference), first.reference->size(), "GU-2026-BBBBBB");
  EXPECT_EQ(Ingest(lost).disposition, "bounce");
  EXPECT_EQ(*store_.CountRequests(), 1);
}

TEST_F(IntakeTest, MalformedMailIsKeptAndFlagged) {
  auto r = Ingest(std::string("\xff\xfe\x00garbage without headers", 26));
  EXPECT_EQ(r.disposition, "request");
  EXPECT_FALSE(r.acknowledged);
  EXPECT_NE(std::find(r.flags.begin(), r.flags.end(), "malformed"), r.flags.end());
  auto events = Timeline(*r.reference);
  auto data = json::parse(events[0].data_json);
  EXPECT_FALSE(data["problems"].empty());
  auto raw = store_.GetUploadBytes(data["raw"]);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->size(), 26u);
}

TEST_F(IntakeTest, AttachmentsAreStoredTypedAndListed) {
  auto r = Ingest(
      "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=M\r\n\r\n--M\r\n"
      "Content-Type: text/plain\r\n\r\nCi-joint.\r\n--M\r\nContent-Type: "
      "application/octet-stream\r\n"
      "Content-Disposition: attachment; filename=\"../cerfa.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--M--\r\n");
  auto events = Timeline(*r.reference);
  auto data = json::parse(events[0].data_json);
  ASSERT_EQ(data["attachments"].size(), 1u);
  EXPECT_EQ(data["attachments"][0]["content_type"], "application/pdf");
  EXPECT_EQ(data["attachments"][0]["filename"], ".._cerfa.pdf");
  auto upload = store_.GetUpload(data["attachments"][0]["upload"]);
  ASSERT_TRUE(upload.ok());
  EXPECT_EQ(upload->size, 8);
  EXPECT_TRUE(upload->request_id);
  EXPECT_TRUE(std::any_of(events.begin(), events.end(),
                          [](const auto& e) { return e.kind == EventKind::kAttachment; }));
}

TEST(ReferencesIn, FindsReferencesInIdsSubjectsAndPlusDetails) {
  EXPECT_EQ(ReferencesIn("outbox-12.GU-2026-7KQ4MX@mairie.fr"),
            std::vector<std::string>{"GU-2026-7KQ4MX"});
  EXPECT_EQ(ReferencesIn("Re: demande gu-2026-7kq4mx, merci"),
            std::vector<std::string>{"GU-2026-7KQ4MX"});
  EXPECT_TRUE(ReferencesIn("outbox-12@mairie.fr GU-2026").empty());
}

}  // namespace
}  // namespace guichet::channels::mail
