#include "domain/backoffice_model.hpp"

#include "core/digest.hpp"

namespace guichet::domain {

std::string AuditDigest(const AuditEntry& e, const std::string& prev_hash) {
  // Unit separators keep "ab"+"c" and "a"+"bc" apart.
  std::string s = prev_hash;
  const auto add = [&s](const std::string& v) {
    s += '\x1f';
    s += v;
  };
  add(std::to_string(e.at));
  add(e.actor_kind);
  add(std::to_string(e.actor_id));
  add(e.actor_label);
  add(e.action);
  add(e.record_type);
  add(e.record_id);
  add(e.request_id ? std::to_string(*e.request_id) : "");
  add(e.citizen_id ? std::to_string(*e.citizen_id) : "");
  add(e.purpose);
  add(e.ip);
  add(e.user_agent);
  return Sha256Hex(s);
}

AuditVerification VerifyAuditRun(const std::vector<AuditEntry>& entries,
                                 const std::string& prev_hash) {
  AuditVerification v;
  v.last_hash = prev_hash;
  for (const auto& e : entries) {
    if (e.prev_hash != v.last_hash) {
      v.broken_at = e.id;
      v.reason = "l’entrée ne suit pas la précédente (entrée supprimée ou insérée)";
      return v;
    }
    if (AuditDigest(e, e.prev_hash) != e.hash) {
      v.broken_at = e.id;
      v.reason = "le contenu de l’entrée a été modifié";
      return v;
    }
    v.last_hash = e.hash;
    v.last_id = e.id;
    ++v.checked;
  }
  return v;
}

}  // namespace guichet::domain
