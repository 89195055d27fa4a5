#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/json.h"
#include "core/time.h"

#include <fstream>
#include <set>
#include "logs/format.h"
#include "logs/ingest.h"
#include "logs/mask.h"
#include "logs/miner.h"
#include "logs/patterns.h"
#include "logs/reader.h"
#include "logs/redact.h"
#include "logs/service.h"
#include "store/store.h"
#include "testing/testing.h"

namespace firebreak::logs {
namespace {

std::string Masked(std::string_view line, MaskOptions opt = {}) {
  auto m = Masker::Create(std::move(opt));
  EXPECT_TRUE(m.has_value());
  Tokens t;
  m->Mask(line, t);
  return std::string(t.text());
}

// ---- masking ------------------------------------------------------------------------------------

TEST(Mask, GenericVariables) {
  EXPECT_EQ(Masked("Connection to 10.0.0.1:5432 timed out after 3000 ms"), "Connection to <*> timed out after <*> ms");
  EXPECT_EQ(Masked("blk_-6952295868487656571 of size 67108864 from /10.250.19.102"), "<*> of size <*> from <*>");
  EXPECT_EQ(Masked("request 123e4567-e89b-12d3-a456-426614174000 done"), "request <*> done");
  EXPECT_EQ(Masked("mac 00:11:43:e3:ba:c3 seen"), "mac <*> seen");
  EXPECT_EQ(Masked("GET https://example.com/a?b=1 took 12.5ms"), "GET <*> took <*>");
  EXPECT_EQ(Masked("open /var/lib/app/data.db failed"), "open <*> failed");
  EXPECT_EQ(Masked("opened C:\\Windows\\x.dll"), "opened <*>");
  EXPECT_EQ(Masked("flags=0x1f uid=1000 user=root tty=NODEVssh"), "flags=<*> uid=<*> user=<*> tty=NODEVssh");
  EXPECT_EQ(Masked("visible=true ready=False ptr=null"), "visible=<*> ready=<*> ptr=<*>");
  EXPECT_EQ(Masked("at Sun Jul 17 06:14:54 2005, retrying"), "at <*>, retrying");
  EXPECT_EQ(Masked("since 2015-10-18 18:01:47,978 ok"), "since <*> ok");
  EXPECT_EQ(Masked("generating core.2275"), "generating core.<*>");
  EXPECT_EQ(Masked("node node-96 and db-7 up"), "node node-<*> and db-<*> up");
  EXPECT_EQ(Masked("host n219076184117.netvigator.com app com.tencent.mobileqq"), "host <*> app <*>");
  // Names with a single digit are names, not values.
  EXPECT_EQ(Masked("interface eth0 link L2 cache"), "interface eth0 link L2 cache");
  EXPECT_EQ(Masked("Exception in java.io.IOException: x"), "Exception in java.io.IOException: x");
  EXPECT_EQ(Masked("  many   spaces\there  "), "many spaces here");
  EXPECT_EQ(Masked(""), "");
}

TEST(Mask, ListsOptionsAndPatterns) {
  std::string list = "resolve names";
  for (int i = 0; i < 40; ++i) list += " an" + std::to_string(10 + i);
  EXPECT_EQ(Masked(list), "resolve names <*>");
  EXPECT_EQ(Masked("IRQs 1 2 3 4 5 6 7 8"), "IRQs <*> <*> <*> <*> <*> <*> <*> <*>");  // short runs stay
  MaskOptions q;
  q.quoted = true;
  EXPECT_EQ(Masked("tag=\"View Lock\" name='x y'", q), "tag=\"<*>\" name=\"<*>\"");
  MaskOptions kv;
  kv.key_values = true;
  EXPECT_EQ(Masked("tty=NODEVssh mode=fast", kv), "tty=<*> mode=<*>");
  MaskOptions pat;
  pat.patterns = {"ORD-[A-Z]+"};
  EXPECT_EQ(Masked("order ORD-ABC shipped", pat), "order <*> shipped");
  pat.patterns = {"("};
  auto bad = Masker::Create(pat);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "patterns[0]");
  MaskOptions none;
  none.numbers = false;
  EXPECT_EQ(Masked("took 300 ms", none), "took 300 ms");
  MaskOptions few;
  few.max_tokens = 3;
  EXPECT_EQ(Masked("a b c d e f", few), "a b c <*>");
}

TEST(Mask, GlobAndWordClasses) {
  EXPECT_TRUE(GlobMatch("(<*>)", "(root)"));
  EXPECT_TRUE(GlobMatch("(<*>)", "()"));
  EXPECT_TRUE(GlobMatch("a<*>b<*>c", "axxbyyc"));
  EXPECT_FALSE(GlobMatch("a<*>b", "axxc"));
  EXPECT_FALSE(GlobMatch("abc", "abd"));
  EXPECT_EQ(ClassifyWord("RUNNING"), WordClass::kUpper);
  EXPECT_EQ(ClassifyWord("WindowsUpdateAgent"), WordClass::kCamel);
  EXPECT_EQ(ClassifyWord("cyrus"), WordClass::kLower);
  EXPECT_EQ(ClassifyWord("A8"), WordClass::kValue);
}

TEST(Mask, NumericTokens) {
  // Times, dates, addresses with ports, sizes, with wrappers and trailing punctuation; variables
  // joined by glue (. : / - _ @) are one variable, other separators stay.
  EXPECT_EQ(Masked("at 18:10:58,123 ok"), "at <*>,<*> ok");
  EXPECT_EQ(Masked("peer 10.251.42.84:50010 and (10.0.0.1), [2015-10-18]"), "peer <*> and (<*>), [<*>]");
  EXPECT_EQ(Masked("mac 00:11:43:e3:ba:c3 v6 1::2:3 odd 1::2"), "mac <*> v6 <*> odd <*>::<*>");
  EXPECT_EQ(Masked("took 3.5s, 128MB; 1.2.3. 4-5 6_7 1e3 0x1f"), "took <*>, <*>; <*>. <*> <*> <*> <*>");
  EXPECT_EQ(Masked("span 1.:2 3,,4 5@6 7#8 9%"), "span <*>.:<*> <*>,,<*> <*> <*>#<*> <*>%");
  EXPECT_EQ(Masked("uuid 123e4567-e89b-12d3-a456-426614174000."), "uuid <*>.");
  MaskOptions no_net;
  no_net.network = false;
  EXPECT_EQ(Masked("ip 10.0.0.1:80 1::2:3", no_net), "ip <*> <*>::<*>");
}

TEST(Reader, MapsFilesAndSplitsLines) {
  testing::TempDir dir;
  auto read_all = [](const std::string& path) {
    auto r = LineReader::Open(path, 1 << 16);
    EXPECT_TRUE(r.has_value());
    std::vector<std::string> out;
    std::string_view line;
    while (r->Next(line)) out.emplace_back(line);
    EXPECT_TRUE(static_cast<bool>(r->status()));
    EXPECT_EQ(r->bytes_read(), r->size());
    return out;
  };
  std::string path = dir.path() + "/a.log";
  std::ofstream(path, std::ios::binary) << "one\r\n\ntwo three\nlast without newline";
  EXPECT_EQ(read_all(path), (std::vector<std::string>{"one", "", "two three", "last without newline"}));
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "x\n";
  EXPECT_EQ(read_all(path), (std::vector<std::string>{"x"}));
  std::ofstream(path, std::ios::binary | std::ios::trunc);
  EXPECT_TRUE(read_all(path).empty());
  // Longer than a read block, and a moved reader keeps its place.
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "line " + std::to_string(i) + "\n";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << big;
  auto r = LineReader::Open(path);
  ASSERT_TRUE(r.has_value());
  std::string_view line;
  ASSERT_TRUE(r->Next(line));
  LineReader moved = std::move(*r);
  size_t n = 1;
  std::string last;
  while (moved.Next(line)) {
    ++n;
    last = line;
  }
  EXPECT_EQ(n, 20000u);
  EXPECT_EQ(last, "line 19999");
  EXPECT_FALSE(LineReader::Open(dir.path() + "/missing.log").has_value());
}

// ---- the miner ----------------------------------------------------------------------------------

Miner NewMiner(MinerOptions o = {}) {
  auto m = Miner::Create(std::move(o));
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().ToString());
  return std::move(*m);
}

