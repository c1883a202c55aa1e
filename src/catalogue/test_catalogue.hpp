// For the catalogue tests only: a catalogue directory under /tmp, removed
// afterwards, holding a small valid catalogue each test then breaks.
//
// Unit tests avoid I/O, but reading files is this module's job.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

namespace guichet::catalogue::testing {

// catalogue.toml with one team, "voirie".
inline const std::string kCatalogueToml = R"toml(town = "Mairie de Test"

[[teams]]
id = "voirie"
name = "Voirie"
email = "voirie@example.org"
)toml";

// workflows/w.toml: nouveau → fini, with a tacit decision for the engine;
// the statuses part, then the transitions part.
inline const std::string kWorkflowStatuses = R"toml(initial = "nouveau"

[[statuses]]
code = "nouveau"
category = "new"
label = "Reçue"
actions = [{ set_deadline = "reponse" }, { notify = "recu" }]

[[statuses]]
code = "fini"
category = "resolved"
label = "Traitée"
)toml";

inline const std::string kWorkflowTransitions = R"toml(
[[transitions]]
name = "finir"
from = "nouveau"
to = "fini"

[[transitions]]
name = "accord_tacite"
from = "nouveau"
to = "fini"
roles = ["system"]
)toml";

// The head of services/s.toml: everything but the form. The workflow key is on line 5.
inline const std::string kServiceHead = R"toml(title = "Démarche"
description = "Une démarche de test."
category = "Tests"
team = "voirie"
workflow = "w"

[[deadlines]]
name = "reponse"
label = "Délai de réponse"
delay = "2 months"
legal = true
on_expiry = "accord_tacite"

[[templates]]
name = "recu"
subject = "Demande {{reference}} reçue"
body = "Réponse avant le {{deadline}}."
)toml";

inline const std::string kServiceFields = R"toml(
[[fields]]
key = "nature"
type = "choice"
label = "Nature"
options = [{ value = "a", label = "A" }, { value = "b", label = "B" }]

[[fields]]
key = "detail"
type = "text"
label = "Détail"
visible_if = { field = "nature", values = ["a"] }
)toml";

class TempCatalogue {
 public:
  // Writes the small valid catalogue.
  TempCatalogue() {
    static std::atomic<int> counter{0};
    dir_ =
        std::filesystem::temp_directory_path() /
        ("guichet-catalogue-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    Write("catalogue.toml", kCatalogueToml);
    Write("workflows/w.toml", kWorkflowStatuses + kWorkflowTransitions);
    Write("services/s.toml", kServiceHead + kServiceFields);
  }
  ~TempCatalogue() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempCatalogue(const TempCatalogue&) = delete;
  TempCatalogue& operator=(const TempCatalogue&) = delete;

  const std::filesystem::path& dir() const { return dir_; }

  void Write(const std::string& rel, const std::string& text) const {
    std::filesystem::path p = dir_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  }
  void Remove(const std::string& rel) const { std::filesystem::remove(dir_ / rel); }

 private:
  std::filesystem::path dir_;
};

}  // namespace guichet::catalogue::testing
