// The audit line of a call names its caller by kind, as the OpenAPI
// document's AuditEntry.actor.kind lists them, whoever called.
#include <gtest/gtest.h>

#include "http/api_backoffice.hpp"

namespace guichet::http {
namespace {

TEST(AuditEntryOf, NamesEveryKindOfCaller) {
  using Kind = domain::Actor::Kind;
  const std::pair<Kind, std::string> kinds[] = {{Kind::kAgent, "agent"},
                                                {Kind::kApi, "api"},
                                                {Kind::kCitizen, "citizen"},
                                                {Kind::kSystem, "system"},
                                                {Kind::kAnonymous, "anonymous"}};
  Request req{bhttp::verb::post, "/api/v1/requests", 11};
  req.set(bhttp::field::user_agent, "navigateur");
  for (const auto& [kind, name] : kinds) {
    Context ctx{.req = req};
    ctx.remote = "192.0.2.1";
    ctx.actor = domain::Actor{kind, kind == Kind::kAnonymous ? 0 : 7, {}};
    const domain::AuditEntry e = AuditEntryOf(ctx, 1'000);
    EXPECT_EQ(e.actor_kind, name);
    EXPECT_EQ(e.actor_label, ctx.actor.Label());
    EXPECT_EQ(e.at, 1'000);
    EXPECT_EQ(e.ip, "192.0.2.1");
    EXPECT_EQ(e.user_agent, "navigateur");
  }
}

}  // namespace
}  // namespace guichet::http
