#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "core/crypto.h"
#include "core/json.h"
#include "core/time.h"
#include "notify/links.h"
#include "notify/message.h"
#include "notify/retry.h"
#include "notify/senders.h"
#include "testing/testing.h"

namespace firebreak::notify {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const core::TimePoint T0 = core::FromUnixMillis(1'767'600'000'000);

// ---- links ------------------------------------------------------------------------------------

LinkClaims Claims() { return LinkClaims{"INC-7", "acknowledge", "alice", T0 + hours(24), "INC-7.p1.alice.0.ack"}; }

TEST(Links, RoundTripAndRefusals) {
  auto tok = SignLink("secret", Claims());
  auto c = VerifyLink("secret", tok, T0);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->incident, "INC-7");
  EXPECT_EQ(c->action, "acknowledge");
  EXPECT_EQ(c->person, "alice");
  EXPECT_EQ(c->expires, T0 + hours(24));
  // Another server's secret, a flipped character, expiry, garbage.
  EXPECT_EQ(VerifyLink("other", tok, T0).error().code, ErrorCode::kPermissionDenied);
  std::string bad = tok;
  bad[3] = bad[3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(VerifyLink("secret", bad, T0).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(VerifyLink("secret", tok, T0 + hours(24)).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(VerifyLink("secret", "nope", T0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(VerifyLink("secret", std::string(5000, 'a'), T0).error().code, ErrorCode::kInvalidArgument);
  // A correctly signed token with an unknown action is still refused.
  auto odd = Claims();
  odd.action = "delete";
  EXPECT_EQ(VerifyLink("secret", SignLink("secret", odd), T0).error().code, ErrorCode::kInvalidArgument);
  // Accepting or declining a request to respond is one person's answer: such a link names them.
  auto accept = Claims();
  accept.action = "accept";
  EXPECT_EQ(VerifyLink("secret", SignLink("secret", accept), T0)->action, "accept");
  accept.person = "";
  EXPECT_EQ(VerifyLink("secret", SignLink("secret", accept), T0).error().code, ErrorCode::kInvalidArgument);
}

TEST(Links, PropertiesRoundTripAndNeverCrashOnGarbage) {
  EXPECT_TRUE(rc::check([](const std::string& incident, const std::string& nonce, const std::string& junk) {
    LinkClaims c{"INC-" + incident.substr(0, 20), "resolve", "", T0 + hours(1), "n" + nonce.substr(0, 40)};
    bool safe = c.incident.find('\n') == std::string::npos && c.nonce.find('\n') == std::string::npos;
    auto back = VerifyLink("k", SignLink("k", c), T0);
    if (safe) {
      RC_ASSERT(back.has_value());
      RC_ASSERT(back->incident == c.incident && back->nonce == c.nonce);
    }
    (void)VerifyLink("k", junk, T0);
    RC_ASSERT(Base64UrlDecode(Base64UrlEncode(junk)).value() == junk);
  }));
}

// ---- retry and rate limit ---------------------------------------------------------------------

TEST(Retry, BackoffDoublesWithinJitterBoundsUpToTheCap) {
  RetryPolicy p;
  p.initial = seconds(1);
  p.max = seconds(60);
  EXPECT_TRUE(rc::check([&](uint64_t r, uint8_t attempt) {
    int n = 1 + attempt % 20;
    int64_t d = std::min<int64_t>(60000, 1000LL << std::min(n - 1, 20));
    auto b = Backoff(p, n, r);
    RC_ASSERT(b.count() >= d / 2);
    RC_ASSERT(b.count() <= d);
  }));
  EXPECT_EQ(Backoff(p, 1, 0), milliseconds(500));
  EXPECT_EQ(Backoff(p, 3, 0), milliseconds(2000));
  EXPECT_EQ(Backoff(p, 30, 30000), seconds(60));
  EXPECT_FALSE(ShouldGiveUp(p, 11, minutes(29)));
  EXPECT_TRUE(ShouldGiveUp(p, 12, minutes(1)));
  EXPECT_TRUE(ShouldGiveUp(p, 1, minutes(30)));
}

TEST(Retry, RateLimiterAllowsABurstThenTheSustainedRate) {
  RateLimiter rl(60, 3);  // one per second after three
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rl.Take("a", T0), milliseconds(0));
  EXPECT_EQ(rl.Take("a", T0), milliseconds(1000));
  EXPECT_EQ(rl.Take("b", T0), milliseconds(0));  // per destination
  EXPECT_EQ(rl.Take("a", T0 + milliseconds(999)), milliseconds(1));
  EXPECT_EQ(rl.Take("a", T0 + milliseconds(1000)), milliseconds(0));
}

// ---- messages ---------------------------------------------------------------------------------

boost::json::object PageContext() {
  return boost::json::object{
      {"event", "page"},
      {"incident", boost::json::object{{"id", "INC-3"},
                                       {"title", "Checkout <500s> & timeouts"},
                                       {"severity", "SEV1"},
                                       {"state", "triggered"},
                                       {"services", boost::json::array{"checkout", "payments"}},
                                       {"impact", ""}}},
      {"page", boost::json::object{{"tier", 1}, {"cycle", 0}, {"reason", "not acknowledged 15m after"}, {"late", true}}},
      {"recipient", boost::json::object{{"person", "bob"}, {"name", "Bob"}, {"address", "@bob"}}}};
}

Links SomeLinks() { return Links{"http://x/a/ack", "http://x/a/res", "", "", "http://x/api/v1/incidents/INC-3"}; }

TEST(Message, DefaultTextCarriesWhatAResponderNeeds) {
  model::Channel ch;
  ch.type = "email";
  auto m = Render(ch, PageContext(), SomeLinks(), "INC-3.p2.bob.0");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->subject, "Page: [SEV1] INC-3 Checkout <500s> & timeouts");
  EXPECT_NE(m->text.find("Tier 2 (late): not acknowledged 15m after"), std::string::npos) << m->text;
  EXPECT_NE(m->text.find("Services: checkout, payments"), std::string::npos);
  EXPECT_NE(m->text.find("Acknowledge: http://x/a/ack"), std::string::npos);
  EXPECT_NE(m->text.find("Resolve: http://x/a/res"), std::string::npos);
  EXPECT_EQ(m->text.find("Impact:"), std::string::npos);  // empty values are absent
  EXPECT_EQ(m->webhook.at("idempotency_key").as_string(), "INC-3.p2.bob.0");
  EXPECT_EQ(m->webhook.at("incident").at("id").as_string(), "INC-3");
  EXPECT_EQ(m->webhook.at("links").at("acknowledge").as_string(), "http://x/a/ack");
}

TEST(Message, SlackPayloadEscapesAndCarriesButtons) {
  model::Channel ch;
  ch.type = "slack";
  auto m = Render(ch, PageContext(), SomeLinks(), "k");
  ASSERT_TRUE(m);
  std::string text(m->slack.at("text").as_string());
  EXPECT_NE(text.find("&lt;500s&gt; &amp; timeouts"), std::string::npos) << text;
  EXPECT_EQ(text.rfind("@bob ", 0), 0u);
  const auto& blocks = m->slack.at("blocks").as_array();
  bool ack = false;
  for (const auto& b : blocks)
    if (b.at("type") == "actions")
      for (const auto& e : b.at("elements").as_array())
        if (e.at("url") == "http://x/a/ack") ack = true;
  EXPECT_TRUE(ack);
}

TEST(Message, ARequestToRespondOffersAcceptAndDecline) {
  auto ctx = PageContext();
  ctx["page"].as_object().erase("tier");  // a responder request is outside the tiers
  ctx["page"].as_object()["reason"] = "requested by person:alice: need a DBA";
  ctx["page"].as_object()["late"] = false;
  Links l = SomeLinks();
  l.accept = "http://x/a/acc";
  l.decline = "http://x/a/dec";
  model::Channel mail;
  mail.type = "email";
  auto m = Render(mail, ctx, l, "k");
  ASSERT_TRUE(m);
  EXPECT_NE(m->text.find("Responders: requested by person:alice: need a DBA"), std::string::npos) << m->text;
  EXPECT_NE(m->text.find("Accept (you are joining): http://x/a/acc"), std::string::npos) << m->text;
  EXPECT_NE(m->text.find("Decline: http://x/a/dec"), std::string::npos) << m->text;
  EXPECT_EQ(m->webhook.at("links").at("decline").as_string(), "http://x/a/dec");
  model::Channel slack;
  slack.type = "slack";
  auto s = Render(slack, ctx, l, "k");
  ASSERT_TRUE(s);
  std::vector<std::string> labels;
  for (const auto& b : s->slack.at("blocks").as_array())
    if (b.at("type") == "actions")
      for (const auto& e : b.at("elements").as_array()) labels.emplace_back(e.at("text").at("text").as_string());
  EXPECT_EQ(labels, (std::vector<std::string>{"Accept", "Decline", "Acknowledge", "Resolve", "Open"}));
  // Without those links (any other page) the text has no such lines.
  auto plain = Render(mail, PageContext(), SomeLinks(), "k");
  EXPECT_EQ(plain->text.find("Accept"), std::string::npos);
}

TEST(Message, AShiftHandoffNoticeNamesTheScheduleAndListsTheIncidents) {
  boost::json::object ctx{
      {"event", "shift_start"},
      {"note", "Your on-call shift on Primary starts in 1h; you take over from Alice."},
      {"shift", boost::json::object{{"schedule", "primary"}, {"schedule_name", "Primary"},
                                    {"at", "2026-01-12T08:00:00Z"}, {"at_local", "Mon 12 Jan 09:00 (Europe/Paris)"}}},
      {"incidents", boost::json::array{boost::json::object{{"id", "INC-7"}, {"title", "Checkout <slow>"},
                                                           {"severity", "SEV2"}, {"state", "acknowledged"},
                                                           {"acknowledged_by", "person:alice"}},
                                       boost::json::object{{"id", "INC-8"}, {"title", "Search down"},
                                                           {"severity", "SEV1"}, {"state", "triggered"},
                                                           {"acknowledged_by", ""}}}},
      {"recipient", boost::json::object{{"person", "bob"}, {"name", "Bob"}, {"address", "@bob"}}}};
  model::Channel mail;
  mail.type = "email";
  auto m = Render(mail, ctx, Links{}, "handoff.primary.1.bob.shift_start.bob.0");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->subject, "On-call shift starting: Primary, Mon 12 Jan 09:00 (Europe/Paris)");
  EXPECT_EQ(m->text,
            "On-call shift starting: Primary, Mon 12 Jan 09:00 (Europe/Paris)\n"
            "Your on-call shift on Primary starts in 1h; you take over from Alice.\n"
            "- [SEV2] INC-7 Checkout <slow> (acknowledged, acknowledged by person:alice)\n"
            "- [SEV1] INC-8 Search down (triggered)\n");
  EXPECT_EQ(m->webhook.at("event").as_string(), "shift_start");
  EXPECT_EQ(m->webhook.at("shift").at("schedule").as_string(), "primary");
  EXPECT_EQ(m->webhook.at("incidents").as_array().size(), 2u);
  model::Channel slack;
  slack.type = "slack";
  auto s = Render(slack, ctx, Links{}, "k");
  ASSERT_TRUE(s);
  std::string text(s->slack.at("text").as_string());
  EXPECT_EQ(text.rfind("@bob On-call shift starting: Primary", 0), 0u) << text;
  EXPECT_NE(text.find("Checkout &lt;slow&gt;"), std::string::npos) << text;
  for (const auto& b : s->slack.at("blocks").as_array()) EXPECT_NE(b.at("type"), "actions");  // nothing to act on
}

TEST(Message, TheAuditHeadSaysWhatToKeepAndHowToCheckIt) {
  const std::string head = "42:" + std::string(64, 'a');
  boost::json::object ctx{
      {"event", "audit_head"},
      {"note", "Entry 42 is the newest of the audit log of the Firebreak at http://fb.test."},
      {"audit", boost::json::object{{"head", head}, {"seq", "42"}, {"hash", std::string(64, 'a')},
                                    {"at", "2026-01-12T08:00:00Z"}, {"server", "http://fb.test"},
                                    {"verify", "firebreak audit verify --server http://fb.test --anchor " + head}}}};
  model::Channel mail;
  mail.type = "email";
  auto m = Render(mail, ctx, Links{}, "audit_head.42.aaaa.mail");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->subject, "Audit chain head: entry 42 of http://fb.test");
  EXPECT_EQ(m->text, "Audit chain head: " + head +
                         "\nEntry 42 is the newest of the audit log of the Firebreak at http://fb.test.\n"
                         "Check it: firebreak audit verify --server http://fb.test --anchor " + head + "\n");
  // A webhook receiver gets the head as data, not only inside the text.
  EXPECT_EQ(m->webhook.at("event").as_string(), "audit_head");
  EXPECT_EQ(m->webhook.at("audit").at("head").as_string(), head);
  EXPECT_TRUE(m->webhook.at("incident").as_object().empty());
  model::Channel slack;
  slack.type = "slack";
  auto s = Render(slack, ctx, Links{}, "k");
  ASSERT_TRUE(s);
  for (const auto& b : s->slack.at("blocks").as_array()) EXPECT_NE(b.at("type"), "actions");  // nothing to act on
}

TEST(Message, ChannelTemplatesOverrideTheDefaults) {
  model::Channel ch;
  ch.type = "command";
  ch.template_text = "{{incident.id}} {{incident.severity}} ack={{links.acknowledge}}{{#page}} t{{tier}}{{/page}}";
  ch.template_subject = "S {{event}}\nsecond line";
  auto m = Render(ch, PageContext(), SomeLinks(), "k");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text, "INC-3 SEV1 ack=http://x/a/ack t2");
  EXPECT_EQ(m->subject, "S page second line");
  ch.template_text = "{{#unclosed}}";
  EXPECT_FALSE(Render(ch, PageContext(), SomeLinks(), "k"));
}

