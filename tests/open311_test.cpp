// Open311 GeoReport v2 conformance and round trips: the real binary over
// HTTP on SQLite and PostgreSQL, every endpoint in XML (parsed with libxml2)
// and JSON (validated against JSON Schemas written from the spec, in
// tests/open311/schemas.json); API keys and the store's Open311 queries on
// both databases.
#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/time.hpp"
#include "domain/api_keys.hpp"
#include "storage/open.hpp"
#include "support/test_support.hpp"

namespace guichet::testing {
namespace {

using nlohmann::json;

constexpr const char* kService = "signalement-voirie";
constexpr const char* kSchemas = GUICHET_SOURCE_DIR "/tests/open311/validate.py";
constexpr const char* kPrefix = "/open311/v2";
// Personal data posted with reports; none may appear in a public answer.
constexpr const char* kFirstName = "Josiane";
constexpr const char* kLastName = "Belcourt-Personnel";
constexpr const char* kEmail = "josiane.belcourt@example.org";
constexpr const char* kPhone = "0611223344";
constexpr const char* kPhoneE164 = "+33611223344";

// A parsed XML document (libxml2), freed on scope exit.
struct Xml {
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc{nullptr, &xmlFreeDoc};
  xmlNode* root() const { return doc ? xmlDocGetRootElement(doc.get()) : nullptr; }
};

Xml ParseXml(const std::string& body) {
  Xml x;
  x.doc.reset(xmlReadMemory(body.data(), static_cast<int>(body.size()), "answer.xml", nullptr,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  return x;
}

std::string Name(const xmlNode* n) { return reinterpret_cast<const char*>(n->name); }

std::vector<xmlNode*> Children(const xmlNode* n, const std::string& name = "") {
  std::vector<xmlNode*> out;
  for (xmlNode* c = n ? n->children : nullptr; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && (name.empty() || Name(c) == name)) out.push_back(c);
  }
  return out;
}

std::string Text(const xmlNode* n, const std::string& child) {
  for (xmlNode* c : Children(n, child)) {
    xmlChar* t = xmlNodeGetContent(c);
    std::string s = t ? reinterpret_cast<const char*>(t) : "";
    xmlFree(t);
    return s;
  }
  return "<absent>";
}

// Runs the spec's JSON Schema for `schema` over `body`; "" when valid.
std::string SchemaViolations(const std::string& schema, const std::string& body) {
  TempDir dir;
  const std::string in = dir.path() + "/answer.json", out = dir.path() + "/out.txt";
  std::ofstream(in) << body;
  const std::string cmd =
      std::string("python3 ") + kSchemas + " " + schema + " < " + in + " > " + out + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream f(out);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return rc == 0 ? "" : "schema " + schema + ": " + text;
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    for (const std::string* s : {&k, &v}) {
      for (unsigned char c : *s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          out += static_cast<char>(c);
        } else {
          char buf[4];
          std::snprintf(buf, sizeof buf, "%%%02X", c);
          out += buf;
        }
      }
      if (s == &k) out += '=';
    }
  }
  return out;
}

using Form = std::vector<std::pair<std::string, std::string>>;

// A complete, valid report of the demo's street-issue service.
Form ValidReport(const std::string& key) {
  return {{"api_key", key},
          {"service_code", kService},
          {"lat", "45.7640"},
          {"long", "4.8357"},
          {"address_string", "12 rue de la République"},
          {"description", "Nid-de-poule profond <dangereux> & mal signalé devant le n° 12"},
          {"attribute[nature]", "nid_de_poule"},
          {"attribute[danger]", "true"},
          {"email", kEmail},
          {"first_name", kFirstName},
          {"last_name", kLastName},
          {"phone", kPhone},
          {"device_id", "device-42"},
          {"media_url", "https://photos.example.org/p/1.jpg"}};
}

class Open311Test : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    std::string out;
    ASSERT_EQ(RunGuichet({"seed-demo"}, {{"GUICHET_DATABASE", db_->url()}}, out), 0) << out;
    key_ = CreateKey("Application de test");
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

  std::string CreateKey(const std::string& name) {
    std::string out;
    EXPECT_EQ(RunGuichet({"api-key", "create", "--name", name, "--scope", "open311"},
                         {{"GUICHET_DATABASE", db_->url()}}, out),
              0)
        << out;
    return ApiKeyPrinted(out);
  }

