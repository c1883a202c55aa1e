#include "storage/sqlite/french_tokenizer.hpp"

#include <libstemmer.h>
#include <sqlite3.h>

#include <memory>
#include <new>
#include <vector>

namespace guichet::storage::sqlite {
namespace {

constexpr const char* kName = "guichet_french";

// The FTS5 API of a connection, found the documented way: SELECT fts5(?1).
fts5_api* Fts5Api(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  return api;
}

// One per search table per connection; a connection is used by one thread
// at a time, so the stemmer (not thread-safe) needs no lock.
struct FrenchTokenizer {
  fts5_tokenizer base{};
  Fts5Tokenizer* base_instance = nullptr;
  sb_stemmer* stemmer = nullptr;

  ~FrenchTokenizer() {
    if (base_instance) base.xDelete(base_instance);
    if (stemmer) sb_stemmer_delete(stemmer);
  }
};

struct TokenContext {
  void* ctx;
  int (*emit)(void*, int, const char*, int, int, int);
  sb_stemmer* stemmer;
};

int StemToken(void* p, int flags, const char* token, int n, int start, int end) {
  auto* tc = static_cast<TokenContext*>(p);
  const sb_symbol* stem =
      sb_stemmer_stem(tc->stemmer, reinterpret_cast<const sb_symbol*>(token), n);
  if (!stem) return SQLITE_NOMEM;
  return tc->emit(tc->ctx, flags, reinterpret_cast<const char*>(stem),
                  sb_stemmer_length(tc->stemmer), start, end);
}

int Create(void* api_ptr, const char** /*args*/, int /*nargs*/, Fts5Tokenizer** out) {
  auto* api = static_cast<fts5_api*>(api_ptr);
  auto tok = std::unique_ptr<FrenchTokenizer>(new (std::nothrow) FrenchTokenizer);
  if (!tok) return SQLITE_NOMEM;
  void* base_data = nullptr;
  int rc = api->xFindTokenizer(api, "unicode61", &base_data, &tok->base);
  if (rc != SQLITE_OK) return rc;
  const char* base_args[] = {"remove_diacritics", "2"};
  rc = tok->base.xCreate(base_data, base_args, 2, &tok->base_instance);
  if (rc != SQLITE_OK) return rc;
  // The input is UTF-8 already folded to lower case without accents.
  tok->stemmer = sb_stemmer_new("french", "UTF_8");
  if (!tok->stemmer) return SQLITE_ERROR;
  *out = reinterpret_cast<Fts5Tokenizer*>(tok.release());
  return SQLITE_OK;
}

void Delete(Fts5Tokenizer* t) { delete reinterpret_cast<FrenchTokenizer*>(t); }

int Tokenize(Fts5Tokenizer* t, void* ctx, int flags, const char* text, int n,
             int (*emit)(void*, int, const char*, int, int, int)) {
  auto* tok = reinterpret_cast<FrenchTokenizer*>(t);
  TokenContext tc{ctx, emit, tok->stemmer};
  return tok->base.xTokenize(tok->base_instance, &tc, flags, text, n, StemToken);
}

int Collect(void* p, int, const char* token, int n, int, int) {
  static_cast<std::vector<std::string>*>(p)->emplace_back(token, static_cast<size_t>(n));
  return SQLITE_OK;
}

// guichet_rank(search_fts): BM25 without its IDF factor — per phrase,
// tf·(k1 + 1) / (tf + k1·(1 − b + b·dl / avgdl)) — negated like FTS5's rank
// (lower is better). FTS5's bm25() counts, on its first row, every document
// of each phrase to weigh it (250,000 documents for a common word among 2M:
// 80 ms per word); this needs the row's own hits and the table's stored
// totals only, so a search can rank a window of matches at the cost of the
// window. All phrases of a query are required, so every ranked row has all.
void GuichetRank(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int,
                 sqlite3_value**) {
  constexpr double kK1 = 1.2;
  constexpr double kB = 0.75;
  const int phrases = api->xPhraseCount(fts);
  std::vector<int> tf(static_cast<size_t>(phrases > 0 ? phrases : 0), 0);
  int hits = 0;
  int rc = api->xInstCount(fts, &hits);
  for (int i = 0; rc == SQLITE_OK && i < hits; ++i) {
    int phrase = 0, column = 0, offset = 0;
    rc = api->xInst(fts, i, &phrase, &column, &offset);
    if (rc == SQLITE_OK && phrase >= 0 && phrase < phrases) ++tf[static_cast<size_t>(phrase)];
  }
  int length = 0;
  sqlite3_int64 rows = 0, total = 0;
  if (rc == SQLITE_OK) rc = api->xColumnSize(fts, -1, &length);
  if (rc == SQLITE_OK) rc = api->xRowCount(fts, &rows);
  if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &total);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  const double average = rows > 0 && total > 0 ? static_cast<double>(total) / rows : 1.0;
  const double norm = kK1 * (1 - kB + kB * length / average);
  double score = 0;
  for (int n : tf) {
    if (n > 0) score += n * (kK1 + 1) / (n + norm);
  }
  sqlite3_result_double(ctx, -score);
}

}  // namespace

int RegisterSearchRank(sqlite3* db) {
  fts5_api* api = Fts5Api(db);
  if (!api) return SQLITE_ERROR;
  return api->xCreateFunction(api, "guichet_rank", nullptr, GuichetRank, nullptr);
}

int RegisterFrenchTokenizer(sqlite3* db) {
  fts5_api* api = Fts5Api(db);
  if (!api) return SQLITE_ERROR;
  fts5_tokenizer t{Create, Delete, Tokenize};
  return api->xCreateTokenizer(api, kName, api, &t, nullptr);
}

std::vector<std::string> FrenchTokens(sqlite3* db, const std::string& text) {
  std::vector<std::string> out;
  fts5_api* api = Fts5Api(db);
  if (!api) return out;
  void* data = nullptr;
  fts5_tokenizer t{};
  if (api->xFindTokenizer(api, kName, &data, &t) != SQLITE_OK) return out;
  Fts5Tokenizer* inst = nullptr;
  if (t.xCreate(data, nullptr, 0, &inst) != SQLITE_OK) return out;
  t.xTokenize(inst, &out, FTS5_TOKENIZE_DOCUMENT, text.data(), static_cast<int>(text.size()),
              Collect);
  t.xDelete(inst);
  return out;
}

}  // namespace guichet::storage::sqlite
