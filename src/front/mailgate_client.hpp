// The thin `guichet mailgate` of the front executable (src/front/main.cpp):
// it reads the message, posts it to the running server and says what the MTA
// should do, without loading the full program's forty shared libraries (their
// relocation alone cost ~16 ms of CPU per process; an MTA starts one process
// per message). Links libc and libstdc++ only; toml++ is used header-only.
//
// Not thread-safe (a process runs one mailgate).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace guichet::front {

// Exit statuses an MTA understands (sysexits.h), as app/mail_cli.hpp.
inline constexpr int kExitStored = 0;
inline constexpr int kExitDataErr = 65;
inline constexpr int kExitTempFail = 75;

// The whole exchange with the server, connection to answer, by default
// ([mail] ingest_timeout_seconds). MTAs wait far longer for a delivery agent
// (Postfix: command_time_limit, 1000 s); past this the message is retried,
// and stored once whatever happens (its bytes are its identity).
inline constexpr int kServerTimeoutSeconds = 120;

// What the front reads of the configuration: where the server listens and
// the secret mailgate shares with it. Every other key is the full program's.
struct FrontConfig {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  std::string secret;  // [mail] ingest_secret: empty, no server path
  int timeout_seconds = kServerTimeoutSeconds;
};

// From the TOML file at `path` (none when empty) then GUICHET_LISTEN,
// GUICHET_MAIL_INGEST_SECRET and GUICHET_MAIL_INGEST_TIMEOUT in `env`; nullopt when the file or a
// value cannot be read (the full program then says why, and answers 75).
std::optional<FrontConfig> ReadFrontConfig(const std::string& path,
                                           const std::map<std::string, std::string>& env);

// "127.0.0.1:8080", "[::1]:8080", "localhost:8080" into `c`; false otherwise.
bool ParseListen(std::string_view value, FrontConfig& c);

// The HTTP/1.1 request posting `size` bytes of message (the head only).
std::string RequestHead(const FrontConfig& c, std::size_t size);

struct HttpAnswer {
  int status = 0;
  std::string body;
};
// A whole HTTP/1.1 response as read until the server closed the connection;
// nullopt when it is not one (cut short, garbage).
std::optional<HttpAnswer> ParseResponse(std::string_view bytes);

// What the MTA is told for the server's answer: 0 stored, 65 too large (bounce
// it), 75 anything else (retry later: unavailable database, wrong secret…).
int ExitStatusFor(int http_status);

enum class PostOutcome {
  kAnswered,    // `answer` holds the server's response
  kNoServer,    // nothing listens there (refused): the direct path may store it
  kIncomplete,  // the exchange broke or timed out: the MTA retries
};
PostOutcome PostMessage(const FrontConfig& c, const std::string& raw, HttpAnswer& answer,
                        std::string& why);

}  // namespace guichet::front