TEST(Miner, WordsBecomeVariablesAfterThreeValuesAndIdsStay) {
  Miner m = NewMiner();
  auto a = m.Add("session opened for user alice by (uid=0)");
  auto b = m.Add("session opened for user cyrus by (uid=0)");
  EXPECT_TRUE(a.created && b.created);
  EXPECT_NE(a.id, b.id);  // two values: still two templates
  EXPECT_EQ(m.Get(b.slot).text, "session opened for user cyrus by (uid=<*>)");
  auto c = m.Add("session opened for user news by (uid=0)");
  // The third value makes the position a variable; the templates merge into the oldest id.
  EXPECT_EQ(c.id, a.id);
  EXPECT_EQ(m.Get(a.slot).text, "session opened for user <*> by (uid=<*>)");
  EXPECT_EQ(m.Get(b.slot).id, a.id);  // b's slot now resolves to the survivor
  EXPECT_EQ(m.Get(a.slot).count, 3u);
  EXPECT_EQ(m.Find(b.id)->id, a.id);
  EXPECT_EQ(m.template_count(), 1u);
  EXPECT_FALSE(m.Add("session opened for user test by (uid=1)").created);
}

TEST(Miner, EnumsAndIdentifiersKeepTheirTemplates) {
  Miner m = NewMiner();
  for (auto s : {"NEW", "RUNNING", "FAILED", "KILLED"})
    m.Add(std::string("task_1 Transitioned from ") + s + " to SCHEDULED");
  EXPECT_EQ(m.template_count(), 4u);
  m.Add("Session: 1 initialized by client WindowsUpdateAgent.");
  m.Add("Session: 2 initialized by client SPP.");
  EXPECT_EQ(m.template_count(), 6u);
}

