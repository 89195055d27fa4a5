#include "store/store.h"

#include <gtest/gtest.h>

#include "core/time.h"
#include "testing/testing.h"

namespace firebreak::store {
namespace {

model::Incident MakeIncident(int n, model::IncidentState st, std::vector<std::string> services) {
  model::Incident i;
  i.number = n;
  i.id = "INC-" + std::to_string(n);
  i.title = "incident " + std::to_string(n);
  i.state = st;
  i.severity = model::Severity::kSev2;
  i.services = std::move(services);
  i.created_at = core::FromUnixMillis(1000 * n);
  i.updated_at = i.created_at;
  return i;
}

TEST(Store, MigratesOnceAndReopensAtTheSameVersion) {
  testing::TempDir dir;
  int v;
  {
    auto s = Store::OpenDir(dir.path());
    ASSERT_TRUE(s) << s.error().ToString();
    v = (*s)->schema_version();
    EXPECT_GE(v, 1);
  }
  auto s = Store::OpenDir(dir.path());
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->schema_version(), v);
}

// An offline command (token create, audit) opens the data while the server runs: the server's
// commits after that open must not make the command's first write fail with "database is locked".
TEST(Store, ASecondOpenerCanWriteAfterTheFirstCommits) {
  testing::TempDir dir;
  auto server = *Store::OpenDir(dir.path());
  auto offline = *Store::OpenDir(dir.path());
  {
    auto tx = *server->BeginWrite();
    ASSERT_TRUE(tx->incidents().Insert(MakeIncident(1, model::IncidentState::kTriggered, {"db"})));
    ASSERT_TRUE(tx->Commit());
  }
  auto tx = offline->BeginWrite();
  ASSERT_TRUE(tx) << tx.error().ToString();
  ASSERT_TRUE((*tx)->incidents().Insert(MakeIncident(2, model::IncidentState::kTriggered, {"web"})));
  ASSERT_TRUE((*tx)->Commit());
}

TEST(Store, IncidentsPersistAndFilter) {
  testing::TempDir dir;
  auto s = *Store::OpenDir(dir.path());
  {
    auto tx = *s->BeginWrite();
    ASSERT_TRUE(tx->incidents().Insert(MakeIncident(1, model::IncidentState::kResolved, {"db"})));
    ASSERT_TRUE(tx->incidents().Insert(MakeIncident(2, model::IncidentState::kTriggered, {"web", "db"})));
    ASSERT_TRUE(tx->incidents().Insert(MakeIncident(3, model::IncidentState::kAcknowledged, {"web"})));
    EXPECT_EQ(*tx->incidents().NextNumber(), 4);
    auto dup = tx->incidents().Insert(MakeIncident(3, model::IncidentState::kTriggered, {}));
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
    ASSERT_TRUE(tx->Commit());
  }
  auto tx = *s->BeginRead();
  IncidentFilter f;
  f.service = "db";
  auto db = *tx->incidents().List(f);
  ASSERT_EQ(db.size(), 2u);
  EXPECT_EQ(db[0].id, "INC-2");  // newest first
  IncidentFilter open;
  open.open_only = true;
  EXPECT_EQ(tx->incidents().List(open)->size(), 2u);
  IncidentFilter page;
  page.limit = 1;
  page.before_number = 3;
  auto p = *tx->incidents().List(page);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].id, "INC-2");
  auto counts = *tx->incidents().CountOpenBySeverity();
  EXPECT_EQ(counts["SEV2"], 2);
}

TEST(Store, UncommittedWritesAreRolledBack) {
  testing::TempDir dir;
  auto s = *Store::OpenDir(dir.path());
  {
    auto tx = *s->BeginWrite();
    ASSERT_TRUE(tx->incidents().Insert(MakeIncident(1, model::IncidentState::kTriggered, {})));
  }  // destroyed without Commit
  auto tx = *s->BeginRead();
  EXPECT_FALSE(*tx->incidents().Get("INC-1"));
}

