/* The front's configuration: three keys of the TOML file, then the
 * environment (front.h). The file is read a line at a time in the plain form
 * docs/operations.md shows:
 *
 *     [server]
 *     listen = "127.0.0.1:8080"   # a comment
 *     [mail]
 *     ingest_secret = "…"
 *     ingest_timeout_seconds = 120
 *
 * Any construct that could spread a value over several lines or name a key
 * another way (multi-line strings, arrays, inline tables, dotted or quoted
 * keys in the tables read, \u escapes, a repeated key or table) makes the
 * reader give up: the full program then reads the file with toml++. A
 * libFuzzer target (fuzz/front_config_fuzz.cpp) checks that whatever both
 * read, they read alike. */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <string.h>

#include "front/front.h"

void gf_config_init(struct gf_config* c) {
  memset(c, 0, sizeof *c);
  strcpy(c->host, "127.0.0.1");
  c->port = 8080;
  c->timeout_seconds = GF_SERVER_TIMEOUT_SECONDS;
}

/* Digits only, in [min, max]; 0 otherwise. */
static int parse_number(const char* s, size_t len, long min, long max, long* out) {
  if (len == 0 || len > 9) return 0;
  long n = 0;
  for (size_t i = 0; i < len; ++i) {
    if (s[i] < '0' || s[i] > '9') return 0;
    n = n * 10 + (s[i] - '0');
  }
  if (n < min || n > max) return 0;
  *out = n;
  return 1;
}

int gf_parse_listen(const char* value, size_t len, struct gf_config* c) {
  size_t colon = len;
  while (colon > 0 && value[colon - 1] != ':') --colon;
  if (colon <= 1) return 0; /* no colon, or nothing before it */
  const char* host = value;
  size_t host_len = colon - 1;
  if (host_len > 2 && host[0] == '[' && host[host_len - 1] == ']') {
    ++host;
    host_len -= 2;
  }
  char text[sizeof c->host];
  if (host_len == 9 && memcmp(host, "localhost", 9) == 0) {
    strcpy(text, "127.0.0.1");
  } else {
    if (host_len >= sizeof text) return 0;
    memcpy(text, host, host_len);
    text[host_len] = '\0';
  }
  long port = 0;
  if (!parse_number(value + colon, len - colon, 1, 65535, &port)) return 0;
  unsigned char any[16];
  if (inet_pton(AF_INET, text, any) != 1 && inet_pton(AF_INET6, text, any) != 1) return 0;
  strcpy(c->host, text);
  c->port = (unsigned short)port;
  return 1;
}

/* A secret goes into an HTTP header: printable ASCII and spaces only. */
static int set_secret(const char* s, size_t len, struct gf_config* c) {
  if (len >= sizeof c->secret) return 0;
  for (size_t i = 0; i < len; ++i) {
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) return 0;
  }
  memcpy(c->secret, s, len);
  c->secret[len] = '\0';
  return 1;
}

/* As the full program checks [mail] ingest_timeout_seconds. */
static int set_timeout(const char* s, size_t len, struct gf_config* c) {
  long t = 0;
  if (!parse_number(s, len, 1, 3600, &t)) return 0;
  c->timeout_seconds = (int)t;
  return 1;
}

int gf_read_config_env(const char* listen, const char* secret, const char* timeout,
                       struct gf_config* c) {
  if (listen && !gf_parse_listen(listen, strlen(listen), c)) return 0;
  if (secret && !set_secret(secret, strlen(secret), c)) return 0;
  if (timeout && !set_timeout(timeout, strlen(timeout), c)) return 0;
  return 1;
}

/* ---- the TOML file ---- */

struct cursor {
  const char* p;
  const char* end; /* of the line, without its \r\n */
};

static void skip_blanks(struct cursor* s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t')) ++s->p;
}

/* Only blanks and a comment left on the line. */
static int at_line_end(struct cursor* s) {
  skip_blanks(s);
  return s->p == s->end || *s->p == '#';
}

static int is_bare(char ch) {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
         ch == '_' || ch == '-';
}

static int is_control(unsigned char ch) { return (ch < 0x20 && ch != '\t') || ch == 0x7f; }

/* A bare key or table name (with dots when `dots`) at the cursor. */
static size_t bare_name(struct cursor* s, int dots, const char** name) {
  *name = s->p;
  while (s->p < s->end && (is_bare(*s->p) || (dots && *s->p == '.'))) ++s->p;
  return (size_t)(s->p - *name);
}

static int equals(const char* a, size_t len, const char* b) {
  return strlen(b) == len && memcmp(a, b, len) == 0;
}

/* A one-line string value into `out` (at most `cap` bytes, not terminated):
 * its length, or -1 for what this reader leaves to toml++. */