// ---- email and webhook encoding ---------------------------------------------------------------

TEST(Email, MessageHasIdempotentIdAndEncodesNonAscii) {
  model::Channel ch;
  ch.type = "email";
  Delivery d;
  d.channel = &ch;
  d.key = "INC-3.p2.bob.0";
  d.incident_id = "INC-3";
  d.event = "page";
  d.now = T0;
  d.message.subject = "Page: Zahlungsausfall für Käufer";
  d.message.text = "line one\nKäufer betroffen\n";
  std::string m = BuildEmail(d, "Firebreak <fb@example.com>", "bob@example.com");
  EXPECT_NE(m.find("Message-ID: <INC-3.p2.bob.0@firebreak>\r\n"), std::string::npos);
  EXPECT_NE(m.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(m.find("Content-Transfer-Encoding: base64"), std::string::npos);
  EXPECT_NE(m.find("Date: Mon, 05 Jan 2026 08:00:00 +0000\r\n"), std::string::npos);
  EXPECT_EQ(MailboxAddress("Firebreak <fb@example.com>"), "fb@example.com");
  EXPECT_EQ(MailboxAddress("bob@example.com"), "bob@example.com");
  EXPECT_EQ(MailboxAddress("bob@example.com\r\nBcc: x@y"), "");
  EXPECT_EQ(MailboxAddress("@bob"), "");
}

TEST(Webhook, SignatureIsHmacOfTimestampAndBody) {
  EXPECT_EQ(WebhookSignature("s3cret", 1767600000, "{\"a\":1}"),
            "t=1767600000,v1=" + core::HmacSha256Hex("s3cret", "1767600000.{\"a\":1}"));
}

TEST(Webhook, MissingSecretIsAPermanentFailureNotAnUnsignedSend) {
  model::Channel ch;
  ch.type = "webhook";
  ch.secret_env = "FB_TEST_UNSET_SECRET";
  Delivery d;
  d.channel = &ch;
  d.destination = "http://127.0.0.1:9/never";
  auto o = Send(d);
  EXPECT_EQ(o.kind, Outcome::Kind::kPermanent);
  EXPECT_NE(o.detail.find("FB_TEST_UNSET_SECRET"), std::string::npos);
}

TEST(Webhook, RefusedConnectionIsRetried) {
  model::Channel ch;
  ch.type = "webhook";
  Delivery d;
  d.channel = &ch;
  d.destination = "http://127.0.0.1:9/closed";  // the discard port: nothing listens on loopback
  d.timeout = seconds(2);
  EXPECT_EQ(Send(d).kind, Outcome::Kind::kRetry);
}

// ---- command channel (real subprocesses) ------------------------------------------------------

Delivery CommandDelivery(model::Channel& ch, const testing::TempDir& dir) {
  Delivery d;
  d.channel = &ch;
  d.destination = "+33600000001";
  d.key = "INC-1.p1.alice.2";
  d.event = "page";
  d.incident_id = "INC-1";
  d.severity = "SEV1";
  d.message.text = "PAGE INC-1\nsecond line\n";
  d.data_dir = dir.path();
  d.timeout = milliseconds(500);
  return d;
}

TEST(Command, GetsTheMessageOnStdinAndItsAddressInTheEnvironment) {
  testing::TempDir dir;
  model::Channel ch;
  ch.type = "command";
  ch.argv = {"/bin/sh", "-c", "cat > \"$FIREBREAK_DATA_DIR/$FIREBREAK_IDEMPOTENCY_KEY\"; echo sent to $FIREBREAK_TO"};
  auto o = Send(CommandDelivery(ch, dir));
  EXPECT_EQ(o.kind, Outcome::Kind::kDelivered) << o.detail;
  EXPECT_EQ(o.detail, "exit 0: sent to +33600000001");
  EXPECT_EQ(testing::ReadFile(dir.File("INC-1.p1.alice.2")), "PAGE INC-1\nsecond line\n");
}

TEST(Command, ExitCodesAndTimeLimitDecideRetryOrDeadLetter) {
  testing::TempDir dir;
  model::Channel ch;
  ch.type = "command";
  ch.argv = {"/bin/sh", "-c", "cat >/dev/null; exit 65"};
  EXPECT_EQ(Send(CommandDelivery(ch, dir)).kind, Outcome::Kind::kPermanent);
  ch.argv = {"/bin/sh", "-c", "cat >/dev/null; echo gateway down >&2; exit 1"};
  auto o = Send(CommandDelivery(ch, dir));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_EQ(o.detail, "exit 1: gateway down");
  ch.argv = {"/usr/bin/tail", "-f", "/dev/null"};  // never finishes
  o = Send(CommandDelivery(ch, dir));
  EXPECT_EQ(o.kind, Outcome::Kind::kRetry);
  EXPECT_NE(o.detail.find("did not finish"), std::string::npos);
  ch.argv = {"/nonexistent/gateway"};
  EXPECT_EQ(Send(CommandDelivery(ch, dir)).kind, Outcome::Kind::kPermanent);
}

TEST(Command, TheGatewayInheritsOnlyItsStandardStreams) {
  testing::TempDir dir;
  int base = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC, like the server's sockets
  ASSERT_GE(base, 0);
  int leaked = ::fcntl(base, F_DUPFD, 50);
  ASSERT_GE(leaked, 50);
  model::Channel ch;
  ch.type = "command";
  ch.argv = {"/bin/sh", "-c", "cat >/dev/null; exec ls -m /proc/self/fd"};
  auto o = Send(CommandDelivery(ch, dir));
  ::close(leaked);
  ::close(base);
  ASSERT_EQ(o.kind, Outcome::Kind::kDelivered) << o.detail;
  // 0-2, plus the descriptor ls opened on the directory it lists.
  EXPECT_EQ(o.detail, "exit 0: 0, 1, 2, 3");
}

}  // namespace
}  // namespace firebreak::notify