TEST(Store, SnapshotHoldsWhatWasCommittedWhileTheWriterGoesOn) {
  testing::TempDir dir;
  auto s = *Store::OpenDir(dir.path());
  {
    auto tx = *s->BeginWrite();
    ASSERT_TRUE(tx->incidents().Insert(MakeIncident(1, model::IncidentState::kTriggered, {"db"})));
    ASSERT_TRUE(tx->Commit());
  }
  // A write transaction is open (uncommitted work) while the snapshot is taken.
  auto open = *s->BeginWrite();
  ASSERT_TRUE(open->incidents().Insert(MakeIncident(2, model::IncidentState::kTriggered, {"web"})));
  const std::string copy = dir.path() + "/copy.db";
  ASSERT_TRUE(s->SnapshotTo(copy));
  ASSERT_TRUE(open->Commit());  // the writer was not blocked by the snapshot

  StoreOptions ro;
  ro.read_only = true;
  auto c = Store::OpenFile(copy, ro);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ((*c)->schema_version(), s->schema_version());
  EXPECT_TRUE((*c)->CheckIntegrity());
  auto tx = *(*c)->BeginRead();
  EXPECT_TRUE(*tx->incidents().Get("INC-1"));
  EXPECT_FALSE(*tx->incidents().Get("INC-2"));

  // An existing target is never overwritten.
  auto again = s->SnapshotTo(copy);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

TEST(Store, SavepointsUndoOnlyTheirOwnWork) {
  testing::TempDir dir;
  auto s = *Store::OpenDir(dir.path());
  {
    auto tx = *s->BeginWrite();
    ASSERT_TRUE(tx->Savepoint("a"));
    ASSERT_TRUE(tx->incidents().Insert(MakeIncident(1, model::IncidentState::kTriggered, {})));
    ASSERT_TRUE(tx->Release("a"));
    ASSERT_TRUE(tx->Savepoint("a"));
    ASSERT_TRUE(tx->incidents().Insert(MakeIncident(2, model::IncidentState::kTriggered, {})));
    ASSERT_TRUE(tx->RollbackTo("a"));
    ASSERT_TRUE(tx->Commit());
  }
  auto tx = *s->BeginRead();
  EXPECT_TRUE(*tx->incidents().Get("INC-1"));
  EXPECT_FALSE(*tx->incidents().Get("INC-2"));
}

// Repeats written together: every listed id counts once per listing (in any order), runs of
// consecutive ids and ids on their own alike; the rest are untouched; a missing id is an error.
TEST(Store, TouchAllCountsEveryRepeatOnce) {
  testing::TempDir dir;
  auto s = *Store::OpenDir(dir.path());
  std::vector<int64_t> ids;
  {
    auto tx = *s->BeginWrite();
    for (int i = 0; i < 8; ++i) {
      model::Alert a;
      a.key = "am:test:" + std::to_string(i);
      a.source = "alertmanager";
      a.service = "web";
      a.first_seen = a.last_seen = core::FromUnixMillis(1000);
      auto id = tx->alerts().Insert(a);
      ASSERT_TRUE(id) << id.error().ToString();
      ids.push_back(*id);
    }
    // 0,1,2 a run (1 twice), 4 alone, 6,7 a run listed backwards; 3 and 5 not repeated.
    std::vector<int64_t> touched{ids[2], ids[1], ids[0], ids[4], ids[1], ids[7], ids[6]};
    ASSERT_TRUE(tx->alerts().TouchAll(touched, core::FromUnixMillis(5000)));
    std::vector<int64_t> one{ids[4]};
    ASSERT_TRUE(tx->alerts().TouchAll(one, core::FromUnixMillis(6000)));
    std::vector<int64_t> none;
    ASSERT_TRUE(tx->alerts().TouchAll(none, core::FromUnixMillis(7000)));
    ASSERT_TRUE(tx->Commit());
  }
  auto tx = *s->BeginRead();
  const int64_t want_count[] = {2, 3, 2, 1, 3, 1, 2, 2};
  const int64_t want_seen[] = {5000, 5000, 5000, 1000, 6000, 1000, 5000, 5000};
  for (int i = 0; i < 8; ++i) {
    auto a = *tx->alerts().Get(ids[i]);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->count, want_count[i]) << "alert " << i;
    EXPECT_EQ(core::ToUnixMillis(a->last_seen), want_seen[i]) << "alert " << i;
  }
  tx.reset();
  auto w = *s->BeginWrite();
  std::vector<int64_t> run_past_the_end{ids[7], ids[7] + 1};
  auto st = w->alerts().TouchAll(run_past_the_end, core::FromUnixMillis(8000));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kNotFound);
  std::vector<int64_t> missing{ids[7] + 5, ids[0]};
  st = w->alerts().TouchAll(missing, core::FromUnixMillis(8000));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kNotFound);
}

