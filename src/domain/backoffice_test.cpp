#include "domain/backoffice.hpp"

#include <gtest/gtest.h>

#include "domain/memory_store.hpp"

namespace guichet::domain {
namespace {

AuditEntry Entry(const std::string& action, std::int64_t request_id) {
  AuditEntry e;
  e.at = 1'800'000'000'000'000 + request_id;
  e.actor_kind = "agent";
  e.actor_id = 7;
  e.actor_label = "agent:7";
  e.action = action;
  e.record_type = "/api/v1/requests/{id}";
  e.record_id = std::to_string(request_id);
  e.request_id = request_id;
  e.citizen_id = 3;
  e.purpose = "Traitement de la demande";
  e.ip = "192.0.2.1";
  e.user_agent = "navigateur";
  return e;
}

// Three entries appended through the store port (the chain is computed there).
std::vector<AuditEntry> Chain(MemoryStore& store) {
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(store
                    .WriteSync([&](WriteTx& tx) -> Status {
                      const AuditEntry e = Entry(i == 2 ? "POST" : "read", i);
                      return tx.AppendAudit({&e, 1});
                    })
                    .ok());
  }
  return *store.ListAuditChain(0, 100);
}

TEST(AuditChain, EachEntryChainsToThePreviousOne) {
  MemoryStore store;
  const auto chain = Chain(store);
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].prev_hash, "");
  EXPECT_EQ(chain[1].prev_hash, chain[0].hash);
  EXPECT_EQ(chain[2].prev_hash, chain[1].hash);
  EXPECT_EQ(chain[0].hash.size(), 64u);
  const auto v = VerifyAuditRun(chain, "");
  EXPECT_FALSE(v.broken_at.has_value()) << v.reason;
  EXPECT_EQ(v.checked, 3);
  EXPECT_EQ(v.last_hash, chain[2].hash);
}

TEST(AuditChain, DetectsAChangedField) {
  MemoryStore store;
  auto chain = Chain(store);
  const std::vector<void (*)(AuditEntry&)> tamperings = {
      [](AuditEntry& e) { e.purpose = "Curiosité"; },
      [](AuditEntry& e) { e.actor_label = "agent:8"; },
      [](AuditEntry& e) { e.citizen_id.reset(); },
      [](AuditEntry& e) { e.at += 1; },
      [](AuditEntry& e) { e.ip = "198.51.100.9"; },
  };
  for (auto tamper : tamperings) {
    auto copy = chain;
    tamper(copy[1]);
    const auto v = VerifyAuditRun(copy, "");
    ASSERT_TRUE(v.broken_at.has_value());
    EXPECT_EQ(*v.broken_at, copy[1].id);
    EXPECT_EQ(v.checked, 1);
  }
}

TEST(AuditChain, DetectsARemovedOrRecomputedEntry) {
  MemoryStore store;
  auto chain = Chain(store);
  auto removed = chain;
  removed.erase(removed.begin() + 1);
  EXPECT_EQ(VerifyAuditRun(removed, "").broken_at, chain[2].id);
  // Rewriting an entry with a fresh hash still breaks the link to the next one.
  auto rewritten = chain;
  rewritten[1].purpose = "Curiosité";
  rewritten[1].hash = AuditDigest(rewritten[1], rewritten[1].prev_hash);
  EXPECT_EQ(VerifyAuditRun(rewritten, "").broken_at, chain[2].id);
  // A run continues from the hash of the entry before it.
  EXPECT_FALSE(VerifyAuditRun({chain[2]}, chain[1].hash).broken_at.has_value());
  EXPECT_TRUE(VerifyAuditRun({chain[2]}, chain[0].hash).broken_at.has_value());
}

TEST(RoundRobin, GivesEachAgentOfTheTeamATurn) {
  MemoryStore store;
  std::vector<std::optional<std::int64_t>> picks;
  ASSERT_TRUE(store
                  .WriteSync([&](WriteTx& tx) -> Status {
                    (void)tx.UpsertTeam({"proprete", "Propreté", "p@example.org", true});
                    (void)tx.InsertAgent({0, "A", "a@example.org", "proprete"});
                    (void)tx.InsertAgent({0, "Autre", "x@example.org", "voirie"});
                    (void)tx.InsertAgent({0, "B", "b@example.org", "proprete"});
                    for (int i = 0; i < 4; ++i) picks.push_back(tx.NextRoundRobinAgent("proprete"));
                    picks.push_back(tx.NextRoundRobinAgent("voirie-sans-agent"));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(picks.size(), 5u);
  EXPECT_EQ(picks[0], picks[2]);
  EXPECT_EQ(picks[1], picks[3]);
  EXPECT_NE(picks[0], picks[1]);
  EXPECT_FALSE(picks[4].has_value());
}

TEST(CannedResponses, OnlySupervisorsAdministratorsAndUnrestrictedMachinesManageThem) {
  Actor agent{Actor::Kind::kAgent, 4, {"agent"}};
  agent.team_ids = {"voirie"};
  Actor supervisor{Actor::Kind::kAgent, 5, {"supervisor"}};
  supervisor.team_ids = {"voirie"};
  Actor restricted_key{Actor::Kind::kApi, 9, {}};
  restricted_key.team_ids = {"voirie"};
  EXPECT_FALSE(MayManageCannedResponses(agent));
  EXPECT_TRUE(MayManageCannedResponses(supervisor));
  EXPECT_FALSE(MayManageCannedResponses(restricted_key));
  EXPECT_TRUE(MayManageCannedResponses(Actor{Actor::Kind::kApi, 0, {}}));
  EXPECT_FALSE(MayManageCannedResponses(Actor{Actor::Kind::kCitizen, 2, {}}));
}

}  // namespace
}  // namespace guichet::domain
