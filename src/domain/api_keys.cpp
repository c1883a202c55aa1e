#include "domain/api_keys.hpp"

#include <cctype>

#include "core/digest.hpp"
#include "domain/validation.hpp"

namespace guichet::domain {
namespace {

// Keys are 256-bit random strings, not passwords: nobody can guess one, so a
// fast hash (SHA-256) is enough to keep a stolen database from giving them
// away; a slow password hash would only slow down every request.
std::string HashOf(std::string_view secret) { return Sha256Hex(secret); }

// Whether what was read of a key at `read_at` may still be trusted at `now`.
// A clock set back counts as time passed: the key is read again.
bool StillFresh(Timestamp read_at, Timestamp now) {
  const Timestamp age = now - read_at;
  return age >= 0 && age < kApiKeyRecheckDelay;
}

}  // namespace

ApiKeyService::ApiKeyService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

bool ApiKeyService::IsKnownScope(std::string_view scope) {
  return scope == kScopeOpen311 || scope == kScopeApi || scope == kScopeAdmin;
}

Result<NewApiKey> ApiKeyService::Create(const std::string& name, const std::string& scope,
                                        const std::string& team_id) {
  std::vector<FieldError> errs;
  if (name.find_first_not_of(" \t") == std::string::npos) {
    errs.push_back({"name", "Le nom de la clé est obligatoire (à qui est-elle remise ?)."});
  } else if (!IsValidUtf8(name) || Utf8Length(name) > kMaxApiKeyNameLength) {
    errs.push_back({"name", "Le nom de la clé dépasse 200 caractères ou n’est pas en UTF-8."});
  }
  if (!IsKnownScope(scope)) {
    errs.push_back(
        {"scope", "La portée « " + scope + " » n’existe pas (portées : open311, api, admin)."});
  }
  if (!team_id.empty()) {
    auto teams = store_.ListTeams();
    if (!teams.ok()) return teams.error();
    bool known = false;
    for (const auto& t : *teams) known = known || t.id == team_id;
    if (!known) errs.push_back({"team", "L’équipe « " + team_id + " » n’existe pas."});
    if (scope != kScopeApi)
      errs.push_back({"team", "Seule une clé « api » se limite à une équipe."});
  }
  if (!errs.empty()) return Error::Invalid("La clé d’API contient des erreurs.", std::move(errs));
  NewApiKey out;
  out.secret = std::string(kApiKeyPrefix) + RandomToken(kApiKeyRandomBytes);
  out.key.name = name;
  out.key.scope = scope;
  out.key.team_id = team_id;
  out.key.hash = HashOf(out.secret);
  out.key.created_at = clock_.Now();
  GUICHET_TRY(store_.WriteSync([&](WriteTx& tx) -> Status {
    auto id = tx.InsertApiKey(out.key);
    if (!id.ok()) return id.error();
    out.key.id = *id;
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<ApiKey>> ApiKeyService::List() const { return store_.ListApiKeys(); }

Status ApiKeyService::Revoke(std::int64_t id) {
  const Timestamp now = clock_.Now();
  GUICHET_TRY(store_.WriteSync([&](WriteTx& tx) { return tx.RevokeApiKey(id, now); }));
  std::lock_guard lock(mu_);
  std::erase_if(remembered_, [&](const auto& entry) { return entry.second.key.id == id; });
  return Status::Ok();
}

std::optional<ApiKey> ApiKeyService::Recall(const std::string& hash, Timestamp now) const {
  std::lock_guard lock(mu_);
  auto it = remembered_.find(hash);
  if (it == remembered_.end() || !StillFresh(it->second.read_at, now)) return std::nullopt;
  return it->second.key;
}

void ApiKeyService::Remember(const ApiKey& key, Timestamp now) const {
  std::lock_guard lock(mu_);
  if (remembered_.size() >= kMaxRememberedApiKeys && !remembered_.contains(key.hash)) {
    std::erase_if(remembered_,
                  [&](const auto& entry) { return !StillFresh(entry.second.read_at, now); });
    if (remembered_.size() >= kMaxRememberedApiKeys) remembered_.clear();
  }
  remembered_.insert_or_assign(key.hash, Remembered{key, now});
}

Result<ApiKey> ApiKeyService::Authenticate(std::string_view secret) const {
  if (secret.empty()) {
    return Error(ErrorCode::kUnauthenticated, "Une clé d’API (api_key) est requise.");
  }
  const std::string hash = HashOf(secret);
  const Timestamp now = clock_.Now();
  auto key = Recall(hash, now);
  if (!key) {
    auto found = store_.FindApiKey(hash);
    if (!found.ok()) {
      if (found.error().code() != ErrorCode::kNotFound) return found.error();
      return Error(ErrorCode::kUnauthenticated, "Cette clé d’API n’est pas valide.");
    }
    key = std::move(*found);
    Remember(*key, now);
  }
  if (key->revoked_at) return Error::Forbidden("Cette clé d’API a été révoquée.");
  return *std::move(key);
}

Result<ApiKey> ApiKeyService::Verify(std::string_view secret, std::string_view scope) const {
  auto key = Authenticate(secret);
  if (!key.ok()) return key.error();
  if (key->scope != scope) {
    return Error::Forbidden("Cette clé d’API ne donne pas accès à ce service (portée « " +
                            key->scope + " »).");
  }
  return key;
}

std::string BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return {};
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return std::string(token);
}

}  // namespace guichet::domain