  HttpResponse Get(const std::string& path) { return Http(server_->port(), "GET", kPrefix + path); }
  HttpResponse Post(const std::string& path, const Form& form,
                    std::map<std::string, std::string> headers = {}) {
    headers.emplace("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    return Http(server_->port(), "POST", kPrefix + path, FormEncode(form), headers);
  }

  // Posts a valid report; returns its service_request_id.
  std::string Report() {
    auto res = Post("/requests.json", ValidReport(key_));
    EXPECT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(SchemaViolations("post_response", res.body), "");
    return res.Json()[0]["service_request_id"].get<std::string>();
  }

  // The audit log's line for a POST to `route` about a request; null when
  // none came.
  json AuditOfPost(const std::string& reference, const std::string& route) {
    auto r = Http(server_->port(), "GET", "/api/v1/requests/" + reference);
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string id = std::to_string(r.Json()["id"].get<std::int64_t>());
    return AuditLine(server_->port(), "action=POST&request_id=" + id, route);
  }

  static void ExpectXml(const HttpResponse& res, const std::string& root) {
    EXPECT_EQ(res.Header("content-type"), "text/xml; charset=utf-8");
    EXPECT_EQ(res.body.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u) << res.body;
    Xml x = ParseXml(res.body);
    ASSERT_NE(x.root(), nullptr) << "XML mal formé : " << res.body;
    EXPECT_EQ(Name(x.root()), root);
  }

  static void ExpectJson(const HttpResponse& res, const std::string& schema) {
    EXPECT_EQ(res.Header("content-type"), "application/json; charset=utf-8");
    EXPECT_EQ(SchemaViolations(schema, res.body), "") << res.body;
  }

  // The errors of an answer, both checks of the spec's shape done.
  static std::vector<std::string> XmlErrors(const HttpResponse& res, int status) {
    EXPECT_EQ(res.status, status) << res.body;
    ExpectXml(res, "errors");
    std::vector<std::string> out;
    Xml x = ParseXml(res.body);
    for (xmlNode* e : Children(x.root(), "error")) {
      EXPECT_EQ(Text(e, "code"), std::to_string(status));
      out.push_back(Text(e, "description"));
    }
    return out;
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ServerProcess> server_;
  std::string key_;
};

TEST_P(Open311Test, DiscoveryListsTheEndpointInBothFormats) {
  auto xml = Get("/discovery.xml");
  EXPECT_EQ(xml.status, 200);
  ExpectXml(xml, "discovery");
  Xml x = ParseXml(xml.body);
  auto endpoints = Children(Children(x.root(), "endpoints").at(0), "endpoint");
  ASSERT_EQ(endpoints.size(), 1u);
  EXPECT_EQ(Text(endpoints[0], "specification"), "http://wiki.open311.org/GeoReport_v2");
  EXPECT_EQ(Children(Children(endpoints[0], "formats").at(0), "format").size(), 2u);
  auto js = Get("/discovery.json");
  EXPECT_EQ(js.status, 200);
  ExpectJson(js, "discovery");
  EXPECT_NE(js.Json()["endpoints"][0]["url"].get<std::string>().find("/open311/v2"),
            std::string::npos);
}

TEST_P(Open311Test, ServicesListOnlyTheProceduresPublishedOnOpen311) {
  auto xml = Get("/services.xml");
  EXPECT_EQ(xml.status, 200);
  ExpectXml(xml, "services");
  Xml x = ParseXml(xml.body);
  auto services = Children(x.root(), "service");
  ASSERT_EQ(services.size(), 1u);
  EXPECT_EQ(Text(services[0], "service_code"), kService);
  EXPECT_EQ(Text(services[0], "metadata"), "true");
  EXPECT_EQ(Text(services[0], "type"), "realtime");
  EXPECT_EQ(Text(services[0], "group"), "Voirie et propreté");
  EXPECT_NE(Text(services[0], "keywords").find("nid-de-poule, "), std::string::npos);
  auto js = Get("/services.json");
  ExpectJson(js, "services");
  EXPECT_EQ(js.Json()[0]["service_code"], kService);
}

TEST_P(Open311Test, ServiceDefinitionMapsTheFormFieldsToAttributes) {
  auto js = Get(std::string("/services/") + kService + ".json");
  EXPECT_EQ(js.status, 200);
  ExpectJson(js, "service_definition");
  const json def = js.Json();
  EXPECT_EQ(def["service_code"], kService);
  std::map<std::string, json> by_code;
  int order = 0;
  for (const auto& a : def["attributes"]) {
    EXPECT_EQ(a["order"], ++order);
    by_code[a["code"]] = a;
  }
  EXPECT_EQ(by_code["nature"]["datatype"], "singlevaluelist");
  EXPECT_EQ(by_code["nature"]["required"], true);
  EXPECT_EQ(by_code["nature"]["description"], "Nature du problème");
  EXPECT_EQ(by_code["nature"]["values"][0]["key"], "nid_de_poule");
  EXPECT_EQ(by_code["danger"]["datatype"], "singlevaluelist");
  EXPECT_EQ(by_code["danger"]["values"].size(), 2u);
  EXPECT_EQ(by_code["precision_lieu"]["datatype"], "string");
  EXPECT_EQ(by_code["precision_lieu"]["required"], false);
  // Shown only for street lights: never always required.
  EXPECT_EQ(by_code["numero_lampadaire"]["required"], false);
  EXPECT_FALSE(by_code["numero_lampadaire"]["datatype_description"].is_null());
  // The title comes from the description when not given; the description is Open311's own.
  EXPECT_EQ(by_code["titre"]["required"], false);
  EXPECT_EQ(by_code.count("description"), 0u);
  EXPECT_EQ(by_code.count("photos"), 0u) << "files travel as media_url";

  auto xml = Get(std::string("/services/") + kService + ".xml");
  ExpectXml(xml, "service_definition");
  Xml x = ParseXml(xml.body);
  auto attrs = Children(Children(x.root(), "attributes").at(0), "attribute");
  EXPECT_EQ(attrs.size(), def["attributes"].size());

  EXPECT_EQ(XmlErrors(Get("/services/inconnu.xml"), 404).size(), 1u);
  // A procedure not published on Open311 does not exist here.
  EXPECT_EQ(XmlErrors(Get("/services/acte-naissance.xml"), 404).size(), 1u);
  auto bad = Get("/services/inconnu.json");
  EXPECT_EQ(bad.status, 404);
  ExpectJson(bad, "errors");
}

TEST_P(Open311Test, PostNeedsAValidOpen311Key) {
  Form form = ValidReport("");
  form.erase(form.begin());
  auto missing = XmlErrors(Post("/requests.xml", form), 403);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_NE(missing[0].find("api_key"), std::string::npos);
  XmlErrors(Post("/requests.xml", ValidReport("gk_faux")), 403);
  auto json_403 = Post("/requests.json", ValidReport("gk_faux"));
  EXPECT_EQ(json_403.status, 403);
  ExpectJson(json_403, "errors");

  // The key in an Authorization header works too.
  auto bearer = Post("/requests.xml", form, {{"Authorization", "Bearer " + key_}});
  EXPECT_EQ(bearer.status, 200) << bearer.body;
  ExpectXml(bearer, "service_requests");

  // A key revoked by the command line (another process) is refused once the
  // server's recheck delay has passed since it last read the key.
  std::string out;
  ASSERT_EQ(RunGuichet({"api-key", "list"}, {{"GUICHET_DATABASE", db_->url()}}, out), 0);
  EXPECT_NE(out.find("Application de test"), std::string::npos) << out;
  EXPECT_EQ(out.find(key_), std::string::npos) << "the secret is shown only once";
  ASSERT_EQ(RunGuichet({"api-key", "revoke", "1"}, {{"GUICHET_DATABASE", db_->url()}}, out), 0)
      << out;
  std::this_thread::sleep_for(std::chrono::microseconds(domain::kApiKeyRecheckDelay));
  auto revoked = XmlErrors(Post("/requests.xml", ValidReport(key_)), 403);
  EXPECT_NE(revoked.at(0).find("révoquée"), std::string::npos);
}

TEST_P(Open311Test, PostReportsEveryErrorAtOnceInFrench) {
  Form form = {{"api_key", key_}, {"service_code", kService},  {"lat", "quarante-cinq"},
               {"long", "4.8"},   {"attribute[inconnu]", "x"}, {"media_url", "ftp://x"}};
  auto errs = XmlErrors(Post("/requests.xml", form), 400);
  auto has = [&](const std::string& prefix) {
    return std::any_of(errs.begin(), errs.end(),
                       [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
  };
  EXPECT_TRUE(has("lat : ")) << ::testing::PrintToString(errs);
  EXPECT_TRUE(has("attribute[inconnu] : "));
  EXPECT_TRUE(has("attribute[nature] : "));
  EXPECT_TRUE(has("attribute[danger] : "));
  EXPECT_TRUE(has("description : "));
  EXPECT_TRUE(has("media_url : "));

  auto choice = Post("/requests.json", [&] {
    Form f = ValidReport(key_);
    f.push_back({"attribute[nature]", "volcan"});
    for (auto& kv : f) {
      if (kv.first == "attribute[nature]") kv.second = "volcan";
    }
    return f;
  }());
  EXPECT_EQ(choice.status, 400) << choice.body;
  ExpectJson(choice, "errors");

  Form unknown = ValidReport(key_);
  unknown[1].second = "inconnu";
  XmlErrors(Post("/requests.xml", unknown), 404);
  Form no_service = ValidReport(key_);
  no_service.erase(no_service.begin() + 1);
  XmlErrors(Post("/requests.xml", no_service), 400);
  Form too_long = ValidReport(key_);
  too_long[5].second = std::string(4001, 'a');
  auto long_errs = XmlErrors(Post("/requests.xml", too_long), 400);
  EXPECT_NE(long_errs.at(0).find("4 000"), std::string::npos);
  // Not form-encoded.
  auto wrong_type = Http(server_->port(), "POST", std::string(kPrefix) + "/requests.xml", "{}",
                         {{"Content-Type", "application/json"}});
  XmlErrors(wrong_type, 400);
}

TEST_P(Open311Test, AReportReachesTheBackOfficeAndItsClosingIsPublished) {
  const std::string id = Report();
  // The back-office sees it, from channel open311, with the reporter's contact.
  auto back = Http(server_->port(), "GET", "/api/v1/requests/" + id);
  ASSERT_EQ(back.status, 200) << back.body;
  const json r = back.Json();
  EXPECT_EQ(r["channel"], "open311");
  EXPECT_EQ(r["service"], kService);
  EXPECT_EQ(r["contact"]["email"], kEmail);
  EXPECT_EQ(r["data"]["nature"], "nid_de_poule");
  EXPECT_EQ(r["data"]["danger"], true);
  EXPECT_FALSE(r["data"]["titre"].get<std::string>().empty());
  // The audit log says which request the report created, under its reference.
  const std::string post_route = std::string(kPrefix) + "/requests.json";
  const json created = AuditOfPost(id, post_route);
  ASSERT_FALSE(created.is_null()) << "no POST " << post_route << " in the audit of " << id;
  EXPECT_EQ(created["record"]["id"], id) << created.dump();
  EXPECT_EQ(created["purpose"], "Traitement de la demande " + id);

  auto open = Get("/requests/" + id + ".xml");
  EXPECT_EQ(open.status, 200);
  ExpectXml(open, "service_requests");
  Xml x = ParseXml(open.body);
  auto reqs = Children(x.root(), "request");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(Text(reqs[0], "status"), "open");
  // Escaped on the way out, intact once parsed.
  EXPECT_EQ(Text(reqs[0], "description"),
            "Nid-de-poule profond <dangereux> & mal signalé devant le n° 12");
  EXPECT_EQ(Text(reqs[0], "agency_responsible"), "Voirie et espaces publics");
  EXPECT_EQ(Text(reqs[0], "media_url"), "https://photos.example.org/p/1.jpg");
  EXPECT_EQ(Text(reqs[0], "lat"), "45.764");

  // An agent resolves it: Open311 shows it closed, FixMyStreet's updates say FIXED.
  auto t = HttpJson(server_->port(), "POST", "/api/v1/requests/" + id + "/transitions",
                    {{"to", "resolu"}, {"comment", "Trou rebouché."}});
  ASSERT_EQ(t.status, 200) << t.body;
  auto closed = Get("/requests/" + id + ".json?extensions=true");
  ExpectJson(closed, "requests");
  const json c = closed.Json()[0];
  EXPECT_EQ(c["status"], "closed");
  EXPECT_NE(c["status_notes"].get<std::string>().find("Trou rebouché."), std::string::npos);
  EXPECT_EQ(c["extended_attributes"]["channel"], "open311");
  EXPECT_EQ(c["extended_attributes"]["notes"].back()["description"], "Résolu");
  auto list = Get("/requests.json?status=closed&service_code=" + std::string(kService));
  ExpectJson(list, "requests");
  bool listed = false;
  for (const auto& item : list.Json()) listed = listed || item["service_request_id"] == id;
  EXPECT_TRUE(listed) << list.body;
  auto updates = Get("/servicerequestupdates.json");
  ExpectJson(updates, "updates");
  bool fixed = false;
  for (const auto& u : updates.Json()) {
    fixed = fixed || (u["service_request_id"] == id && u["status"] == "FIXED");
  }
  EXPECT_TRUE(fixed) << updates.body;
  ExpectXml(Get("/servicerequestupdates.xml"), "service_requests_updates");

  auto token = Get("/tokens/" + id + ".json");
  ExpectJson(token, "tokens");
  EXPECT_EQ(token.Json()[0]["service_request_id"], id);
  XmlErrors(Get("/tokens/GU-2020-BBBBBB.xml"), 404);
}

TEST_P(Open311Test, PublicAnswersCarryNoPersonalData) {
  const std::string id = Report();
  for (const std::string& path : std::vector<std::string>{
           "/requests.xml", "/requests.json", "/requests.json?extensions=true",
           "/requests.xml?extensions=true", "/requests/" + id + ".xml",
           "/requests/" + id + ".json?extensions=true", "/servicerequestupdates.json"}) {
    auto res = Get(path);
    EXPECT_EQ(res.status, 200) << path;
    for (const char* secret : {kFirstName, kLastName, kEmail, kPhone, kPhoneE164, "device-42"}) {
      EXPECT_EQ(res.body.find(secret), std::string::npos) << path << " shows " << secret;
    }
  }
  ExpectJson(Get("/requests.json"), "requests");
  // Requests of procedures not published on Open311 stay out of reach.
  auto other = Http(server_->port(), "GET", "/api/v1/requests?limit=100");
  for (const auto& item : other.Json()["items"]) {
    if (item["service"] == kService) continue;
    XmlErrors(Get("/requests/" + item["reference"].get<std::string>() + ".xml"), 404);
    break;
  }
  // Numeric ids are not references: no enumeration.
  XmlErrors(Get("/requests/1.xml"), 404);
}

TEST_P(Open311Test, RequestSearchesFollowTheSpec) {
  const std::string a = Report(), b = Report();
  // A list of ids overrides everything else.
  auto ids = Get("/requests.json?service_request_id=" + a + "," + b + "&status=closed");
  ExpectJson(ids, "requests");
  EXPECT_EQ(ids.Json().size(), 2u);
  // Ninety days at most; W3C dates; known statuses.
  XmlErrors(Get("/requests.xml?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"),
            400);
  XmlErrors(Get("/requests.xml?start_date=hier"), 400);
  XmlErrors(Get("/requests.xml?status=ouvert"), 400);
  // An empty parameter is an absent one.
  EXPECT_EQ(Get("/requests.json?status=&service_code=").status, 200);
  // Paging and places.
  auto page = Get("/requests.json?page_size=1&page=2&service_code=" + std::string(kService));
  ExpectJson(page, "requests");
  EXPECT_EQ(page.Json().size(), 1u);
  auto inside = Get("/requests.json?bbox=4.83,45.76,4.84,45.77");
  EXPECT_GE(inside.Json().size(), 2u) << inside.body;
  auto outside = Get("/requests.json?bbox=2.0,48.0,2.1,48.1");
  EXPECT_EQ(outside.Json().size(), 0u) << outside.body;
  auto near = Get("/requests.json?lat=45.7641&long=4.8358&radius=50");
  EXPECT_GE(near.Json().size(), 2u) << near.body;
  auto far = Get("/requests.json?lat=45.80&long=4.8357&radius=100");
  EXPECT_EQ(far.Json().size(), 0u) << far.body;
  XmlErrors(Get("/requests.xml?bbox=1,2,3"), 400);
  // The whole world, and a box past its edges, find what is in it.
  auto world = Get("/requests.json?bbox=-180,-90,180,90");
  EXPECT_GE(world.Json().size(), 2u) << world.body;
  auto beyond = Get("/requests.json?bbox=-1e300,-1e300,1e300,1e300");
  EXPECT_GE(beyond.Json().size(), 2u) << beyond.body;
  // Unknown formats are unknown resources.
  EXPECT_EQ(Get("/services/" + std::string(kService) + ".html").status, 404);
}

TEST_P(Open311Test, JurisdictionIsCheckedWhenConfigured) {
  EXPECT_EQ(Get("/services.xml?jurisdiction_id=nimporte.fr").status, 200) << "not configured";
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  server_ = std::make_unique<ServerProcess>(
      db_->url(), std::map<std::string, std::string>{{"GUICHET_OPEN311_JURISDICTION", "ville.fr"}});
  server_->Start();
  XmlErrors(Get("/services.xml?jurisdiction_id=autre.fr"), 404);
  EXPECT_EQ(Get("/services.xml?jurisdiction_id=ville.fr").status, 200);
  EXPECT_EQ(Get("/services.xml").status, 200) << "one jurisdiction: the parameter is optional";
  Form form = ValidReport(key_);
  form.push_back({"jurisdiction_id", "autre.fr"});
  XmlErrors(Post("/requests.xml", form), 404);
}

TEST_P(Open311Test, UpdatesNameTheWorkflowsFixMyStreetStatus) {
  const std::string id = Report();
  // Each step as the signalement workflow names it, not as its category would.
  const struct {
    const char* to;
    const char* fms;
  } kSteps[] = {{"pris_en_compte", "INVESTIGATING"}, {"doublon", "DUPLICATE"}};
  for (const auto& step : kSteps) {
    auto t = HttpJson(server_->port(), "POST", "/api/v1/requests/" + id + "/transitions",
                      {{"to", step.to}, {"comment", "Déjà signalé sous une autre référence."}});
    ASSERT_EQ(t.status, 200) << t.body;
  }
  auto updates = Get("/servicerequestupdates.json");
  ExpectJson(updates, "updates");
  std::vector<std::string> statuses;
  for (const auto& u : updates.Json()) {
    if (u["service_request_id"] == id) statuses.push_back(u["status"]);
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"INVESTIGATING", "DUPLICATE"})) << updates.body;
  auto xml = Get("/servicerequestupdates.xml");
  ExpectXml(xml, "service_requests_updates");
  EXPECT_NE(xml.body.find("<status>DUPLICATE</status>"), std::string::npos);
}

// FixMyStreet's POST servicerequestupdates: a citizen's follow-up.
Form ValidUpdate(const std::string& key, const std::string& id) {
  return {{"api_key", key},
          {"service_request_id", id},
          {"update_id", "fms-comment-1"},
          {"updated_datetime", "2026-03-01T10:00:00+01:00"},
          {"status", "OPEN"},
          {"description", "Le trou s’est agrandi <vraiment> & il pleut"},
          {"email", kEmail},
          {"first_name", kFirstName},
          {"last_name", kLastName},
          {"media_url", "https://photos.example.org/p/2.jpg"}};
}

TEST_P(Open311Test, ACitizensFollowUpLandsOnTheTimeline) {
  const std::string id = Report();
  auto xml = Post("/servicerequestupdates.xml", ValidUpdate(key_, id));
  ASSERT_EQ(xml.status, 200) << xml.body;
  ExpectXml(xml, "service_request_updates");
  Xml x = ParseXml(xml.body);
  auto updates = Children(x.root(), "request_update");
  ASSERT_EQ(updates.size(), 1u);
  const std::string update_id = Text(updates[0], "update_id");
  EXPECT_FALSE(update_id.empty());
  // The audit log ties the follow-up to its request.
  const std::string update_route = std::string(kPrefix) + "/servicerequestupdates.xml";
  const json follow_up = AuditOfPost(id, update_route);
  ASSERT_FALSE(follow_up.is_null()) << "no POST " << update_route << " in the audit of " << id;
  EXPECT_EQ(follow_up["record"]["id"], id) << follow_up.dump();

  // The back-office sees it: an incoming message from Open311, with its details.
  auto events = Http(server_->port(), "GET", "/api/v1/requests/" + id + "/events");
  ASSERT_EQ(events.status, 200) << events.body;
  const json last = events.Json()["items"].back();
  EXPECT_EQ(std::to_string(last["id"].get<std::int64_t>()), update_id);
  EXPECT_EQ(last["kind"], "message_in");
  EXPECT_EQ(last["channel"], "open311");
  EXPECT_EQ(last["body"], "Le trou s’est agrandi <vraiment> & il pleut");
  EXPECT_EQ(last["data"]["media_url"], "https://photos.example.org/p/2.jpg");
  EXPECT_EQ(last["data"]["open311_status"], "OPEN");
  EXPECT_EQ(last["data"]["update_id"], "fms-comment-1");
  EXPECT_EQ(last["data"]["email"], kEmail);
  // The status asked for is recorded, not applied: agents move the workflow.
  auto back = Http(server_->port(), "GET", "/api/v1/requests/" + id);
  EXPECT_EQ(back.Json()["status"], "nouveau");

  // A retry with the same update_id lands once and gets the same answer.
  auto retry = Post("/servicerequestupdates.json", ValidUpdate(key_, id));
  ASSERT_EQ(retry.status, 200) << retry.body;
  ExpectJson(retry, "post_update_response");
  EXPECT_EQ(retry.Json()[0]["update_id"], update_id);
  auto after = Http(server_->port(), "GET", "/api/v1/requests/" + id + "/events");
  EXPECT_EQ(after.Json()["items"].size(), events.Json()["items"].size());
  // The same id with another text is refused.
  Form other = ValidUpdate(key_, id);
  other[5].second = "Autre chose";
  EXPECT_EQ(XmlErrors(Post("/servicerequestupdates.xml", other), 400).size(), 1u);
  // Without update_id each post is a new message; status in lower case is accepted.
  Form again = ValidUpdate(key_, id);
  again.erase(again.begin() + 2);
  again[3].second = "closed";
  auto second = Post("/servicerequestupdates.json", again);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_NE(second.Json()[0]["update_id"], update_id);

  // Public answers show neither the follow-up's author nor its text.
  for (const std::string& path :
       {"/requests/" + id + ".json?extensions=true", std::string("/servicerequestupdates.json"),
        "/requests/" + id + ".xml"}) {
    auto res = Get(path);
    EXPECT_EQ(res.status, 200) << path;
    for (const char* secret : {kFirstName, kLastName, kEmail, "agrandi"}) {
      EXPECT_EQ(res.body.find(secret), std::string::npos) << path << " shows " << secret;
    }
  }
}

TEST_P(Open311Test, FollowUpErrorsFollowTheSpec) {
  const std::string id = Report();
  auto has = [](const std::vector<std::string>& errs, const std::string& prefix) {
    return std::any_of(errs.begin(), errs.end(),
                       [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
  };
  // The key first.
  Form no_key = ValidUpdate("", id);
  no_key.erase(no_key.begin());
  auto missing = XmlErrors(Post("/servicerequestupdates.xml", no_key), 403);
  EXPECT_TRUE(has(missing, "api_key : ")) << ::testing::PrintToString(missing);
  auto bad_key = Post("/servicerequestupdates.json", ValidUpdate("gk_faux", id));
  EXPECT_EQ(bad_key.status, 403);
  ExpectJson(bad_key, "errors");
  // Requests that do not exist here: unknown, not a reference, not published on Open311.
  XmlErrors(Post("/servicerequestupdates.xml", ValidUpdate(key_, "GU-2020-BBBBBB")), 404);
  XmlErrors(Post("/servicerequestupdates.xml", ValidUpdate(key_, "1")), 404);
  auto other = Http(server_->port(), "GET", "/api/v1/requests?limit=100");
  for (const auto& item : other.Json()["items"]) {
    if (item["service"] == kService) continue;
    XmlErrors(
        Post("/servicerequestupdates.xml", ValidUpdate(key_, item["reference"].get<std::string>())),
        404);
    break;
  }
  // Everything missing at once.
  auto all = XmlErrors(Post("/servicerequestupdates.xml", {{"api_key", key_}}), 400);
  for (const char* p :
       {"service_request_id : ", "updated_datetime : ", "status : ", "description : "}) {
    EXPECT_TRUE(has(all, p)) << p << ::testing::PrintToString(all);
  }
  // Everything wrong at once.
  Form wrong = ValidUpdate(key_, id);
  wrong[3].second = "hier";
  wrong[4].second = "RESOLU";
  wrong[5].second = std::string(4001, 'a');
  wrong[6].second = "pas-une-adresse";
  wrong[9].second = "ftp://x";
  wrong[2].second = std::string(201, 'x');
  auto errs = XmlErrors(Post("/servicerequestupdates.xml", wrong), 400);
  for (const char* p : {"updated_datetime : ", "status : ", "description : ", "email : ",
                        "media_url : ", "update_id : "}) {
    EXPECT_TRUE(has(errs, p)) << p << ::testing::PrintToString(errs);
  }
  auto json_400 = Post("/servicerequestupdates.json", wrong);
  EXPECT_EQ(json_400.status, 400);
  ExpectJson(json_400, "errors");
  EXPECT_EQ(json_400.Json().size(), errs.size());
  // Not form-encoded.
  XmlErrors(Http(server_->port(), "POST", std::string(kPrefix) + "/servicerequestupdates.xml", "{}",
                 {{"Content-Type", "application/json"}}),
            400);
  // A configured jurisdiction is checked here too.
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  server_ = std::make_unique<ServerProcess>(
      db_->url(), std::map<std::string, std::string>{{"GUICHET_OPEN311_JURISDICTION", "ville.fr"}});
  server_->Start();
  Form elsewhere = ValidUpdate(key_, id);
  elsewhere.push_back({"jurisdiction_id", "autre.fr"});
  XmlErrors(Post("/servicerequestupdates.xml", elsewhere), 404);
}

TEST_P(Open311Test, UnknownPathsAnswerOpen311Errors) {
  // XML unless the path ends in .json, whatever the method.
  EXPECT_EQ(XmlErrors(Get("/inconnu"), 404).size(), 1u);
  XmlErrors(Get("/inconnu.xml"), 404);
  XmlErrors(Get("/requests/GU-2026-BBBBBB/notes.xml"), 404);
  XmlErrors(Post("/inconnu.xml", {{"a", "b"}}), 404);
  XmlErrors(Get(""), 404);
  for (const char* path : {"/inconnu.json", "/services/a/b.json", "/v3/requests.json"}) {
    auto res = Get(path);
    EXPECT_EQ(res.status, 404) << path;
    ExpectJson(res, "errors");
  }
  // A known path with another method: a 405 with its Allow header, as an
  // Open311 error in the path's format.
  auto del = Http(server_->port(), "DELETE", std::string(kPrefix) + "/services.xml");
  EXPECT_EQ(del.Header("allow"), "GET");
  EXPECT_EQ(XmlErrors(del, 405).size(), 1u);
  auto put = Http(server_->port(), "PUT", std::string(kPrefix) + "/requests.json", "{}");
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.Header("allow"), "GET, POST");
  ExpectJson(put, "errors");
  // Outside the prefix, API v1's problem details as before.
  auto v1 = Http(server_->port(), "GET", "/api/v1/inconnu");
  EXPECT_EQ(v1.status, 404);
  EXPECT_EQ(v1.Header("content-type"), "application/problem+json; charset=utf-8");
  EXPECT_EQ(Http(server_->port(), "GET", "/open311/v2x/services.xml").Header("content-type"),
            "application/problem+json; charset=utf-8");
}

TEST_P(Open311Test, DiscoveryChangesetIsWhenTheCatalogueWasInstalled) {
  auto changeset = [&] {
    auto js = Get("/discovery.json");
    EXPECT_EQ(js.status, 200);
    const json d = js.Json();
    EXPECT_EQ(d["changeset"], d["endpoints"][0]["changeset"]);
    return d["changeset"].get<std::string>();
  };
  const std::string first = changeset();
  EXPECT_EQ(changeset(), first) << "stable while the catalogue is";
  const auto installed = ParseIso8601(first);
  ASSERT_TRUE(installed.has_value()) << first;
  EXPECT_LE(*installed, SystemClock().Now());
  // Datetimes have second precision: make sure the reload is in a later second.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto reload = Http(server_->port(), "POST", "/api/v1/admin/catalogue/reload");
  ASSERT_EQ(reload.status, 200) << reload.body;
  const std::string second = changeset();
  EXPECT_GT(ParseIso8601(second).value_or(0), *installed) << first << " → " << second;
  Xml x = ParseXml(Get("/discovery.xml").body);
  EXPECT_EQ(Text(x.root(), "changeset"), second);
}

INSTANTIATE_TEST_SUITE_P(Databases, Open311Test, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

// The store's side: API keys and the Open311 queries, on both databases.
class Open311StoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>(GetParam());
    auto url = storage::ParseDatabaseUrl(db_->url());
    ASSERT_TRUE(url.ok());
    storage::MigrateDatabase(*url);
    store_ = storage::OpenStore(*url, 2);
  }
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<storage::SqlStore> store_;
};

TEST_P(Open311StoreTest, ApiKeysAreStoredHashedScopedAndRevocable) {
  ManualClock clock(1'800'000'000'000'000);
  domain::ApiKeyService keys(*store_, clock);
  auto k = keys.Create("Partenaire", "open311");
  ASSERT_TRUE(k.ok()) << k.error().message();
  EXPECT_EQ(k->secret.rfind("gk_", 0), 0u);
  EXPECT_EQ(k->key.hash.size(), 64u);
  EXPECT_EQ(k->key.hash.find(k->secret), std::string::npos);
  EXPECT_TRUE(keys.Verify(k->secret, "open311").ok());
  EXPECT_EQ(keys.Verify(k->secret, "autre").error().code(), ErrorCode::kForbidden);
  EXPECT_EQ(keys.Verify("gk_faux", "open311").error().code(), ErrorCode::kUnauthenticated);
  EXPECT_FALSE(keys.Create("", "open311").ok());
  EXPECT_FALSE(keys.Create("x", "tout").ok());
  ASSERT_TRUE(keys.Revoke(k->key.id).ok());
  clock.Advance(1'000'000);
  ASSERT_TRUE(keys.Revoke(k->key.id).ok());
  EXPECT_EQ(keys.Verify(k->secret, "open311").error().code(), ErrorCode::kForbidden);
  auto list = keys.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).revoked_at, 1'800'000'000'000'000) << "the first revocation stays";
  EXPECT_EQ(keys.Revoke(999).error().code(), ErrorCode::kNotFound);
}

TEST_P(Open311StoreTest, RequestsAreFoundByPlaceDateReferenceAndPage) {
  ASSERT_TRUE(store_
                  ->WriteSync([](domain::WriteTx& tx) -> Status {
                    GUICHET_TRY(tx.UpsertTeam({"voirie", "Voirie", ""}));
                    GUICHET_TRY(tx.UpsertService({"s1", "S1", "", "voirie", 15, true}));
                    GUICHET_TRY(tx.UpsertService({"s2", "S2", "", "voirie", 15, true}));
                    for (int i = 0; i < 6; ++i) {
                      domain::Request r;
                      r.reference = "GU-2026-BBBBB" + std::string(1, "BCDFGH"[i]);
                      r.service_id = i % 2 ? "s2" : "s1";
                      r.status = "nouveau";
                      r.team_id = "voirie";
                      r.created_at = r.updated_at = 1'000'000 * (i + 1);
                      if (i < 4) r.location = domain::Location{45.0 + i, 4.0 + i, ""};
                      auto id = tx.InsertRequest(r);
                      if (!id.ok()) return id.error();
                    }
                    return Status::Ok();
                  })
                  .ok());
  auto count = [&](domain::RequestQuery q) {
    auto page = store_->ListRequests(q);
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->items.size() : 0u;
  };
  domain::RequestQuery q;
  q.bbox = domain::RequestQuery::BoundingBox{44.5, 3.5, 46.5, 5.5};
  EXPECT_EQ(count(q), 2u);
  q = {};
  q.created_from = 2'000'000;
  q.created_to = 4'000'000;
  EXPECT_EQ(count(q), 3u);
  q.service_ids = {"s2"};
  EXPECT_EQ(count(q), 2u);
  q = {};
  q.references = {"GU-2026-BBBBBB", "GU-2026-BBBBBH", "GU-2026-ZZZZZZ"};
  EXPECT_EQ(count(q), 2u);
  q = {};
  q.limit = 4;
  q.offset = 4;
  EXPECT_EQ(count(q), 2u);
  // The spatial index follows moves and removals of the location.
  ASSERT_TRUE(store_
                  ->WriteSync([](domain::WriteTx& tx) -> Status {
                    auto r = tx.GetRequest(1);
                    if (!r.ok()) return r.error();
                    r->location = domain::Location{10, 10, ""};
                    return tx.UpdateRequest(*r, r->version);
                  })
                  .ok());
  q = {};
  q.bbox = domain::RequestQuery::BoundingBox{44.5, 3.5, 46.5, 5.5};
  EXPECT_EQ(count(q), 1u);
  q.bbox = domain::RequestQuery::BoundingBox{9, 9, 11, 11};
  EXPECT_EQ(count(q), 1u);
}

INSTANTIATE_TEST_SUITE_P(Databases, Open311StoreTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace guichet::testing
