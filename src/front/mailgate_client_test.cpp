#include "front/mailgate_client.hpp"

#include <gtest/gtest.h>

namespace guichet::front {
namespace {

TEST(FrontListen, ReadsTheServersLoopbackAddress) {
  struct Case {
    const char* value;
    bool ok;
    const char* host;
    unsigned short port;
  };
  for (const Case& c :
       {Case{"127.0.0.1:8080", true, "127.0.0.1", 8080}, Case{"[::1]:9000", true, "::1", 9000},
        Case{"localhost:8081", true, "127.0.0.1", 8081}, Case{"127.0.0.1", false, "", 0},
        Case{"127.0.0.1:0", false, "", 0}, Case{"127.0.0.1:99999", false, "", 0},
        Case{"mairie.example:80", false, "", 0}}) {
    SCOPED_TRACE(c.value);
    FrontConfig cfg;
    EXPECT_EQ(ParseListen(c.value, cfg), c.ok);
    if (c.ok) {
      EXPECT_EQ(cfg.host, c.host);
      EXPECT_EQ(cfg.port, c.port);
    }
  }
}

TEST(FrontConfig, TheEnvironmentGivesTheServerAndTheSecret) {
  auto c = ReadFrontConfig("", {{"GUICHET_LISTEN", "127.0.0.1:9100"},
                                {"GUICHET_MAIL_INGEST_SECRET", "s3cret-s3cret-s3cret"}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->port, 9100);
  EXPECT_EQ(c->secret, "s3cret-s3cret-s3cret");
  EXPECT_TRUE(ReadFrontConfig("", {})->secret.empty());
  EXPECT_FALSE(ReadFrontConfig("", {{"GUICHET_LISTEN", "nowhere"}}));
  EXPECT_FALSE(ReadFrontConfig("/nonexistent/guichet.toml", {}));
}

TEST(FrontRequest, PostsTheRawMessageWithTheSecretAndItsLength) {
  FrontConfig c;
  c.port = 9100;
  c.secret = "s3cret-s3cret-s3cret";
  const std::string head = RequestHead(c, 1234);
  EXPECT_EQ(head.rfind("POST /api/v1/channels/mail/inbound HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(head.find("\r\nHost: 127.0.0.1:9100\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nX-Guichet-Mail-Secret: s3cret-s3cret-s3cret\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Length: 1234\r\n"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

TEST(FrontResponse, ReadsStatusAndBodyAndRefusesACutAnswer) {
  auto a = ParseResponse(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-length: 23\r\n\r\n"
      "request GU-2026-7KQ4MX\n");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->body, "request GU-2026-7KQ4MX\n");
  EXPECT_FALSE(ParseResponse("HTTP/1.1 200 OK\r\nContent-Length: 23\r\n\r\nrequest"));
  EXPECT_FALSE(ParseResponse("HTTP/1.1 200 OK\r\nContent-Length: 2"));
  EXPECT_FALSE(ParseResponse("SSH-2.0-OpenSSH_9.2\r\n"));
  EXPECT_FALSE(ParseResponse(""));
  auto busy = ParseResponse("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 503);
}

TEST(FrontExitStatus, OnlyACommittedMessageIsZeroAndOnlyTooLargeBounces) {
  EXPECT_EQ(ExitStatusFor(200), kExitStored);
  EXPECT_EQ(ExitStatusFor(413), kExitDataErr);
  for (int s : {400, 401, 403, 404, 500, 502, 503, 504}) EXPECT_EQ(ExitStatusFor(s), kExitTempFail);
}

}  // namespace
}  // namespace guichet::front