TEST(Miner, FirstAndLastSeenCountsErrorsAndSample) {
  Miner m = NewMiner();
  auto r = m.Add("disk /dev/sda1 full", 2000, true);
  m.Add("disk /dev/sdb2 full", 1000, false);
  m.Add("disk /dev/sdc3 full", 3000, true);
  const auto& t = m.Get(r.slot);
  EXPECT_EQ(t.text, "disk <*> full");
  EXPECT_EQ(t.count, 3u);
  EXPECT_EQ(t.errors, 2u);
  EXPECT_EQ(t.first_seen_ms, 1000);
  EXPECT_EQ(t.last_seen_ms, 3000);
  EXPECT_EQ(t.sample, "disk /dev/sda1 full");
}

std::vector<std::string> Corpus() {
  std::vector<std::string> lines;
  const char* users[] = {"alice", "bob", "carol", "dave"};
  for (int i = 0; i < 400; ++i) {
    lines.push_back("user " + std::string(users[i % 4]) + " logged in from 10.0." + std::to_string(i % 7) + ".9");
    lines.push_back("GET /api/items/" + std::to_string(i) + " 200 " + std::to_string(i % 50) + "ms");
    lines.push_back("worker " + std::to_string(i % 3) + " state " + (i % 2 ? "IDLE" : "BUSY"));
    lines.push_back("cache " + std::string(i % 5 == 0 ? "miss" : "hit") + " for key k" + std::to_string(i * 7));
  }
  return lines;
}

TEST(Miner, SnapshotRestoreContinuesIdentically) {
  auto lines = Corpus();
  Miner whole = NewMiner();
  std::vector<uint64_t> ids_whole;
  for (const auto& l : lines) ids_whole.push_back(whole.Add(l).id);

  IdSource ids;
  Miner first = *Miner::Create(MinerOptions{}, &ids);
  std::vector<uint64_t> ids_split;
  size_t half = lines.size() / 2;
  for (size_t i = 0; i < half; ++i) ids_split.push_back(first.Add(lines[i]).id);
  auto snap = core::ToJson(first.Snapshot());
  IdSource ids2;
  auto restored = Miner::Restore(MinerOptions{}, *core::ParseJson(snap), &ids2);
  ASSERT_TRUE(restored.has_value()) << restored.error().ToString();
  EXPECT_EQ(core::ToJson(restored->Snapshot()), snap);
  for (size_t i = half; i < lines.size(); ++i) ids_split.push_back(restored->Add(lines[i]).id);
  // Same final templates, and every line ends in the same template.
  std::vector<std::string> a, b;
  for (auto* t : whole.Templates()) a.push_back(t->text + "#" + std::to_string(t->count));
  for (auto* t : restored->Templates()) b.push_back(t->text + "#" + std::to_string(t->count));
  EXPECT_EQ(a, b);
  for (size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(whole.Find(ids_whole[i])->text, restored->Find(ids_split[i])->text) << lines[i];
}

TEST(Miner, RestoreRejectsBadDocuments) {
  auto bad = [](const char* text) {
    auto v = core::ParseJson(text);
    EXPECT_TRUE(v.has_value());
    auto r = Miner::Restore(MinerOptions{}, *v);
    EXPECT_FALSE(r.has_value()) << text;
    return r ? std::string() : r.error().field;
  };
  EXPECT_EQ(bad("[]"), "state");
  EXPECT_EQ(bad(R"({"families": [{"id": 1, "tokens": [1]}], "templates": []})"), "families[0]");
  EXPECT_EQ(bad(R"({"families": [{"id": 1, "tokens": ["a"]}], "templates": [{"id": 2, "family": 9}]})"), "templates[0]");
  EXPECT_EQ(bad(R"({"families": [{"id": 1, "tokens": ["a"], "pending": [[5, ["x"]]]}], "templates": []})"), "families[0]");
  EXPECT_EQ(bad(R"({"families": [{"id": 1, "tokens": ["a"]}],
                   "templates": [{"id": 2, "family": 1, "count": 1, "errors": 0, "alias_of": 2}]})"),
            "templates");
}

TEST(Miner, MemoryIsBoundedByEvictingLeastRecentlyUsedFamilies) {
  MinerOptions o;
  o.max_templates = 50;
  Miner m = NewMiner(o);
  for (int i = 0; i < 1000; ++i) {
    std::string words;
    for (int k = 0; k < 1 + i % 13; ++k) words += " w" + std::string(1, static_cast<char>('a' + (i / 13 + k) % 26));
    m.Add("event" + words);
    m.Add("heartbeat ok");  // stays hot
    ASSERT_LE(m.template_count(), 50u);
  }
  EXPECT_GT(m.evicted_families(), 0u);
  EXPECT_FALSE(m.Add("heartbeat ok").created);
}

