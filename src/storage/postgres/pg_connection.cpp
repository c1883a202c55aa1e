#include "storage/postgres/pg_connection.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <vector>

namespace guichet::storage::postgres {
namespace {

// Long enough for a server under load, short enough that a request gets its 503 in time.
constexpr const char* kConnectTimeoutSeconds = "10";

// Frees a PGresult on every path, including exceptions.
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// The length of a dollar-quote opener ("$$", "$body$") at `i`, or 0.
size_t DollarTagLength(std::string_view sql, size_t i) {
  size_t j = i + 1;
  if (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') return 0;  // $1 is a parameter
  while (j < sql.size() && IsIdentChar(sql[j])) ++j;
  return j < sql.size() && sql[j] == '$' ? j - i + 1 : 0;
}

// Locale-independent parsing: a French LC_NUMERIC must not turn "48.85" into 48.
std::int64_t ParseInt(const char* p, int len) {
  std::int64_t v = 0;
  std::from_chars(p, p + len, v);
  return v;
}

// Also reads PostgreSQL's "Infinity", "-Infinity" and "NaN" (from_chars ignores case).
double ParseReal(const char* p, int len) {
  double v = 0;
  std::from_chars(p, p + len, v);
  return v;
}

// Text rendering of a parameter; PostgreSQL parses it with the column's type.
std::string RenderDouble(double d) {
  char buf[64];
  // Shortest text that reads back to the same double (and locale-independent).
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, end);
  if (s == "inf") return "Infinity";
  if (s == "-inf") return "-Infinity";
  if (s == "nan" || s == "-nan") return "NaN";
  return s;
}

// Everything that could be a password in `conninfo`, so that no message repeats it.
std::vector<std::string> SecretsOf(const std::string& conninfo) {
  std::vector<std::string> out;
  char* err = nullptr;
  if (PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err)) {
    for (PQconninfoOption* o = opts; o->keyword; ++o) {
      if (o->val && *o->val && std::strcmp(o->keyword, "password") == 0) out.emplace_back(o->val);
    }
    PQconninfoFree(opts);
  }
  PQfreemem(err);
  // A URI libpq cannot parse may still carry "user:secret@host": take it raw too.
  const size_t scheme = conninfo.find("://");
  if (scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t at = conninfo.find('@', start);
    const size_t colon = conninfo.find(':', start);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      out.push_back(conninfo.substr(colon + 1, at - colon - 1));
    }
  }
  // …and "password=…" in a query string or key=value list libpq rejected.
  for (size_t p = conninfo.find("password="); p != std::string::npos;
       p = conninfo.find("password=", p + 1)) {
    const size_t start = p + 9;
    const size_t end = conninfo.find_first_of("& \t\n", start);
    std::string value = conninfo.substr(start, end == std::string::npos ? end : end - start);
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
      value = value.substr(1, value.size() - 2);
    }
    out.push_back(std::move(value));
  }
  return out;
}

// One log line: libpq messages end with a newline and may span several.
std::string Trim(std::string msg) {
  for (char& c : msg) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  while (!msg.empty() && msg.back() == ' ') msg.pop_back();
  return msg;
}

std::string Scrub(std::string msg, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.empty()) continue;
    for (size_t p = msg.find(s); p != std::string::npos; p = msg.find(s, p + 3)) {
      msg.replace(p, s.size(), "***");
    }
  }
  return Trim(std::move(msg));
}

// "COMMIT" on an aborted transaction succeeds with the tag ROLLBACK: that is a failure to us.
bool IsCommit(std::string_view sql) {
  while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n' || sql.front() == '\t')) {
    sql.remove_prefix(1);
  }
  auto starts = [&](std::string_view w) {
    if (sql.size() < w.size()) return false;
    for (size_t i = 0; i < w.size(); ++i) {
      if ((sql[i] | 0x20) != w[i]) return false;
    }
    return sql.size() == w.size() || !IsIdentChar(sql[w.size()]);
  };
  return starts("commit") || starts("end");
}

