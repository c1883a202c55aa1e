#include "front/front.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "channels/mail/message.hpp"

namespace {

static_assert(GF_MAX_MESSAGE_BYTES == guichet::channels::mail::kMaxMessageBytes,
              "the front refuses mail at the server's own limit");

gf_config Default() {
  gf_config c;
  gf_config_init(&c);
  return c;
}

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
        Case{"127.0.0.1:+80", false, "", 0}, Case{":8080", false, "", 0},
        Case{"mairie.example:80", false, "", 0}}) {
    SCOPED_TRACE(c.value);
    gf_config cfg = Default();
    EXPECT_EQ(gf_parse_listen(c.value, std::strlen(c.value), &cfg) == 1, c.ok);
    if (c.ok) {
      EXPECT_STREQ(cfg.host, c.host);
      EXPECT_EQ(cfg.port, c.port);
    }
  }
}

TEST(FrontConfig, TheEnvironmentGivesTheServerAndTheSecret) {
  gf_config c = Default();
  ASSERT_TRUE(gf_read_config_env("127.0.0.1:9100", "s3cret-s3cret-s3cret", "30", &c));
  EXPECT_EQ(c.port, 9100);
  EXPECT_STREQ(c.secret, "s3cret-s3cret-s3cret");
  EXPECT_EQ(c.timeout_seconds, 30);
  c = Default();
  ASSERT_TRUE(gf_read_config_env(nullptr, nullptr, nullptr, &c));
  EXPECT_STREQ(c.secret, "");
  EXPECT_EQ(c.timeout_seconds, GF_SERVER_TIMEOUT_SECONDS);
  EXPECT_FALSE(gf_read_config_env("nowhere", nullptr, nullptr, &c));
  EXPECT_FALSE(gf_read_config_env(nullptr, nullptr, "0", &c));
  EXPECT_FALSE(gf_read_config_env(nullptr, nullptr, "3601", &c));
  EXPECT_FALSE(gf_read_config_env(nullptr, nullptr, "-5", &c));
  // A secret goes into a header line: no line breaks smuggled in.
  EXPECT_FALSE(gf_read_config_env(nullptr, "abc\r\nX-Other: 1", nullptr, &c));
}

// Reads `text` as the front does; false when it leaves the file to toml++.
bool Read(const std::string& text, gf_config& c) {
  c = Default();
  return gf_read_config_text(text.data(), text.size(), &c) == 1;
}

TEST(FrontConfig, ReadsTheFileAsTheDocumentationShowsIt) {
  gf_config c;
  ASSERT_TRUE(Read(R"([server]
listen = "127.0.0.1:9200"   # GUICHET_LISTEN
threads = 0
access_log = true

[database]
url = "sqlite:./data/guichet.db"

[mail]                      # inbound email
addresses = "demarches@mairie.fr"
ack_limit = 5
ingest_secret = "0123456789abcdef#not-a-comment"
ingest_timeout_seconds = 45 # then 75

[mail.maildir]
path = "/var/mail/guichet/Maildir"
ingest_secret = "not the one: [mail.maildir]"
[web]
listen = "not read either"
map_center = '45.764,4.8357'
)",
                   c));
  EXPECT_STREQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 9200);
  EXPECT_STREQ(c.secret, "0123456789abcdef#not-a-comment");
  EXPECT_EQ(c.timeout_seconds, 45);

  // CRLF lines, a byte-order mark, literal strings, escapes, [ tables ].
  ASSERT_TRUE(
      Read("\xEF\xBB\xBF[ mail ]\r\ningest_secret = 'lit\\eral-secret-0123'\r\n"
           "[server]\r\nlisten=\"[::1]:9300\"\r\n",
           c));
  EXPECT_STREQ(c.secret, "lit\\eral-secret-0123");
  EXPECT_STREQ(c.host, "::1");
  EXPECT_EQ(c.port, 9300);
  ASSERT_TRUE(Read("[mail]\ningest_secret = \"a\\\"b\\\\c-0123456789\"\n", c));
  EXPECT_STREQ(c.secret, "a\"b\\c-0123456789");
  // Nothing of ours: the defaults.
  ASSERT_TRUE(Read("", c));
  ASSERT_TRUE(Read("# nothing\n[log]\nlevel = \"info\"\n", c));
  EXPECT_EQ(c.port, 8080);
  EXPECT_STREQ(c.secret, "");
}