TEST(Miner, DirtyTrackingListsChangesUntilPersisted) {
  MinerOptions o;
  o.track_changes = true;
  Miner m = NewMiner(o);
  m.Add("job 1 done");
  auto d = m.TakeDirty();
  EXPECT_EQ(d.families.size(), 1u);
  EXPECT_EQ(d.templates.size(), 1u);
  m.Add("job 2 done");  // changes the template's count after the documents were taken
  m.MarkPersisted(d);
  auto d2 = m.TakeDirty();
  EXPECT_EQ(d2.templates.size(), 1u);  // still dirty: changed since
  EXPECT_EQ(d2.families.size(), 0u);
  m.MarkPersisted(d2);
  EXPECT_TRUE(m.TakeDirty().templates.empty());
}

RC_GTEST_PROP(Miner, AnyInputMinesAndRoundTrips, (std::vector<std::string> lines)) {
  Miner m = NewMiner();
  std::vector<uint64_t> ids;
  for (const auto& l : lines) ids.push_back(m.Add(l).id);
  for (auto id : ids) RC_ASSERT(m.Find(id) != nullptr);
  auto restored = Miner::Restore(MinerOptions{}, *core::ParseJson(core::ToJson(m.Snapshot())));
  RC_ASSERT(restored.has_value());
  RC_ASSERT(restored->template_count() == m.template_count());
  for (const auto& l : lines) RC_ASSERT(!restored->Add(l).created);
}

// ---- header formats -----------------------------------------------------------------------------

TEST(Format, FormatStringsMatchLazilyWithOptionalParts) {
  auto p = LineParser::Create("<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>");
  ASSERT_TRUE(p.has_value());
  ParsedLine out;
  p->Parse("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; uid=0\r", out, 2005);
  ASSERT_TRUE(out.matched);
  EXPECT_EQ(out.content, "authentication failure; uid=0");
  EXPECT_EQ(out.fields[5].first, "PID");
  EXPECT_EQ(out.fields[5].second, "19939");
  EXPECT_EQ(core::FormatRfc3339(core::FromUnixMillis(*out.time_ms)), "2005-06-14T15:16:01Z");
  p->Parse("Jun 14 15:16:02 combo su: session opened", out, 2005);
  EXPECT_TRUE(out.matched);
  EXPECT_EQ(out.content, "session opened");
  p->Parse("garbage without the shape", out, 2005);
  EXPECT_FALSE(out.matched);
  EXPECT_EQ(out.content, "garbage without the shape");

  auto z = LineParser::Create("<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>");
  ASSERT_TRUE(z.has_value());
  z->Parse("2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - "
           "Notification time out: 3200",
           out);
  ASSERT_TRUE(out.matched);
  EXPECT_EQ(out.content, "Notification time out: 3200");
  EXPECT_EQ(out.level, Level::kInfo);
  EXPECT_EQ(core::FormatRfc3339(core::FromUnixMillis(*out.time_ms)), "2015-07-29T17:41:44.747Z");
}

TEST(Format, BadFormatStringsNameTheProblem) {
  auto err = [](const char* spec) {
    auto p = LineParser::Create(spec);
    EXPECT_FALSE(p.has_value()) << spec;
    return p ? std::string() : p.error().message;
  };
  EXPECT_NE(err("<Date> <Time").find("unterminated field"), std::string::npos);
  EXPECT_NE(err("<Date> <Level>").find("no <Content>"), std::string::npos);
  EXPECT_NE(err("<A><Content>").find("separator"), std::string::npos);
  EXPECT_NE(err("(<A> <Content>").find("unterminated optional"), std::string::npos);
  EXPECT_NE(err("<A>|<Content>").find("'|'"), std::string::npos);
  EXPECT_NE(err("json:colour=x").find("unknown field role"), std::string::npos);
  EXPECT_NE(err("apache").find("unknown format"), std::string::npos);
}

TEST(Format, JsonLogfmtAndSyslog) {
  ParsedLine out;
  auto j = *LineParser::Create("json");
  j.Parse(R"({"ts":"2024-05-01T10:00:00.5Z","level":"ERROR","msg":"db down","service":"checkout"})", out);
  ASSERT_TRUE(out.matched);
  EXPECT_EQ(out.content, "db down");
  EXPECT_EQ(out.level, Level::kError);
  EXPECT_EQ(out.service, "checkout");
  EXPECT_EQ(*out.time_ms, core::ToUnixMillis(*core::ParseRfc3339("2024-05-01T10:00:00.5Z")));
  j.Parse(R"({"@timestamp":"2024-05-01T10:00:00Z","log":{"level":"warn"},"message":"slow"})", out);
  EXPECT_EQ(out.level, Level::kWarn);  // ECS nested log.level
  j.Parse(R"({"level":50,"time":1714557600000,"msg":"pino error"})", out);
  EXPECT_EQ(out.level, Level::kError);
  EXPECT_EQ(*out.time_ms, 1714557600000);
  j.Parse("not json", out);
  EXPECT_FALSE(out.matched);
  auto custom = *LineParser::Create("json:message=text,level=sev");
  custom.Parse(R"({"text":"hello","sev":"fatal"})", out);
  EXPECT_EQ(out.content, "hello");
  EXPECT_EQ(out.level, Level::kError);

  auto l = *LineParser::Create("logfmt");
  l.Parse(R"(ts=2024-05-01T10:00:00Z level=warn msg="disk \"sda\" slow" app=db)", out);
  ASSERT_TRUE(out.matched);
  EXPECT_EQ(out.content, "disk \"sda\" slow");
  EXPECT_EQ(out.level, Level::kWarn);
  EXPECT_EQ(out.service, "db");

  auto s = *LineParser::Create("syslog");
  s.Parse("<11>Jun  4 07:00:01 web1 nginx[812]: upstream timed out", out, 2024);
  ASSERT_TRUE(out.matched);
  EXPECT_EQ(out.content, "upstream timed out");
  EXPECT_EQ(out.level, Level::kError);  // PRI 11 = user.err
  auto f = *LineParser::Create("syslog5424");
  f.Parse("<165>1 2003-10-11T22:14:15.003Z mymachine evntslog - ID47 [exampleSDID@32473 iut=\"3\" "
          "eventSource=\"App]lication\"] An application event",
          out);
  ASSERT_TRUE(out.matched);
  EXPECT_EQ(out.content, "An application event");
  EXPECT_EQ(out.level, Level::kInfo);
  EXPECT_EQ(core::FormatRfc3339(core::FromUnixMillis(*out.time_ms)), "2003-10-11T22:14:15.003Z");
}

