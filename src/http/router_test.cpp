// The router's matching: exact patterns, parameters, 405s and prefix fallbacks.
#include "http/router.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

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

// A failure of the service answers a bare "momentanément indisponible"; the
// cause (here what the database said) goes to the log, with the request id
// the client saw, and only for the 5xx.
TEST(ContextProblem, LogsTheCauseOfAServerFailure) {
  std::ostringstream out;
  auto previous = spdlog::default_logger();
  auto capture = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
  capture->set_pattern("%l %v");
  spdlog::set_default_logger(capture);
  Request req;
  Context ctx{req};
  ctx.route = "/api/v1/requests";
  ctx.request_id = "0123456789abcdef";
  auto failed = ctx.Problem(Error::Unavailable("COMMIT: database or disk is full"));
  auto refused = ctx.Problem(Error::NotFound("Cette demande n’existe pas."));
  spdlog::set_default_logger(previous);

  EXPECT_EQ(failed.result(), bhttp::status::service_unavailable);
  EXPECT_EQ(failed.body().find("disk"), std::string::npos) << failed.body();
  const std::string log = out.str();
  EXPECT_NE(log.find("error "), std::string::npos) << log;
  EXPECT_NE(log.find(R"("cause":"COMMIT: database or disk is full")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("request_id":"0123456789abcdef")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("route":"/api/v1/requests")"), std::string::npos) << log;
  EXPECT_EQ(refused.result(), bhttp::status::not_found);
  EXPECT_EQ(log.find("n’existe pas"), std::string::npos) << log;
}

}  // namespace
}  // namespace guichet::http
