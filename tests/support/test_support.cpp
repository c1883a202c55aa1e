#include "support/test_support.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace guichet::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "guichet-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string PostgresServerUrl() {
  const char* url = std::getenv("GUICHET_TEST_PG_URL");
  return url ? url : "";
}

}  // namespace guichet::testing