TEST(Format, TimesAndLevels) {
  auto t = [](const char* s, int year = 0) {
    auto v = ParseLogTime(s, year);
    return v ? core::FormatRfc3339(core::FromUnixMillis(*v)) : std::string("none");
  };
  EXPECT_EQ(t("081109 203615"), "2008-11-09T20:36:15Z");
  EXPECT_EQ(t("17/06/09 20:10:40"), "2017-06-09T20:10:40Z");
  EXPECT_EQ(t("2005-06-03-15.42.50.675872"), "2005-06-03T15:42:50.675Z");
  EXPECT_EQ(t("03-17 16:13:38.811", 2017), "2017-03-17T16:13:38.811Z");
  EXPECT_EQ(t("1117838570"), "2005-06-03T22:42:50Z");
  EXPECT_EQ(t("Sat Jun 18 02:23:10 2005"), "2005-06-18T02:23:10Z");
  EXPECT_EQ(t("2024-05-01T10:00:00+02:00"), "2024-05-01T08:00:00Z");
  EXPECT_EQ(t("2024-13-01 10:00:00"), "none");
  EXPECT_EQ(t("Jun 14 15:16:01"), "none");  // no year known
  EXPECT_EQ(ParseLevel("WARNING"), Level::kWarn);
  EXPECT_EQ(ParseLevel("E"), Level::kError);
  EXPECT_EQ(ParseLevel("3"), Level::kError);
  EXPECT_EQ(ParseLevel("combo"), Level::kUnknown);
}

// ---- ingestion decoders -------------------------------------------------------------------------

const std::vector<std::string> kLabels = {"service", "service_name", "app", "job"};

TEST(Ingest, LokiJson) {
  auto r = DecodeLokiJson(R"({"streams":[{"stream":{"app":"checkout","level":"error"},
      "values":[["1714557600123456789","boom"],["1714557600200000000","x",{"trace_id":"t1"}]]}]})",
                          kLabels);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].service, "checkout");
  EXPECT_EQ((*r)[0].time_ms, 1714557600123);
  EXPECT_EQ((*r)[0].level, "error");
  EXPECT_EQ((*r)[1].labels.at("trace_id"), "t1");
  auto field = [](std::string_view body) {
    auto r = DecodeLokiJson(body, kLabels);
    EXPECT_FALSE(r.has_value()) << body;
    return r ? std::string() : r.error().field;
  };
  EXPECT_EQ(field("{"), "body");
  EXPECT_EQ(field(R"({"streams":[{"values":[["-1","x"]]}]})"), "streams[0].values[0][0]");
  EXPECT_EQ(field(R"({"streams":[{"values":[["1","x",5]]}]})"), "streams[0].values[0][2]");
  EXPECT_EQ(field(R"({"streams":[{"stream":[],"values":[]}]})"), "streams[0].stream");
  DecodeLimits small;
  small.max_entries = 1;
  EXPECT_FALSE(DecodeLokiJson(R"({"streams":[{"values":[["1","a"],["2","b"]]}]})", kLabels, small).has_value());
}

std::string Varint(uint64_t v) {
  std::string s;
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    s += static_cast<char>(v ? b | 0x80 : b);
  } while (v);
  return s;
}
std::string Field(int num, int wire, const std::string& payload) {
  std::string k = Varint(static_cast<uint64_t>(num << 3 | wire));
  return wire == 2 ? k + Varint(payload.size()) + payload : k + payload;
}

