// End-to-end tests of what agents record on a citizen's behalf, over HTTP on
// SQLite and PostgreSQL: citizen lookup (normalised phone, folded names,
// audited), creation without duplicates, phone calls and counter visits
// (new request or existing one, acknowledged through the outbox), and postal
// letters whose scans are read by the OCR worker (real Tesseract and
// poppler) until the back-office search finds a word of them.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "support/test_support.hpp"

namespace guichet::testing {
namespace {

using nlohmann::json;

// A one-page PDF with `lines` of text in Helvetica (WinAnsi: é is \351),
// written by hand so that no generator is needed: pdftotext reads it back,
// pdftoppm renders it into the image a scanner would give.
std::string TextPdf(const std::vector<std::string>& lines) {
  std::string content = "BT /F1 20 Tf 72 720 Td 26 TL\n";
  for (const auto& l : lines) {
    std::string escaped;
    for (size_t i = 0; i < l.size(); ++i) {
      if (l.compare(i, 2, "é") == 0) {
        escaped += "\\351";
        ++i;
      } else {
        escaped += l[i];
      }
    }
    content += "(" + escaped + ") '\n";
  }
  content += "ET\n";
  return content;
}

// A PDF of the given page content or of one 8-bit grey image (a scan).
std::string Pdf(const std::string& page_object, const std::string& extra_object,
                const std::string& stream_dict, const std::string& stream) {
  std::vector<std::string> objs = {"<< /Type /Catalog /Pages 2 0 R >>",
                                   "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page_object,
                                   extra_object,
                                   "<< /Length " + std::to_string(stream.size()) + stream_dict +
                                       " >>\nstream\n" + stream + "\nendstream"};
  std::string out = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objs.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
  }
  const size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objs.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t o : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(objs.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return out;
}

std::string LetterPdf(const std::vector<std::string>& lines) {
  return Pdf(
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> "
      ">> /Contents 5 0 R >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>", "",
      TextPdf(lines));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int Run(const std::string& command) {
  const int rc = std::system(command.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// The letter rendered by pdftoppm at 150 dpi, in grey: a PNG, and a PDF
// holding only that image (what a scanner makes), without any text.
struct Scans {
  std::string png;
  std::string image_pdf;
};
Scans RenderScans(const std::string& dir, const std::string& pdf) {
  std::ofstream(dir + "/letter.pdf", std::ios::binary) << pdf;
  Scans s;
  if (Run("pdftoppm -r 150 -gray -png -singlefile " + dir + "/letter.pdf " + dir + "/scan") != 0 ||
      Run("pdftoppm -r 150 -gray -singlefile " + dir + "/letter.pdf " + dir + "/scan") != 0) {
    return s;
  }
  s.png = ReadFile(dir + "/scan.png");
  // P5 <width> <height> 255\n<pixels>
  const std::string pgm = ReadFile(dir + "/scan.pgm");
  std::istringstream header(pgm);
  std::string magic;
  int w = 0, h = 0, max = 0;
  header >> magic >> w >> h >> max;
  const size_t start = static_cast<size_t>(header.tellg()) + 1;
  const std::string pixels = pgm.substr(start);
  const std::string draw = "q 612 0 0 792 0 0 cm /Im1 Do Q";
  // The image as object 4, the page's content (drawing it) as object 5.
  s.image_pdf =
      Pdf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 4 0 "
          "R >> >> /Contents 5 0 R >>",
          "<< /Type /XObject /Subtype /Image /Width " + std::to_string(w) + " /Height " +
              std::to_string(h) + " /ColorSpace /DeviceGray /BitsPerComponent 8 /Length " +
              std::to_string(pixels.size()) + " >>\nstream\n" + pixels + "\nendstream",
          "", draw);
  return s;
}

class CounterTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    std::string out;
    ASSERT_EQ(RunGuichet({"seed-demo"}, {{"GUICHET_DATABASE", db_->url()}}, out), 0) << out;
    server_ = std::make_unique<ServerProcess>(
        db_->url(), std::map<std::string, std::string>{{"GUICHET_OCR_INTERVAL_MS", "100"}});
    server_->Start();
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->Stop(SIGTERM), 0);
    }
    server_.reset();
    db_.reset();
  }
  unsigned short port() const { return server_->port(); }

