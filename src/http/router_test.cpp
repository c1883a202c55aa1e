// The router's matching: exact patterns, parameters, 405s and prefix fallbacks.
#include "http/router.hpp"

#include <gtest/gtest.h>

namespace guichet::http {
namespace {

using bhttp::verb;

Handler Noop() {
  return [](Context& ctx) -> asio::awaitable<Response> {
    co_return ctx.Text(bhttp::status::ok, "", "text/plain");
  };
}

class RouterFallbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(verb::get, "/open311/v2/services.xml", Noop());
    router_.Add(verb::get, "/open311/v2/requests/{file}", Noop());
    router_.Add(verb::get, "/api/v1/requests", Noop());
    router_.AddFallback("/open311/v2/", Noop());
    router_.AddFallback("/open311/v2/private", Noop());
    router_.AddFallback("/open311/v2/requests", Noop(),
                        Router::FallbackScope::kUnmatchedPathsAndMethods);
  }
  Router router_;
};

TEST_F(RouterFallbackTest, RoutesWinOverTheFallback) {
  auto m = router_.Find(verb::get, "/open311/v2/services.xml");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.pattern, "/open311/v2/services.xml");
  m = router_.Find(verb::get, "/open311/v2/requests/GU-1.json");
  EXPECT_EQ(m.pattern, "/open311/v2/requests/{file}");
  EXPECT_EQ(m.params["file"], "GU-1.json");
}

TEST_F(RouterFallbackTest, AnswersEveryUnmatchedPathUnderItsPrefix) {
  const struct {
    verb method;
    const char* path;
    const char* pattern;  // "" when nothing answers
  } kCases[] = {
      {verb::get, "/open311/v2/inconnu.json", "/open311/v2/*"},
      {verb::post, "/open311/v2/a/b/c", "/open311/v2/*"},
      {verb::delete_, "/open311/v2/requests/x/y.xml", "/open311/v2/requests/*"},
      {verb::get, "/open311/v2", "/open311/v2/*"},
      {verb::get, "/open311/v2/", "/open311/v2/*"},
      {verb::get, "/open311/v2/private/x", "/open311/v2/private/*"},  // the longest prefix
      {verb::get, "/open311/v2x/services.xml", ""},                   // segment boundary
      {verb::get, "/open311", ""},
      {verb::get, "/api/v1/inconnu", ""},
  };
  for (const auto& c : kCases) {
    auto m = router_.Find(c.method, c.path);
    if (*c.pattern == '\0') {
      EXPECT_EQ(m.handler, nullptr) << c.path;
      EXPECT_TRUE(m.allowed.empty()) << c.path;
    } else {
      EXPECT_NE(m.handler, nullptr) << c.path;
      EXPECT_EQ(m.pattern, c.pattern) << c.path;
    }
  }
}

TEST_F(RouterFallbackTest, AnotherMethodOnARouteStaysA405) {
  auto m = router_.Find(verb::post, "/open311/v2/services.xml");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allowed, std::vector<verb>{verb::get});
  EXPECT_EQ(m.wrong_method, nullptr);  // "/open311/v2" answers unmatched paths only
  m = router_.Find(verb::delete_, "/api/v1/requests");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.wrong_method, nullptr);
}

TEST_F(RouterFallbackTest, AFallbackScopedToMethodsAnswersTheirWrongMethods) {
  auto m = router_.Find(verb::post, "/open311/v2/requests/GU-1.json");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.allowed, std::vector<verb>{verb::get});
  ASSERT_NE(m.wrong_method, nullptr);
  // Paths it covers that no route matches: answered as before.
  m = router_.Find(verb::get, "/open311/v2/requests/a/b");
  EXPECT_NE(m.handler, nullptr);
  EXPECT_EQ(m.pattern, "/open311/v2/requests/*");
}

TEST_F(RouterFallbackTest, FallbacksAreNotRoutes) {
  for (const auto& r : router_.Routes()) EXPECT_EQ(r.pattern.find('*'), std::string::npos);
  EXPECT_EQ(router_.Routes().size(), 3u);
}

}  // namespace
}  // namespace guichet::http