TEST(Ingest, LokiProtobufAndSnappy) {
  std::string ts = Field(1, 0, Varint(1714557600)) + Field(2, 0, Varint(5000000));
  std::string entry = Field(1, 2, ts) + Field(2, 2, "payment declined") +
                      Field(3, 2, Field(1, 2, "trace_id") + Field(2, 2, "abc"));
  std::string stream = Field(1, 2, R"({service_name="payments", env="prod\"x"})") + Field(2, 2, entry);
  std::string req = Field(1, 2, stream);
  // A snappy block: a literal of the first 10 bytes, then a copy of 5 of them, then the rest.
  // Build it as literal-only, which every decoder must accept.
  std::string snappy = Varint(req.size());
  for (size_t i = 0; i < req.size(); i += 60) {
    std::string chunk = req.substr(i, 60);
    snappy += static_cast<char>((chunk.size() - 1) << 2);
    snappy += chunk;
  }
  auto r = DecodeLokiProtobuf(snappy, kLabels);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].service, "payments");
  EXPECT_EQ((*r)[0].line, "payment declined");
  EXPECT_EQ((*r)[0].time_ms, 1714557600005);
  EXPECT_EQ((*r)[0].labels.at("env"), "prod\"x");
  EXPECT_EQ((*r)[0].labels.at("trace_id"), "abc");
  EXPECT_FALSE(DecodeLokiProtobuf(snappy.substr(0, snappy.size() - 3), kLabels).has_value());
  EXPECT_FALSE(DecodeLokiProtobuf("\x03\x08\x01\x02", kLabels).has_value());
}

TEST(Ingest, SnappyCopies) {
  // "abcdabcdabcd": literal "abcd", then a copy of 8 bytes at offset 4 (1-byte offset form).
  std::string in = Varint(12) + std::string("\x0c", 1) + "abcd" + std::string(1, static_cast<char>(1 | (4 << 2))) +
                   std::string("\x04", 1);
  auto out = SnappyUncompress(in, 100);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(*out, "abcdabcdabcd");
  EXPECT_FALSE(SnappyUncompress(Varint(12) + "\x0c" "abcd" + std::string(1, static_cast<char>(1 | (4 << 2))) + "\x09", 100)
                   .has_value());  // offset past the start
  EXPECT_EQ(SnappyUncompress(Varint(1000), 10).error().code, ErrorCode::kTooLarge);
}

TEST(Ingest, FirebreakBatches) {
  auto r = DecodeLogBatch(R"({"service":"db","entries":["plain line",
      {"time":"2024-05-01T10:00:00Z","level":"error","message":"m","labels":{"pod":"db-0"}},
      {"ts":1714557600,"msg":"seconds"}]})",
                          false, "", kLabels);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].line, "plain line");
  EXPECT_EQ((*r)[1].service, "db");
  EXPECT_EQ((*r)[1].labels.at("pod"), "db-0");
  EXPECT_EQ((*r)[2].time_ms, 1714557600000);
  auto nd = DecodeLogBatch("{\"message\":\"a\",\"app\":\"web\"}\n\n{\"message\":\"b\",\"service\":\"db\"}\n", true, "x", kLabels);
  ASSERT_TRUE(nd.has_value());
  EXPECT_EQ((*nd)[0].service, "x");  // the default (query) service wins over labels
  EXPECT_EQ((*nd)[1].service, "db");
  auto bad = DecodeLogBatch("{\"message\":\"a\"}\n{\"message\":", true, "x", kLabels);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "line 2");
  EXPECT_EQ(DecodeLogBatch(R"({"entries":[{"level":"x"}]})", false, "", kLabels).error().field, "entries[0].message");
  // An unknown top-level field is named; an empty key still yields a field (found by fuzz_loki).
  EXPECT_EQ(DecodeLogBatch(R"({"colour":"b","entries":[]})", false, "", kLabels).error().field, "colour");
  auto empty_key = DecodeLogBatch(R"({"":"b"})", false, "", kLabels);
  ASSERT_FALSE(empty_key.has_value());
  EXPECT_EQ(empty_key.error().field, "body");
  EXPECT_NE(empty_key.error().message.find("unknown field ''"), std::string::npos);
}

// ---- redaction, statistics ---------------------------------------------------------------------

TEST(Redact, SecretsBecomeRedacted) {
  LineRedactor r;
  EXPECT_EQ(r.Redact("login user=bob password=hunter2 ok"), "login user=bob password=[secret] ok");
  EXPECT_EQ(r.Redact(R"({"token": "abc def", "n": 1})"), R"({"token": "[secret]", "n": 1})");
  EXPECT_EQ(r.Redact("key AKIAIOSFODNN7EXAMPLE used"), "key [token] used");
  EXPECT_EQ(r.Redact("db_password=x; shard=3"), "db_password=[secret]; shard=3");
  EXPECT_EQ(r.Redact("cookie: sid=abc123"), "cookie: [secret]");
  EXPECT_EQ(LineRedactor({"pin"}).Redact("pin=1234"), "pin=[secret]");
  EXPECT_EQ(r.Redact("nothing secret here"), "nothing secret here");
}

