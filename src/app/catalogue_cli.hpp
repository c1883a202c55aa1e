// `guichet catalogue check DIR`: loads a catalogue directory and reports every
// problem, for town-hall staff editing the files and for CI.
#pragma once

#include <string>

namespace guichet::app {

inline constexpr int kCatalogueValid = 0;
inline constexpr int kCatalogueInvalid = 1;
inline constexpr int kCatalogueUnreadable = 2;

// Prints each problem as "DIR/file:line: path: message" on stderr and a French
// summary on stdout ("catalogue valide : 8 démarches, 3 workflows, 7 équipes"
// or "catalogue invalide : 3 erreurs"). Returns kCatalogueValid,
// kCatalogueInvalid, or kCatalogueUnreadable when DIR is not a readable
// directory.
int RunCatalogueCheck(const std::string& dir);

}  // namespace guichet::app