static long string_value(struct cursor* s, char* out, size_t cap) {
  const char quote = *s->p++;
  size_t n = 0;
  while (s->p < s->end && *s->p != quote) {
    char ch = *s->p++;
    if (is_control((unsigned char)ch)) return -1;
    if (quote == '"' && ch == '\\') {
      if (s->p == s->end) return -1;
      /* \u and \U are left to toml++, as any other escape. */
      static const char kEscapes[] = "btnfr\"\\", kMeanings[] = "\b\t\n\f\r\"\\";
      const char* e = memchr(kEscapes, *s->p++, sizeof kEscapes - 1);
      if (!e) return -1;
      ch = kMeanings[e - kEscapes];
    }
    if (out) {
      if (n == cap) return -1;
      out[n] = ch;
    }
    ++n;
  }
  if (s->p == s->end) return -1; /* unterminated on this line */
  ++s->p;
  return (long)n;
}

enum table { TABLE_ROOT, TABLE_SERVER, TABLE_MAIL, TABLE_OTHER };

int gf_read_config_text(const char* text, size_t len, struct gf_config* c) {
  struct gf_config out = *c;
  enum table table = TABLE_ROOT;
  int seen_server = 0, seen_mail = 0, seen_listen = 0, seen_secret = 0, seen_timeout = 0;
  const char* const end = text + len;
  const char* at = text;
  if (len >= 3 && memcmp(at, "\xEF\xBB\xBF", 3) == 0) at += 3; /* UTF-8 BOM */
  while (at < end) {
    const char* eol = memchr(at, '\n', (size_t)(end - at));
    if (!eol) eol = end;
    struct cursor s = {at, eol};
    at = eol < end ? eol + 1 : end;
    if (s.end > s.p && s.end[-1] == '\r') --s.end;
    for (const char* q = s.p; q + 2 < s.end; ++q) {
      if ((q[0] == '"' || q[0] == '\'') && q[1] == q[0] && q[2] == q[0]) return 0; /* multi-line */
    }
    if (at_line_end(&s)) continue;
    if (*s.p == '[') {
      ++s.p;
      const int array = s.p < s.end && *s.p == '[';
      if (array) ++s.p;
      skip_blanks(&s);
      const char* name = NULL;
      const size_t n = bare_name(&s, 1, &name);
      skip_blanks(&s);
      if (n == 0 || s.p == s.end || *s.p != ']') return 0; /* quoted names, blanks at dots */
      if (name[0] == '.' || name[n - 1] == '.' || memmem(name, n, "..", 2)) return 0;
      ++s.p;
      if (array && (s.p == s.end || *s.p++ != ']')) return 0;
      if (!at_line_end(&s)) return 0;
      const int server = equals(name, n, "server"), mail = equals(name, n, "mail");
      if (array && (server || mail)) return 0;
      if (server) {
        if (seen_server++) return 0;
        table = TABLE_SERVER;
      } else if (mail) {
        if (seen_mail++) return 0;
        table = TABLE_MAIL;
      } else {
        table = TABLE_OTHER; /* [mail.maildir], [web]… */
      }
      continue;
    }
    const char* key = NULL;
    const size_t key_len = bare_name(&s, 0, &key);
    skip_blanks(&s);
    if (key_len == 0 || s.p == s.end || *s.p != '=') {
      /* A dotted or quoted key: what it names is toml++'s to say, unless the
       * line sits in a table this reader skips. */
      if (table != TABLE_OTHER) return 0;
      const char* q = s.p;
      while (q < s.end && *q != '=' && *q != '"' && *q != '\'') ++q;
      if (q == s.end || *q != '=') return 0; /* quoted keys: even there */
      s.p = q;
    }
    if (table == TABLE_ROOT) return 0; /* the full program wants tables only */
    ++s.p;
    skip_blanks(&s);
    if (s.p == s.end) return 0;
    const int listen = table == TABLE_SERVER && equals(key, key_len, "listen");
    const int secret = table == TABLE_MAIL && equals(key, key_len, "ingest_secret");
    const int timeout = table == TABLE_MAIL && equals(key, key_len, "ingest_timeout_seconds");
    if (*s.p == '"' || *s.p == '\'') {
      char value[sizeof out.secret];
      const long n = string_value(&s, listen || secret ? value : NULL, sizeof value);
      if (n < 0 || !at_line_end(&s)) return 0;
      if (listen && (seen_listen++ || !gf_parse_listen(value, (size_t)n, &out))) return 0;
      if (secret && (seen_secret++ || !set_secret(value, (size_t)n, &out))) return 0;
      if (timeout) return 0; /* a string where a number is wanted */
      continue;
    }
    if (*s.p == '[' || *s.p == '{') return 0; /* arrays, inline tables */
    /* A number, a boolean, a date: one token. */
    const char* token = s.p;
    while (s.p < s.end && *s.p != ' ' && *s.p != '\t' && *s.p != '#') {
      if (*s.p == '"' || *s.p == '\'' || is_control((unsigned char)*s.p)) return 0;
      ++s.p;
    }
    const size_t token_len = (size_t)(s.p - token);
    if (!at_line_end(&s)) return 0;
    if (listen || secret) return 0; /* not a string */
    if (timeout && (seen_timeout++ || !set_timeout(token, token_len, &out))) return 0;
  }
  *c = out;
  return 1;
}
