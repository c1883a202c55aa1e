#include "app/api_key_cli.hpp"

#include <cstdio>

namespace guichet::app {
namespace {

constexpr int kRefused = 1;
constexpr int kDatabase = 3;

int Fail(const Error& e) {
  std::fprintf(stderr, "guichet: %s\n", e.message().c_str());
  for (const auto& f : e.fields())
    std::fprintf(stderr, "  %s : %s\n", f.field.c_str(), f.message.c_str());
  if (!e.cause().empty()) std::fprintf(stderr, "  (%s)\n", e.cause().c_str());
  const bool infra = e.code() == ErrorCode::kUnavailable || e.code() == ErrorCode::kInternal;
  return infra ? kDatabase : kRefused;
}

}  // namespace

int RunApiKeyCreate(domain::ApiKeyService& keys, const std::string& name, const std::string& scope,
                    const std::string& team) {
  auto created = keys.Create(name, scope, team);
  if (!created.ok()) return Fail(created.error());
  std::printf("clé %lld créée pour « %s » (portée %s) ; elle ne sera plus affichée :\n%s\n",
              static_cast<long long>(created->key.id), created->key.name.c_str(),
              created->key.scope.c_str(), created->secret.c_str());
  return 0;
}

int RunApiKeyList(domain::ApiKeyService& keys) {
  auto list = keys.List();
  if (!list.ok()) return Fail(list.error());
  std::printf("id\tportée\tcréée le\trévoquée le\tnom\n");
  for (const auto& k : *list) {
    std::printf("%lld\t%s\t%s\t%s\t%s\n", static_cast<long long>(k.id), k.scope.c_str(),
                FormatIso8601(k.created_at).c_str(),
                k.revoked_at ? FormatIso8601(*k.revoked_at).c_str() : "-", k.name.c_str());
  }
  return 0;
}

int RunApiKeyRevoke(domain::ApiKeyService& keys, std::int64_t id) {
  if (auto s = keys.Revoke(id); !s.ok()) return Fail(s.error());
  std::printf("clé %lld révoquée : un serveur en marche la refuse dans la seconde\n",
              static_cast<long long>(id));
  return 0;
}

}  // namespace guichet::app
