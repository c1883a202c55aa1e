// The two writers of a request's JSON (nlohmann's tree, RapidJSON's stream)
// must give the same bytes: clients and tests see one API.
#include "http/json_mapping.hpp"

#include <gtest/gtest.h>

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
  EXPECT_NE(text.find("\\u0001\\u001F"), std::string::npos) << text;
  EXPECT_EQ(nlohmann::json::parse(text), ToJson(r));
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