TEST(FrontConfig, LeavesToTomlPlusPlusWhatItDoesNotReadForSure) {
  gf_config c;
  for (const char* text : {
           // other ways to name the keys
           "mail.ingest_secret = \"0123456789abcdef\"\n",
           "[mail]\n\"ingest_secret\" = \"0123456789abcdef\"\n",
           "[\"mail\"]\ningest_secret = \"0123456789abcdef\"\n",
           "[server]\nlisten.x = 1\n",
           "mail = { ingest_secret = \"0123456789abcdef\" }\n",
           "[[mail]]\ningest_secret = \"0123456789abcdef\"\n",
           // values over several lines, or escapes it does not decode
           "[web]\ntext = \"\"\"\n[mail]\ningest_secret = \"x\"\n\"\"\"\n",
           "[web]\nlist = [\n  \"a\",\n]\n",
           "[mail]\ningest_secret = \"caf\\u00e9-0123456789\"\n",
           // repeated, unterminated, of the wrong type, out of range
           "[mail]\ningest_secret = \"a\"\ningest_secret = \"b\"\n",
           "[mail]\n[mail]\n",
           "[server]\nlisten = \"127.0.0.1:8080\n",
           "[server]\nlisten = 8080\n",
           "[mail]\ningest_timeout_seconds = \"30\"\n",
           "[mail]\ningest_timeout_seconds = 1_000\n",
           "[mail]\ningest_timeout_seconds = 0\n",
           "[server]\nlisten = \"mairie.example:80\"\n",
           "[server]\nlisten = \"127.0.0.1:8080\" garbage\n",
           // a key outside any table (the full program wants tables)
           "ingest_secret = \"0123456789abcdef\"\n",
       }) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(Read(text, c));
  }
}

TEST(FrontRequest, PostsTheRawMessageWithTheSecretAndItsLength) {
  gf_config c = Default();
  c.port = 9100;
  std::strcpy(c.secret, "s3cret-s3cret-s3cret");
  char buf[1024];
  const size_t n = gf_request_head(&c, 1234, buf, sizeof buf);
  ASSERT_GT(n, 0u);
  const std::string head(buf, n);
  EXPECT_EQ(head.rfind("POST /api/v1/channels/mail/inbound HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(head.find("\r\nHost: 127.0.0.1:9100\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nX-Guichet-Mail-Secret: s3cret-s3cret-s3cret\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Length: 1234\r\n"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
  std::strcpy(c.host, "::1");
  ASSERT_GT(gf_request_head(&c, 1, buf, sizeof buf), 0u);
  EXPECT_NE(std::string(buf).find("\r\nHost: [::1]:9100\r\n"), std::string::npos);
  EXPECT_EQ(gf_request_head(&c, 1, buf, 64), 0u);  // does not fit
}

std::string Body(const gf_answer& a) { return std::string(a.body, a.body_len); }

bool Parse(const std::string& bytes, gf_answer& a) {
  return gf_parse_response(bytes.data(), bytes.size(), &a) == 1;
}

TEST(FrontResponse, ReadsStatusAndBodyAndRefusesACutAnswer) {
  gf_answer a{};
  ASSERT_TRUE(
      Parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-length: 23\r\n\r\n"
            "request GU-2026-7KQ4MX\n",
            a));
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(Body(a), "request GU-2026-7KQ4MX\n");
  EXPECT_FALSE(Parse("HTTP/1.1 200 OK\r\nContent-Length: 23\r\n\r\nrequest", a));
  EXPECT_FALSE(Parse("HTTP/1.1 200 OK\r\nContent-Length: 2", a));
  EXPECT_FALSE(Parse("SSH-2.0-OpenSSH_9.2\r\n", a));
  EXPECT_FALSE(Parse("", a));
  ASSERT_TRUE(Parse("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", a));
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(Body(a), "");
}

TEST(FrontExitStatus, OnlyACommittedMessageIsZeroAndOnlyTooLargeBounces) {
  EXPECT_EQ(gf_exit_status_for(200), GF_EXIT_STORED);
  EXPECT_EQ(gf_exit_status_for(413), GF_EXIT_DATAERR);
  for (int s : {400, 401, 403, 404, 500, 502, 503, 504}) {
    EXPECT_EQ(gf_exit_status_for(s), GF_EXIT_TEMPFAIL);
  }
}

}  // namespace
