#include <gtest/gtest.h>

#include "core/time.h"
#include "model/actor.h"
#include "model/incident.h"
#include "model/severity.h"

namespace firebreak::model {
namespace {

using S = IncidentState;
using T = Transition;

TEST(Lifecycle, FollowsTheStateMachineExactly) {
  // Every (state, transition) pair: the allowed ones and where they lead.
  const std::map<std::pair<S, T>, S> allowed = {
      {{S::kTriggered, T::kAcknowledge}, S::kAcknowledged},
      {{S::kTriggered, T::kMitigate}, S::kMitigated},
      {{S::kAcknowledged, T::kMitigate}, S::kMitigated},
      {{S::kTriggered, T::kResolve}, S::kResolved},
      {{S::kAcknowledged, T::kResolve}, S::kResolved},
      {{S::kMitigated, T::kResolve}, S::kResolved},
      {{S::kResolved, T::kReopen}, S::kTriggered},
      {{S::kMitigated, T::kReopen}, S::kTriggered},
      {{S::kResolved, T::kClose}, S::kClosed},
      {{S::kAcknowledged, T::kUnacknowledge}, S::kTriggered},
  };
  for (S s : {S::kTriggered, S::kAcknowledged, S::kMitigated, S::kResolved, S::kClosed}) {
    for (T t : {T::kAcknowledge, T::kMitigate, T::kResolve, T::kReopen, T::kClose, T::kUnacknowledge}) {
      auto r = NextState(s, t);
      auto it = allowed.find({s, t});
      if (it == allowed.end()) {
        ASSERT_FALSE(r.has_value()) << StateName(s) << " " << TransitionName(t);
        EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
        EXPECT_NE(r.error().message.find(std::string(StateName(s))), std::string::npos);
      } else {
        ASSERT_TRUE(r.has_value()) << StateName(s) << " " << TransitionName(t);
        EXPECT_EQ(*r, it->second);
      }
    }
  }
}

TEST(Severity, MapsToPriorityAndDefenseLevel) {
  EXPECT_EQ(PriorityName(Severity::kSev0), "P1");
  EXPECT_EQ(PriorityName(Severity::kSev1), "P1");
  EXPECT_EQ(PriorityName(Severity::kSev4), "P4");
  EXPECT_EQ(DefenseLevelOf(Severity::kSev0), DefenseLevel::kBlack);
  EXPECT_EQ(DefenseLevelOf(Severity::kSev2), DefenseLevel::kOrange);
  EXPECT_EQ(DefenseLevelOf(Severity::kSev4), DefenseLevel::kGreen);
  EXPECT_EQ(*ParseSeverity("sev1"), Severity::kSev1);
  EXPECT_FALSE(ParseSeverity("SEV5"));
  EXPECT_FALSE(ParseSeverity("P1"));
  EXPECT_TRUE(WorseThan(Severity::kSev0, Severity::kSev1));
  EXPECT_EQ(DefaultSeverityPolicy(Severity::kSev1).ack_sla, std::chrono::minutes(10));
}

TEST(Incident, SurvivesAJsonRoundTrip) {
  Incident i;
  i.id = "INC-7";
  i.number = 7;
  i.title = "Payments down";
  i.state = S::kAcknowledged;
  i.severity = Severity::kSev1;
  i.services = {"payments"};
  i.blast_radius = {"checkout", "web"};
  i.roles = {{"incident_commander", "alice"}};
  i.created_at = core::FromUnixMillis(1'700'000'000'000);
  i.updated_at = core::FromUnixMillis(1'700'000'001'000);
  i.acknowledged_at = core::FromUnixMillis(1'700'000'000'500);
  i.acknowledged_by = "person:bob";
  auto back = IncidentFromJson(ToJson(i));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->id, "INC-7");
  EXPECT_EQ(back->state, S::kAcknowledged);
  EXPECT_EQ(back->severity, Severity::kSev1);
  EXPECT_EQ(back->blast_radius, i.blast_radius);
  EXPECT_EQ(back->roles, i.roles);
  EXPECT_EQ(back->acknowledged_at, i.acknowledged_at);
  EXPECT_EQ(back->acknowledged_by, "person:bob");
}

TEST(Scopes, ParseRejectsUnknownNamesAndAdminImpliesAll) {
  EXPECT_EQ(*ParseScopes("read,write"), kScopeRead | kScopeWrite);
  EXPECT_FALSE(ParseScopes("read,root"));
  EXPECT_FALSE(ParseScopes(""));
  Principal p;
  p.actor = Actor::Person("alice");
  p.scopes = kScopeRead;
  EXPECT_TRUE(RequireScope(p, kScopeRead));
  auto denied = RequireScope(p, kScopeWrite);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  p.scopes = kScopeAdmin;
  EXPECT_TRUE(RequireScope(p, kScopeApprove));
  EXPECT_EQ(Actor::Parse("agent:claude")->ToString(), "agent:claude");
  EXPECT_FALSE(Actor::Parse("robot:x"));
}

}  // namespace
}  // namespace firebreak::model
