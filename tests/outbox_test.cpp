// End-to-end tests of the outbox and the SMS channel: the real binary on
// SQLite and PostgreSQL, a real SMTP server (aiosmtpd) and an SMS gateway
// server on loopback, started and stopped by the fixture.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "channels/mail/message.hpp"
#include "channels/sms/inbound.hpp"
#include "outbox_servers.hpp"
#include "support/test_support.hpp"

namespace guichet::testing {
namespace {

using nlohmann::json;

constexpr const char* kSecret = "secret-de-la-passerelle";

class OutboxE2eTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    smtp_ = std::make_unique<ScriptServer>("smtp_server.py", db_->dir() + "/smtp");
    // The gateway sends delivery receipts, signed with the webhook's secret.
    gateway_ = std::make_unique<ScriptServer>("sms_gateway.py", db_->dir() + "/sms", kSecret);
    server_ = std::make_unique<ServerProcess>(
        db_->url(),
        std::map<std::string, std::string>{
            {"GUICHET_SMTP_URL", "smtp://127.0.0.1:" + std::to_string(smtp_->port())},
            {"GUICHET_MAIL_REPLY_DOMAIN", "ville.example"},
            {"GUICHET_SMS_GATEWAY_URL",
             "http://127.0.0.1:" + std::to_string(gateway_->port()) + "/messages"},
            {"GUICHET_SMS_SECRET", kSecret},
            {"GUICHET_SMS_STATUS_CALLBACK", "http://127.0.0.1:{port}/api/v1/channels/sms/status"},
            {"GUICHET_OUTBOX_INTERVAL_MS", "50"},
            {"GUICHET_OUTBOX_BACKOFF_MS", "50"},
            {"GUICHET_POSTAL_SPOOL", db_->dir() + "/courrier"}});
    server_->Start();
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->Stop(SIGTERM), 0);
    }
    server_.reset();
    smtp_.reset();
    gateway_.reset();
    db_.reset();
  }

  unsigned short port() const { return server_->port(); }

  std::string NewRequest(const json& contact) {
    auto res = HttpJson(port(), "POST", "/api/v1/requests",
                        {{"service", "question-generale"},
                         {"description", "Les horaires de la mairie annexe ?"},
                         {"channel", "api"},
                         {"contact", contact}});
    EXPECT_EQ(res.status, 201) << res.body;
    return res.Json()["reference"];
  }

  // A new request whose acknowledgement (the procedure notifies on entry)
  // has been delivered, so what follows happens in a known order.
  std::string SettledRequest(const json& contact, const std::string& state = "sent") {
    const std::string ref = NewRequest(contact);
    EXPECT_TRUE(WaitOutbox(ref, state));
    return ref;
  }

  // The SMS the gateway received with this text (waits for it).
  json SmsWithBody(const std::string& body) {
    for (int i = 0; i < 300; ++i) {
      for (const auto& m : gateway_->Messages()) {
        const json sms = json::parse(m);
        if (sms["Body"] == body) return sms;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return nullptr;
  }

  // The steps after the last message_out of the timeline, without the
  // gateway's receipts (they arrive when they arrive).
  std::vector<std::string> StepsAfterLastMessageOut(const std::string& ref) {
    auto steps = Steps(ref);
    std::erase_if(steps,
                  [](const std::string& s) { return s.rfind("delivery:delivered:", 0) == 0; });
    auto it = std::find(steps.rbegin(), steps.rend(), "message_out");
    if (it == steps.rend()) return {};
    return std::vector<std::string>(it.base(), steps.end());
  }

  void Reply(const std::string& ref, const std::string& channel, const std::string& body) {
    auto res = HttpJson(port(), "POST", "/api/v1/requests/" + ref + "/events",
                        {{"kind", "message_out"}, {"channel", channel}, {"body", body}});
    ASSERT_EQ(res.status, 201) << res.body;
  }

  HttpResponse PostSms(const std::string& form, const std::string& signature) {
    return Http(port(), "POST", "/api/v1/channels/sms/inbound", form,
                {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"X-Guichet-Signature", signature}});
  }
  HttpResponse PostSms(const std::string& form) {
    return PostSms(form, channels::sms::SignBody(form, kSecret));
  }

  json Outbox(const std::string& query) {
    // A request written by another process (guichet mailgate) reaches the
    // server's SQLite read snapshot within its 50 ms age limit: retry briefly.
    auto res = Http(port(), "GET", "/api/v1/outbox" + query);
    for (int i = 0; i < 40 && res.status == 400; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      res = Http(port(), "GET", "/api/v1/outbox" + query);
    }
    EXPECT_EQ(res.status, 200) << res.body;
    return res.Json()["items"];
  }

  // Waits until every row of the request's outbox is in `state`.
  bool WaitOutbox(const std::string& ref, const std::string& state, size_t rows = 1) {
    for (int i = 0; i < 300; ++i) {
      const json items = Outbox("?request=" + ref);
      size_t n = 0;
      for (const auto& m : items) n += m["state"] == state;
      if (n >= rows && n == items.size()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  json Timeline(const std::string& ref) {
    auto res = Http(port(), "GET", "/api/v1/requests/" + ref + "/events");
    EXPECT_EQ(res.status, 200) << res.body;
    return res.Json()["items"];
  }

  // The kind (and delivery status) of each event, in timeline order.
  std::vector<std::string> Steps(const std::string& ref) {
    std::vector<std::string> out;
    const json events = Timeline(ref);
    for (const auto& e : events) {
      std::string step = e["kind"];
      if (e["kind"] == "delivery") {
        step +=
            ":" + e["data"]["status"].get<std::string>() + ":" + e["channel"].get<std::string>();
      }
      out.push_back(step);
    }
    return out;
  }

  // Waits until the newest message_out of the timeline has `status` (its
  // delivery_status); returns that event.
  json WaitDeliveryStatus(const std::string& ref, const std::string& status) {
    json last;
    for (int i = 0; i < 300; ++i) {
      for (const auto& e : Timeline(ref)) {
        if (e["kind"] == "message_out") last = e;
      }
      if (last.is_object() && last["delivery_status"] == status) return last;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return last;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ScriptServer> smtp_;
  std::unique_ptr<ScriptServer> gateway_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(OutboxE2eTest, AnEmailReplyReachesTheSmtpServerOnceWithItsThreadingHeaders) {
  // The procedure acknowledges the request by email; then the agent replies.
  const std::string ref =
      SettledRequest({{"name", "Jeanne Dupont"}, {"email", "jeanne@example.org"}});
  ASSERT_EQ(smtp_->Count(), 1u);
  EXPECT_NE(smtp_->Messages()[0].find(ref), std::string::npos);  // the acknowledgement
  Reply(ref, "email", "Bonjour Jeanne,\nla mairie annexe ouvre le samedi à 9 h.\nÀ bientôt.");
  ASSERT_TRUE(smtp_->WaitFor(2));
  ASSERT_TRUE(WaitOutbox(ref, "sent", 2));
  const auto mails = smtp_->Messages();
  ASSERT_EQ(mails.size(), 2u);
  const std::string& mail = mails[1];
  EXPECT_EQ(HeaderOf(mail, "X-Envelope-To"), "jeanne@example.org");
  EXPECT_EQ(HeaderOf(mail, "Message-Id").rfind("<outbox-", 0), 0u) << mail;
  EXPECT_NE(HeaderOf(mail, "Message-Id"), HeaderOf(mails[0], "Message-Id"));
  EXPECT_NE(mail.find("demarches+" + ref + "@ville.example"), std::string::npos) << mail;
  EXPECT_NE(mail.find("charset=utf-8"), std::string::npos);
  EXPECT_NE(mail.find("=C3=A0 9 h."), std::string::npos) << mail;  // "à 9 h." in QP

  const json sent = Outbox("?request=" + ref).at(0);  // newest first: the reply
  EXPECT_EQ(sent["channel"], "email");
  EXPECT_EQ(sent["attempts"], 1);
  EXPECT_EQ("<" + sent["provider_id"].get<std::string>() + ">", HeaderOf(mail, "Message-Id"));
  EXPECT_EQ(StepsAfterLastMessageOut(ref), (std::vector<std::string>{"delivery:sent:email"}));
  // Delivered once: nothing more arrives.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(smtp_->Count(), 2u);
}

TEST_P(OutboxE2eTest, AHardBounceFallsBackToSmsAndTheTimelineSaysSo) {
  const std::string ref = SettledRequest(
      {{"name", "Paul"}, {"email", "rebond@example.org"}, {"phone", "06 12 34 56 78"}});
  Reply(ref, "email", "Votre dossier est complet.");
  const json sms = SmsWithBody("Votre dossier est complet.");
  ASSERT_TRUE(sms.is_object());
  ASSERT_TRUE(WaitOutbox(ref, "sent", 2));
  EXPECT_EQ(smtp_->Count(), 0u);
  EXPECT_EQ(sms["To"], "+33612345678");
  EXPECT_EQ(sms["From"], "MAIRIE");
  EXPECT_FALSE(sms["idempotency_key"].get<std::string>().empty());
  EXPECT_EQ(StepsAfterLastMessageOut(ref),
            (std::vector<std::string>{"delivery:failed:email", "delivery:queued:sms",
                                      "delivery:sent:sms"}));
  // The failure that caused the fallback (the gateway's delivery receipt may
  // arrive after it, at any moment: not counted from the end).
  const json events = Timeline(ref);
  const auto failed = std::find_if(events.begin(), events.end(), [](const json& e) {
    return e.contains("data") && e["data"].value("fallback_to", "") == "sms";
  });
  ASSERT_NE(failed, events.end()) << events.dump();
  EXPECT_NE((*failed)["data"].value("error", "").find("550"), std::string::npos) << failed->dump();
}

TEST_P(OutboxE2eTest, AnSmsOpensARequestAndTheNextOneThreadsOntoIt) {
  const std::string first =
      "From=%2B33611223344&To=MAIRIE&Body=Bonjour%2C+un+lampadaire+est+"
      "cass%C3%A9+rue+Victor+Hugo&MessageSid=SM0001";
  auto created = PostSms(first);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.Json()["action"], "created");
  const std::string ref = created.Json()["reference"];
  // The gateway retries its webhook: nothing new.
  auto again = PostSms(first);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.Json()["reference"], ref);
  EXPECT_TRUE(again.Json()["replayed"].get<bool>());

  auto reply = PostSms("From=0611223344&To=MAIRIE&Body=Il+est+au+num%C3%A9ro+12&MessageSid=SM0002");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.Json()["action"], "threaded");
  EXPECT_EQ(reply.Json()["reference"], ref);

  auto request = Http(port(), "GET", "/api/v1/requests/" + ref).Json();
  EXPECT_EQ(request["channel"], "sms");
  EXPECT_EQ(request["contact"]["phone"], "+33611223344");
  const json events = Timeline(ref);
  int replies = 0;
  for (const auto& e : events) {
    if (e["kind"] == "message_in" && e["body"] == "Il est au numéro 12") {
      ++replies;
      EXPECT_EQ(e["channel"], "sms");
      EXPECT_EQ(e["data"]["message_sid"], "SM0002");
    }
  }
  EXPECT_EQ(replies, 1);

  // The answer goes out by SMS, to the same number.
  Reply(ref, "sms", "Merci, l’équipe voirie passe demain.");
  const json sms = SmsWithBody("Merci, l’équipe voirie passe demain.");
  ASSERT_TRUE(sms.is_object());
  EXPECT_EQ(sms["To"], "+33611223344");
}

TEST_P(OutboxE2eTest, TheWebhookRefusesUnsignedAndMalformedCalls) {
  const std::string form = "From=%2B33611223344&To=MAIRIE&Body=Bonjour&MessageSid=SM0003";
  auto unsigned_call = PostSms(form, "");
  EXPECT_EQ(unsigned_call.status, 401);
  EXPECT_EQ(unsigned_call.Header("content-type").rfind("application/problem+json", 0), 0u);
  EXPECT_EQ(PostSms(form, channels::sms::SignBody(form, "autre-secret")).status, 401);
  EXPECT_EQ(PostSms(form + "&x=1", channels::sms::SignBody(form, kSecret)).status, 401);

  auto bad = PostSms("From=abc&Body=Bonjour");
  ASSERT_EQ(bad.status, 400) << bad.body;
  std::set<std::string> fields;
  const json errors = bad.Json()["errors"];
  for (const auto& e : errors) fields.insert(e["field"]);
  EXPECT_EQ(fields, (std::set<std::string>{"From", "To", "MessageSid"}));
  EXPECT_TRUE(Http(port(), "GET", "/api/v1/requests?channel=sms").Json()["items"].empty());
}

TEST_P(OutboxE2eTest, StopOptsOutAndTheUndeliverableMessageIsADeadLetterAgentsRetry) {
  const std::string ref = SettledRequest({{"phone", "+33655443322"}});  // acknowledged by SMS
  const size_t before = gateway_->Count();
  auto stop = PostSms("From=%2B33655443322&To=MAIRIE&Body=STOP&MessageSid=SM0004");
  ASSERT_EQ(stop.status, 200) << stop.body;
  EXPECT_EQ(stop.Json()["action"], "opted_out");

  Reply(ref, "sms", "Votre rendez-vous est confirmé.");
  for (int i = 0; i < 300 && Outbox("?state=dead").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(gateway_->Count(), before);
  const json dead = Outbox("?state=dead");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_NE(dead[0]["last_error"].get<std::string>().find("STOP"), std::string::npos);
  EXPECT_EQ(StepsAfterLastMessageOut(ref).back(), "delivery:failed:sms");

  const std::string id = std::to_string(dead[0]["id"].get<std::int64_t>());
  auto retried = Http(port(), "POST", "/api/v1/outbox/" + id + "/retry");
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(retried.Json()["state"], "pending");
  for (int i = 0; i < 300 && Outbox("?state=dead").empty(); ++i) {  // still opted out
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(Outbox("?state=dead").size(), 1u);
  auto not_dead = Http(port(), "POST", "/api/v1/outbox/999999/retry");
  EXPECT_EQ(not_dead.status, 404);
  EXPECT_EQ(Http(port(), "GET", "/api/v1/outbox?state=perdu").status, 400);
  const auto steps = Steps(ref);
  EXPECT_NE(std::find(steps.begin(), steps.end(), "delivery:queued:sms"), steps.end());
}

// The mails the SMTP server received for `to`, waiting until there are `n`.
std::vector<std::string> WaitMailsTo(const ScriptServer& smtp, const std::string& to, size_t n) {
  std::vector<std::string> out;
  for (int i = 0; i < 300; ++i) {
    out.clear();
    for (auto& m : smtp.Messages()) {
      if (HeaderOf(m, "X-Envelope-To") == to) out.push_back(std::move(m));
    }
    if (out.size() >= n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return out;
}

// Issue #5's "done means": a citizen writes by email and is acknowledged by
// email, prefers SMS, gets the agent's answer by SMS, replies by SMS — one
// timeline, with each delivery status, in order.
TEST_P(OutboxE2eTest, AnEmailAnsweredBySmsAndRepliedToBySmsIsOneTimeline) {
  const std::string email = "lea.martin@example.org";
  const std::map<std::string, std::string> anonymous = {{"Authorization", ""}};
  // An account: its verification mail goes out through the outbox to the SMTP server.
  auto up = HttpJson(port(), "POST", "/api/v1/auth/signup",
                     {{"email", email}, {"password", "Mairie-Test-2026!x"}, {"name", "Léa Martin"}},
                     anonymous);
  ASSERT_EQ(up.status, 202) << up.body;
  auto account_mails = WaitMailsTo(*smtp_, email, 1);
  ASSERT_EQ(account_mails.size(), 1u);
  std::smatch token;
  const std::string text = channels::mail::ParseMail(account_mails[0]).text;
  ASSERT_TRUE(std::regex_search(text, token, std::regex("token=([A-Za-z0-9_-]+)"))) << text;
  auto verified =
      HttpJson(port(), "POST", "/api/v1/auth/verify", {{"token", token[1].str()}}, anonymous);
  ASSERT_EQ(verified.status, 200) << verified.body;
  const std::string set_cookie = verified.Header("set-cookie");
  const std::map<std::string, std::string> session = {
      {"Authorization", ""},
      {"Cookie", set_cookie.substr(0, set_cookie.find(';'))},
      {"X-CSRF-Token", verified.Json().value("csrf_token", "")}};
  auto phone = HttpJson(port(), "PATCH", "/api/v1/me", {{"phone", "+33612345678"}}, session);
  ASSERT_EQ(phone.status, 200) << phone.body;

  // 1. The citizen writes by email, delivered by the MTA to `guichet mailgate`.
  const std::string eml = db_->dir() + "/in.eml";
  std::ofstream(eml, std::ios::binary)
      << "From: Léa Martin <" << email << ">\r\nTo: demarches@ville.example\r\n"
      << "Subject: Horaires de la mairie annexe\r\nMessage-ID: <m1@citoyen.example>\r\n"
      << "Date: Fri, 27 Nov 2026 10:00:00 +0100\r\n"
      << "Content-Type: text/plain; charset=utf-8\r\n\r\n"
      << "Bonjour, quels sont les horaires de la mairie annexe ?\r\n";
  std::string out;
  ASSERT_EQ(RunGuichet({"mailgate"},
                       {{"GUICHET_DATABASE", db_->url()},
                        {"GUICHET_MAIL_ADDRESSES", "demarches@ville.example"},
                        {"GUICHET_TEST_STDIN", eml}},
                       out),
            0)
      << out;
  const auto at = out.find("GU-");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string ref = out.substr(at, 14);

  // 2. The acknowledgement goes out by SMTP, answering that mail, quoting the reference.
  ASSERT_TRUE(WaitOutbox(ref, "sent"));
  auto mails = WaitMailsTo(*smtp_, email, 2);
  ASSERT_EQ(mails.size(), 2u);
  const std::string& ack = mails[1];
  EXPECT_NE(channels::mail::ParseMail(ack).text.find(ref), std::string::npos) << ack;
  EXPECT_EQ(HeaderOf(ack, "In-Reply-To"), "<m1@citoyen.example>") << ack;
  EXPECT_NE(HeaderOf(ack, "Message-Id").find("." + ref + "@ville.example>"), std::string::npos)
      << ack;
  EXPECT_EQ(HeaderOf(ack, "Message-Id").rfind("<outbox-", 0), 0u) << ack;

  // 3. The citizen now prefers SMS; the agent answers without choosing a channel.
  auto prefers = HttpJson(port(), "PATCH", "/api/v1/me", {{"preferred_channel", "sms"}}, session);
  ASSERT_EQ(prefers.status, 200) << prefers.body;
  const std::string answer = "Bonjour, la mairie annexe ouvre le samedi de 9 h à 12 h.";
  auto replied =
      HttpJson(port(), "POST", "/api/v1/requests/" + ref + "/replies", {{"body", answer}});
  ASSERT_EQ(replied.status, 201) << replied.body;
  const json sms = SmsWithBody(answer);
  ASSERT_TRUE(sms.is_object());
  EXPECT_EQ(sms["To"], "+33612345678");
  ASSERT_TRUE(WaitOutbox(ref, "sent", 2));
  EXPECT_EQ(WaitMailsTo(*smtp_, email, 0).size(), 2u);  // no email for the answer (no wait)
  // The gateway's receipt: the answer reached the phone.
  EXPECT_EQ(WaitDeliveryStatus(ref, "delivered")["delivery_status"], "delivered");

  // 4. The citizen replies by SMS: it lands on the same request.
  auto in = PostSms("From=%2B33612345678&To=MAIRIE&Body=Merci+beaucoup+%21&MessageSid=SM0100");
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(in.Json()["action"], "threaded");
  EXPECT_EQ(in.Json()["reference"], ref);

  // 5. One timeline, in order, with the delivery statuses.
  std::vector<std::string> messages;
  for (const auto& e : Timeline(ref)) {
    const std::string kind = e["kind"];
    if (kind != "message_in" && kind != "message_out" && kind != "delivery") continue;
    std::string step = kind + ":" + e["channel"].get<std::string>();
    if (kind == "delivery") step += ":" + e["data"]["status"].get<std::string>();
    messages.push_back(step);
  }
  EXPECT_EQ(messages,
            (std::vector<std::string>{"message_in:email", "message_out:email",
                                      "delivery:email:sent", "message_out:sms", "delivery:sms:sent",
                                      "delivery:sms:delivered", "message_in:sms"}));
  // Each outbound message says where its delivery stands.
  std::vector<std::string> statuses;
  for (const auto& e : Timeline(ref)) {
    if (e["kind"] == "message_out") statuses.push_back(e["delivery_status"]);
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"sent", "delivered"}));
}

TEST_P(OutboxE2eTest, AnAdministratorsSmsTemplateIsWhatTheGatewaySendsAndPreviewCountsSegments) {
  auto list = Http(port(), "GET", "/api/v1/templates");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.Json()["items"].size(), 13u);
  auto preview = HttpJson(port(), "POST", "/api/v1/templates/reply.sms/preview",
                          {{"variables", {{"message", "Réunion à 18 h, salle Molière"}}}});
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.Json()["body"], "Réunion à 18 h, salle Molière");
  EXPECT_EQ(preview.Json()["sms"]["encoding"], "GSM-7");  // é, è and à are in the GSM alphabet
  EXPECT_EQ(preview.Json()["sms"]["segments"], 1);
  auto ucs2 = HttpJson(
      port(), "POST", "/api/v1/templates/reply.sms/preview",
      {{"body", "{{ message }} — {{ town }}"}, {"variables", {{"message", std::string(60, 'a')}}}});
  ASSERT_EQ(ucs2.status, 200) << ucs2.body;
  EXPECT_EQ(ucs2.Json()["sms"]["encoding"], "UCS-2");  // the dash is not
  EXPECT_EQ(ucs2.Json()["sms"]["segments"], 2);        // 60 + 3 + 32 > 70 units

  auto unknown = HttpJson(port(), "PUT", "/api/v1/templates/reply.sms",
                          {{"body", "{{ message }} {{ signature }}"}});
  ASSERT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(unknown.Json()["errors"][0]["field"], "body");
  EXPECT_NE(unknown.Json()["errors"][0]["detail"].get<std::string>().find("signature"),
            std::string::npos);
  EXPECT_EQ(HttpJson(port(), "PUT", "/api/v1/templates/reply.sms", {{"body", "{{ message"}}).status,
            400);
  EXPECT_EQ(HttpJson(port(), "PUT", "/api/v1/templates/reply.fax", {{"body", "x"}}).status, 404);
  auto saved = HttpJson(port(), "PUT", "/api/v1/templates/reply.sms",
                        {{"body", "{{ message }} (réf. {{ reference }})"}});
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_TRUE(saved.Json()["customised"].get<bool>());

  const std::string ref = SettledRequest({{"name", "Paul"}, {"phone", "+33612345670"}});
  Reply(ref, "sms", "Votre badge est prêt");
  const json sms = SmsWithBody("Votre badge est prêt (réf. " + ref + ")");
  ASSERT_TRUE(sms.is_object());
  EXPECT_EQ(WaitDeliveryStatus(ref, "delivered")["delivery_status"], "delivered");

  // Back to the shipped text: the override is gone, from the list too.
  EXPECT_EQ(Http(port(), "DELETE", "/api/v1/templates/reply.fax").status, 404);
  auto reset = Http(port(), "DELETE", "/api/v1/templates/reply.sms");
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_FALSE(reset.Json()["customised"].get<bool>());
  EXPECT_EQ(reset.Json()["body"], reset.Json()["default"]["body"]);
  EXPECT_TRUE(reset.Json()["updated_by"].is_null());
  auto again = Http(port(), "GET", "/api/v1/templates/reply.sms");
  EXPECT_FALSE(again.Json()["customised"].get<bool>());
  EXPECT_EQ(again.Json()["body"], "{{ message }}");
  // Resetting a template that is not customised changes nothing.
  EXPECT_EQ(Http(port(), "DELETE", "/api/v1/templates/reply.sms").status, 200);
}

TEST_P(OutboxE2eTest, AnUndeliveredReceiptMarksTheSmsFailedAndBadReceiptsAreRefused) {
  const std::string ref = SettledRequest({{"name", "Paul"}, {"phone", "+33700001234"}});
  const json last = WaitDeliveryStatus(ref, "failed");
  EXPECT_EQ(last["delivery_status"], "failed");
  bool coded = false;
  for (const auto& e : Timeline(ref)) {
    if (e["kind"] == "delivery" && e["data"]["status"] == "failed") {
      coded = e["data"]["error"].get<std::string>().find("30003") != std::string::npos;
    }
  }
  EXPECT_TRUE(coded);
  const auto post = [this](const std::string& form, const std::string& signature) {
    return Http(port(), "POST", "/api/v1/channels/sms/status", form,
                {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"X-Guichet-Signature", signature}});
  };
  const std::string form = "MessageSid=SM999999&MessageStatus=delivered";
  EXPECT_EQ(post(form, "").status, 401);
  EXPECT_EQ(post(form, channels::sms::SignBody(form, kSecret)).status, 404);  // no such SMS
  const std::string bad = "MessageSid=SM1&MessageStatus=perdu";
  auto refused = post(bad, channels::sms::SignBody(bad, kSecret));
  ASSERT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.Json()["errors"][0]["field"], "MessageStatus");
  const std::string sent = "MessageSid=SM999999&MessageStatus=sent";
  auto intermediate = post(sent, channels::sms::SignBody(sent, kSecret));
  ASSERT_EQ(intermediate.status, 200) << intermediate.body;
  EXPECT_FALSE(intermediate.Json()["recorded"].get<bool>());
}

// The lines pdftotext reads from a PDF, each trimmed.
std::vector<std::string> PdfLines(const std::string& pdf) {
  std::vector<std::string> out;
  FILE* p = popen(("pdftotext -layout '" + pdf + "' - 2>/dev/null").c_str(), "r");
  if (!p) return out;
  std::string text;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
  pclose(p);
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto a = line.find_first_not_of(" \f");
    if (a == std::string::npos) continue;
    out.push_back(line.substr(a, line.find_last_not_of(' ') + 1 - a));
  }
  return out;
}

