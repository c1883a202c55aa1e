/* The thin `guichet mailgate` of the front executable (src/front/main.c): it
 * reads the message, posts it to the running server and says what the MTA
 * should do. An MTA starts one process per message, and on the 2-core machine
 * the process itself was most of the cost: the C++ front (glibc and libstdc++
 * linked statically, toml++) took 2.6 ms of CPU per run against 1.4 ms for an
 * empty glibc program and 0.7 ms for an empty musl one (docs/performance.md).
 * So this is C, built with Debian's musl (musl-tools) when it is there, and
 * depends on nothing but libc.
 *
 * It reads three keys of the TOML configuration itself (front_config.c), in
 * the plain `key = value` form the documentation shows; a file it cannot read
 * that way goes to the full program, which reads TOML with toml++.
 *
 * Not thread-safe (a process runs one mailgate). */
#ifndef GUICHET_FRONT_FRONT_H
#define GUICHET_FRONT_FRONT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exit statuses an MTA understands (sysexits.h), as app/mail_cli.hpp. */
enum { GF_EXIT_STORED = 0, GF_EXIT_DATAERR = 65, GF_EXIT_TEMPFAIL = 75 };

/* channels::mail::kMaxMessageBytes (a unit test checks they agree). */
#define GF_MAX_MESSAGE_BYTES ((size_t)32 * 1024 * 1024)

/* The whole exchange with the server, connection to answer, by default
 * ([mail] ingest_timeout_seconds). MTAs wait far longer for a delivery agent
 * (Postfix: command_time_limit, 1000 s); past this the message is retried,
 * and stored once whatever happens (its bytes are its identity). */
#define GF_SERVER_TIMEOUT_SECONDS 120

/* What the front reads of the configuration: where the server listens and the
 * secret mailgate shares with it. Every other key is the full program's. */
struct gf_config {
  char host[64]; /* numeric IPv4 or IPv6, without brackets */
  unsigned short port;
  char secret[512]; /* [mail] ingest_secret: empty, no server path */
  int timeout_seconds;
};

/* 127.0.0.1:8080, no secret, the default timeout. */
void gf_config_init(struct gf_config* c);

/* "127.0.0.1:8080", "[::1]:8080", "localhost:8080" (len bytes) into `c`;
 * 0 when it is not a numeric loopback-or-other address and a port 1-65535. */
int gf_parse_listen(const char* value, size_t len, struct gf_config* c);

/* [server] listen, [mail] ingest_secret and [mail] ingest_timeout_seconds
 * from the text of a TOML file. 1 when read; 0 when the text uses a form this
 * reader leaves to toml++ (multi-line strings, inline tables, arrays, quoted
 * or dotted keys, \u escapes…) or a value is invalid: the caller then hands
 * the message to the full program, which reads the file with toml++ and says
 * what is wrong. Keys of other tables are skipped unread. */
int gf_read_config_text(const char* text, size_t len, struct gf_config* c);

/* GUICHET_LISTEN, GUICHET_MAIL_INGEST_SECRET, GUICHET_MAIL_INGEST_TIMEOUT
 * (each may be NULL: unset) over what the file gave; 0 when one is invalid. */
int gf_read_config_env(const char* listen, const char* secret, const char* timeout,
                       struct gf_config* c);

/* The HTTP/1.1 request head posting `size` bytes of message into `out`; its
 * length, or 0 when `cap` is too small. */
size_t gf_request_head(const struct gf_config* c, size_t size, char* out, size_t cap);

struct gf_answer {
  int status;
  const char* body; /* inside the bytes given to gf_parse_response */
  size_t body_len;
};

/* A whole HTTP/1.1 response as read until the server closed the connection;
 * 0 when it is not one (cut short, garbage). */
int gf_parse_response(const char* bytes, size_t len, struct gf_answer* a);

/* What the MTA is told for the server's answer: 0 stored, 65 too large
 * (bounce it), 75 anything else (retry later: unavailable database, wrong
 * secret…). */
int gf_exit_status_for(int http_status);

enum gf_post {
  GF_POST_ANSWERED,   /* `a` holds the server's response (in `in`) */
  GF_POST_NO_SERVER,  /* nothing listens there (refused): the direct path may store it */
  GF_POST_INCOMPLETE, /* the exchange broke or timed out: the MTA retries */
};

/* Posts `raw` to the server; the response is read into `in` (at most
 * `in_cap` bytes: the server answers in a few hundred). `why` (a French
 * sentence) says what went wrong otherwise. */
enum gf_post gf_post_message(const struct gf_config* c, const char* raw, size_t raw_len, char* in,
                             size_t in_cap, struct gf_answer* a, char* why, size_t why_cap);

#ifdef __cplusplus
}
#endif

#endif
