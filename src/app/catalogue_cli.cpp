#include "app/catalogue_cli.hpp"

#include <cstdio>
#include <filesystem>

#include "catalogue/loader.hpp"

namespace guichet::app {

namespace {

std::string Plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

int RunCatalogueCheck(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::fprintf(stderr, "guichet: %s n’est pas un dossier lisible%s%s\n", dir.c_str(),
                 ec ? " : " : "", ec ? ec.message().c_str() : "");
    return kCatalogueUnreadable;
  }
  catalogue::LoadResult result = catalogue::LoadCatalogue(dir);
  for (const catalogue::Problem& p : result.problems) {
    catalogue::Problem shown = p;
    // Paths relative to where the command ran, so editors can jump to them.
    shown.where.file = (fs::path(dir) / p.where.file).lexically_normal().generic_string();
    std::fprintf(stderr, "%s\n", shown.ToString().c_str());
  }
  if (!result.catalogue) {
    std::printf("catalogue invalide : %s\n",
                Plural(result.problems.size(), "erreur", "erreurs").c_str());
    return kCatalogueInvalid;
  }
  const domain::Catalogue& c = *result.catalogue;
  std::printf("catalogue valide : %s, %s, %s\n",
              Plural(c.procedures.size(), "démarche", "démarches").c_str(),
              Plural(c.workflows.size(), "workflow", "workflows").c_str(),
              Plural(c.teams.size(), "équipe", "équipes").c_str());
  return kCatalogueValid;
}

}  // namespace guichet::app
