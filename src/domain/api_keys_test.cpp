#include "domain/api_keys.hpp"

#include <gtest/gtest.h>

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