TEST_P(OutboxE2eTest, ALetterIsAPdfWithANormalisedAddressBlockQueuedForPrinting) {
  // A citizen met at the counter, who has neither email nor phone: letters
  // go to their postal address — never to the place a request is about.
  auto citizen = HttpJson(
      port(), "POST", "/api/v1/citizens",
      {{"name", "Jeanne Dupont"}, {"postal_address", "12, rue de la République, 69002 Lyon."}});
  ASSERT_EQ(citizen.status, 201) << citizen.body;
  auto created = HttpJson(
      port(), "POST", "/api/v1/requests",
      {{"service", "question-generale"},
       {"description", "Je n’ai ni courriel ni téléphone."},
       {"channel", "counter"},
       {"citizen_id", citizen.Json()["id"]},
       {"location", {{"lat", 45.76}, {"lon", 4.83}, {"address", "Place Bellecour, 69002 Lyon"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string ref = created.Json()["reference"];
  ASSERT_TRUE(WaitOutbox(ref, "sent"));
  const json letter = Outbox("?request=" + ref).at(0);
  EXPECT_EQ(letter["channel"], "postal");
  const std::string file = db_->dir() + "/courrier/" + letter["provider_id"].get<std::string>();
  ASSERT_TRUE(std::filesystem::exists(file)) << file;
  const auto lines = PdfLines(file);
  auto has = [&lines](const std::string& piece) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.size() >= piece.size() &&
             l.compare(l.size() - piece.size(), piece.size(), piece) == 0;
    });
  };
  // The address block, right-aligned under the window: no punctuation, the town in capitals.
  EXPECT_TRUE(has("Jeanne Dupont")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("12 rue de la République")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("69002 LYON")) << ::testing::PrintToString(lines);
  const std::string all = ::testing::PrintToString(lines);
  EXPECT_EQ(all.find("Bellecour"), std::string::npos) << all;  // not the request's place
  EXPECT_NE(all.find("Mairie"), std::string::npos) << all;     // the letterhead
  EXPECT_NE(all.find("Référence"), std::string::npos) << all;
  EXPECT_NE(all.find(ref), std::string::npos) << all;
  EXPECT_TRUE(std::regex_search(all, std::regex("Le [0-9]{1,2}(er)? [a-zéû]+ 20[0-9]{2}"))) << all;

  // The print room's queue: the letter, its PDF, then printed.
  auto queue = Http(port(), "GET", "/api/v1/letters");
  ASSERT_EQ(queue.status, 200) << queue.body;
  ASSERT_EQ(queue.Json()["items"].size(), 1u);
  EXPECT_EQ(queue.Json()["items"][0]["postal_address"], "12, rue de la République, 69002 Lyon.");
  const std::string id = std::to_string(letter["id"].get<std::int64_t>());
  auto pdf = Http(port(), "GET", "/api/v1/letters/" + id + "/pdf");
  ASSERT_EQ(pdf.status, 200);
  EXPECT_EQ(pdf.body.rfind("%PDF-", 0), 0u);
  EXPECT_EQ(pdf.Header("content-type"), "application/pdf");
  auto printed = Http(port(), "POST", "/api/v1/letters/" + id + "/printed");
  ASSERT_EQ(printed.status, 200) << printed.body;
  EXPECT_FALSE(printed.Json()["printed_at"].is_null());
  EXPECT_EQ(Http(port(), "POST", "/api/v1/letters/" + id + "/printed").status, 422);
  EXPECT_TRUE(Http(port(), "GET", "/api/v1/letters").Json()["items"].empty());
  EXPECT_EQ(Http(port(), "GET", "/api/v1/letters?printed=true").Json()["items"].size(), 1u);
  EXPECT_EQ(StepsAfterLastMessageOut(ref),
            (std::vector<std::string>{"delivery:sent:postal", "delivery:printed:postal"}));

  // The letter as sent stays on the case (an upload named by the `sent`
  // event), even once the print room has cleared its spool.
  std::filesystem::remove(file);
  auto again = Http(port(), "GET", "/api/v1/letters/" + id + "/pdf");
  ASSERT_EQ(again.status, 200) << again.body;  // from the copy the case keeps
  EXPECT_EQ(again.body, pdf.body);
  std::string kept;
  const json events = Http(port(), "GET", "/api/v1/requests/" + ref + "/events").Json();
  for (const auto& e : events["items"]) {
    if (e["kind"] == "delivery" && e["data"]["status"] == "sent") {
      kept = e["data"].value("upload_id", "");
    }
  }
  ASSERT_FALSE(kept.empty()) << events.dump();
  auto copy = Http(port(), "GET", "/api/v1/uploads/" + kept + "/content");
  ASSERT_EQ(copy.status, 200);
  EXPECT_EQ(copy.body.rfind("%PDF-", 0), 0u);
  EXPECT_EQ(copy.Header("content-type"), "application/pdf");
  EXPECT_EQ(Http(port(), "GET", "/api/v1/uploads/" + kept).Json()["request_id"],
            created.Json()["id"]);

  // An address without a postcode cannot be posted: a dead letter that says why.
  auto paul = HttpJson(port(), "POST", "/api/v1/citizens",
                       {{"name", "Paul Martin"}, {"postal_address", "rue Haute, Lyon"}});
  ASSERT_EQ(paul.status, 201) << paul.body;
  auto unposted = HttpJson(port(), "POST", "/api/v1/requests",
                           {{"service", "question-generale"},
                            {"description", "Adresse incomplète."},
                            {"channel", "counter"},
                            {"citizen_id", paul.Json()["id"]}});
  ASSERT_EQ(unposted.status, 201) << unposted.body;
  const std::string ref2 = unposted.Json()["reference"];
  ASSERT_TRUE(WaitOutbox(ref2, "dead"));
  EXPECT_NE(Outbox("?request=" + ref2).at(0)["last_error"].get<std::string>().find("code postal"),
            std::string::npos);
}

TEST_P(OutboxE2eTest, ASuccessDsnMarksTheEmailDeliveredAndAFailureDsnFailed) {
  const std::string ref =
      SettledRequest({{"name", "Jeanne Dupont"}, {"email", "jeanne@example.org"}});
  const json ack = Outbox("?request=" + ref).at(0);
  const std::string message_id = ack["provider_id"];
  ASSERT_EQ(message_id.rfind("outbox-", 0), 0u) << message_id;
  const auto dsn = [&](const std::string& action, const std::string& status) {
    const std::string eml = db_->dir() + "/dsn-" + action + ".eml";
    std::ofstream(eml, std::ios::binary)
        << "From: MAILER-DAEMON@mx.example.org\r\nTo: demarches@ville.example\r\n"
        << "Subject: Delivery Status Notification\r\nMessage-ID: <dsn-" << action
        << "@mx.example.org>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        << "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n"
        << "--b\r\nContent-Type: text/plain\r\n\r\nRapport de remise.\r\n"
        << "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        << "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        << "Final-Recipient: rfc822; jeanne@example.org\r\nAction: " << action
        << "\r\nStatus: " << status << "\r\n\r\n"
        << "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        << "Message-ID: <" << message_id << ">\r\nSubject: x\r\n\r\n--b--\r\n";
    std::string out;
    EXPECT_EQ(RunGuichet({"mailgate"},
                         {{"GUICHET_DATABASE", db_->url()},
                          {"GUICHET_MAIL_ADDRESSES", "demarches@ville.example"},
                          {"GUICHET_TEST_STDIN", eml}},
                         out),
              0)
        << out;
  };
  dsn("delivered", "2.0.0");
  EXPECT_EQ(WaitDeliveryStatus(ref, "delivered")["delivery_status"], "delivered");
  // A later failure report changes nothing: the receiver already said delivered.
  dsn("failed", "5.1.1");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(WaitDeliveryStatus(ref, "delivered")["delivery_status"], "delivered");
  EXPECT_EQ(Outbox("?request=" + ref).at(0)["receipt"], "delivered");
}

INSTANTIATE_TEST_SUITE_P(Databases, OutboxE2eTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace guichet::testing