  json Post(const std::string& target, const json& body, int expected) {
    auto res = HttpJson(port(), "POST", target, body);
    EXPECT_EQ(res.status, expected) << target << " " << res.body;
    return res.Json();
  }
  json Get(const std::string& target, int expected = 200) {
    auto res = Http(port(), "GET", target);
    EXPECT_EQ(res.status, expected) << target << " " << res.body;
    return res.Json();
  }
  std::int64_t NewCitizen(const json& body) {
    return Post("/api/v1/citizens", body, 201)["id"].get<std::int64_t>();
  }
  std::string Upload(const std::string& name, const std::string& bytes) {
    auto res = Http(port(), "POST", "/api/v1/uploads?filename=" + name, bytes,
                    {{"Content-Type", "application/octet-stream"}});
    EXPECT_EQ(res.status, 201) << res.body;
    return res.Json()["id"];
  }
  // Waits for the OCR worker to finish the request's scans.
  json ScansWhenRead(const std::string& ref, size_t count) {
    json items;
    for (int i = 0; i < 1200; ++i) {
      items = Get("/api/v1/requests/" + ref + "/scans")["items"];
      size_t finished = 0;
      for (const auto& s : items) finished += s["state"] == "done" || s["state"] == "failed";
      if (items.size() >= count && finished == items.size()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return items;
  }
  json Names(const std::string& q) {
    json out = json::array();
    const json found = Get("/api/v1/citizens?q=" + q);
    for (const auto& c : found["items"]) out.push_back(c["name"]);
    return out;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(CounterTest, FindsCitizensByAnyWritingOfPhoneNameOrEmailAndAuditsEachLookup) {
  const auto helene = NewCitizen({{"name", "Hélène Lefèvre-Durand"},
                                  {"email", "Helene.Lefevre@Example.org"},
                                  {"phone", "06 12 34 56 78"}});
  NewCitizen({{"name", "Jean Dupont"}, {"phone", "01.23.45.67.89"}});
  const json h = Get("/api/v1/citizens?q=%2B33612345678")["items"];
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0]["phone"], "+33612345678");
  EXPECT_EQ(h[0]["email"], "helene.lefevre@example.org");
  EXPECT_EQ(h[0]["preferred_channel"], "email");
  const json just_helene = json::array({"Hélène Lefèvre-Durand"});
  for (const std::string q : {"06.12.34.56.78", "0612345678", "%2B33%20(0)6%2012%2034%2056%2078",
                              "0033612345678", "helene", "HELENE", "lefevre", "L%C3%A9f",
                              "durand%20h%C3%A9l", "HELENE.LEFEVRE%40example.org"}) {
    EXPECT_EQ(Names(q), just_helene) << q;
  }
  // The demo data has a Jeanne Dupont too.
  EXPECT_EQ(Names("jean%20dupont"), json::array({"Jeanne Dupont", "Jean Dupont"}));
  EXPECT_EQ(Names("jeanne%20dup"), json::array({"Jeanne Dupont"}));
  EXPECT_EQ(Names("0123456789"), json::array({"Jean Dupont"}));
  EXPECT_EQ(Names("martin"), json::array());
  EXPECT_EQ(Names("fevre"), json::array()) << "a word is matched from its start";

  // Bad lookups are field errors.
  EXPECT_EQ(Get("/api/v1/citizens?q=%20", 400)["errors"][0]["field"], "q");
  EXPECT_EQ(Get("/api/v1/citizens?q=0612", 400)["errors"][0]["field"], "q");
  EXPECT_EQ(Get("/api/v1/citizens?q=a&limit=99", 400)["errors"][0]["field"], "limit");
  EXPECT_EQ(Http(port(), "GET", "/api/v1/citizens?q=helene", "", {{"Authorization", ""}}).status,
            401);

  // Every citizen shown is in the audit log, under their id.
  json lines;
  for (int i = 0; i < 100; ++i) {
    lines = Get("/api/v1/audit?citizen_id=" + std::to_string(helene))["items"];
    if (lines.size() >= 11) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GE(lines.size(), 11u);
  for (const auto& l : lines) {
    if (l["action"] != "read") continue;
    EXPECT_EQ(l["record"]["type"], "/api/v1/citizens");
    EXPECT_EQ(l["record"]["id"], std::to_string(helene));
    EXPECT_FALSE(l["purpose"].get<std::string>().empty());
  }
}

TEST_P(CounterTest, CreatesACitizenOnceWhateverWritingOfTheirPhoneOrEmail) {
  const auto id = NewCitizen({{"name", "Paul Martin"}, {"phone", "06 98 76 54 32"}});
  const json same_phone =
      Post("/api/v1/citizens", {{"name", "P. Martin"}, {"phone", "+33 (0)6 98 76 54 32"}}, 409);
  EXPECT_EQ(same_phone["citizen"]["id"], id);
  EXPECT_EQ(same_phone["type"], "/problemes/conflit");
  const auto anne = NewCitizen({{"name", "Anne Roy"}, {"email", "anne@example.org"}});
  EXPECT_EQ(Post("/api/v1/citizens", {{"name", "Anne"}, {"email", "ANNE@example.org"}},
                 409)["citizen"]["id"],
            anne);
  EXPECT_EQ(Get("/api/v1/citizens?q=martin")["items"].size(), 1u);
  EXPECT_EQ(Get("/api/v1/citizens?q=martin")["items"][0]["preferred_channel"], "sms");

  const json bad =
      Post("/api/v1/citizens", {{"name", ""}, {"email", "pas-une-adresse"}, {"phone", "12"}}, 400);
  std::set<std::string> fields;
  for (const auto& e : bad["errors"]) fields.insert(e["field"]);
  EXPECT_EQ(fields, (std::set<std::string>{"name", "email", "phone"}));
  EXPECT_EQ(Post("/api/v1/citizens", {{"name", "Sans Contact"}}, 400)["errors"][0]["field"],
            "email");
  EXPECT_EQ(Post("/api/v1/citizens",
                 {{"name", "X"}, {"email", "x@example.org"}, {"preferred_channel", "sms"}},
                 400)["errors"][0]["field"],
            "preferred_channel");
}

TEST_P(CounterTest, PhoneCallBecomesARequestAcknowledgedOnThePreferredChannel) {
  const auto citizen = NewCitizen({{"name", "Lucie Bernard"},
                                   {"email", "lucie@example.org"},
                                   {"phone", "0611223344"},
                                   {"preferred_channel", "sms"}});
  const json rec = Post("/api/v1/contacts",
                        {{"channel", "phone"},
                         {"citizen_id", citizen},
                         {"service", "question-generale"},
                         {"description", "Demande les horaires de la déchèterie."}},
                        201);
  EXPECT_TRUE(rec["created"]);
  const json r = rec["request"];
  EXPECT_EQ(r["channel"], "phone");
  EXPECT_EQ(r["citizen_id"], citizen);
  EXPECT_EQ(r["contact"]["phone"], "+33611223344");
  const std::string ref = r["reference"];
  const json events = Get("/api/v1/requests/" + ref + "/events")["items"];
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0]["kind"], "message_in");
  EXPECT_EQ(events[0]["channel"], "phone");
  // The caller who recorded it (here the tests' API key; an agent:N in the back-office).
  EXPECT_EQ(events[0]["author"].get<std::string>().rfind("api:", 0), 0u);
  EXPECT_EQ(events[0]["data"]["recorded_by"], events[0]["author"]);
  bool ack = false;
  for (const auto& e : events) {
    ack = ack || (e["kind"] == "message_out" && e["channel"] == "sms");
  }
  EXPECT_TRUE(ack) << events.dump();
  // The acknowledgement is in the outbox, for the citizen's phone.
  const json outbox = Get("/api/v1/outbox?request=" + ref)["items"];
  ASSERT_FALSE(outbox.empty());
  EXPECT_EQ(outbox[0]["channel"], "sms");
  EXPECT_EQ(outbox[0]["recipient"], "+33611223344");

  // A visit about it later: a message on the same request, acknowledged too.
  const json visit = Post("/api/v1/contacts",
                          {{"channel", "counter"},
                           {"citizen_id", citizen},
                           {"request", ref},
                           {"description", "Est passée déposer un justificatif."}},
                          201);
  EXPECT_FALSE(visit["created"]);
  EXPECT_EQ(visit["event"]["channel"], "counter");
  EXPECT_EQ(visit["event"]["kind"], "message_in");
  const json after = Get("/api/v1/requests/" + ref + "/events")["items"];
  int acks = 0;
  for (const auto& e : after) {
    if (e["kind"] == "message_out" && e["data"].value("template", "") == "accuse_contact") {
      ++acks;
      EXPECT_EQ(e["channel"], "sms");
      EXPECT_NE(e["body"].get<std::string>().find("passage à l’accueil"), std::string::npos);
    }
  }
  EXPECT_EQ(acks, 1);

  // Mistakes are field errors; an unknown request is one.
  const json bad = Post("/api/v1/contacts",
                        {{"channel", "fax"},
                         {"citizen_id", 999999},
                         {"request", "GU-2026-ZZZZZZ"},
                         {"description", ""}},
                        400);
  std::set<std::string> fields;
  for (const auto& e : bad["errors"]) fields.insert(e["field"]);
  EXPECT_EQ(fields, (std::set<std::string>{"channel", "description", "request"}));
  EXPECT_EQ(Post("/api/v1/contacts",
                 {{"channel", "phone"},
                  {"citizen_id", 999999},
                  {"service", "question-generale"},
                  {"description", "x"}},
                 400)["errors"][0]["field"],
            "citizen_id");
}

TEST_P(CounterTest, PostalScansAreReadByOcrAndFoundBySearch) {
  TempDir dir;
  const std::string text_pdf =
      LetterPdf({"Monsieur le Maire,", "Le lampadaire de la rue des Glycines",
                 "est en panne depuis trois semaines."});
  const Scans scans =
      RenderScans(dir.path(), LetterPdf({"Madame la Maire,", "Les platanes du boulevard Pasteur",
                                         "cachent le panneau de l'école."}));
  ASSERT_FALSE(scans.png.empty()) << "pdftoppm (poppler-utils) is needed";
  const auto citizen = NewCitizen({{"name", "Marcel Petit"}, {"postal_address", "3 rue Haute"}});

  // A scanned image as a new request.
  const json rec = Post("/api/v1/postal-mail",
                        {{"upload_id", Upload("lettre.png", scans.png)},
                         {"citizen_id", citizen},
                         {"service", "question-generale"},
                         {"title", "Courrier de M. Petit"}},
                        201);
  EXPECT_TRUE(rec["created"]);
  EXPECT_EQ(rec["request"]["channel"], "postal");
  const std::string ref = rec["request"]["reference"];
  // A PDF with its own text, then a PDF of a scan only, onto the same request.
  for (const auto& [name, bytes] : {std::pair<std::string, std::string>{"suite.pdf", text_pdf},
                                    {"scan.pdf", scans.image_pdf}}) {
    const json more =
        Post("/api/v1/postal-mail", {{"upload_id", Upload(name, bytes)}, {"request", ref}}, 201);
    EXPECT_EQ(more["event"]["channel"], "postal");
  }
  const json read = ScansWhenRead(ref, 3);
  ASSERT_EQ(read.size(), 3u) << read.dump();
  for (const auto& s : read) EXPECT_EQ(s["state"], "done") << s.dump();
  EXPECT_NE(read[0]["text"].get<std::string>().find("platanes"), std::string::npos) << read[0];
  EXPECT_NE(read[1]["text"].get<std::string>().find("Glycines"), std::string::npos) << read[1];
  EXPECT_NE(read[2]["text"].get<std::string>().find("Pasteur"), std::string::npos) << read[2];

  // The scans are on the timeline, and so is their text, which search finds.
  const json events = Get("/api/v1/requests/" + ref + "/events")["items"];
  int attachments = 0, texts = 0;
  for (const auto& e : events) {
    attachments += e["kind"] == "attachment" && e["channel"] == "postal";
    texts += e["kind"] == "note" && e["data"].contains("ocr");
  }
  EXPECT_EQ(attachments, 3);
  EXPECT_EQ(texts, 3);
  for (const std::string word : {"platanes", "lampadaire", "glycines", "pasteur"}) {
    // The demo data may mention a word too: the letter must be among the hits.
    const json hits = Get("/api/v1/search?q=" + word)["items"];
    bool found = false;
    for (const auto& h : hits) found = found || h["request"]["reference"] == ref;
    EXPECT_TRUE(found) << word << " " << hits.dump();
  }

  // Only PDF, JPEG and PNG; an upload is used once.
  const std::string text_file = Upload("note.txt", "Bonjour, ceci est un texte.");
  EXPECT_EQ(
      Post("/api/v1/postal-mail", {{"upload_id", text_file}, {"service", "question-generale"}},
           400)["errors"][0]["field"],
      "upload_id");
  EXPECT_EQ(Post("/api/v1/postal-mail",
                 {{"upload_id", read[0]["upload_id"]}, {"service", "question-generale"}},
                 400)["errors"][0]["field"],
            "upload_id");
}

INSTANTIATE_TEST_SUITE_P(Stores, CounterTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace guichet::testing
