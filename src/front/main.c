/* guichet: the front executable. `guichet mailgate` runs here, as a thin
 * client of the running server (front.h), because an MTA starts one process
 * per message: the full program's start alone (dynamic loading of GMime,
 * libcurl, libpq…) capped it near 60 messages/s per core, and the C++ front
 * that replaced it still spent 2.6 ms of CPU per run starting glibc and
 * libstdc++ (this one: about 1 ms, built against musl).
 * Every other command, and mailgate when no server answers or the
 * configuration is not for this reader, is the full program, `guichet-core`
 * beside this file, exec'd with the same arguments. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "front/front.h"

/* Replaces this process by the full program (beside this executable,
 * whatever the current directory) with the same arguments; returns only
 * when that fails. */
static int exec_core(char** argv, int failure) {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 32);
  size_t dir = 0;
  if (n > 0) {
    for (ssize_t i = 0; i < n; ++i) {
      if (path[i] == '/') dir = (size_t)i + 1;
    }
  }
  strcpy(path + dir, "guichet-core");
  execv(path, argv);
  fprintf(stderr, "guichet: lancement de %s impossible : %s\n", path, strerror(errno));
  return failure;
}

/* The direct path (the full program's mailgate, which opens the database
 * itself): the message it would have read on stdin is handed over in an
 * anonymous file. */
static int exec_direct(char** argv, const char* raw, size_t len) {
  const int fd = memfd_create("guichet-mailgate", 0);
  if (fd < 0) {
    fprintf(stderr, "guichet mailgate: message non enregistré, à réessayer : %s\n",
            strerror(errno));
    return GF_EXIT_TEMPFAIL;
  }
  for (size_t done = 0; done < len;) {
    const ssize_t n = write(fd, raw + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fprintf(stderr, "guichet mailgate: message non enregistré, à réessayer : %s\n",
              strerror(errno));
      return GF_EXIT_TEMPFAIL;
    }
    done += (size_t)n;
  }
  if (lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, STDIN_FILENO) < 0) return GF_EXIT_TEMPFAIL;
  close(fd);
  return exec_core(argv, GF_EXIT_TEMPFAIL);
}

/* Reads `fd` into `buf` until its end or `cap` bytes; the length read, or
 * -1 on a read error. Static buffers rather than malloc: only the pages the
 * bytes reach are ever touched, and a mailgate's life is a few dozen page
 * faults, each of which shows on the machine's throughput. */
static long read_all(int fd, char* buf, size_t cap) {
  size_t n = 0;
  while (n < cap) {
    const ssize_t got = read(fd, buf + n, cap - n);
    if (got == 0) break;
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return -1;
    n += (size_t)got;
  }
  return (long)n;
}

/* The configuration file and the environment; 0 when they are not for this
 * reader (the full program then reads them, and says what is wrong). */
static int read_config(const char* path, struct gf_config* c) {
  gf_config_init(c);
  if (path && *path) {
    static char text[1 << 20]; /* a configuration is a few kilobytes */
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    const long len = read_all(fd, text, sizeof text);
    close(fd);
    if (len < 0 || (size_t)len == sizeof text) return 0;
    if (!gf_read_config_text(text, (size_t)len, c)) return 0;
  }
  return gf_read_config_env(getenv("GUICHET_LISTEN"), getenv("GUICHET_MAIL_INGEST_SECRET"),
                            getenv("GUICHET_MAIL_INGEST_TIMEOUT"), c);
}

static int mailgate(char** argv, const char* config_path) {
  static char raw[GF_MAX_MESSAGE_BYTES + 1];
  const long read = read_all(STDIN_FILENO, raw, sizeof raw);
  if (read < 0) {
    fprintf(stderr, "guichet mailgate: lecture de l’entrée impossible\n");
    return GF_EXIT_TEMPFAIL;
  }
  const size_t len = (size_t)read;
  if (len > GF_MAX_MESSAGE_BYTES) {
    fprintf(stderr, "guichet mailgate: message refusé : plus de %zu Mo\n",
            GF_MAX_MESSAGE_BYTES >> 20);
    return GF_EXIT_DATAERR;
  }
  struct gf_config config;
  /* No secret shared with a server (or a configuration the full program
   * will explain): store the message directly, as before. */
  if (!read_config(config_path, &config) || config.secret[0] == '\0') {
    return exec_direct(argv, raw, len);
  }
  static char in[64 * 1024]; /* the server answers in a few hundred bytes */
  struct gf_answer answer;
  char why[256];
  switch (gf_post_message(&config, raw, len, in, sizeof in, &answer, why, sizeof why)) {
    case GF_POST_NO_SERVER:
      /* The server is stopped (an upgrade, a restart): the database may not be. */
      fprintf(stderr, "guichet mailgate: serveur injoignable (%s) : écriture directe\n", why);
      return exec_direct(argv, raw, len);
    case GF_POST_INCOMPLETE:
      fprintf(stderr, "guichet mailgate: message non enregistré, à réessayer : %s\n", why);
      return GF_EXIT_TEMPFAIL;
    case GF_POST_ANSWERED:
      break;
  }
  const int status = gf_exit_status_for(answer.status);
  if (status == GF_EXIT_STORED) {
    (void)!write(STDOUT_FILENO, answer.body, answer.body_len); /* for the MTA's log only */
  } else {
    fprintf(stderr, "guichet mailgate: le serveur a répondu %d%s : %.*s\n", answer.status,
            status == GF_EXIT_TEMPFAIL ? ", à réessayer" : "", (int)answer.body_len, answer.body);
  }
  return status;
}

int main(int argc, char** argv) {
  /* Only `[-c FILE] mailgate [-c FILE]` is ours; anything else (help, errors
   * included) is the full program's to answer. */
  const char* config_path = NULL;
  int is_mailgate = 0;
  int ours = argc > 1;
  for (int i = 1; i < argc && ours; ++i) {
    const char* arg = argv[i];
    if ((strcmp(arg, "-c") == 0 || strcmp(arg, "--config") == 0) && i + 1 < argc) {
      config_path = argv[++i];
    } else if (strncmp(arg, "--config=", 9) == 0) {
      config_path = arg + 9;
    } else if (strcmp(arg, "mailgate") == 0 && !is_mailgate) {
      is_mailgate = 1;
    } else {
      ours = 0;
    }
  }
  if (ours && is_mailgate) return mailgate(argv, config_path);
  return exec_core(argv, 1);
}