// Throws the error of a failed command: ConstraintError for SQLSTATE class 23, else DbError.
[[noreturn]] void Fail(PGconn* conn, const PGresult* res, std::string_view what) {
  if (PQstatus(conn) == CONNECTION_BAD) {
    throw sql::DbError(std::string(what) +
                       ": connection to PostgreSQL lost: " + Trim(PQerrorMessage(conn)));
  }
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  // The DETAIL line is left out: it quotes row values, i.e. personal data, into the log.
  std::string msg = std::string(what) + ": " + (primary ? primary : Trim(PQerrorMessage(conn)));
  if (state) msg += std::string(" (SQLSTATE ") + state + ")";
  // Class 23 is "integrity constraint violation": unique, foreign key, not null, check.
  if (state && std::strncmp(state, "23", 2) == 0) throw sql::ConstraintError(msg);
  throw sql::DbError(msg);
}

}  // namespace

// A cursor over a fully received PGresult (text format).
class PgRows final : public sql::Rows {
 public:
  explicit PgRows(ResultPtr res)
      : res_(std::move(res)), rows_(PQntuples(res_.get())), cols_(PQnfields(res_.get())) {}

  bool Next() override { return ++row_ < rows_; }
  bool IsNull(int col) const override {
    Check(col);
    return PQgetisnull(res_.get(), row_, col) != 0;
  }
  std::int64_t Int(int col) const override {
    Check(col);
    return ParseInt(PQgetvalue(res_.get(), row_, col), PQgetlength(res_.get(), row_, col));
  }
  double Real(int col) const override {
    Check(col);
    return ParseReal(PQgetvalue(res_.get(), row_, col), PQgetlength(res_.get(), row_, col));
  }
  std::string Text(int col) const override {
    Check(col);
    return std::string(PQgetvalue(res_.get(), row_, col),
                       static_cast<size_t>(PQgetlength(res_.get(), row_, col)));
  }

 private:
  void Check(int col) const {
    if (row_ < 0 || row_ >= rows_ || col < 0 || col >= cols_) {
      throw sql::DbError("row or column out of range: column " + std::to_string(col));
    }
  }

  ResultPtr res_;
  int row_ = -1;
  const int rows_;
  const int cols_;
};

PgConnection::PgConnection(const std::string& conninfo) {
  // Defaults first, then the conninfo expanded over them: its own settings win. Without a
  // connect timeout libpq waits forever on an unreachable host, and so would the pool.
  const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {kConnectTimeoutSeconds, "guichet", conninfo.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    const std::string msg =
        conn_ ? PQerrorMessage(conn_) : std::string("out of memory allocating a connection");
    PQfinish(conn_);
    conn_ = nullptr;
    // The conninfo itself is not repeated: it may hold a password.
    throw sql::DbError("cannot connect to PostgreSQL: " + Scrub(msg, SecretsOf(conninfo)));
  }
  try {
    // NOTICEs ("table already exists, skipping") are noise on stderr.
    ExecScript("SET client_min_messages = warning");
  } catch (...) {
    PQfinish(conn_);
    throw;
  }
}

PgConnection::~PgConnection() { PQfinish(conn_); }

