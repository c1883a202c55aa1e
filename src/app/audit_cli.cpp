#include "app/audit_cli.hpp"

#include <cstdio>

namespace guichet::app {

int RunAuditVerify(domain::Store& store) {
  // Pages keep memory flat whatever the length of the log.
  constexpr int kPage = 5000;
  domain::AuditVerification total;
  for (;;) {
    auto page = store.ListAuditChain(total.last_id, kPage);
    if (!page.ok()) {
      std::fprintf(stderr, "guichet: lecture du journal d’audit : %s (%s)\n",
                   page.error().message().c_str(), page.error().cause().c_str());
      return 3;
    }
    if (page->empty()) break;
    auto run = domain::VerifyAuditRun(*page, total.last_hash);
    total.checked += run.checked;
    if (run.broken_at) {
      std::printf("chaîne d’audit rompue à l’entrée %lld : %s (%lld entrées vérifiées avant)\n",
                  static_cast<long long>(*run.broken_at), run.reason.c_str(),
                  static_cast<long long>(total.checked));
      return 1;
    }
    total.last_hash = run.last_hash;
    total.last_id = run.last_id;
  }
  std::printf("chaîne d’audit intacte : %lld entrées vérifiées\n",
              static_cast<long long>(total.checked));
  return 0;
}

}  // namespace guichet::app
