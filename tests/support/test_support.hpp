// Helpers shared by the cross-module tests.
#pragma once

#include <string>

namespace guichet::testing {

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The PostgreSQL server URL the test script started (GUICHET_TEST_PG_URL),
// e.g. "postgresql://postgres@127.0.0.1:55432/postgres". Empty when unset.
std::string PostgresServerUrl();

}  // namespace guichet::testing
