// The French tokenizer on an in-memory SQLite database (no file I/O).
#include "storage/sqlite/french_tokenizer.hpp"

#include <gtest/gtest.h>

namespace guichet::storage::sqlite {
namespace {

class FrenchTokenizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_EQ(RegisterFrenchTokenizer(db_), SQLITE_OK);
    ASSERT_EQ(RegisterSearchRank(db_), SQLITE_OK);
  }
  void TearDown() override { sqlite3_close(db_); }

  void Exec(const std::string& sql) {
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
  }
  std::vector<std::int64_t> Match(const std::string& query, const std::string& order = "rank") {
    std::vector<std::int64_t> out;
    sqlite3_stmt* stmt = nullptr;
    const std::string sql = "SELECT rowid FROM t WHERE t MATCH ? ORDER BY " + order + ", rowid";
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    sqlite3_bind_text(stmt, 1, query.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(stmt) == SQLITE_ROW) out.push_back(sqlite3_column_int64(stmt, 0));
    sqlite3_finalize(stmt);
    return out;
  }

  sqlite3* db_ = nullptr;
};

TEST_F(FrenchTokenizerTest, FoldsAccentsAndCase) {
  const auto tokens = FrenchTokens(db_, "ÉCOLE Élève");
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0], FrenchTokens(db_, "ecole")[0]);
  EXPECT_EQ(tokens[1], FrenchTokens(db_, "eleve")[0]);
}

TEST_F(FrenchTokenizerTest, StemsInflectionsToOneToken) {
  struct Case {
    const char* a;
    const char* b;
  };
  const Case same[] = {
      {"réparation", "réparations"}, {"lampadaires", "lampadaire"}, {"cassés", "casse"},
      {"dépôts", "dépôt"},           {"inondées", "inondée"},       {"Poubelles", "poubelle"},
  };
  for (const auto& c : same) {
    EXPECT_EQ(FrenchTokens(db_, c.a), FrenchTokens(db_, c.b)) << c.a << " / " << c.b;
  }
  EXPECT_NE(FrenchTokens(db_, "trottoir"), FrenchTokens(db_, "voirie"));
}

TEST_F(FrenchTokenizerTest, FindsDocumentsWhateverTheAccentsAndEndings) {
  Exec("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'guichet_french')");
  Exec(
      "INSERT INTO t (rowid, body) VALUES (1, 'Lampadaire cassé rue de l''Église'), "
      "(2, 'Dépôt sauvage de déchets près de l''école'), (3, 'Nid de poule avenue Foch')");
  EXPECT_EQ(Match("lampadaires"), std::vector<std::int64_t>{1});
  EXPECT_EQ(Match("eglise"), std::vector<std::int64_t>{1});
  EXPECT_EQ(Match("DEPOTS ecoles"), std::vector<std::int64_t>{2});
  EXPECT_TRUE(Match("piscine").empty());
}

TEST_F(FrenchTokenizerTest, KeepsOffsetsForSnippets) {
  Exec("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'guichet_french')");
  Exec("INSERT INTO t (rowid, body) VALUES (1, 'Un lampadaire éteint depuis lundi')");
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_,
                               "SELECT highlight(t, 0, '<mark>', '</mark>') FROM t WHERE t "
                               "MATCH 'eteints'",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
               "Un lampadaire <mark>éteint</mark> depuis lundi");
  sqlite3_finalize(stmt);
}

TEST_F(FrenchTokenizerTest, GuichetRankPrefersMoreHitsAndShorterDocuments) {
  Exec("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'guichet_french')");
  Exec(
      "INSERT INTO t (rowid, body) VALUES "
      "(1, 'Lampadaire éteint rue Pasteur, le trottoir aussi est abîmé depuis des semaines'), "
      "(2, 'Lampadaire éteint rue Pasteur'), "
      "(3, 'Lampadaire éteint, lampadaires éteints'), "
      "(4, 'Trottoir abîmé')");
  // Every word is required; at the same length two hits of each beat one, and
  // with the same hits a short passage beats a long one.
  EXPECT_EQ(Match("lampadaires eteints", "guichet_rank(t)"), (std::vector<std::int64_t>{3, 2, 1}));
  // Not a constant: the order differs from the rowid order, and a row without
  // the words is not ranked at all.
  EXPECT_EQ(Match("trottoir", "guichet_rank(t)"), (std::vector<std::int64_t>{4, 1}));
}

}  // namespace
}  // namespace guichet::storage::sqlite