// Every class the README and core::Redactor promise, one at a time, in an exemplar line.
TEST(Redact, ExemplarLinesLoseEachClassOfPersonalDataAndSecrets) {
  LineRedactor r;
  const std::pair<const char*, const char*> kCases[] = {
      {"login failed for carol@example.com", "login failed for [email]"},
      {"connect from 10.1.2.3 refused", "connect from [ip] refused"},
      {"peer 2001:db8::7 reset", "peer [ip] reset"},
      {"peer fe80:0:0:0:202:b3ff:fe1e:8329 reset", "peer [ip] reset"},
      {"charged card 4111111111111111 ok", "charged card [card] ok"},
      {"charged card 5500 0000 0000 0004 ok", "charged card [card] ok"},
      {"order 4111111111111112 ok", "order 4111111111111112 ok"},  // fails Luhn
  };
  for (const auto& [line, want] : kCases) EXPECT_EQ(r.Redact(line), want);
  // Bearer credentials of any length, with or without a key before them.
  for (const char* line : {"Authorization: Bearer abc", "token=Bearer abcdef0123456789", "auth Bearer eyJhbGciOi.eyJzdWIiOi.sig"}) {
    std::string out = r.Redact(line);
    EXPECT_EQ(out.find("abc"), std::string::npos) << out;
    EXPECT_TRUE(out.find("Bearer [token]") != std::string::npos || out.find("Bearer [secret]") != std::string::npos)
        << out;
  }
  EXPECT_EQ(r.Redact("api_key: zzzyyyxxx sent"), "api_key: [secret] sent");
  EXPECT_EQ(r.Redact("using ghp_0123456789abcdefghijABCDEFGHIJ now"), "using [token] now");
  // The tester's line: nothing of it survives.
  std::string out = r.Redact(
      "login failed for carol@example.com from 10.1.2.3 token=Bearer abcdef0123456789 card 4111111111111111");
  for (const char* s : {"carol", "10.1.2.3", "abcdef0123456789", "4111111111111111"})
    EXPECT_EQ(out.find(s), std::string::npos) << out;
}

TEST(Redact, NamedSecretsAndTheirEnvironmentValues) {
  setenv("FB_LOGS_TEST_DB_PASSWORD", "s3cr3t-value", 1);
  LineRedactor r({"FB_LOGS_TEST_DB_PASSWORD"});
  EXPECT_EQ(r.Redact("FB_LOGS_TEST_DB_PASSWORD=abc"), "FB_LOGS_TEST_DB_PASSWORD=[secret]");
  EXPECT_EQ(r.Redact("connecting with s3cr3t-value"), "connecting with [secret]");
  EXPECT_EQ(r.RedactLabel("password", "abc"), "[secret]");
  EXPECT_EQ(r.RedactLabel("client", "10.0.0.5"), "[ip]");
  EXPECT_EQ(r.RedactLabel("service", "checkout"), "checkout");
}

TEST(Redact, TemplateVariablesStay) {
  LineRedactor r;
  EXPECT_EQ(r.Redact("login for carol@example.com from <*> password=<*>"), "login for [email] from <*> password=<*>");
  EXPECT_EQ(r.Redact("GET <*> user=<*>@example.com token=Bearer <*>"), "GET <*> user=<*>@example.com token=[secret] <*>");
  EXPECT_EQ(r.Redact("<*> sent to dave@example.com from <*>"), "<*> sent to [email] from <*>");
  EXPECT_EQ(r.Redact(R"(password="hunter <*>")"), R"(password="[secret]")");
}

TEST(Patterns, RobustRates) {
  std::vector<double> steady(60, 2.0), burst(30, 2.0);
  for (int i = 25; i < 30; ++i) burst[i] = 30;
  SurgeOptions o;
  auto quiet = ComputeRate(std::vector<double>(30, 2.0), steady, o);
  EXPECT_FALSE(quiet.surging);
  EXPECT_DOUBLE_EQ(quiet.baseline_median, 2.0);
  auto s = ComputeRate(burst, steady, o);
  EXPECT_TRUE(s.surging);
  EXPECT_DOUBLE_EQ(s.peak_rate, 30.0);
  EXPECT_NEAR(s.rate, (25 * 2 + 5 * 30) / 30.0, 1e-9);
  // A noisy baseline needs a bigger jump: the MAD widens the band.
  std::vector<double> noisy;
  for (int i = 0; i < 60; ++i) noisy.push_back(i % 2 ? 0 : 20);
  EXPECT_FALSE(ComputeRate(std::vector<double>(10, 25.0), noisy, o).surging);
  // Too few lines never surge.
  EXPECT_FALSE(ComputeRate({0, 0, 3}, std::vector<double>(60, 0.0), o).surging);
  EXPECT_TRUE(ComputeRate({0, 0, 40}, std::vector<double>(60, 0.0), o).surging);
  EXPECT_DOUBLE_EQ(Median({3, 1, 2, 10}), 2.5);
  EXPECT_TRUE(LooksLikeError("Connection to <*> refused"));
  EXPECT_FALSE(LooksLikeError("order <*> placed"));
}

// ---- the service against a real store -----------------------------------------------------------

