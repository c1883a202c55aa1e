// End-to-end tests of the procedures (démarches) of the catalogue: the forms
// of the demo services, uploads, drafts, workflows with roles and legal
// deadlines, corrections by the citizen and catalogue reloads. The real
// binary, over HTTP, on SQLite and on PostgreSQL.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "support/test_support.hpp"

namespace guichet::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using Days = std::chrono::sys_days;

constexpr const char* kSourceCatalogue = GUICHET_SOURCE_DIR "/catalogue";

// The answers ValidAnswers gives, and what the server stores for them.
constexpr const char* kPhoneAnswer = "06 12 34 56 78";
constexpr const char* kPhoneStored = "+33612345678";
constexpr const char* kDatetimeAnswer = "2027-03-15T10:00:00+01:00";
constexpr const char* kDatetimeStored = "2027-03-15T09:00:00Z";
constexpr const char* kEmail = "jeanne@example.org";

// A real 1×1 PNG (libmagic reads its signature and IHDR chunk).
std::string PngBytes() {
  static const unsigned char kPng[] = {
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
      0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
      0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
      0xda, 0x63, 0xfc, 0xcf, 0xc0, 0x50, 0x0f, 0x00, 0x04, 0x85, 0x01, 0x80, 0x84, 0xa9,
      0x8c, 0x21, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(kPng), sizeof kPng);
}

std::string PdfBytes() {
  return "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
}

Days TodayUtc() { return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()); }

