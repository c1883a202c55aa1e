// docs/openapi.yaml is the source of truth of API v1: these tests hold it to
// the routes the server really registers, to its own internal consistency,
// and to the limits and enums of the code. No I/O: the store is never called.
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "domain/case_service.hpp"
#include "domain/identity_service.hpp"
#include "domain/memory_identity_store.hpp"
#include "domain/memory_store.hpp"
#include "domain/model.hpp"
#include "domain/outbox_service.hpp"
#include "domain/store.hpp"
#include "http/api_backoffice.hpp"
#include "http/api_counter.hpp"
#include "http/api_identity.hpp"
#include "http/api_outbox.hpp"
#include "http/api_procedures.hpp"
#include "http/api_templates.hpp"
#include "http/api_v1.hpp"
#include "http/api_web.hpp"
#include "http/limits.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

namespace guichet::http {
namespace {

using nlohmann::json;

// Registering routes never reads content.
class NoSniffer final : public domain::ContentSniffer {
 public:
  std::string MimeType(std::string_view) override { return "application/octet-stream"; }
};

const std::set<std::string> kHttpMethods = {"get",     "put",  "post",  "delete",
                                            "options", "head", "patch", "trace"};

const json& Document() {
  static const json doc = json::parse(OpenApiJson());
  return doc;
}

using Operation = std::pair<std::string, std::string>;  // (method, path), method lower case

std::set<Operation> RegisteredRoutes() {
  domain::MemoryStore store;
  ManualClock clock(0);
  domain::CaseService cases(store, clock);
  NoSniffer sniffer;
  domain::DraftService drafts(store, clock, cases, sniffer, std::chrono::hours(24));
  Metrics metrics;
  Router router;
  ApiV1 api(cases, store, metrics);
  api.Register(router);
  ProcedureApi procedures(cases, drafts, [] { return std::vector<std::string>(); });
  procedures.Register(router);
  domain::BackofficeService backoffice(store, cases, clock);
  BackofficeApi backoffice_api(cases, backoffice, store, clock);
  backoffice_api.Register(router);
  // --- web (issue #7) ---
  domain::TrackingService tracking(store, cases, clock);
  WebApi web(cases, tracking, store, clock, PortalInfo{});
  web.Register(router);
  // --- end web ---
  domain::OutboxService outbox(store, clock, domain::OutboxPolicy{});
  OutboxApi outbox_api(outbox, cases);
  outbox_api.Register(router);
  domain::TemplateService templates(store, cases, clock, {}, nullptr, "");
  TemplatesApi templates_api(templates);
  templates_api.Register(router);
  domain::CounterService counter(store, cases, clock);
  CounterApi counter_api(cases, counter, backoffice, clock);
  counter_api.Register(router);
  domain::MemoryIdentityStore identities;
  domain::MemoryMailer mailer;
  domain::IdentityService identity(identities, store, mailer, clock, {});
  BlockingPool pool("test", 1, 1);
  IdentityApi identity_api(identity, store, pool, 0);
  identity_api.Register(router);
  std::set<Operation> out;
  for (const auto& r : router.Routes()) {
    std::string method(bhttp::to_string(r.method));
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.insert({method, r.pattern});
  }
  return out;
}

std::set<Operation> DocumentedOperations() {
  std::set<Operation> out;
  for (const auto& [path, item] : Document().at("paths").items()) {
    for (const auto& [key, _] : item.items()) {
      if (kHttpMethods.count(key)) out.insert({key, path});
    }
  }
  return out;
}

std::string Describe(const std::vector<Operation>& ops) {
  std::string out;
  for (const auto& [method, path] : ops) out += "\n  " + method + " " + path;
  return out;
}

// Calls `fn(operation, method, path)` for every operation of the document.
template <typename Fn>
void ForEachOperation(Fn fn) {
  for (const auto& [path, item] : Document().at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      if (kHttpMethods.count(method)) fn(op, method, path);
    }
  }
}

std::string EscapePointerToken(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// Every "$ref" value anywhere under `j`, with the JSON pointer where it sits.
void CollectRefs(const json& j, const std::string& where,
                 std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (k == "$ref" && v.is_string()) out.emplace_back(where, v.get<std::string>());
      CollectRefs(v, where + "/" + EscapePointerToken(k), out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) CollectRefs(j[i], where + "/" + std::to_string(i), out);
  }
}

TEST(OpenApi, DocumentIsJsonOfVersion310) {
  ASSERT_NO_THROW(Document());
  EXPECT_EQ(Document().value("openapi", ""), "3.1.0");
  EXPECT_EQ(Document().at("info").value("title", ""), "Guichet API");
  EXPECT_TRUE(Document().at("info").at("version").is_string());
  EXPECT_TRUE(Document().at("paths").is_object());
}

TEST(OpenApi, EveryRouteIsDocumented) {
  const auto documented = DocumentedOperations();
  std::vector<Operation> missing;
  for (const auto& route : RegisteredRoutes()) {
    if (!documented.count(route)) missing.push_back(route);
  }
  EXPECT_TRUE(missing.empty()) << "routes registered by ApiV1 but absent from docs/openapi.yaml:"
                               << Describe(missing);
}

TEST(OpenApi, EveryDocumentedOperationIsRegistered) {
  const auto registered = RegisteredRoutes();
  std::vector<Operation> extra;
  for (const auto& op : DocumentedOperations()) {
    // Channel webhooks are registered by app (it links the channels, http
    // does not): tests/outbox_test.cpp calls them on the running server.
    if (op.second.rfind("/api/v1/channels/", 0) == 0) continue;
    // Likewise the OpenID Connect login (app links the OIDC channel):
    // tests/oidc_test.cpp drives it on the running server against a real provider.
    if (op.second.rfind("/api/v1/auth/oidc/", 0) == 0) continue;
    if (!registered.count(op)) extra.push_back(op);
  }
  EXPECT_TRUE(extra.empty()) << "operations in docs/openapi.yaml that the server does not serve:"
                             << Describe(extra);
}

TEST(OpenApi, OperationIdsAreUnique) {
  std::map<std::string, std::string> seen;  // operationId → "method path"
  ForEachOperation([&](const json& op, const std::string& method, const std::string& path) {
    const std::string where = method + " " + path;
    ASSERT_TRUE(op.contains("operationId") && op["operationId"].is_string())
        << where << " has no operationId";
    const std::string id = op["operationId"];
    auto [it, inserted] = seen.emplace(id, where);
    EXPECT_TRUE(inserted) << "operationId " << id << " used by " << it->second << " and " << where;
  });
  EXPECT_FALSE(seen.empty());
}

TEST(OpenApi, EveryOperationHasASuccessResponse) {
  ForEachOperation([](const json& op, const std::string& method, const std::string& path) {
    ASSERT_TRUE(op.contains("responses")) << method << " " << path << " has no responses";
    // A route a browser navigates to (the OIDC login) succeeds with a redirect.
    bool success = false;
    for (const auto& [code, _] : op["responses"].items()) {
      success = success || (code.size() == 3 && (code[0] == '2' || code[0] == '3'));
    }
    EXPECT_TRUE(success) << method << " " << path << " has no 2xx or 3xx response";
  });
}

TEST(OpenApi, EveryPathParameterIsDeclared) {
  for (const auto& [path, item] : Document().at("paths").items()) {
    std::set<std::string> in_path;
    for (size_t open = path.find('{'); open != std::string::npos; open = path.find('{', open + 1)) {
      in_path.insert(path.substr(open + 1, path.find('}', open) - open - 1));
    }
    // Parameters may sit on the path item or on each operation, by value or by $ref.
    auto declared_in = [](const json& holder, std::set<std::string>& out) {
      for (const auto& p : holder.value("parameters", json::array())) {
        json param = p;
        if (p.contains("$ref")) {
          param = Document().at(json::json_pointer(p["$ref"].get<std::string>().substr(1)));
        }
        if (param.value("in", "") == "path") out.insert(param.value("name", ""));
      }
    };
    std::set<std::string> shared;
    declared_in(item, shared);
    for (const auto& [method, op] : item.items()) {
      if (!kHttpMethods.count(method)) continue;
      std::set<std::string> declared = shared;
      declared_in(op, declared);
      EXPECT_EQ(declared, in_path) << method << " " << path;
    }
  }
}

TEST(OpenApi, EveryRefResolvesInsideTheDocument) {
  std::vector<std::pair<std::string, std::string>> refs;
  CollectRefs(Document(), "", refs);
  ASSERT_FALSE(refs.empty());
  for (const auto& [where, ref] : refs) {
    ASSERT_TRUE(ref.rfind("#/", 0) == 0) << where << ": $ref " << ref << " is not local";
    bool found = false;
    try {
      found = Document().contains(json::json_pointer(ref.substr(1)));
    } catch (const json::exception&) {
      found = false;
    }
    EXPECT_TRUE(found) << where << ": $ref " << ref << " does not resolve";
  }
}

TEST(OpenApi, ProblemResponsesAreProblemJson) {
  const json& responses = Document().at("/components/responses"_json_pointer);
  for (const char* name :
       {"BadRequest", "NotFound", "MethodNotAllowed", "Conflict", "PreconditionFailed",
        "PayloadTooLarge", "UnsupportedMediaType", "UnprocessableContent", "ServiceUnavailable"}) {
    ASSERT_TRUE(responses.contains(name)) << name;
    const json& content = responses[name].at("content");
    ASSERT_TRUE(content.contains("application/problem+json")) << name;
    EXPECT_EQ(content["application/problem+json"].at("schema").value("$ref", ""),
              "#/components/schemas/Problem")
        << name;
  }
}

// The YAML → JSON conversion types plain scalars: a quoted "null" must stay a
// type name, and numbers must be numbers.
TEST(OpenApi, ScalarsAreTypedAsWritten) {
  const json& req = Document().at("/components/schemas/Request/properties"_json_pointer);
  EXPECT_EQ(req.at("due_at").at("type"), json::array({"string", "null"}));
  EXPECT_TRUE(req.at("version").at("minimum").is_number_integer());
  EXPECT_TRUE(
      Document().at("/components/schemas/Service/properties/active/type"_json_pointer).is_string());
  const json& replayed =
      Document().at("/components/headers/Idempotent-Replayed/schema/enum"_json_pointer);
  EXPECT_EQ(replayed, json::array({"true"}));
}

// What the document promises about limits is what the code enforces.
TEST(OpenApi, LimitsMatchTheCode) {
  struct Case {
    const char* pointer;
    long long expected;
  };
  const Case cases[] = {
      {"/components/schemas/NewRequest/properties/title/maxLength", domain::kMaxTitleLength},
      {"/components/schemas/NewRequest/properties/description/maxLength",
       domain::kMaxDescriptionLength},
      {"/components/schemas/NewContact/properties/name/maxLength", domain::kMaxNameLength},
      {"/components/schemas/NewLocation/properties/address/maxLength", domain::kMaxAddressLength},
      {"/components/schemas/NewEvent/properties/body/maxLength", domain::kMaxMessageLength},
      {"/components/schemas/TransitionRequest/properties/comment/maxLength",
       domain::kMaxMessageLength},
      {"/components/parameters/IdempotencyKey/schema/maxLength", domain::kMaxIdempotencyKeyLength},
      {"/components/schemas/RequestPage/properties/items/maxItems", kMaxPageSize},
  };
  for (const auto& c : cases) {
    const json& v = Document().at(json::json_pointer(c.pointer));
    EXPECT_EQ(v, c.expected) << c.pointer;
  }
  bool seen_limit = false;
  for (const auto& p : Document().at("/paths/~1api~1v1~1requests/get/parameters"_json_pointer)) {
    if (p.value("name", "") != "limit") continue;
    seen_limit = true;
    EXPECT_EQ(p.at("schema").at("maximum"), kMaxPageSize);
    EXPECT_EQ(p.at("schema").at("default"), kDefaultPageSize);
  }
  EXPECT_TRUE(seen_limit) << "GET /api/v1/requests does not document `limit`";
}

// Every enum value of the document parses in the domain and prints back the same.
TEST(OpenApi, EnumsMatchTheDomain) {
  auto values = [](const char* schema) {
    std::vector<std::string> out;
    for (const auto& v : Document().at("/components/schemas"_json_pointer).at(schema).at("enum")) {
      out.push_back(v.get<std::string>());
    }
    return out;
  };
  const auto channels = values("Channel");
  EXPECT_EQ(channels.size(), domain::AllChannels().size());
  for (const auto& s : channels) {
    auto c = domain::ParseChannel(s);
    ASSERT_TRUE(c) << "channel " << s;
    EXPECT_EQ(domain::ToString(*c), s);
  }
  for (const auto& s : values("StatusCategory")) {
    auto c = domain::ParseStatusCategory(s);
    ASSERT_TRUE(c) << "category " << s;
    EXPECT_EQ(domain::ToString(*c), s);
  }
  for (const auto& s : values("Priority")) {
    auto p = domain::ParsePriority(s);
    ASSERT_TRUE(p) << "priority " << s;
    EXPECT_EQ(domain::ToString(*p), s);
  }
  for (const auto& s : values("EventKind")) {
    auto k = domain::ParseEventKind(s);
    ASSERT_TRUE(k) << "event kind " << s;
    EXPECT_EQ(domain::ToString(*k), s);
  }
}

}  // namespace
}  // namespace guichet::http