// Messages of no incident (handoff notices, audit head publications) are found by kind and event
// however many of the other sort came after them, and one message's copies by their key prefix.
TEST(Store, OutboxRowsAreFoundByKindEventAndKeyPrefixBeyondAnyWindow) {
  testing::TempDir dir;
  auto s = *Store::OpenDir(dir.path());
  auto row = [](std::string key, std::string incident, std::string kind, std::string event) {
    OutboxRow r;
    r.key = std::move(key);
    r.incident_id = std::move(incident);
    r.kind = std::move(kind);
    r.event = std::move(event);
    r.channel = r.channel_type = r.destination = "x";
    r.context = "{}";
    return r;
  };
  {
    auto tx = *s->BeginWrite();
    for (const char* key : {"handoff.s1.100>bob.0", "handoff.s1.100>bob.1", "handoff.s1.100>bobby.0",
                            "handoff.s1.100>bob.10", "handoff.s1.100>bob.\xc3\xa9", "handoff.s1.100>bob/"})
      ASSERT_TRUE(tx->outbox().Insert(row(key, "", "notice", "handoff")));
    ASSERT_TRUE(tx->outbox().Insert(row("INC-1.page.0", "INC-1", "page", "page")));
    for (int i = 0; i < 1500; ++i)
      ASSERT_TRUE(tx->outbox().Insert(row("audit_head." + std::to_string(i), "", "broadcast", "audit_head")));
    ASSERT_TRUE(tx->Commit());
  }
  auto tx = *s->BeginRead();
  auto keys = [](const std::vector<OutboxRow>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.key);
    return out;
  };
  EXPECT_EQ(keys(*tx->outbox().Latest("", "notice", "", 1000)),
            (std::vector<std::string>{"handoff.s1.100>bob.0", "handoff.s1.100>bob.1", "handoff.s1.100>bobby.0",
                                      "handoff.s1.100>bob.10", "handoff.s1.100>bob.\xc3\xa9", "handoff.s1.100>bob/"}));
  EXPECT_EQ(keys(*tx->outbox().Latest("", "", "audit_head", 2)),
            (std::vector<std::string>{"audit_head.1498", "audit_head.1499"}));
  EXPECT_EQ(keys(*tx->outbox().Latest("", "notice", "audit_head", 10)), std::vector<std::string>{});
  EXPECT_EQ(keys(*tx->outbox().Latest("INC-1", "", "", 10)), std::vector<std::string>{"INC-1.page.0"});
  EXPECT_EQ(tx->outbox().Latest("", "", "", 3000)->size(), 1506u);
  // The prefix: its own keys only ("bobby." and "bob/" are other messages), in key order.
  EXPECT_EQ(keys(*tx->outbox().WithKeyPrefix("handoff.s1.100>bob.", 100)),
            (std::vector<std::string>{"handoff.s1.100>bob.0", "handoff.s1.100>bob.1", "handoff.s1.100>bob.10",
                                      "handoff.s1.100>bob.\xc3\xa9"}));
  EXPECT_EQ(tx->outbox().WithKeyPrefix("handoff.s1.100>bob.", 2)->size(), 2u);
  EXPECT_TRUE(tx->outbox().WithKeyPrefix("nothing.", 100)->empty());
}

TEST(Store, ReadSnapshotsDoNotSeeLaterCommits) {
  testing::TempDir dir;
  auto s = *Store::OpenDir(dir.path());
  auto reader = *s->BeginRead();
  EXPECT_FALSE(*reader->incidents().Get("INC-1"));  // snapshot starts here
  {
    auto tx = *s->BeginWrite();
    ASSERT_TRUE(tx->incidents().Insert(MakeIncident(1, model::IncidentState::kTriggered, {})));
    ASSERT_TRUE(tx->Commit());
  }
  EXPECT_FALSE(*reader->incidents().Get("INC-1"));
  reader.reset();
  EXPECT_TRUE(*(*s->BeginRead())->incidents().Get("INC-1"));
}

TEST(Store, TimersUpsertByKindAndKey) {
  testing::TempDir dir;
  auto s = *Store::OpenDir(dir.path());
  auto tx = *s->BeginWrite();
  TimerRecord t{0, "escalate", "INC-1", core::FromUnixMillis(5000), "{}", core::FromUnixMillis(0)};
  int64_t a = *tx->timers().Upsert(t);
  t.due = core::FromUnixMillis(9000);
  int64_t b = *tx->timers().Upsert(t);
  EXPECT_EQ(a, b);
  auto all = *tx->timers().All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(core::ToUnixMillis(all[0].due), 9000);
  ASSERT_TRUE(tx->timers().Delete(a));
  EXPECT_TRUE(tx->timers().All()->empty());
}

TEST(Store, ChangeEventsDedupAndListByWindow) {
  testing::TempDir dir;
  auto s = *Store::OpenDir(dir.path());
  auto tx = *s->BeginWrite();
  model::ChangeEvent e;
  e.service = "checkout";
  e.kind = "deploy";
  e.summary = "deploy 4812";
  e.time = core::FromUnixMillis(10'000);
  e.received_at = e.time;
  e.dedup_key = "deploy-4812";
  e.labels = {{"version", "4812"}};
  int64_t a = *tx->changes().Insert(e);
  EXPECT_EQ(*tx->changes().Insert(e), a);  // same dedup key: no second row
  e.dedup_key.clear();
  e.service = "db";
  e.time = core::FromUnixMillis(20'000);
  ASSERT_TRUE(tx->changes().Insert(e));
  auto all = *tx->changes().List(core::FromUnixMillis(0), core::FromUnixMillis(30'000));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].labels.at("version"), "4812");
  EXPECT_EQ(tx->changes().List(core::FromUnixMillis(0), core::FromUnixMillis(30'000), "db")->size(), 1u);
  EXPECT_TRUE(tx->changes().List(core::FromUnixMillis(0), core::FromUnixMillis(10'000))->empty());
}

}  // namespace
}  // namespace firebreak::store