TEST(Service, RolledBackBatchesLeaveTheStoreConsistent) {
  testing::TempDir dir;
  auto store = store::Store::OpenDir(dir.path());
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  auto svc = LogService::Create(ServiceOptions{});
  ASSERT_TRUE(svc.has_value());
  auto known = [](std::string_view s) { return s == "checkout"; };
  auto now = core::FromUnixMillis(1714557600000);
  auto entry = [](std::string line, int64_t t = 0) {
    LogEntry e;
    e.service = "checkout";
    e.line = std::move(line);
    e.time_ms = t;
    return e;
  };
  {
    // A batch whose transaction rolls back: the miner learnt its templates, the store did not.
    auto tx = (*store)->BeginWrite();
    ASSERT_TRUE(tx.has_value());
    auto b = (*svc)->Ingest(**tx, now, {entry("disk /dev/sda1 full on host-1"), entry("started")}, known);
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->new_templates, 2u);
  }  // destroyed uncommitted: rolled back
  {
    auto tx = (*store)->BeginWrite();
    auto b = (*svc)->Ingest(**tx, now, {entry("started"), {"nope", 0, "dropped", "", {}}}, known);
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->new_templates, 0u);  // known to the miner
    EXPECT_EQ(b->dropped, 1u);
    ASSERT_TRUE((*tx)->Commit().has_value());
    (*svc)->Committed(*b);
  }
  auto rtx = (*store)->BeginRead();
  auto list = (*rtx)->logs().ListTemplates("checkout", 0, 100, false);
  ASSERT_TRUE(list.has_value());
  // Both templates are stored (the rolled-back one was still dirty), so counts never dangle.
  EXPECT_EQ(list->size(), 2u);
  auto counts = (*rtx)->logs().Counts("checkout", 0, INT64_MAX / 2);
  ASSERT_TRUE(counts.has_value());
  ASSERT_EQ(counts->size(), 1u);
  EXPECT_EQ((*counts)[0].count, 1);
  // A new service instance restores the same templates and ids.
  auto svc2 = LogService::Create(ServiceOptions{});
  ASSERT_TRUE((*svc2)->Restore(**rtx).has_value());
  rtx->reset();
  auto tx = (*store)->BeginWrite();
  auto b = (*svc2)->Ingest(**tx, now, {entry("disk /dev/sdb2 full on host-2"), entry("started")}, known);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->new_templates, 0u);
  std::set<int64_t> ids;
  for (const auto& t : *list) ids.insert(t.id);
  for (const auto& t : b->touched) EXPECT_TRUE(ids.count(t.template_id)) << t.template_id;
}

// What readers see of a stored template — its exemplars, their labels and its text — holds none of
// the line's personal data or secrets, while the miner still matches the next such line.
TEST(Service, StoredExemplarsAndTemplateTextAreRedacted) {
  testing::TempDir dir;
  auto store = store::Store::OpenDir(dir.path());
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  auto known = [](std::string_view s) { return s == "checkout"; };
  auto now = core::FromUnixMillis(1714557600000);
  auto entry = [](std::string line) {
    LogEntry e;
    e.service = "checkout";
    e.line = std::move(line);
    e.labels = {{"service", "checkout"}, {"client", "10.9.8.7"}, {"session", "s-42"}};
    return e;
  };
  const std::string line =
      "login failed for carol@example.com from 10.1.2.3 v6 2001:db8::7 token=Bearer abc card 4111111111111111 "
      "password=\"hunter 2\"";
  auto svc = LogService::Create(ServiceOptions{});
  ASSERT_TRUE(svc.has_value());
  {
    auto tx = (*store)->BeginWrite();
    auto b = (*svc)->Ingest(**tx, now, {entry(line)}, known);
    ASSERT_TRUE(b.has_value());
    ASSERT_TRUE((*tx)->Commit().has_value());
    (*svc)->Committed(*b);
  }
  auto rtx = (*store)->BeginRead();
  auto list = (*rtx)->logs().ListTemplates("checkout", 0, 100, false);
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 1u);
  auto ex = (*rtx)->logs().Exemplars((*list)[0].id, 10);
  ASSERT_TRUE(ex.has_value());
  ASSERT_EQ(ex->size(), 1u);
  const auto& stored = (*ex)[0];
  for (const std::string& shown : {stored.line, stored.labels, (*list)[0].text}) {
    for (const char* s : {"carol", "example.com", "10.1.2.3", "2001:db8", "abc", "4111", "hunter", "10.9.8.7", "s-42"})
      EXPECT_EQ(shown.find(s), std::string::npos) << s << " in " << shown;
  }
  EXPECT_EQ(stored.line,
            "login failed for [email] from [ip] v6 [ip] token=Bearer [secret] card [card] password=\"[secret]\"");
  EXPECT_NE((*list)[0].text.find("login failed for [email] from <*>"), std::string::npos) << (*list)[0].text;
  EXPECT_NE(stored.labels.find(R"("service":"checkout")"), std::string::npos) << stored.labels;
  // After a restart the miner still knows the template by its real text.
  auto svc2 = LogService::Create(ServiceOptions{});
  ASSERT_TRUE((*svc2)->Restore(**rtx).has_value());
  rtx->reset();
  auto tx = (*store)->BeginWrite();
  auto b = (*svc2)->Ingest(**tx, now, {entry(line)}, known);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->new_templates, 0u);
}

}  // namespace
}  // namespace firebreak::logs
