// The "guichet_french" FTS5 tokenizer: SQLite's unicode61 tokenizer with
// diacritics removed (remove_diacritics 2), each token then reduced to its
// stem by the Snowball French stemmer (libstemmer). "Réparations" and
// "réparer" both index as "repar"; queries go through the same tokenizer.
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

namespace guichet::storage::sqlite {

// Registers the tokenizer on `db` (every connection needs it to read or
// write the search table). Returns an SQLite error code.
int RegisterFrenchTokenizer(sqlite3* db);

// Registers guichet_rank(search_fts), a ranking that costs only the row it
// ranks (see french_tokenizer.cpp); SqlStore::Search orders by it.
int RegisterSearchRank(sqlite3* db);

// The tokens `text` indexes as, in order (for tests and diagnostics).
std::vector<std::string> FrenchTokens(sqlite3* db, const std::string& text);

}  // namespace guichet::storage::sqlite
