#include "domain/api_keys.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/memory_store.hpp"

namespace guichet::domain {
namespace {

TEST(ApiKeys, SecretIsShownOnceAndOnlyItsHashIsStored) {
  MemoryStore store;
  ManualClock clock(1000);
  ApiKeyService keys(store, clock);
  auto k = keys.Create("FixMyStreet", "open311");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->secret.rfind("gk_", 0), 0u);
  EXPECT_EQ(k->secret.size(), 3u + 43u) << "256 bits in base64url";
  auto listed = keys.List();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_NE(listed->at(0).hash, k->secret);
  EXPECT_EQ(listed->at(0).created_at, 1000);
  EXPECT_NE(keys.Create("Autre", "open311")->secret, k->secret);
}

TEST(ApiKeys, VerifyChecksExistenceRevocationAndScope) {
  MemoryStore store;
  ManualClock clock(1000);
  ApiKeyService keys(store, clock);
  auto k = keys.Create("FixMyStreet", "open311");
  EXPECT_EQ(keys.Verify(k->secret, "open311")->id, k->key.id);
  EXPECT_EQ(keys.Verify("", "open311").error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(keys.Verify("gk_x", "open311").error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(keys.Verify(k->secret, "admin").error().code(), ErrorCode::kForbidden);
  ASSERT_TRUE(keys.Revoke(k->key.id).ok());
  EXPECT_EQ(keys.Verify(k->secret, "open311").error().code(), ErrorCode::kForbidden);
  EXPECT_EQ(keys.Revoke(42).error().code(), ErrorCode::kNotFound);
}

TEST(ApiKeys, AKeyRevokedByAnotherProcessIsRefusedWithinTheRecheckDelay) {
  MemoryStore store;
  ManualClock clock(1000);
  ApiKeyService server(store, clock);
  ApiKeyService command_line(store, clock);  // `guichet api-key revoke`, another process
  auto k = command_line.Create("FixMyStreet", "api");
  ASSERT_TRUE(k.ok());
  ASSERT_TRUE(server.Authenticate(k->secret).ok()) << "a key just created works at once";
  ASSERT_TRUE(command_line.Revoke(k->key.id).ok());
  clock.Advance(kApiKeyRecheckDelay - 1);
  EXPECT_TRUE(server.Authenticate(k->secret).ok()) << "what the server read a moment ago";
  clock.Advance(1);
  EXPECT_EQ(server.Authenticate(k->secret).error().code(), ErrorCode::kForbidden);
}

TEST(ApiKeys, AKeyRevokedByTheServerItselfIsRefusedAtOnce) {
  MemoryStore store;
  ManualClock clock(1000);
  ApiKeyService keys(store, clock);
  auto k = keys.Create("FixMyStreet", "api");
  ASSERT_TRUE(keys.Authenticate(k->secret).ok());
  ASSERT_TRUE(keys.Revoke(k->key.id).ok());
  EXPECT_EQ(keys.Authenticate(k->secret).error().code(), ErrorCode::kForbidden);
}

TEST(ApiKeys, AClockSetBackMakesTheServerReadTheKeyAgain) {
  MemoryStore store;
  ManualClock clock(10 * kApiKeyRecheckDelay);
  ApiKeyService server(store, clock);
  ApiKeyService command_line(store, clock);
  auto k = command_line.Create("FixMyStreet", "api");
  ASSERT_TRUE(server.Authenticate(k->secret).ok());
  ASSERT_TRUE(command_line.Revoke(k->key.id).ok());
  clock.Set(5 * kApiKeyRecheckDelay);
  EXPECT_EQ(server.Authenticate(k->secret).error().code(), ErrorCode::kForbidden);
}

TEST(ApiKeys, ManyKeysAtOnceAreAllStillRecognised) {
  MemoryStore store;
  ManualClock clock(1000);
  ApiKeyService keys(store, clock);
  std::vector<std::string> secrets;
  for (std::size_t i = 0; i < kMaxRememberedApiKeys + 10; ++i) {
    auto k = keys.Create("Partenaire " + std::to_string(i), "open311");
    ASSERT_TRUE(k.ok());
    secrets.push_back(k->secret);
  }
  for (const auto& s : secrets) EXPECT_TRUE(keys.Verify(s, "open311").ok());
  for (const auto& s : secrets) EXPECT_TRUE(keys.Verify(s, "open311").ok());
  EXPECT_EQ(keys.Verify("gk_inconnue", "open311").error().code(), ErrorCode::kUnauthenticated);
}

TEST(ApiKeys, CreateRefusesAnEmptyNameAndAnUnknownScope) {
  MemoryStore store;
  ManualClock clock(0);
  ApiKeyService keys(store, clock);
  auto bad = keys.Create(" ", "partout");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().fields().size(), 2u);
}

TEST(ApiKeys, BearerTokenReadsTheAuthorizationHeader) {
  EXPECT_EQ(BearerToken("Bearer gk_abc"), "gk_abc");
  EXPECT_EQ(BearerToken("bearer  gk_abc "), "gk_abc");
  EXPECT_EQ(BearerToken("Basic Zm9v"), "");
  EXPECT_EQ(BearerToken(""), "");
}

}  // namespace
}  // namespace guichet::domain
