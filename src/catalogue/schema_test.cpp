// The JSON schemas of catalogue/schema/ describe what the loader accepts, for
// editors; these tests keep the two from drifting apart: same keys, same
// required keys, same words.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "catalogue/loader.hpp"
#include "catalogue/test_catalogue.hpp"

namespace guichet::catalogue {
namespace {

using nlohmann::json;

json Schema(const std::string& name) {
  std::ifstream in(std::string(GUICHET_SOURCE_DIR) + "/catalogue/schema/" + name + ".schema.json");
  EXPECT_TRUE(in) << name;
  return json::parse(in);
}

std::set<std::string> Sorted(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

struct Table {
  const char* schema;
  const char* pointer;  // the object schema of the table
  TableKind kind;
};

// Every TableKind, and where the schemas describe it.
const Table kTables[] = {
    {"catalogue", "", TableKind::kCatalogue},
    {"catalogue", "/$defs/team", TableKind::kTeam},
    {"workflow", "", TableKind::kWorkflow},
    {"workflow", "/$defs/status", TableKind::kStatus},
    {"workflow", "/$defs/action", TableKind::kAction},
    {"workflow", "/$defs/transition", TableKind::kTransition},
    {"service", "", TableKind::kService},
    {"service", "/$defs/deadline", TableKind::kDeadline},
    {"service", "/$defs/template", TableKind::kTemplate},
    {"service", "/$defs/field", TableKind::kField},
    {"service", "/$defs/option", TableKind::kOption},
    {"service", "/$defs/condition", TableKind::kCondition},
};

TEST(Schema, DeclaresTheDraftAndClosesEveryTable) {
  for (const char* name : {"catalogue", "workflow", "service"}) {
    EXPECT_EQ(Schema(name)["$schema"], "https://json-schema.org/draft/2020-12/schema") << name;
  }
  for (const Table& t : kTables) {
    json object = Schema(t.schema).at(json::json_pointer(t.pointer));
    EXPECT_EQ(object.value("additionalProperties", true), false) << t.schema << t.pointer;
  }
}

TEST(Schema, PropertiesAreTheKeysTheLoaderAccepts) {
  for (const Table& t : kTables) {
    json object = Schema(t.schema).at(json::json_pointer(t.pointer));
    std::set<std::string> in_schema;
    for (const auto& [key, value] : object.at("properties").items()) in_schema.insert(key);
    std::set<std::string> in_loader;
    for (std::string_view k : AcceptedKeys(t.kind)) in_loader.emplace(k);
    EXPECT_EQ(in_schema, in_loader) << t.schema << ".schema.json" << t.pointer;
  }
}

TEST(Schema, EnumsAreTheWordsTheLoaderAccepts) {
  const struct {
    const char* schema;
    const char* pointer;
    Vocabulary vocabulary;
  } kEnums[] = {
      {"catalogue", "/properties/holiday_region/enum", Vocabulary::kHolidayRegion},
      {"workflow", "/$defs/status/properties/category/enum", Vocabulary::kStatusCategory},
      {"workflow", "/$defs/status/properties/open311_status/enum", Vocabulary::kOpen311Status},
      {"workflow", "/$defs/transition/properties/roles/items/enum", Vocabulary::kRole},
      {"workflow", "/$defs/action/properties/request_correction/enum",
       Vocabulary::kCorrectionReason},
      {"service", "/properties/identity/enum", Vocabulary::kIdentityLevel},
      {"service", "/$defs/deadline/properties/on_correction/enum", Vocabulary::kOnCorrection},
      {"service", "/$defs/field/properties/type/enum", Vocabulary::kFieldType},
  };
  for (const auto& e : kEnums) {
    auto words = Schema(e.schema).at(json::json_pointer(e.pointer)).get<std::vector<std::string>>();
    EXPECT_EQ(Sorted(words), Sorted(Allowed(e.vocabulary))) << e.schema << e.pointer;
  }
  // An action is one of the action keys, `after` going with schedule_transition.
  std::set<std::string> kinds;
  json workflow = Schema("workflow");
  for (const auto& [key, value] :
       workflow.at(json::json_pointer("/$defs/action/properties")).items()) {
    if (key != "after") kinds.insert(key);
  }
  EXPECT_EQ(kinds, Sorted(Allowed(Vocabulary::kActionKind)));
}

TEST(Schema, DelayPatternAcceptsWhatTheLoaderAccepts) {
  for (const char* name : {"service", "workflow"}) {
    json schema = Schema(name);
    const char* pointer = name == std::string("service") ? "/$defs/delay/pattern"
                                                         : "/$defs/action/properties/after/pattern";
    auto pattern = schema.at(json::json_pointer(pointer)).get<std::string>();
    std::regex re(pattern, std::regex::ECMAScript);
    for (const auto& unit : Allowed(Vocabulary::kDelayUnit)) {
      std::string delay = "3 " + unit;
      EXPECT_TRUE(std::regex_search(delay, re)) << name << ": " << delay;
      testing::TempCatalogue t;
      std::string service = testing::kServiceHead + testing::kServiceFields;
      service.replace(service.find("\"2 months\""), 10, "\"" + delay + "\"");
      t.Write("services/s.toml", service);
      EXPECT_TRUE(LoadCatalogue(t.dir()).problems.empty()) << delay;
    }
    for (const char* bad : {"2 mois", "-1 months", "2months", "deux months", " 2 months"}) {
      EXPECT_FALSE(std::regex_search(std::string(bad), re)) << name << ": " << bad;
    }
  }
}

// The keys the loader reports missing from an empty table are the schema's
// `required` ones.
TEST(Schema, RequiredKeysAreTheOnesTheLoaderRequires) {
  const struct {
    const char* schema;
    const char* pointer;
    const char* file;
    const char* content;
    const char* prefix;  // path of the empty table
  } kEmpty[] = {
      {"catalogue", "", "catalogue.toml", "", ""},
      {"catalogue", "/$defs/team", "catalogue.toml", "town = \"x\"\n[[teams]]\n", "teams[0]."},
      {"workflow", "", "workflows/w.toml", "", ""},
      {"workflow", "/$defs/status", "workflows/w.toml",
       "initial = \"a\"\n[[statuses]]\n[[transitions]]\n", "statuses[0]."},
      {"workflow", "/$defs/transition", "workflows/w.toml",
       "initial = \"a\"\n[[statuses]]\n[[transitions]]\n", "transitions[0]."},
      {"service", "", "services/s.toml", "", ""},
      {"service", "/$defs/deadline", "services/s.toml", "[[deadlines]]\n", "deadlines[0]."},
      {"service", "/$defs/template", "services/s.toml", "[[templates]]\n", "templates[0]."},
      {"service", "/$defs/field", "services/s.toml", "[[fields]]\n", "fields[0]."},
      {"service", "/$defs/option", "services/s.toml", "[[fields]]\noptions = [{}]\n",
       "fields[0].options[0]."},
      {"service", "/$defs/condition", "services/s.toml", "[[fields]]\nvisible_if = {}\n",
       "fields[0].visible_if."},
  };
  for (const auto& e : kEmpty) {
    testing::TempCatalogue t;
    t.Write(e.file, e.content);
    std::set<std::string> missing;
    for (const Problem& p : LoadCatalogue(t.dir()).problems) {
      std::string prefix = e.prefix;
      if (p.where.file != e.file || p.message != "clé obligatoire absente") continue;
      if (p.path.compare(0, prefix.size(), prefix) != 0) continue;
      std::string key = p.path.substr(prefix.size());
      if (key.find_first_of(".[") == std::string::npos) missing.insert(key);
    }
    auto required = Schema(e.schema)
                        .at(json::json_pointer(e.pointer))
                        .value("required", std::vector<std::string>{});
    EXPECT_EQ(missing, Sorted(required)) << e.schema << e.pointer;
  }
}

}  // namespace
}  // namespace guichet::catalogue