std::string FormatDay(Days d) {
  const std::chrono::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

// "YYYY-MM-DD", or "today" as the catalogue spells a bound relative to the day.
Days ParseDay(const std::string& s) {
  if (s == "today") return TodayUtc();
  int y = 0;
  unsigned m = 0, d = 0;
  EXPECT_EQ(std::sscanf(s.c_str(), "%d-%u-%u", &y, &m, &d), 3) << s;
  return Days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}

// "YYYY-MM-DDTHH:MM:SSZ" as the server formats its timestamps.
std::chrono::sys_seconds ParseUtc(const std::string& s) {
  int y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, se = 0;
  EXPECT_EQ(std::sscanf(s.c_str(), "%d-%u-%uT%u:%u:%uZ", &y, &mo, &d, &h, &mi, &se), 6) << s;
  return Days{std::chrono::year{y} / std::chrono::month{mo} / std::chrono::day{d}} +
         std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(se);
}

std::chrono::sys_seconds NowUtc() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::size_t Utf8Length(const std::string& s) {
  std::size_t n = 0;
  for (const unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The field of a definition's list with this key, or null.
const json* FieldByKey(const json& fields, const std::string& key) {
  for (const auto& f : fields) {
    if (f["key"] == key) return &f;
  }
  return nullptr;
}

bool IsInformational(const json& field) {
  return field["type"] == "section" || field["type"] == "explanation";
}

// A level of answers (the form, or one entry of a repeat) and the one around it.
struct Level {
  const json& fields;
  const json& answers;
  const Level* parent = nullptr;
};

// Whether a field is shown, as form.hpp documents `visible_if`: the answer of
// the named field (same level, else an enclosing one) compared as text.
bool Visible(const json& field, const Level& level) {
  if (!field.contains("visible_if")) return true;
  const json& cond = field["visible_if"];
  const std::string key = cond["field"];
  for (const Level* l = &level; l != nullptr; l = l->parent) {
    const json* def = FieldByKey(l->fields, key);
    if (def == nullptr) continue;
    if (!Visible(*def, *l)) return false;
    auto it = l->answers.find(key);
    if (it == l->answers.end() || it->is_null()) return false;
    if (cond["values"].empty()) return true;
    std::vector<std::string> texts;
    const auto add = [&texts](const json& v) {
      if (v.is_boolean()) texts.push_back(v.get<bool>() ? "true" : "false");
      if (v.is_string()) texts.push_back(v.get<std::string>());
    };
    if (it->is_array()) {
      for (const auto& v : *it) add(v);
    } else {
      add(*it);
    }
    for (const auto& t : texts) {
      for (const auto& want : cond["values"]) {
        if (want == t) return true;
      }
    }
    return false;
  }
  return false;
}

// What the server keeps of answers built by ValidAnswers: only visible
// fields, phones in E.164, date-times in UTC, everything else as given.
json ExpectedData(const Level& level) {
  json out = json::object();
  for (const auto& f : level.fields) {
    if (IsInformational(f) || !Visible(f, level)) continue;
    const std::string key = f["key"];
    auto it = level.answers.find(key);
    if (it == level.answers.end()) continue;
    const std::string type = f["type"];
    if (type == "phone") {
      out[key] = kPhoneStored;
    } else if (type == "datetime") {
      out[key] = kDatetimeStored;
    } else if (type == "repeat") {
      json entries = json::array();
      for (const auto& entry : *it) entries.push_back(ExpectedData({f["fields"], entry, &level}));
      out[key] = entries;
    } else {
      out[key] = *it;
    }
  }
  return out;
}

void CollectFileIds(const json& fields, const json& data, std::vector<std::string>& out) {
  for (const auto& f : fields) {
    auto it = data.find(f["key"].get<std::string>());
    if (it == data.end()) continue;
    if (f["type"] == "file") {
      for (const auto& id : *it) out.push_back(id.get<std::string>());
    } else if (f["type"] == "repeat") {
      for (const auto& entry : *it) CollectFileIds(f["fields"], entry, out);
    }
  }
}

std::set<std::string> ErrorFields(const json& problem) {
  std::set<std::string> out;
  for (const auto& e : problem["errors"]) out.insert(e["field"].get<std::string>());
  return out;
}

std::string ErrorDetail(const json& problem, const std::string& field) {
  for (const auto& e : problem["errors"]) {
    if (e["field"] == field) return e["detail"].get<std::string>();
  }
  return "";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// Replaces the first `from` of a file; returns the 1-based line it was on.
int ReplaceInFile(const std::string& path, const std::string& from, const std::string& to) {
  std::string text = ReadFile(path);
  const std::size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from << " not in " << path;
  if (pos == std::string::npos) return 0;
  text.replace(pos, from.size(), to);
  WriteFile(path, text);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

// A copy of the shipped catalogue that a test may break.
std::string CopyCatalogue(const TempDir& dir) {
  const std::string copy = dir.path() + "/catalogue";
  fs::copy(kSourceCatalogue, copy, fs::copy_options::recursive);
  return copy;
}

// The line of question-generale.toml that declares the type of its first field.
constexpr const char* kQuestionFile = "services/question-generale.toml";
constexpr const char* kFirstFieldType = "type = \"text\"";
constexpr const char* kQuestionTitle = "title = \"Poser une question à la mairie\"";

class ProceduresTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    std::string out;
    ASSERT_EQ(RunGuichet({"seed-demo"}, {{"GUICHET_DATABASE", db_->url()}}, out), 0) << out;
    server_ = std::make_unique<ServerProcess>(db_->url());
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

  // Replaces the running server with one started with `env`.
  void Restart(std::map<std::string, std::string> env) {
    EXPECT_EQ(server_->Stop(SIGTERM), 0);
    server_ = std::make_unique<ServerProcess>(db_->url(), std::move(env));
    server_->Start();
  }

  json Definition(const std::string& slug) {
    auto res = Http(port(), "GET", "/api/v1/services/" + slug);
    EXPECT_EQ(res.status, 200) << slug << ": " << res.body;
    return res.Json();
  }

  json Get(const std::string& target) {
    auto res = Http(port(), "GET", target);
    EXPECT_EQ(res.status, 200) << target << ": " << res.body;
    return res.Json();
  }

  HttpResponse UploadRaw(const std::string& filename, const std::string& bytes) {
    return Http(port(), "POST", "/api/v1/uploads?filename=" + filename, bytes,
                {{"Content-Type", "application/octet-stream"}});
  }

  // Uploads a file and returns its id (empty on failure, reported).
  std::string Upload(const std::string& filename, const std::string& bytes) {
    auto res = UploadRaw(filename, bytes);
    EXPECT_EQ(res.status, 201) << filename << ": " << res.body;
    const json u = res.Json();
    EXPECT_EQ(u["request_id"], nullptr);
    EXPECT_EQ(res.Header("location"), "/api/v1/uploads/" + u.value("id", std::string()));
    return u.value("id", std::string());
  }

  // One file that a field with this `accept` list takes: a PDF when PDFs or
  // anything go, else a PNG image.
  std::string UploadFor(const json& field) {
    const json accept = field.value("accept", json::array());
    bool pdf = accept.empty();
    bool image = false;
    for (const auto& a : accept) {
      const std::string type = a;
      pdf = pdf || type == "application/pdf";
      image = image || type == "image/*" || type == "image/png";
    }
    if (pdf) return Upload("piece.pdf", PdfBytes());
    if (image) return Upload("photo.png", PngBytes());
    ADD_FAILURE() << "no sample file for accept " << accept.dump();
    return "";
  }

  // A complete, valid set of answers for a definition's fields, built from
  // the definition alone (files are uploaded, one upload per use).
  json ValidAnswers(const json& fields) {
    json out = json::object();
    for (const auto& f : fields) {
      if (IsInformational(f)) continue;
      const std::string key = f["key"];
      const std::string type = f["type"];
      const json rules = f.value("validation", json::object());
      if (type == "text" || type == "textarea") {
        out[key] = TextAnswer(key, type == "textarea", rules);
      } else if (type == "email") {
        out[key] = kEmail;
      } else if (type == "phone") {
        out[key] = kPhoneAnswer;
      } else if (type == "integer") {
        const std::int64_t lo = rules.value("min", std::int64_t{1});
        const std::int64_t hi = rules.value("max", lo + 4);
        out[key] = lo + (hi - lo) / 2;
      } else if (type == "decimal") {
        const double lo = rules.value("min", 1.0);
        const double hi = rules.value("max", lo + 1.0);
        out[key] = lo + (hi - lo) / 2;
      } else if (type == "date") {
        out[key] = DateAnswer(rules);
      } else if (type == "datetime") {
        out[key] = kDatetimeAnswer;
      } else if (type == "yes_no" || type == "checkbox") {
        out[key] = true;
      } else if (type == "choice") {
        out[key] = f["options"][0]["value"];
      } else if (type == "multiple_choice") {
        json values = json::array();
        const std::size_t n = std::max<std::size_t>(1, f.value("min_items", std::size_t{0}));
        for (std::size_t i = 0; i < n; ++i) values.push_back(f["options"][i]["value"]);
        out[key] = values;
      } else if (type == "address") {
        out[key] = {{"label", "1 place de la Mairie"}, {"lat", 45.764}, {"lon", 4.8357}};
      } else if (type == "commune") {
        out[key] = "69123";
      } else if (type == "file") {
        json ids = json::array();
        const std::size_t n = std::max<std::size_t>(1, f.value("min_items", std::size_t{0}));
        for (std::size_t i = 0; i < n; ++i) ids.push_back(UploadFor(f));
        out[key] = ids;
      } else if (type == "siret") {
        out[key] = "73282932000074";
      } else if (type == "iban") {
        out[key] = "FR7630006000011234567890189";
      } else if (type == "repeat") {
        json entries = json::array();
        const std::size_t n = std::max<std::size_t>(1, f.value("min_items", std::size_t{0}));
        for (std::size_t i = 0; i < n; ++i) entries.push_back(ValidAnswers(f["fields"]));
        out[key] = entries;
      } else {
        ADD_FAILURE() << "ValidAnswers does not know the field type " << type << " (" << key << ")";
      }
    }
    return out;
  }

  static std::string TextAnswer(const std::string& key, bool multiline, const json& rules) {
    if (rules.contains("pattern")) {
      // The patterns of the demo catalogue, each with a value it matches.
      static const std::map<std::string, std::string> kSamples = {
          {"[0-9]{7}", "1234567"},
          {"[A-Z0-9]{10}", "AB12CD34EF"},
          {"[A-Za-z0-9-]{1,12}", "LAMP-0042"},
      };
      auto it = kSamples.find(rules["pattern"].get<std::string>());
      if (it != kSamples.end()) return it->second;
      ADD_FAILURE() << "no sample value for the pattern " << rules["pattern"] << " of " << key;
      return "";
    }
    std::string s = "Réponse d’essai pour « " + key + " »";
    if (multiline) s += ",\nsur deux lignes.";
    while (Utf8Length(s) < rules.value("min_length", std::size_t{0})) s += " Et encore.";
    if (Utf8Length(s) > rules.value("max_length", std::size_t{500})) {
      s = std::string(rules["max_length"].get<std::size_t>(), 'a');
    }
    return s;
  }

  static std::string DateAnswer(const json& rules) {
    const bool has_min = rules.contains("min_date");
    const bool has_max = rules.contains("max_date");
    // Far from "today" so the Paris date (the server's) and the UTC date agree.
    if (has_min && has_max) {
      const Days lo = ParseDay(rules["min_date"]);
      const Days hi = ParseDay(rules["max_date"]);
      return FormatDay(lo + (hi - lo) / 2);
    }
    if (has_min) return FormatDay(ParseDay(rules["min_date"]) + std::chrono::days(30));
    if (has_max) return FormatDay(ParseDay(rules["max_date"]) - std::chrono::days(3650));
    return "2020-06-15";
  }

  // A complete submission for a service: its answers plus the location when
  // the definition asks for one.
  json Submission(const json& def, const json& answers) {
    json body = {{"data", answers}, {"contact", {{"email", kEmail}}}};
    if (def["location_based"] == true) {
      body["location"] = {{"lat", 45.764}, {"lon", 4.8357}, {"address", "1 place de la Mairie"}};
    }
    return body;
  }

  // Submits a complete form; returns the created request.
  json CreateValid(const std::string& slug, const json& overrides = json::object()) {
    const json def = Definition(slug);
    json answers = ValidAnswers(def["form"]["fields"]);
    answers.update(overrides);
    auto res = HttpJson(port(), "POST", "/api/v1/services/" + slug + "/requests",
                        Submission(def, answers));
    EXPECT_EQ(res.status, 201) << slug << ": " << res.body;
    return res.Json();
  }

  HttpResponse Transition(const std::string& ref, const std::string& to,
                          const std::string& comment = "") {
    json body = {{"to", to}};
    if (!comment.empty()) body["comment"] = comment;
    return HttpJson(port(), "POST", "/api/v1/requests/" + ref + "/transitions", body);
  }

  json Deadlines(const std::string& ref) {
    return Get("/api/v1/requests/" + ref + "/deadlines")["items"];
  }

  json Events(const std::string& ref) {
    return Get("/api/v1/requests/" + ref + "/events")["items"];
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_P(ProceduresTest, EveryDemoServiceAcceptsACompleteFormAndRefusesAnEmptyOne) {
  const json services = Get("/api/v1/services")["items"];
  ASSERT_EQ(services.size(), 8u) << services.dump();
  std::size_t attachments_checked = 0;
  for (const auto& service : services) {
    const std::string slug = service["id"];
    SCOPED_TRACE(slug);
    const json def = Definition(slug);
    ASSERT_EQ(def["slug"], slug);
    const json& fields = def["form"]["fields"];
    ASSERT_FALSE(fields.empty());
    const std::string path = "/api/v1/services/" + slug + "/requests";

    // An empty form: every missing answer is reported under "data.".
    auto empty = HttpJson(port(), "POST", path,
                          {{"data", json::object()}, {"contact", {{"email", kEmail}}}});
    ASSERT_EQ(empty.status, 400) << empty.body;
    const std::set<std::string> errors = ErrorFields(empty.Json());
    for (const auto& field : errors) {
      EXPECT_TRUE(field.starts_with("data.") || field == "location") << field;
    }
    bool required_reported = false;
    for (const auto& f : fields) {
      if (f["required"] == true && !f.contains("visible_if")) {
        EXPECT_TRUE(errors.count("data." + f["key"].get<std::string>()))
            << "no error for the required field " << f["key"] << " in " << empty.body;
        required_reported = true;
      }
    }
    EXPECT_TRUE(required_reported) << "no required field in " << slug;
    EXPECT_EQ(errors.count("location"), def["location_based"] == true ? 1u : 0u) << empty.body;

    // A complete form, built from the definition alone.
    const json answers = ValidAnswers(fields);
    auto created = HttpJson(port(), "POST", path, Submission(def, answers));
    ASSERT_EQ(created.status, 201) << created.body << "\nanswers: " << answers.dump();
    const json r = created.Json();
    const std::string ref = r["reference"];
    EXPECT_EQ(created.Header("location"), "/api/v1/requests/" + ref);
    EXPECT_EQ(r["service"], slug);
    EXPECT_EQ(r["status"], def["workflow"]["initial"]);
    const json expected = ExpectedData({fields, answers});
    EXPECT_EQ(r["data"], expected) << "sent: " << answers.dump();
    EXPECT_EQ(Get("/api/v1/requests/" + ref)["data"], expected);

    // The files now belong to the request, and its timeline says so.
    std::vector<std::string> files;
    CollectFileIds(fields, expected, files);
    const json events = Events(ref);
    for (const auto& id : files) {
      EXPECT_EQ(Get("/api/v1/uploads/" + id)["request_id"], r["id"]) << id;
      bool event = false;
      for (const auto& e : events) {
        event = event || (e["kind"] == "attachment" && e["data"]["upload"] == id);
      }
      EXPECT_TRUE(event) << "no attachment event for " << id << " in " << events.dump();
      ++attachments_checked;
    }
  }
  // Four demo services take files: the check above must have run.
  EXPECT_GE(attachments_checked, 4u);
}

TEST_P(ProceduresTest, FieldErrorsComeAllAtOnceInFrench) {
  const json def = Definition("inscription-scolaire");
  const json& fields = def["form"]["fields"];
  json answers = ValidAnswers(fields);
  const json child = answers["enfants"][0];
  ASSERT_EQ(child["cantine"], true);  // so that the meal choice is asked
  json second = child;
  second["date_naissance"] = FormatDay(TodayUtc() + std::chrono::days(400));
  second["ecole"] = "ecole_inconnue";
  json third = child;
  third["nom"] = "   ";
  third.erase("regime");
  answers["enfants"] = json::array({child, second, third});
  answers["email"] = "pas-une-adresse";
  answers["numero_caf"] = "12AB";

  const std::string path = "/api/v1/services/inscription-scolaire/requests";
  auto res = HttpJson(port(), "POST", path, Submission(def, answers));
  ASSERT_EQ(res.status, 400) << res.body;
  const json problem = res.Json();
  EXPECT_EQ(problem["detail"], "La demande contient des erreurs.");
  EXPECT_EQ(ErrorFields(problem),
            (std::set<std::string>{"data.email", "data.numero_caf",
                                   "data.enfants[1].date_naissance", "data.enfants[1].ecole",
                                   "data.enfants[2].nom", "data.enfants[2].regime"}))
      << res.body;
  EXPECT_EQ(ErrorDetail(problem, "data.email"),
            "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.");
  EXPECT_EQ(ErrorDetail(problem, "data.numero_caf"),
            "Le numéro d’allocataire CAF compte 7 chiffres.");
  EXPECT_EQ(ErrorDetail(problem, "data.enfants[1].date_naissance"),
            "La date ne peut pas être dans le futur.");
  EXPECT_EQ(ErrorDetail(problem, "data.enfants[1].ecole"), "Choisissez une des options proposées.");
  EXPECT_EQ(ErrorDetail(problem, "data.enfants[2].nom"), "Ce champ est obligatoire.");
  EXPECT_EQ(ErrorDetail(problem, "data.enfants[2].regime"), "Ce champ est obligatoire.");

  // Fixed where the paths pointed, the same form goes through (the files,
  // refused with the form, are still free to attach).
  answers["enfants"][1]["date_naissance"] = "2019-05-04";
  answers["enfants"][1]["ecole"] = "secteur";
  answers["enfants"][2]["nom"] = "Dupont";
  answers["enfants"][2]["cantine"] = false;  // no meal choice asked any more
  answers["email"] = kEmail;
  answers["numero_caf"] = "1234567";
  auto fixed = HttpJson(port(), "POST", path, Submission(def, answers));
  ASSERT_EQ(fixed.status, 201) << fixed.body;
  const json children = fixed.Json()["data"]["enfants"];
  ASSERT_EQ(children.size(), 3u);
  EXPECT_EQ(children[1]["ecole"], "secteur");
  EXPECT_EQ(children[2]["nom"], "Dupont");
  EXPECT_FALSE(children[2].contains("regime")) << children.dump();
  EXPECT_EQ(children[0]["regime"], child["regime"]);
  EXPECT_EQ(fixed.Json()["data"], ExpectedData({fields, answers}));
}

TEST_P(ProceduresTest, FilesAreTypedByContentNotByName) {
  // Text with an image's name is text.
  const std::string text = "Ceci n’est pas une photo.\n";
  auto fake = UploadRaw("photo.png", text);
  ASSERT_EQ(fake.status, 201) << fake.body;
  const json upload = fake.Json();
  EXPECT_EQ(upload["filename"], "photo.png");
  EXPECT_EQ(upload["content_type"], "text/plain");
  EXPECT_EQ(upload["size"], text.size());
  const std::string id = upload["id"];

  // The street report takes images only.
  const json def = Definition("signalement-voirie");
  json answers = ValidAnswers(def["form"]["fields"]);
  answers["photos"] = json::array({id});
  auto refused = HttpJson(port(), "POST", "/api/v1/services/signalement-voirie/requests",
                          Submission(def, answers));
  ASSERT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(ErrorFields(refused.Json()), std::set<std::string>{"data.photos"}) << refused.body;
  EXPECT_NE(ErrorDetail(refused.Json(), "data.photos").find("n’est pas d’un type accepté"),
            std::string::npos)
      << refused.body;
  EXPECT_EQ(Get("/api/v1/uploads/" + id)["request_id"], nullptr);

  // The bytes come back as a download of the sniffed type, never rendered.
  auto content = Http(port(), "GET", "/api/v1/uploads/" + id + "/content");
  ASSERT_EQ(content.status, 200);
  EXPECT_EQ(content.body, text);
  EXPECT_TRUE(content.Header("content-type").starts_with("text/plain"))
      << content.Header("content-type");
  EXPECT_EQ(content.Header("content-disposition"), "attachment");
  EXPECT_EQ(content.Header("x-content-type-options"), "nosniff");
  const std::string page = "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n";
  auto html = UploadRaw("rapport.pdf", page);
  ASSERT_EQ(html.status, 201) << html.body;
  EXPECT_EQ(html.Json()["content_type"], "text/html");
  auto html_content =
      Http(port(), "GET", "/api/v1/uploads/" + html.Json()["id"].get<std::string>() + "/content");
  EXPECT_EQ(html_content.body, page);
  EXPECT_EQ(html_content.Header("content-disposition"), "attachment");

  // An upload is attached once: a second request cannot claim it.
  answers["photos"] = json::array({Upload("vraie.png", PngBytes())});
  auto first = HttpJson(port(), "POST", "/api/v1/services/signalement-voirie/requests",
                        Submission(def, answers));
  ASSERT_EQ(first.status, 201) << first.body;
  auto second = HttpJson(port(), "POST", "/api/v1/services/signalement-voirie/requests",
                         Submission(def, answers));
  EXPECT_EQ(second.status, 400) << second.body;
  EXPECT_EQ(ErrorFields(second.Json()), std::set<std::string>{"data.photos"});

  // Limits at the edge.
  auto too_big = UploadRaw("enorme.bin", std::string((10 << 20) + 1, 'x'));
  EXPECT_EQ(too_big.status, 413);
  auto nameless = Http(port(), "POST", "/api/v1/uploads", PngBytes(),
                       {{"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(nameless.status, 400) << nameless.body;
  EXPECT_EQ(ErrorFields(nameless.Json()), std::set<std::string>{"filename"});
  auto empty = UploadRaw("vide.txt", "");
  EXPECT_EQ(empty.status, 400) << empty.body;
  EXPECT_EQ(Http(port(), "GET", "/api/v1/uploads/inconnu").status, 404);
  EXPECT_EQ(Http(port(), "GET", "/api/v1/uploads/inconnu/content").status, 404);
}

// The upload endpoint's limit is 10 MiB (http/limits.hpp kUploadBodyLimit),
// not the 1 MiB of JSON bodies.
TEST_P(ProceduresTest, UploadsAreAcceptedUpTo10MiB) {
  for (const std::size_t size : {std::size_t{2} << 20, std::size_t{10} << 20}) {
    std::string bytes = PdfBytes();
    bytes += std::string(size - bytes.size(), ' ');
    auto res = UploadRaw("plan.pdf", bytes);
    EXPECT_EQ(res.status, 201) << "an upload of " << size
                               << " bytes (within the 10 MiB upload limit) is refused: "
                               << res.body;
    if (res.status == 201) {
      EXPECT_EQ(res.Json()["size"], size);
    }
  }
  EXPECT_EQ(UploadRaw("plan.pdf", std::string((10 << 20) + 1, ' ')).status, 413);
}

TEST_P(ProceduresTest, DraftsSaveIncompleteFormsAndSubmitLater) {
  // Half a form with one bad answer: saved, with a warning for that answer only.
  auto created = HttpJson(port(), "POST", "/api/v1/services/question-generale/drafts",
                          {{"data", {{"objet", "Horaires d’été"}, {"thematique", "jardinage"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const json draft = created.Json();
  const std::string token = draft["token"];
  EXPECT_GE(token.size(), 32u);
  EXPECT_EQ(created.Header("location"), "/api/v1/drafts/" + token);
  EXPECT_EQ(draft["service"], "question-generale");
  EXPECT_GT(ParseUtc(draft["expires_at"]), NowUtc() + std::chrono::hours(1));
  ASSERT_EQ(draft["warnings"].size(), 1u) << created.body;
  EXPECT_EQ(draft["warnings"][0]["field"], "data.thematique");

  const std::string path = "/api/v1/drafts/" + token;
  EXPECT_EQ(Get(path)["data"], (json{{"objet", "Horaires d’été"}, {"thematique", "jardinage"}}));

  // More answers, a file among them.
  const std::string file = Upload("question.pdf", PdfBytes());
  json data = {{"objet", "Horaires d’été"},
               {"thematique", "autre"},
               {"rappel", true},
               {"telephone", kPhoneAnswer},
               {"pieces_jointes", {file}}};
  auto updated = HttpJson(port(), "PUT", path, {{"data", data}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.Json()["warnings"], json::array());
  EXPECT_EQ(Get(path)["data"], data);

  // Still incomplete: the submission says what is missing, the draft stays.
  const json contact = {{"contact", {{"email", kEmail}}}};
  auto incomplete = HttpJson(port(), "POST", path + "/submit", contact);
  ASSERT_EQ(incomplete.status, 400) << incomplete.body;
  EXPECT_EQ(ErrorFields(incomplete.Json()), std::set<std::string>{"data.message"});
  EXPECT_EQ(Http(port(), "GET", path).status, 200);
  auto with_data = HttpJson(port(), "POST", path + "/submit",
                            {{"data", data}, {"contact", {{"email", kEmail}}}});
  EXPECT_EQ(with_data.status, 400) << with_data.body;

  data["message"] = "La mairie est-elle ouverte le samedi matin en août ?";
  ASSERT_EQ(HttpJson(port(), "PUT", path, {{"data", data}}).status, 200);
  auto submitted = HttpJson(port(), "POST", path + "/submit", contact);
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const json r = submitted.Json();
  EXPECT_EQ(submitted.Header("location"), "/api/v1/requests/" + r["reference"].get<std::string>());
  EXPECT_EQ(r["service"], "question-generale");
  EXPECT_EQ(r["status"], "nouveau");
  EXPECT_EQ(r["title"], "Horaires d’été");
  EXPECT_EQ(r["description"], data["message"]);
  EXPECT_EQ(r["data"]["telephone"], kPhoneStored);
  EXPECT_EQ(r["data"]["pieces_jointes"], json::array({file}));
  EXPECT_EQ(Get("/api/v1/uploads/" + file)["request_id"], r["id"]);

  // Submitted means gone.
  EXPECT_EQ(Http(port(), "GET", path).status, 404);
  EXPECT_EQ(HttpJson(port(), "PUT", path, {{"data", data}}).status, 404);
  EXPECT_EQ(HttpJson(port(), "POST", path + "/submit", contact).status, 404);
  EXPECT_EQ(Http(port(), "GET", "/api/v1/drafts/pas-un-jeton").status, 404);
  EXPECT_EQ(HttpJson(port(), "POST", "/api/v1/services/inconnue/drafts", {{"data", json::object()}})
                .status,
            404);
  EXPECT_EQ(HttpJson(port(), "POST", "/api/v1/services/question-generale/drafts",
                     {{"data", json::object()}, {"surprise", 1}})
                .status,
            400);

  // A draft can be thrown away.
  auto other = HttpJson(port(), "POST", "/api/v1/services/encombrants/drafts",
                        {{"data", {{"logement", "maison"}}}});
  ASSERT_EQ(other.status, 201) << other.body;
  const std::string other_path = "/api/v1/drafts/" + other.Json()["token"].get<std::string>();
  EXPECT_EQ(Http(port(), "DELETE", other_path).status, 204);
  EXPECT_EQ(Http(port(), "GET", other_path).status, 404);
  EXPECT_EQ(Http(port(), "DELETE", other_path).status, 404);
}

TEST_P(ProceduresTest, TransitionsFollowTheWorkflowAndItsRoles) {
  // A company's skip on the street: SIRET and IBAN are asked and normalised.
  const json r =
      CreateValid("occupation-domaine-public", {{"demandeur", "entreprise"},
                                                {"type_occupation", "benne"},
                                                {"siret", "732 829 320 00074"},
                                                {"iban", "fr76 3000 6000 0112 3456 7890 189"}});
  ASSERT_TRUE(r.contains("reference")) << r.dump();
  const std::string ref = r["reference"];
  EXPECT_EQ(r["status"], "en_construction");
  EXPECT_EQ(r["data"]["siret"], "73282932000074");
  EXPECT_EQ(r["data"]["iban"], "FR7630006000011234567890189");
  EXPECT_EQ(r["due_at"], nullptr);  // the legal delay runs from the instruction

  const json listed = Get("/api/v1/requests/" + ref + "/transitions");
  EXPECT_EQ(listed["status"], "en_construction");
  std::map<std::string, json> by_name;
  for (const auto& t : listed["items"]) by_name[t["name"].get<std::string>()] = t;
  ASSERT_EQ(by_name.size(), 2u) << listed.dump();
  ASSERT_TRUE(by_name.count("passer_en_instruction")) << listed.dump();
  EXPECT_EQ(by_name["passer_en_instruction"]["label"], "Passer en instruction");
  EXPECT_EQ(by_name["passer_en_instruction"]["to"], "en_instruction");
  EXPECT_EQ(by_name["passer_en_instruction"]["roles"],
            json::array({"agent", "supervisor", "administrator"}));
  EXPECT_EQ(by_name["demander_correction"]["comment_required"], true);

  auto instruction = Transition(ref, "passer_en_instruction");
  ASSERT_EQ(instruction.status, 200) << instruction.body;
  EXPECT_EQ(instruction.Json()["status"], "en_instruction");
  EXPECT_EQ(instruction.Json()["category"], "open");

  // The legal two-month delay now runs, and is the request's due date.
  const json deadlines = Deadlines(ref);
  ASSERT_EQ(deadlines.size(), 1u) << deadlines.dump();
  EXPECT_EQ(deadlines[0]["name"], "instruction");
  EXPECT_EQ(deadlines[0]["legal"], true);
  EXPECT_EQ(deadlines[0]["state"], "running");
  EXPECT_FALSE(deadlines[0]["last_day"].get<std::string>().empty());
  const auto due = ParseUtc(deadlines[0]["due_at"]);
  EXPECT_GT(due, NowUtc() + std::chrono::days(58)) << deadlines.dump();
  EXPECT_LT(due, NowUtc() + std::chrono::days(64)) << deadlines.dump();
  EXPECT_EQ(Get("/api/v1/requests/" + ref)["due_at"], deadlines[0]["due_at"]);

  const json from_instruction = Get("/api/v1/requests/" + ref + "/transitions");
  bool tacit_listed = false;
  for (const auto& t : from_instruction["items"]) {
    if (t["name"] == "accepter_tacitement") {
      tacit_listed = true;
      EXPECT_EQ(t["roles"], json::array({"system"}));
    }
  }
  EXPECT_TRUE(tacit_listed) << from_instruction.dump();

  // Only the engine decides by silence.
  auto tacit = Transition(ref, "accepter_tacitement");
  EXPECT_EQ(tacit.status, 403) << tacit.body;
  EXPECT_EQ(Get("/api/v1/requests/" + ref)["status"], "en_instruction");

  auto no_comment = Transition(ref, "refuser");
  EXPECT_EQ(no_comment.status, 400) << no_comment.body;
  EXPECT_EQ(ErrorFields(no_comment.Json()), std::set<std::string>{"comment"});

  auto illegal = Transition(ref, "en_construction_directe");
  ASSERT_EQ(illegal.status, 422) << illegal.body;
  std::set<std::string> allowed;
  const json illegal_problem = illegal.Json();
  for (const auto& a : illegal_problem["allowed"]) allowed.insert(a.get<std::string>());
  EXPECT_EQ(allowed, (std::set<std::string>{"correction_demandee", "accepte", "refuse",
                                            "sans_suite", "en_construction"}))
      << illegal.body;

  auto refused = Transition(ref, "refuser", "L’emprise laisse moins de 1,40 m aux piétons.");
  ASSERT_EQ(refused.status, 200) << refused.body;
  EXPECT_EQ(refused.Json()["status"], "refuse");
  EXPECT_EQ(refused.Json()["category"], "rejected");
  EXPECT_NE(refused.Json()["closed_at"], nullptr);
  EXPECT_EQ(refused.Json()["due_at"], nullptr);
  EXPECT_EQ(Deadlines(ref), json::array());  // the decision stops the delay

  // Reopening a decision is for supervisors; the loopback API is an agent.
  auto reopen = Transition(ref, "repasser_en_instruction", "Recours gracieux reçu.");
  EXPECT_EQ(reopen.status, 403) << reopen.body;
  EXPECT_EQ(Get("/api/v1/requests/" + ref)["status"], "refuse");
}

TEST_P(ProceduresTest, CitizenAnswersACorrectionRequestWithProof) {
  // The vulnerable-persons register: its delay is suspended, not restarted,
  // while the citizen corrects.
  const json def = Definition("registre-canicule");
  json answers = ValidAnswers(def["form"]["fields"]);
  auto created = HttpJson(port(), "POST", "/api/v1/services/registre-canicule/requests",
                          Submission(def, answers));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string ref = created.Json()["reference"];
  const std::string path = "/api/v1/requests/" + ref;
  ASSERT_EQ(Transition(ref, "passer_en_instruction").status, 200);
  const json running = Deadlines(ref);
  ASSERT_EQ(running.size(), 1u) << running.dump();
  ASSERT_EQ(running[0]["state"], "running");
  const auto due_before = ParseUtc(running[0]["due_at"]);

  EXPECT_EQ(Transition(ref, "demander_correction").status, 400);  // a comment is required
  auto asked = Transition(ref, "demander_correction", "Indiquez le nom du médecin traitant.");
  ASSERT_EQ(asked.status, 200) << asked.body;
  EXPECT_EQ(asked.Json()["status"], "correction_demandee");
  EXPECT_EQ(asked.Json()["category"], "waiting_citizen");
  EXPECT_EQ(asked.Json()["due_at"], nullptr);
  const json suspended = Deadlines(ref);
  ASSERT_EQ(suspended.size(), 1u);
  EXPECT_EQ(suspended[0]["state"], "suspended");
  EXPECT_EQ(suspended[0]["due_at"], nullptr);

  // Only whoever gave the request's email (or phone) may answer.
  answers["medecin"] = "Docteur Martin, 3 rue Pasteur";
  const std::string message = "J’ai ajouté le nom de mon médecin.";
  auto stranger = HttpJson(port(), "POST", path + "/corrections",
                           {{"email", "voisin@example.org"}, {"data", answers}, {"message", "x"}});
  EXPECT_EQ(stranger.status, 403) << stranger.body;
  auto anonymous =
      HttpJson(port(), "POST", path + "/corrections", {{"data", answers}, {"message", "x"}});
  EXPECT_EQ(anonymous.status, 400) << anonymous.body;
  json bad = answers;
  bad["telephone"] = "pas un numéro";
  auto invalid = HttpJson(port(), "POST", path + "/corrections",
                          {{"email", kEmail}, {"data", bad}, {"message", message}});
  EXPECT_EQ(invalid.status, 400) << invalid.body;
  EXPECT_EQ(ErrorFields(invalid.Json()), std::set<std::string>{"data.telephone"});
  EXPECT_EQ(Get(path)["status"], "correction_demandee");

  auto corrected =
      HttpJson(port(), "POST", path + "/corrections",
               {{"email", "Jeanne@Example.org"}, {"data", answers}, {"message", message}});
  ASSERT_EQ(corrected.status, 200) << corrected.body;
  const json r = corrected.Json();
  EXPECT_EQ(r["status"], "en_instruction");  // the workflow's `corriger`
  EXPECT_EQ(r["category"], "open");
  EXPECT_EQ(r["data"]["medecin"], "Docteur Martin, 3 rue Pasteur");
  EXPECT_EQ(r["data"], ExpectedData({def["form"]["fields"], answers}));

  // The delay runs again with what was left of it.
  const json resumed = Deadlines(ref);
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0]["state"], "running");
  const auto due_after = ParseUtc(resumed[0]["due_at"]);
  EXPECT_GE(due_after, due_before);
  EXPECT_LT(due_after, due_before + std::chrono::minutes(2)) << resumed.dump();
  EXPECT_EQ(r["due_at"], resumed[0]["due_at"]);

  const json events = Events(ref);
  std::vector<json> answered;
  for (const auto& e : events) {
    if (e["kind"] == "message_in" && e["body"] == message) answered.push_back(e);
  }
  ASSERT_EQ(answered.size(), 1u) << events.dump();
  EXPECT_EQ(answered[0]["channel"], "web");
  EXPECT_EQ(answered[0]["data"]["correction"], true);

  // Nothing is waiting any more.
  auto again = HttpJson(port(), "POST", path + "/corrections",
                        {{"email", kEmail}, {"message", "Encore moi."}});
  EXPECT_EQ(again.status, 422) << again.body;
}

// A correction resends the whole form; the files already attached to the
// request are part of it and must not have to be uploaded again.
TEST_P(ProceduresTest, CorrectionKeepsTheFilesAlreadyAttached) {
  const json def = Definition("occupation-domaine-public");
  const json answers = ValidAnswers(def["form"]["fields"]);
  auto created = HttpJson(port(), "POST", "/api/v1/services/occupation-domaine-public/requests",
                          Submission(def, answers));
  ASSERT_EQ(created.status, 201) << created.body;
  const json r = created.Json();
  const std::string ref = r["reference"];
  const std::string plan = answers["plan"][0];
  ASSERT_EQ(Get("/api/v1/uploads/" + plan)["request_id"], r["id"]);
  ASSERT_EQ(Transition(ref, "passer_en_instruction").status, 200);
  ASSERT_EQ(Transition(ref, "demander_correction", "Précisez la surface.").status, 200);

  json corrected = answers;
  corrected["surface"] = 12.5;
  auto kept = HttpJson(port(), "POST", "/api/v1/requests/" + ref + "/corrections",
                       {{"email", kEmail}, {"data", corrected}, {"message", "Surface précisée."}});
  EXPECT_EQ(kept.status, 200) << "a correction that keeps the plan already attached to this "
                                 "very request is refused: "
                              << kept.body;
  if (kept.status == 200) {
    EXPECT_EQ(kept.Json()["data"]["surface"], 12.5);
    EXPECT_EQ(kept.Json()["data"]["plan"], json::array({plan}));
    ASSERT_EQ(Transition(ref, "demander_correction", "Le plan est illisible.").status, 200);
  }

  // A new file sent with a correction is attached and shows in the timeline.
  const std::string new_plan = Upload("plan-v2.png", PngBytes());
  corrected["plan"] = json::array({new_plan});
  auto replaced =
      HttpJson(port(), "POST", "/api/v1/requests/" + ref + "/corrections",
               {{"email", kEmail}, {"data", corrected}, {"message", "Nouveau plan joint."}});
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(replaced.Json()["data"]["plan"], json::array({new_plan}));
  EXPECT_EQ(Get("/api/v1/uploads/" + new_plan)["request_id"], r["id"]);
  bool event = false;
  const json events = Events(ref);
  for (const auto& e : events) {
    event = event || (e["kind"] == "attachment" && e["data"]["upload"] == new_plan);
  }
  EXPECT_TRUE(event) << "a file attached by a correction has no attachment event (a file "
                        "attached at creation has one): "
                     << events.dump();
}

TEST_P(ProceduresTest, CatalogueReloadKeepsTheLastGoodOne) {
  TempDir dir;
  const std::string catalogue = CopyCatalogue(dir);
  Restart({{"GUICHET_CATALOGUE", catalogue}});
  const std::string file = catalogue + "/" + kQuestionFile;
  const std::string original = ReadFile(file);
  const std::string target = "/api/v1/services/question-generale";
  const std::string title = Get(target)["title"];
  ASSERT_EQ(title, "Poser une question à la mairie");

  // A broken file is refused, naming the file and the line; the old catalogue serves on.
  const int line = ReplaceInFile(file, kFirstFieldType, "type = \"banane\"");
  auto broken = HttpJson(port(), "POST", "/api/v1/admin/catalogue/reload", json::object());
  ASSERT_EQ(broken.status, 422) << broken.body;
  const json problems = broken.Json()["problems"];
  ASSERT_EQ(problems.size(), 1u) << broken.body;
  const std::string problem = problems[0];
  EXPECT_TRUE(problem.starts_with(std::string(kQuestionFile) + ":" + std::to_string(line) + ":"))
      << problem;
  EXPECT_NE(problem.find("banane"), std::string::npos) << problem;
  EXPECT_EQ(Get(target)["title"], title);
  EXPECT_EQ(Get("/api/v1/services")["items"].size(), 8u);
  EXPECT_EQ(CreateValid("question-generale")["status"], "nouveau");

  // Fixed, with a new title: the reload installs it.
  WriteFile(file, original);
  ReplaceInFile(file, kQuestionTitle, "title = \"Poser une question à la mairie (v2)\"");
  auto reloaded = HttpJson(port(), "POST", "/api/v1/admin/catalogue/reload", json::object());
  ASSERT_EQ(reloaded.status, 200) << reloaded.body;
  EXPECT_EQ(reloaded.Json()["status"], "reloaded");
  EXPECT_EQ(reloaded.Json()["procedures"], 8);
  EXPECT_EQ(Get(target)["title"], "Poser une question à la mairie (v2)");

  // SIGHUP reloads too: a broken file is logged and ignored, a good one installed.
  const auto poll = [](const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  };
  ReplaceInFile(file, kFirstFieldType, "type = \"banane\"");
  ASSERT_EQ(kill(server_->pid(), SIGHUP), 0);
  EXPECT_TRUE(poll([&] {
    return server_->ReadLog().find("catalogue non rechargé") != std::string::npos;
  })) << server_->ReadLog();
  EXPECT_EQ(Get(target)["title"], "Poser une question à la mairie (v2)");
  WriteFile(file, original);
  ReplaceInFile(file, kQuestionTitle, "title = \"Poser une question à la mairie (v3)\"");
  ASSERT_EQ(kill(server_->pid(), SIGHUP), 0);
  EXPECT_TRUE(poll([&] {
    return Http(port(), "GET", target).Json()["title"] == "Poser une question à la mairie (v3)";
  })) << Get(target).dump();
  EXPECT_EQ(Http(port(), "GET", "/readyz").status, 200);
}

TEST_P(ProceduresTest, ServerRefusesToStartOnAnInvalidCatalogue) {
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  server_.reset();
  TempDir dir;
  const std::string catalogue = CopyCatalogue(dir);
  const int line =
      ReplaceInFile(catalogue + "/" + kQuestionFile, kFirstFieldType, "type = \"banane\"");
  const std::string where = std::string(kQuestionFile) + ":" + std::to_string(line) + ":";

  std::string out;
  const unsigned short free_port = FreePort();
  EXPECT_EQ(RunGuichet({"serve"},
                       {{"GUICHET_CATALOGUE", catalogue},
                        {"GUICHET_DATABASE", db_->url()},
                        {"GUICHET_LISTEN", "127.0.0.1:" + std::to_string(free_port)}},
                       out),
            4)
      << out;
  EXPECT_NE(out.find(where), std::string::npos) << out;
  EXPECT_NE(out.find("banane"), std::string::npos) << out;

  EXPECT_EQ(RunGuichet({"catalogue", "check", catalogue}, {}, out), 1) << out;
  EXPECT_NE(out.find(catalogue + "/" + where), std::string::npos) << out;
  EXPECT_NE(out.find("catalogue invalide : 1 erreur"), std::string::npos) << out;

  EXPECT_EQ(RunGuichet({"catalogue", "check", kSourceCatalogue}, {}, out), 0) << out;
  EXPECT_NE(out.find("catalogue valide : 8 démarches, 3 workflows, 7 équipes"), std::string::npos)
      << out;
}

INSTANTIATE_TEST_SUITE_P(Databases, ProceduresTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace guichet::testing
