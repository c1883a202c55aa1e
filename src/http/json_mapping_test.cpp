// The two writers of a request's JSON (nlohmann's tree, RapidJSON's stream)
// must give the same bytes: clients and tests see one API.
#include "http/json_mapping.hpp"

#include <gtest/gtest.h>

#include <cctype>

namespace guichet::http {
namespace {

domain::Request Sample() {
  domain::Request r;
  r.id = 42;
  r.reference = "GU-2026-7KQ4MX";
  r.service_id = "signalement-voirie";
  r.title = "Nid-de-poule « dangereux »";
  r.description = "Ligne 1\nLigne 2\t\"citée\" \\ et \x01\x1f des contrôles, 😀";
  r.contact = {"Jeanne Dupont", "jeanne@example.org", "+33612345678"};
  r.channel = domain::Channel::kOpen311;
  r.status = "nouveau";
  r.category = domain::StatusCategory::kNew;
  r.priority = domain::Priority::kHigh;
  r.location = domain::Location{45.764, 4.8357, "12 rue de la République"};
  r.data_json = R"({"a":[1,2.5,"x"],"b":{"c":null},"d":true})";
  r.created_at = 1'764'331'200'123'456;
  r.updated_at = r.created_at + 1;
  r.due_at = r.created_at + 86'400'000'000;
  r.team_id = "voirie";
  r.agent_id = 7;
  r.version = 3;
  return r;
}

TEST(RequestJson, StreamAndTreeWritersGiveTheSameBytes) {
  domain::Request full = Sample();
  full.description = "Ligne 1\nLigne 2\t\"citée\" \\ et des contrôles, 😀";
  domain::Request bare = full;
  bare.location.reset();
  bare.due_at.reset();
  bare.agent_id.reset();
  bare.citizen_id.reset();
  bare.data_json = "{}";
  bare.closed_at = bare.created_at + 5;
  for (const auto& r : {full, bare}) EXPECT_EQ(ToJsonText(r), ToJson(r).dump());
}

// Control characters are escaped by both, with upper- or lower-case hex
// digits: the same JSON value, not the same bytes.
TEST(RequestJson, ControlCharactersAreEscaped) {
  const domain::Request r = Sample();
  const std::string text = ToJsonText(r);
  std::string lower = text;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_NE(lower.find("\\u0001\\u001f"), std::string::npos) << text;
  EXPECT_EQ(nlohmann::json::parse(text), ToJson(r));
}

// Every character that needs an escape, at every offset of strings shorter and
// longer than 16 bytes, with multi-byte UTF-8 before it. RapidJSON 1.1.0 built
// with RAPIDJSON_SSE2 wrote 0x1A to 0x1F raw in long strings, which is not JSON:
// this test fails with it.
TEST(RequestJson, EscapesAreFoundAtEveryOffsetOfLongStrings) {
  const std::string specials[] = {"\"",   "\\",   "\n",   "\x01", "\x19",
                                  "\x1a", "\x1b", "\x1f", "é",    "😀"};
  domain::Request r = Sample();
  for (const std::string& special : specials) {
    for (size_t before = 0; before < 40; ++before) {
      for (size_t after : {0, 1, 15, 16, 17, 33}) {
        r.description = std::string(before, 'a') + special + std::string(after, 'b');
        r.title = "é" + r.description;  // shifts the string by two bytes
        const std::string text = ToJsonText(r);
        const auto parsed = nlohmann::json::parse(text, nullptr, false);
        ASSERT_FALSE(parsed.is_discarded()) << text;
        EXPECT_EQ(parsed, ToJson(r)) << text;
      }
    }
  }
}

TEST(ParseBody, RefusesANulByteAndNamesWhereItIs) {
  EXPECT_TRUE(ParseBody(R"({"a":{"b":["x","y"]}})").ok());
  auto r = ParseBody(R"({"a":{"b":["x","y\u0000"]}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  ASSERT_EQ(r.error().fields().size(), 1u);
  EXPECT_EQ(r.error().fields()[0].field, "a.b[1]");
  r = ParseBody(R"({"ok":"x","k\u0000":1})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fields()[0].field, std::string("k") + '\0');
}

TEST(RequestJson, AListPageIsItemsThenCursor) {
  std::vector<domain::Request> items = {Sample(), Sample()};
  for (auto& r : items) r.description = "Sans caractère de contrôle";
  nlohmann::json expected = {{"items", {ToJson(items[0]), ToJson(items[1])}},
                             {"next_cursor", "41"}};
  EXPECT_EQ(ToJsonText(items, "41"), expected.dump());
  EXPECT_EQ(ToJsonText({}, std::nullopt), R"({"items":[],"next_cursor":null})");
}

}  // namespace
}  // namespace guichet::http