std::string PgConnection::RewritePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  size_t i = 0;
  const size_t len = sql.size();
  // Copies sql[i, end) verbatim and moves past it.
  auto copy_to = [&](size_t end) {
    end = std::min(end, len);
    out.append(sql.substr(i, end - i));
    i = end;
  };
  while (i < len) {
    const char c = sql[i];
    const char next = i + 1 < len ? sql[i + 1] : '\0';
    if (c == '?') {
      out += '$';
      out += std::to_string(++n);
      ++i;
    } else if (c == '\'') {
      // E'…' strings take backslash escapes; standard strings only double the quote.
      const bool escapes =
          i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !IsIdentChar(sql[i - 2]));
      size_t j = i + 1;
      while (j < len) {
        if (escapes && sql[j] == '\\') {
          j += 2;
        } else if (sql[j] == '\'') {
          if (j + 1 < len && sql[j + 1] == '\'') {
            j += 2;
          } else {
            break;
          }
        } else {
          ++j;
        }
      }
      copy_to(j + 1);
    } else if (c == '"') {
      size_t j = i + 1;
      while (j < len && !(sql[j] == '"' && !(j + 1 < len && sql[j + 1] == '"'))) {
        j += sql[j] == '"' ? 2 : 1;
      }
      copy_to(j + 1);
    } else if (c == '-' && next == '-') {
      copy_to(sql.find('\n', i));
    } else if (c == '/' && next == '*') {
      // Block comments nest in PostgreSQL.
      int depth = 0;
      size_t j = i;
      do {
        if (sql.substr(j, 2) == "/*") {
          ++depth;
          j += 2;
        } else if (sql.substr(j, 2) == "*/") {
          --depth;
          j += 2;
        } else {
          ++j;
        }
      } while (depth > 0 && j < len);
      copy_to(j);
    } else if (c == '$' && (i == 0 || !IsIdentChar(sql[i - 1])) && DollarTagLength(sql, i) > 0) {
      const std::string_view tag = sql.substr(i, DollarTagLength(sql, i));
      const size_t close = sql.find(tag, i + tag.size());
      copy_to(close == std::string_view::npos ? len : close + tag.size());
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

PGresult* PgConnection::Run(std::string_view sql, std::span<const sql::Value> params) {
  auto it = prepared_.find(std::string(sql));
  if (it == prepared_.end()) {
    const std::string name = "g" + std::to_string(prepared_.size() + 1);
    const std::string text = RewritePlaceholders(sql);
    ResultPtr res(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      Fail(conn_, res.get(), "prepare");
    }
    it = prepared_.emplace(std::string(sql), name).first;
  }

  std::vector<std::string> rendered(params.size());
  std::vector<const char*> values(params.size(), nullptr);
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& v = params[i];
    if (auto* n = std::get_if<std::int64_t>(&v)) {
      rendered[i] = std::to_string(*n);
    } else if (auto* d = std::get_if<double>(&v)) {
      rendered[i] = RenderDouble(*d);
    } else if (auto* s = std::get_if<std::string>(&v)) {
      // libpq reads text parameters as C strings: a NUL would cut the value
      // there and the rest would be lost without a word. The HTTP layer
      // refuses NULs; anything else that carries one fails loudly here.
      if (s->find('\0') != std::string::npos) {
        throw sql::DbError("parameter " + std::to_string(i + 1) +
                           " holds a NUL byte, which PostgreSQL text cannot store");
      }
      rendered[i] = *s;
    } else {
      continue;  // NULL
    }
    values[i] = rendered[i].c_str();
  }
  ResultPtr res(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                               values.data(), nullptr, nullptr, 0));
  const auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) Fail(conn_, res.get(), "execute");
  if (IsCommit(sql) && std::strcmp(PQcmdStatus(res.get()), "ROLLBACK") == 0) {
    throw sql::DbError("commit: the transaction had failed and was rolled back");
  }
  return res.release();
}

std::unique_ptr<sql::Rows> PgConnection::Query(std::string_view sql,
                                               std::span<const sql::Value> params) {
  return std::make_unique<PgRows>(ResultPtr(Run(sql, params)));
}

std::int64_t PgConnection::Execute(std::string_view sql, std::span<const sql::Value> params) {
  ResultPtr res(Run(sql, params));
  const char* tuples = PQcmdTuples(res.get());
  return ParseInt(tuples, static_cast<int>(std::strlen(tuples)));
}

void PgConnection::ExecScript(std::string_view sql) {
  // PQexec runs every statement of the string (simple query protocol).
  ResultPtr res(PQexec(conn_, std::string(sql).c_str()));
  const auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
    Fail(conn_, res.get(), "exec");
  }
  if (IsCommit(sql) && std::strcmp(PQcmdStatus(res.get()), "ROLLBACK") == 0) {
    throw sql::DbError("commit: the transaction had failed and was rolled back");
  }
}

bool PgConnection::Healthy() {
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) return false;
  try {
    return sql::QueryInt(*this, "SELECT 1").value_or(0) == 1;
  } catch (const sql::DbError&) {
    return false;
  }
}

}  // namespace guichet::storage::postgres
