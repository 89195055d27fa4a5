#include <fcntl.h>
#include <unistd.h>

#include <set>
#include <sstream>
#include <string>
#include <unordered_map>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/hash.h"
#include "core/metrics.h"
#include "core/result.h"
#include "core/strings.h"
#include "core/subprocess.h"
#include "core/timer_queue.h"
#include "core/time.h"

namespace firebreak::core {
namespace {

TEST(TimerQueue, PopsDueTimersInDeadlineOrderAndHonoursCancel) {
  TimerQueue q;
  auto t0 = FromUnixMillis(1000);
  q.Schedule(1, t0 + Millis(30));
  q.Schedule(2, t0 + Millis(10));
  q.Schedule(3, t0 + Millis(20));
  q.Cancel(3);
  q.Schedule(2, t0 + Millis(40));  // re-arm moves it
  EXPECT_EQ(*q.NextDeadline(), t0 + Millis(30));
  EXPECT_TRUE(q.PopDue(t0 + Millis(29)).empty());
  EXPECT_EQ(q.PopDue(t0 + Millis(100)), (std::vector<int64_t>{1, 2}));
  EXPECT_FALSE(q.NextDeadline());
}

TEST(ManualClock, MovesOnlyWhenAdvancedAndNotifies) {
  ManualClock c(FromUnixMillis(5000));
  int woken = 0;
  c.OnAdvance([&] { ++woken; });
  EXPECT_EQ(ToUnixMillis(c.Now()), 5000);
  c.Advance(std::chrono::seconds(2));
  EXPECT_EQ(ToUnixMillis(c.Now()), 7000);
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(c.RealWaitFor(c.Now()), std::chrono::nanoseconds(0));
  int second = c.OnAdvance([&] { woken += 10; });
  c.Advance(Millis(1));
  EXPECT_EQ(woken, 12);
  c.RemoveOnAdvance(second);
  c.Advance(Millis(1));
  EXPECT_EQ(woken, 13);
}

TEST(Crypto, Sha256AndHmacMatchKnownVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(RandomHex(16).size(), 32u);
  EXPECT_NE(RandomHex(16), RandomHex(16));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

TEST(Hash, StringsOfOneLengthThatDifferInOneByteNeverCollide) {
  // The promise HashBytes documents, at every length across the word loop and both tail shapes.
  for (size_t len = 1; len <= 40; ++len) {
    std::string a(len, 'a');
    for (size_t i = 0; i < len; ++i) a[i] = static_cast<char>('a' + (i * 7) % 26);
    const uint64_t base = HashBytes(0, a);
    for (size_t i = 0; i < len; ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string b = a;
        b[i] = static_cast<char>(b[i] ^ (1 << bit));
        EXPECT_NE(HashBytes(0, b), base) << "length " << len << ", byte " << i << ", bit " << bit;
      }
    }
  }
  EXPECT_NE(HashBytes(0, "ab"), HashBytes(0, "abc")) << "the length is hashed";
}

TEST(Hash, StringHashLooksUpByStringViewWithoutACopy) {
  std::unordered_map<std::string, int, StringHash, std::equal_to<>> m{{"SELECT 1", 1}, {"SELECT 2", 2}};
  std::string_view q = "SELECT 2";
  auto it = m.find(q);
  ASSERT_NE(it, m.end());
  EXPECT_EQ(it->second, 2);
  EXPECT_EQ(m.find(std::string_view("SELECT 3")), m.end());
  EXPECT_EQ(StringHash{}(std::string("SELECT 1")), StringHash{}(std::string_view("SELECT 1")));
}

TEST(Errors, AnUnknownNameIsQuotedAndIsTheFieldUnlessEmpty) {
  Status s = UnknownName("query parameter", "colour", "query");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().message, "unknown query parameter 'colour'");
  EXPECT_EQ(s.error().field, "colour");
  // A client can send an empty name ("?=x", {"": 1}): the error still names where.
  Status empty = UnknownName("field", "", "body", " (entries, service)");
  EXPECT_EQ(empty.error().message, "unknown field '' (entries, service)");
  EXPECT_EQ(empty.error().field, "body");
  // A long name is cut in the message, kept whole as the field.
  std::string long_name(100, 'x');
  Status cut = UnknownName("parameter", long_name, "query");
  EXPECT_LT(cut.error().message.size(), 100u);
  EXPECT_EQ(cut.error().field, long_name);
}

TEST(Strings, Utf8ValidationRejectsOverlongsAndSurrogates) {
  EXPECT_TRUE(IsValidUtf8("h\xC3\xA9llo \xF0\x9F\x94\xA5"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
}

TEST(Strings, EscapesHtmlAndTruncatesOnCharacterBoundaries) {
  EXPECT_EQ(HtmlEscape("<img src=x onerror='a'>&"), "&lt;img src=x onerror=&#39;a&#39;&gt;&amp;");
  EXPECT_EQ(Truncate("h\xC3\xA9llo", 2), "h\xE2\x80\xA6");
  EXPECT_EQ(Split("a,,b", ',', true), (std::vector<std::string>{"a", "b"}));
}

TEST(Metrics, RendersPrometheusTextFormat) {
  Registry r;
  r.GetCounter("fb_requests_total", "Requests", {{"route", "/x"}}).Inc(3);
  auto& h = r.GetHistogram("fb_latency_seconds", "Latency", {0.1, 1}, {});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  std::string text = r.Render();
  EXPECT_NE(text.find("# TYPE fb_requests_total counter\nfb_requests_total{route=\"/x\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("fb_latency_seconds_bucket{le=\"0.10000000000000001\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("fb_latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("fb_latency_seconds_count 3\n"), std::string::npos);
}

// A child sees its three standard streams and nothing else the parent held open: a descriptor
// opened without close-on-exec (as Asio opens sockets) must not outlive the parent in an orphan.
TEST(Subprocess, AChildInheritsOnlyItsStandardStreams) {
  int base = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC, like a socket from Asio
  ASSERT_GE(base, 0);
  int leaked = ::fcntl(base, F_DUPFD, 50);
  ASSERT_GE(leaked, 50);
  ProcessSpec spec;
  spec.argv = {"/bin/ls", "/proc/self/fd"};
  auto r = RunProcess(spec);
  ::close(leaked);
  ::close(base);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->exit_code, 0) << r->err;
  std::set<int> fds;
  std::istringstream in(r->out);
  for (int fd; in >> fd;) fds.insert(fd);
  // 0-2, plus the descriptor ls opened on the directory it lists.
  EXPECT_TRUE(fds.count(0) && fds.count(1) && fds.count(2)) << r->out;
  EXPECT_EQ(fds.count(leaked), 0u) << r->out;
  EXPECT_LE(fds.size(), 4u) << r->out;
}

}  // namespace
}  // namespace firebreak::core
