#include "audit/audit.h"

#include <gtest/gtest.h>

#include "core/time.h"

namespace firebreak::audit {
namespace {

std::vector<model::AuditEntry> Chain(int n) {
  std::vector<model::AuditEntry> out;
  std::optional<model::AuditEntry> prev;
  for (int i = 0; i < n; ++i) {
    model::AuditEntry e;
    e.time = core::FromUnixMillis(1000 + i);
    e.actor = "person:alice";
    e.action = "incident.note";
    e.target = "incident:INC-1";
    e.details["text"] = "note " + std::to_string(i);
    Seal(e, prev);
    out.push_back(e);
    prev = e;
  }
  return out;
}

VerifyResult Check(const std::vector<model::AuditEntry>& chain, const std::string& head) {
  Verifier v;
  for (const auto& e : chain)
    if (!v.Add(e)) break;
  return v.Finish(head);
}

std::string HeadOf(const std::vector<model::AuditEntry>& c) { return EncodeHead(c.back().seq, c.back().hash); }

TEST(AuditChain, AnIntactChainVerifies) {
  auto c = Chain(5);
  EXPECT_EQ(c[0].prev_hash, kGenesisHash);
  EXPECT_EQ(c[3].prev_hash, c[2].hash);
  auto r = Check(c, HeadOf(c));
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.checked, 5);
}

TEST(AuditChain, AnEditedEntryIsNamed) {
  auto c = Chain(5);
  auto head = HeadOf(c);
  c[2].details["text"] = "rewritten";
  auto r = Check(c, head);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 3);
  EXPECT_NE(r.problem.find("edited"), std::string::npos);
}

TEST(AuditChain, AnEditedEntryWithARecomputedHashBreaksTheNextLink) {
  auto c = Chain(5);
  auto head = HeadOf(c);
  c[2].actor = "person:mallory";
  c[2].hash = ComputeHash(c[2]);
  auto r = Check(c, head);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 4);
}

TEST(AuditChain, ADeletedEntryIsNamed) {
  auto c = Chain(5);
  auto head = HeadOf(c);
  c.erase(c.begin() + 1);
  auto r = Check(c, head);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 2);
  EXPECT_NE(r.problem.find("missing"), std::string::npos);
}

TEST(AuditChain, ReorderedEntriesAreCaught) {
  auto c = Chain(5);
  auto head = HeadOf(c);
  std::swap(c[1], c[2]);
  auto r = Check(c, head);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 2);
}

TEST(AuditChain, TruncatingTheTailIsCaughtByTheHead) {
  auto c = Chain(5);
  auto head = HeadOf(c);
  c.pop_back();
  auto r = Check(c, head);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 5);
}

}  // namespace
}  // namespace firebreak::audit
