#include "ingest/ingest.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/time.h"
#include "ingest/internal.h"

namespace firebreak::ingest {
namespace {

using Action = model::AlertEvent::Action;

constexpr const char* kWebhook = R"({
  "version": "4", "groupKey": "{}:{alertname=\"HighErrorRate\"}", "truncatedAlerts": 0,
  "status": "firing", "receiver": "firebreak",
  "groupLabels": {"alertname": "HighErrorRate"}, "commonLabels": {"alertname": "HighErrorRate"},
  "commonAnnotations": {}, "externalURL": "http://am:9093",
  "alerts": [
    {"status": "firing", "labels": {"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"},
     "annotations": {"summary": "5xx above 5%"}, "startsAt": "2026-01-05T08:00:00.123456789Z",
     "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom/graph", "fingerprint": "c0ffee"},
    {"status": "resolved", "labels": {"alertname": "DiskFull", "instance": "db-1"},
     "annotations": {}, "startsAt": "2026-01-05T07:00:00Z", "endsAt": "2026-01-05T07:55:00Z"}
  ]})";

TEST(AlertmanagerTest, DecodesFiringAndResolvedAlerts) {
  auto w = DecodeAlertmanager(std::string_view(kWebhook));
  ASSERT_TRUE(w) << w.error().ToString();
  EXPECT_EQ(w->status, "firing");
  ASSERT_EQ(w->alerts.size(), 2u);
  const auto& a = w->alerts[0];
  EXPECT_EQ(a.action, Action::kTrigger);
  EXPECT_EQ(a.dedup_key, "c0ffee");
  EXPECT_EQ(a.service_hint, "checkout");
  EXPECT_EQ(a.summary, "HighErrorRate: 5xx above 5%");
  EXPECT_EQ(core::FormatRfc3339(*a.starts_at), "2026-01-05T08:00:00.123Z");
  EXPECT_FALSE(a.ends_at) << "Go's zero time means unset";
  EXPECT_EQ(a.generator_url, "http://prom/graph");
  const auto& b = w->alerts[1];
  EXPECT_EQ(b.action, Action::kResolve);
  EXPECT_EQ(b.summary, "DiskFull");
  EXPECT_EQ(b.dedup_key, Fingerprint(b.labels)) << "no fingerprint: one is computed from the labels";
  EXPECT_EQ(b.dedup_key.size(), 16u);
}

struct Bad {
  std::string body;
  std::string field;
};

void ExpectRejected(const std::function<Status(std::string_view)>& decode, const std::vector<Bad>& cases) {
  for (const auto& c : cases) {
    auto st = decode(c.body);
    ASSERT_FALSE(st) << c.body;
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument) << c.body;
    EXPECT_EQ(st.error().field, c.field) << c.body << " -> " << st.error().message;
    EXPECT_FALSE(st.error().message.empty());
  }
}

TEST(AlertmanagerTest, RejectsBadPayloadsNamingTheField) {
  auto decode = [](std::string_view b) { return DecodeAlertmanager(b).map([](auto&&) {}); };
  ExpectRejected(decode, {
      {"", "body"},
      {"{", "body"},
      {"[]", "body"},
      {R"({"version":"4"})", "alerts"},
      {R"({"version":"3","alerts":[]})", "version"},
      {R"({"alerts":{}})", "alerts"},
      {R"({"alerts":[{"labels":{"a":"b"}}]})", "alerts[0].status"},
      {R"({"alerts":[{"status":"firing"}]})", "alerts[0].labels"},
      {R"({"alerts":[{"status":"firing","labels":{}}]})", "alerts[0].labels"},
      {R"({"alerts":[{"status":"firing","labels":{"a":["x"]}}]})", "alerts[0].labels.a"},
      {R"({"alerts":[{"status":"pending","labels":{"a":"b"}}]})", "alerts[0].status"},
      {R"({"alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":"yesterday"}]})", "alerts[0].startsAt"},
      {R"({"alerts":[{"status":"firing","labels":{"a":"b"}},{"status":"firing","labels":{"a":"1"},"annotations":7}]})",
       "alerts[1].annotations"},
  });
}

// What the two Alertmanager readers must agree on (everything the engine reads of a webhook).
std::string Describe(const AlertmanagerWebhook& w) {
  std::string out = w.version + "|" + w.group_key + "|" + w.status + "|" + w.receiver + "|" + w.external_url;
  auto time = [](const std::optional<core::TimePoint>& t) {
    return t ? std::to_string(core::ToUnixMillis(*t)) : std::string("-");
  };
  for (const auto& a : w.alerts) {
    out += "\n" + std::string(model::ActionName(a.action)) + "|" + a.dedup_key + "|" + a.summary + "|" +
           a.service_hint + "|" + a.generator_url + "|" + a.group_key + "|" + time(a.starts_at) + "|" + time(a.ends_at);
    for (const auto& [k, v] : a.labels) out += "|L:" + k + "=" + v;
    for (const auto& [k, v] : a.annotations) out += "|A:" + k + "=" + v;
  }
  return out;
}

Result<AlertmanagerWebhook> TreeDecode(std::string_view body) {
  auto v = ParseBody(body);
  if (!v) return Unexpected(v.error());
  return DecodeAlertmanager(*v);
}

TEST(AlertmanagerTest, WhatAlertmanagerSendsTakesTheSinglePassReader) {
  auto fast = DecodeAlertmanagerFast(kWebhook);
  ASSERT_TRUE(fast.has_value());
  auto tree = TreeDecode(kWebhook);
  ASSERT_TRUE(tree) << tree.error().ToString();
  EXPECT_EQ(Describe(*fast), Describe(*tree));
  // Escapes, and strings long enough to arrive in parts, decode the same way.
  std::string long_value(5000, 'x');
  std::string body = R"({"version":"4","alerts":[{"status":"firing","labels":{"alertname":"A\"B\u00e9\n",)"
                     R"("long":")" + long_value + R"("},"fingerprint":"f\/1","unknown":{"deep":[1,{"x":null}]}}]})";
  fast = DecodeAlertmanagerFast(body);
  ASSERT_TRUE(fast.has_value());
  EXPECT_EQ(fast->alerts.at(0).labels.at("alertname"), "A\"B\xc3\xa9\n");
  EXPECT_EQ(fast->alerts.at(0).labels.at("long"), long_value);
  EXPECT_EQ(fast->alerts.at(0).dedup_key, "f/1");
  EXPECT_EQ(Describe(*fast), Describe(*TreeDecode(body)));
}

TEST(AlertmanagerTest, TheSinglePassReaderLeavesUnusualInputToTheTreeReader) {
  for (const char* body : {
           R"({"alerts":[{"status":"firing","labels":{"a":"b","a":"c"}}]})",    // repeated label
           R"({"alerts":[{"status":"firing","labels":{"a":1}}]})",              // number as a label value
           R"({"alerts":[{"status":"firing","labels":{"a":"b"},"status":"resolved"}]})",  // repeated field
           R"({"alerts":[{"status":null,"labels":{"a":"b"}}]})",                // null
           R"({"alerts":[{"labels":{"a":"b"}}]})",                              // missing status
           R"({"alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":5}]})",  // wrong type
           R"({"version":"4"})",                                                // no alerts
           R"([1,2])", R"("x")", "", R"({"alerts":[]} x)",
       }) {
    EXPECT_FALSE(DecodeAlertmanagerFast(body).has_value()) << body;
  }
  // A time of the wrong type is an error naming the field (the tree reader used to ignore it).
  auto w = DecodeAlertmanager(std::string_view(R"({"alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":5}]})"));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().field, "alerts[0].startsAt");
}

TEST(AlertmanagerTest, LabelAndAnnotationValuesMustBeStrings) {
  // Alertmanager's label sets are maps of strings: a number, boolean or null there is refused, naming
  // the entry, by both readers (the single-pass reader declines and the tree reader names it).
  for (std::string v : {"123", "1.5", "true", "false", "null", "{}", "[\"x\"]"}) {
    for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
             {R"({"alerts":[{"status":"firing","labels":{"alertname":)" + v + "}}]}", "alerts[0].labels.alertname"},
             {R"({"alerts":[{"status":"firing","labels":{"a":"b"}},{"status":"firing","labels":{"a":"b"},)"
              R"("annotations":{"summary":"s","runbook":)" + v + "}}]}",
              "alerts[1].annotations.runbook"},
             {R"({"commonLabels":{"job":)" + v + R"(},"alerts":[{"status":"firing","labels":{"a":"b"}}]})",
              "commonLabels.job"},
             {R"({"commonAnnotations":{"x":)" + v + R"(},"alerts":[{"status":"firing","labels":{"a":"b"}}]})",
              "commonAnnotations.x"},
         }) {
      EXPECT_FALSE(DecodeAlertmanagerFast(body).has_value()) << body;
      auto w = DecodeAlertmanager(std::string_view(body));
      ASSERT_FALSE(w) << body;
      EXPECT_EQ(w.error().field, field) << body;
      EXPECT_NE(w.error().message.find("must be a string"), std::string::npos) << w.error().message;
    }
  }
}

// The single-pass reader uses unescaped strings in place (views of the body) and copies the rest;
// keys and strings with escapes arrive through the parser's scratch buffer, long ones in parts.
TEST(AlertmanagerTest, TheSinglePassReaderReadsEscapedAndSplitKeysAndStrings) {
  std::string long_key(kMaxLabelName + 44, 'k');
  std::string long_value = std::string(3000, 'v') + "\\n" + std::string(3000, 'w');  // parts around an escape
  std::string body = R"({"version":"\u0034","groupKey":"g\"1",)"
                     R"("alerts":[{"st\u0061tus":"fir\u0069ng","l\u0061bels":{"\u0061lertname":"A\/B","zone":"z",)"
                     R"("long":")" + long_value + R"("},"annot\u0061tions":{"summ\u0061ry":"s\u00e9"},)"
                     R"("generatorURL":"http:\/\/prom","fingerprint":"f\/1","st\u0061rtsAt":"2026-01-05T08:00:00\u005a",)"
                     R"("endsAt":"0001-01-01T00:00:00\u005A"},)"
                     R"({"status":"resolved","labels":{"a":"\u0031"},"generatorURL":"\/g","fingerprint":"\/f"}]})";
  auto fast = DecodeAlertmanagerFast(body);
  ASSERT_TRUE(fast.has_value());
  auto tree = TreeDecode(body);
  ASSERT_TRUE(tree) << tree.error().ToString();
  EXPECT_EQ(Describe(*fast), Describe(*tree));
  ASSERT_EQ(fast->alerts.size(), 2u);
  const auto& a = fast->alerts[0];
  EXPECT_EQ(a.action, Action::kTrigger);
  EXPECT_EQ(a.labels.at("alertname"), "A/B");
  EXPECT_EQ(a.labels.at("long"), std::string(3000, 'v') + "\n" + std::string(3000, 'w'));
  EXPECT_EQ(a.summary, "A/B: s\xc3\xa9");
  EXPECT_EQ(a.generator_url, "http://prom");
  EXPECT_EQ(a.dedup_key, "f/1");
  EXPECT_EQ(core::FormatRfc3339(*a.starts_at), "2026-01-05T08:00:00Z");
  EXPECT_FALSE(a.ends_at);
  EXPECT_EQ(a.group_key, "g\"1");
  const auto& b = fast->alerts[1];
  EXPECT_EQ(b.labels.at("a"), "1");
  EXPECT_EQ(b.generator_url, "/g");
  EXPECT_EQ(b.dedup_key, "/f");
  // A label name past the limit, even when it arrives in parts (around an escape), is left to the
  // tree reader.
  body = R"({"alerts":[{"status":"firing","labels":{")" + long_key.substr(0, 150) + "\\u0041" + long_key.substr(150) +
         R"(":"x"}}]})";
  EXPECT_FALSE(DecodeAlertmanagerFast(body).has_value());
  auto w = DecodeAlertmanager(std::string_view(body));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().field, "alerts[0].labels");
}

// Labels usually arrive sorted (appended at the end of their map); in any other order they decode
// the same, and a repeat is left to the tree reader wherever it comes.
TEST(AlertmanagerTest, TheSinglePassReaderTakesLabelsInAnyOrderAndLeavesRepeats) {
  for (const char* labels : {R"({"a":"1","b":"2","c":"3"})", R"({"c":"3","a":"1","b":"2"})",
                             R"({"b":"2","c":"3","a":"1"})", R"({"":"x","a":"1"})"}) {
    std::string body = R"({"alerts":[{"status":"firing","labels":)" + std::string(labels) + "}]}";
    auto tree = TreeDecode(body);
    auto fast = DecodeAlertmanagerFast(body);
    if (!tree) {
      EXPECT_FALSE(fast.has_value()) << body;  // the empty label name
      continue;
    }
    ASSERT_TRUE(fast.has_value()) << body;
    EXPECT_EQ(Describe(*fast), Describe(*tree)) << body;
  }
  for (const char* labels : {R"({"a":"1","a":"1"})", R"({"a":"1","b":"2","a":"3"})", R"({"b":"2","a":"1","b":"2"})"}) {
    std::string body = R"({"alerts":[{"status":"firing","labels":)" + std::string(labels) + "}]}";
    EXPECT_FALSE(DecodeAlertmanagerFast(body).has_value()) << body;
    auto w = DecodeAlertmanager(std::string_view(body));  // the tree reader names the repeat
    ASSERT_FALSE(w) << body;
    EXPECT_EQ(w.error().field.substr(0, 17), "alerts[0].labels.") << body;
  }
}

// A key repeated anywhere — a known field, a label, an annotation, a field nobody reads, a key of a
// skipped value or of a common map — is refused, naming it; the single-pass reader declines each
// (so it never decodes what the tree reader refuses), and the error is the tree reader's.
TEST(AlertmanagerTest, ARepeatedKeyAnywhereIsRefusedNamingIt) {
  const std::string alert = R"({"status":"firing","labels":{"a":"1"}})";
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"version":"4","version":"4","alerts":[]})", "version"},
           {R"({"extra":1,"alerts":[],"extra":2})", "extra"},
           {R"({"alerts":[{"status":"firing","labels":{"a":"1"},"x":1,"x":1}]})", "alerts[0].x"},
           {R"({"alerts":[{"status":"firing","labels":{"a":"1"},"annotations":{"s":"1","s":"2"}}]})",
            "alerts[0].annotations.s"},
           {R"({"groupLabels":{"job":"a","job":"b"},"alerts":[)" + alert + "]}", "groupLabels.job"},
           {R"({"commonLabels":{"a":"1","a":"2"},"alerts":[)" + alert + "]}", "commonLabels.a"},
           {R"({"alerts":[)" + alert + "," + alert + R"(],"x":{"y":[{"z":1,"\u007a":2}]}})", "x.y[0].z"},
       }) {
    EXPECT_FALSE(DecodeAlertmanagerFast(body).has_value()) << body;
    auto w = DecodeAlertmanager(std::string_view(body));
    ASSERT_FALSE(w) << body;
    EXPECT_EQ(w.error().field, field) << body;
    EXPECT_EQ(w.error().message, "key '" + field + "' appears more than once") << body;
  }
  // The same keys in sibling objects and at other depths are no repeats.
  std::string body = R"({"x":{"a":1,"b":{"a":1}},"y":{"a":1},"commonLabels":{"a":"1"},"alerts":[)" + alert + "," +
                     alert + "]}";
  auto fast = DecodeAlertmanagerFast(body);
  ASSERT_TRUE(fast.has_value());
  EXPECT_EQ(Describe(*fast), Describe(*TreeDecode(body)));
  // Many keys nobody reads in one object: past a few the single-pass reader leaves them to the tree
  // reader, which decodes the same alerts.
  std::string many = R"({"alerts":[)" + alert + R"(],"x":{)";
  for (int i = 0; i < 40; ++i) many += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":0");
  many += "}}";
  EXPECT_FALSE(DecodeAlertmanagerFast(many).has_value());
  ASSERT_TRUE(TreeDecode(many));
  EXPECT_EQ(TreeDecode(many)->alerts.size(), 1u);
}

// The limits of internal::CheckLabels, which the single-pass reader applies as it reads: at the limit
// it decodes; past it, the tree reader names the field.
TEST(AlertmanagerTest, TheSinglePassReaderLeavesLabelsPastTheLimitsToTheTreeReader) {
  auto with_labels = [](size_t n, const std::string& map_key = "labels") {
    std::string m;
    for (size_t i = 0; i < n; ++i) m += (i ? "," : "") + ("\"l" + std::to_string(1000 + i) + "\":\"v\"");
    return R"({"alerts":[{"status":"firing",")" + map_key + R"(":{)" + m + "}" +
           (map_key == "labels" ? "" : R"(,"labels":{"a":"b"})") + "}]}";
  };
  for (const std::string map_key : {"labels", "annotations"}) {
    auto body = with_labels(kMaxLabels, map_key);
    auto fast = DecodeAlertmanagerFast(body);
    ASSERT_TRUE(fast.has_value()) << map_key;
    EXPECT_EQ(Describe(*fast), Describe(*TreeDecode(body)));
    body = with_labels(kMaxLabels + 1, map_key);
    EXPECT_FALSE(DecodeAlertmanagerFast(body).has_value()) << map_key;
    auto w = DecodeAlertmanager(std::string_view(body));
    ASSERT_FALSE(w);
    EXPECT_EQ(w.error().field, "alerts[0]." + map_key);
  }
  struct Case {
    std::string labels, field;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"":"x"})", "alerts[0].labels"},
           {"{\"" + std::string(kMaxLabelName + 1, 'n') + R"(":"x"})", "alerts[0].labels"},
           {R"({"n":")" + std::string(kMaxLabelValue + 1, 'v') + R"("})", "alerts[0].labels.n"},
       }) {
    std::string body = R"({"alerts":[{"status":"firing","labels":)" + c.labels + "}]}";
    EXPECT_FALSE(DecodeAlertmanagerFast(body).has_value()) << c.field;
    auto w = DecodeAlertmanager(std::string_view(body));
    ASSERT_FALSE(w);
    EXPECT_EQ(w.error().field, c.field);
  }
  // At the limits themselves, both readers decode.
  std::string body = "{\"alerts\":[{\"status\":\"firing\",\"labels\":{\"" + std::string(kMaxLabelName, 'n') + "\":\"" +
                     std::string(kMaxLabelValue, 'v') + "\"}}]}";
  auto fast = DecodeAlertmanagerFast(body);
  ASSERT_TRUE(fast.has_value());
  EXPECT_EQ(Describe(*fast), Describe(*TreeDecode(body)));
}

TEST(AlertmanagerTest, TheSinglePassReaderLeavesInvalidUtf8AndTooManyAlertsToTheTreeReader) {
  std::string body = R"({"alerts":[{"status":"firing","labels":{"instance":"db-)";
  body += "\xc3\x28";
  body += R"("}}]})";
  EXPECT_FALSE(DecodeAlertmanagerFast(body).has_value());
  body = R"({"alerts":[{"status":"firing","labels":{"a":"b"},"x)";
  body += "\xff";
  body += R"(":1}]})";
  EXPECT_FALSE(DecodeAlertmanagerFast(body).has_value()) << "an invalid key, even in a skipped field";
  auto w = DecodeAlertmanager(std::string_view(body));
  ASSERT_FALSE(w);
  body = R"({"alerts":[)";
  for (size_t i = 0; i <= kMaxAlertsPerRequest; ++i) body += (i ? "," : "") + std::string(R"({"status":"firing","labels":{"a":"b"}})");
  body += "]}";
  EXPECT_FALSE(DecodeAlertmanagerFast(body).has_value());
  w = DecodeAlertmanager(std::string_view(body));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().field, "alerts");
}

// A real Alertmanager sends groupKey after the alerts; every alert still gets it.
TEST(AlertmanagerTest, TheGroupKeyMayComeAfterTheAlerts) {
  std::string body = R"({"receiver":"r","status":"firing","alerts":[{"status":"firing","labels":{"a":"b"}},)"
                     R"({"status":"resolved","labels":{"a":"c"}}],"groupLabels":{},"commonLabels":{},)"
                     R"("commonAnnotations":{},"externalURL":"http://am","version":"4","groupKey":"{}:{a=\"b\"}",)"
                     R"("truncatedAlerts":0})";
  auto fast = DecodeAlertmanagerFast(body);
  ASSERT_TRUE(fast.has_value());
  ASSERT_EQ(fast->alerts.size(), 2u);
  for (const auto& a : fast->alerts) EXPECT_EQ(a.group_key, "{}:{a=\"b\"}");
  EXPECT_EQ(Describe(*fast), Describe(*TreeDecode(body)));
}

// Random webhooks, well formed and not: wherever the single-pass reader decodes, the tree reader
// gives the same result; and DecodeAlertmanager(bytes) always answers as the tree reader does.
RC_GTEST_PROP(IngestProps, AlertmanagerReadersAgree, ()) {
  auto pick = [](std::initializer_list<const char*> options) {
    std::vector<std::string> v(options.begin(), options.end());
    return *rc::gen::elementOf(v);
  };
  auto str = [&] { return pick({R"("x")", R"("y")", R"("firing")", R"("resolved")", R"("4")", R"("a\u00e9\"b")",
                                R"("2026-01-05T08:00:00Z")", R"("0001-01-01T00:00:00Z")", R"("yesterday")"}); };
  auto scalar = [&] { return *rc::gen::element<int>(0, 1, 2, 3) == 0 ? pick({"1", "-2", "1.5", "true", "null"}) : str(); };
  auto map = [&] {
    std::string m = "{";
    int n = *rc::gen::inRange(0, 5);
    for (int i = 0; i < n; ++i) {
      if (i) m += ",";
      // Escaped names ("a" and "service" again) arrive through the parser's buffer, not the body.
      m += pick({R"("alertname")", R"("service")", R"("severity")", R"("summary")", R"("a")", R"("b")", R"("")",
                 R"("\u0061")", R"("s\u0065rvice")"}) + ":" +
           (*rc::gen::inRange(0, 10) == 0 ? scalar() : str());
    }
    return m + "}";
  };
  std::string body = "{";
  std::vector<std::string> fields;
  if (*rc::gen::arbitrary<bool>()) fields.push_back(R"("version":)" + pick({R"("4")", R"("4")", R"("4")", R"("3")", "4", "null"}));
  if (*rc::gen::arbitrary<bool>()) fields.push_back(R"("status":)" + str());
  if (*rc::gen::arbitrary<bool>()) fields.push_back(R"("groupKey":)" + str());
  if (*rc::gen::arbitrary<bool>()) fields.push_back(R"("truncatedAlerts":)" + pick({"0", "2", "1.0", R"("0")"}));
  if (*rc::gen::arbitrary<bool>()) fields.push_back(R"("commonLabels":)" + map());
  if (*rc::gen::arbitrary<bool>()) fields.push_back(R"("groupLabels":)" + pick({"{}", R"({"a":[1]})", "[]"}));
  if (*rc::gen::arbitrary<bool>()) fields.push_back(R"("extra":)" + pick({"{}", R"({"a":[1,{"b":null}]})", "7"}));
  std::string alerts = "[";
  int n = *rc::gen::inRange(0, 4);
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> af;
    if (*rc::gen::inRange(0, 8) != 0)
      af.push_back(R"("status":)" + pick({R"("firing")", R"("firing")", R"("resolved")", R"("resolved")", R"("pending")", "null", "1"}));
    if (*rc::gen::inRange(0, 8) != 0) af.push_back(R"("labels":)" + map());
    if (*rc::gen::arbitrary<bool>()) af.push_back(R"("annotations":)" + map());
    if (*rc::gen::arbitrary<bool>()) af.push_back(R"("fingerprint":)" + (*rc::gen::arbitrary<bool>() ? str() : scalar()));
    auto time = [&] { return *rc::gen::inRange(0, 6) == 0 ? scalar() : pick({R"("2026-01-05T08:00:00Z")", R"("0001-01-01T00:00:00Z")", R"("2026-01-05T08:00:00.5+02:00")", R"("soon")"}); };
    if (*rc::gen::arbitrary<bool>()) af.push_back(R"("startsAt":)" + time());
    if (*rc::gen::arbitrary<bool>()) af.push_back(R"("endsAt":)" + time());
    if (*rc::gen::arbitrary<bool>()) af.push_back(R"("generatorURL":)" + str());
    if (*rc::gen::arbitrary<bool>()) af.push_back(R"("x":)" + map());
    if (!af.empty() && *rc::gen::element<int>(0, 1, 2, 3, 4, 5) == 0) af.push_back(af.front());  // a repeat
    std::string a = "{";
    for (size_t j = 0; j < af.size(); ++j) a += (j ? "," : "") + af[j];
    if (i) alerts += ",";
    alerts += *rc::gen::element<int>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9) == 0 ? pick({"7", "[]", "null"}) : a + "}";
  }
  alerts += "]";
  if (*rc::gen::element<int>(0, 1, 2, 3, 4, 5) != 0) fields.push_back(R"("alerts":)" + alerts);
  for (size_t j = 0; j < fields.size(); ++j) body += (j ? "," : "") + fields[j];
  body += "}";

  auto tree = TreeDecode(body);
  auto fast = DecodeAlertmanagerFast(body);
  if (fast) {
    RC_ASSERT(tree.has_value());
    RC_ASSERT(Describe(*fast) == Describe(*tree));
  }
  auto both = DecodeAlertmanager(std::string_view(body));
  RC_ASSERT(both.has_value() == tree.has_value());
  if (both) RC_ASSERT(Describe(*both) == Describe(*tree));
  else RC_ASSERT(both.error().field == tree.error().field && both.error().message == tree.error().message);
  RC_TAG(fast ? "single pass" : (tree ? "tree only, decoded" : "tree only, error"));
}

// ParseOptionalTime reads the shapes Alertmanager sends with ParseCommonRfc3339, and everything else
// with core::ParseRfc3339: the same answers as the general parser alone, Go's zero time (and any
// time before the epoch) counting as unset.
void ExpectTimeAsTheGeneralParserReadsIt(const std::string& s) {
  auto full = core::ParseRfc3339(s);
  if (auto fast = internal::ParseCommonRfc3339(s)) {
    ASSERT_TRUE(full) << s;
    EXPECT_EQ(core::ToUnixMillis(*fast), core::ToUnixMillis(*full)) << s;
  }
  auto t = internal::ParseOptionalTime(std::optional<std::string_view>(s));
  ASSERT_EQ(t.has_value(), full.has_value()) << s;
  if (!full) {
    EXPECT_EQ(t.error().message, full.error().message) << s;
    return;
  }
  if (core::ToUnixMillis(*full) < 0) EXPECT_FALSE(t->has_value()) << s;
  else EXPECT_EQ(*t, std::optional<core::TimePoint>(*full)) << s;
}

TEST(IngestTest, CommonTimeShapesReadAsTheGeneralParserReadsThem) {
  for (const char* s : {"2026-01-05T08:00:00Z", "2026-01-05T08:00:00.1Z", "2026-01-05T08:00:00.123456789Z",
                        "2026-01-05T08:00:00+00:00", "2026-01-05T08:00:00.5+00:00", "1970-01-01T00:00:00Z"}) {
    EXPECT_TRUE(internal::ParseCommonRfc3339(s).has_value()) << s;
    ExpectTimeAsTheGeneralParserReadsIt(s);
  }
  // Left to the general parser (valid or not): other offsets, separators and cases, leap seconds,
  // impossible dates and times, malformed fractions and zones.
  for (const char* s : {"2026-01-05T08:00:00+01:00", "2026-01-05T08:00:00-00:00", "2026-01-05t08:00:00Z",
                        "2026-01-05 08:00:00Z", "2026-01-05T08:00:00z", "2016-12-31T23:59:60Z", "2023-02-29T00:00:00Z",
                        "2024-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z",
                        "2026-01-05T24:00:00Z", "2026-01-05T08:60:00Z", "2026-01-05T08:00:00.Z", "2026-01-05T08:00:00",
                        "2026-01-05T08:00:00ZZ", "2026-01-05T08:00:00+00:0", "2026-01-05T08:00:00+00:000",
                        "2026-01-05T08:00:0aZ", "+026-01-05T08:00:00Z", "2026-1-05T08:00:00Z", ""}) {
    EXPECT_FALSE(internal::ParseCommonRfc3339(s).has_value()) << s;
    ExpectTimeAsTheGeneralParserReadsIt(s);
  }
  // Times before the epoch, Go's zero time among them: unset.
  for (const char* s : {"0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00", "0000-01-01T00:00:00Z",
                        "1969-12-31T23:59:59.999Z"}) {
    ExpectTimeAsTheGeneralParserReadsIt(s);
  }
  EXPECT_FALSE(*internal::ParseOptionalTime(std::optional<std::string_view>("0001-01-01T00:00:00Z")));
  EXPECT_FALSE(*internal::ParseOptionalTime(std::optional<std::string_view>()));
}

// Random edits of well-formed times: wherever the common-shape reader gives a time, it is the
// general parser's.
RC_GTEST_PROP(IngestProps, CommonTimeShapesReadAsTheGeneralParserReadsThem, ()) {
  std::string s = *rc::gen::element<std::string>("2026-01-05T08:00:00Z", "2024-02-29T23:59:59.123456789Z",
                                                 "1970-01-01T00:00:00+00:00", "0001-01-01T00:00:00Z",
                                                 "2023-11-14T22:13:20.5+00:00", "1969-12-31T23:59:59.999Z",
                                                 "2026-01-05t08:00:00+01:00", "2016-12-31T23:59:60Z",
                                                 "2026-01-05 08:00:00.25-07:30");
  int edits = *rc::gen::inRange(0, 3);
  for (int i = 0; i < edits; ++i) {
    size_t pos = *rc::gen::inRange<size_t>(0, s.size());
    char c = *rc::gen::element('0', '1', '2', '3', '5', '9', ':', '-', '+', '.', 'T', 't', 'Z', 'z', ' ');
    switch (*rc::gen::inRange(0, 3)) {
      case 0: s[pos] = c; break;
      case 1: s.insert(pos, 1, c); break;
      default: s.erase(pos, 1);
    }
  }
  auto full = core::ParseRfc3339(s);
  auto fast = internal::ParseCommonRfc3339(s);
  if (fast) {
    RC_ASSERT(full.has_value());
    RC_ASSERT(core::ToUnixMillis(*fast) == core::ToUnixMillis(*full));
  }
  auto t = internal::ParseOptionalTime(std::optional<std::string_view>(s));
  RC_ASSERT(t.has_value() == full.has_value());
  if (full) RC_ASSERT(t->has_value() == (core::ToUnixMillis(*full) >= 0));
  if (full && t->has_value()) RC_ASSERT(**t == *full);
  if (!full) RC_ASSERT(t.error().message == full.error().message);
  RC_TAG(fast ? "common shape" : full ? "general parser" : "error");
}

TEST(IngestTest, InvalidUtf8IsReportedAgainstItsField) {
  std::string body = R"({"alerts":[{"status":"firing","labels":{"instance":"db-)";
  body += "\xff\xfe";
  body += R"("}}]})";
  auto w = DecodeAlertmanager(std::string_view(body));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().field, "alerts[0].labels.instance");
  EXPECT_NE(w.error().message.find("UTF-8"), std::string::npos);
  // A body that is one bad string has no field path: the error names the body (found by
  // fuzz_prometheus: the field was empty).
  for (std::string bad : {std::string("\"\xff\""), "\"" + std::string(128, '\xff') + "\""}) {
    auto e = ParseBody(bad);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().field, "body");
    EXPECT_EQ(e.error().message, "the body is a string that is not valid UTF-8");
    auto p = DecodePostableAlerts(std::string_view(bad), core::FromUnixMillis(0), std::chrono::minutes(5));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().field, "body");
  }
}


// The endpoints parse each body into an arena released at once; a value built in the default
// resource instead is freed node by node (a boost::json stream_parser builds its result in the
// resource given to reset(), not the one given to its constructor).
TEST(IngestTest, ParseBodyBuildsTheValueInTheGivenResource) {
  boost::json::monotonic_resource arena;
  auto v = ParseBody(R"({"alerts":[{"labels":{"alertname":"A long enough name to need storage"}}]})",
                     boost::json::storage_ptr(&arena));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->storage().get(), &arena);
  const auto& label = v->at("alerts").at(0).at("labels").at("alertname").as_string();
  EXPECT_EQ(label.storage().get(), &arena);
  EXPECT_TRUE(v->storage().is_deallocate_trivial());
}
TEST(IngestTest, FingerprintsIgnoreLabelOrderAndCanUseSomeLabels) {
  model::LabelSet a{{"alertname", "X"}, {"instance", "1"}, {"pod", "p-1"}};
  EXPECT_EQ(Fingerprint(a), Fingerprint(a));
  EXPECT_NE(Fingerprint(a), Fingerprint({{"alertname", "X"}, {"instance", "2"}, {"pod", "p-1"}}));
  auto b = a;
  b["pod"] = "p-2";
  EXPECT_EQ(Fingerprint(a, {"alertname", "instance"}), Fingerprint(b, {"instance", "alertname"}));
  EXPECT_NE(Fingerprint(a, {"pod"}), Fingerprint(b, {"pod"}));
  // Label boundaries matter: {ab: c} is not {a: bc}.
  EXPECT_NE(Fingerprint({{"ab", "c"}}), Fingerprint({{"a", "bc"}}));
}

TEST(PagerDutyTest, DecodesTriggerWithPayloadLinksAndImages) {
  auto e = DecodePagerDuty(std::string_view(R"({
    "routing_key": "example-checkout-key", "event_action": "trigger", "dedup_key": "disk/db-1",
    "payload": {"summary": "Disk 95% on db-1", "source": "db-1", "severity": "warning",
                "timestamp": "2026-01-05T08:00:00+01:00", "component": "postgres", "group": "prod",
                "class": "disk", "custom_details": {"free_gb": 3, "service": "db", "nested": {"a": 1}}},
    "links": [{"href": "http://runbook", "text": "Runbook"}], "images": [{"src": "http://graph.png"}],
    "client": "Nagios", "client_url": "http://nagios"})"));
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_EQ(e->routing_key, "example-checkout-key");
  const auto& ev = e->event;
  EXPECT_EQ(ev.action, Action::kTrigger);
  EXPECT_EQ(ev.dedup_key, "disk/db-1");
  EXPECT_EQ(ev.summary, "Disk 95% on db-1");
  EXPECT_EQ(ev.labels.at("severity"), "warning");
  EXPECT_EQ(ev.labels.at("component"), "postgres");
  EXPECT_EQ(ev.labels.at("free_gb"), "3");
  EXPECT_EQ(ev.service_hint, "db") << "custom_details.service names the service";
  EXPECT_EQ(core::FormatRfc3339(*ev.starts_at), "2026-01-05T07:00:00Z");
  ASSERT_EQ(ev.links.size(), 1u);
  EXPECT_EQ(ev.links[0].text, "Runbook");
  ASSERT_EQ(ev.images.size(), 1u);
  EXPECT_EQ(ev.annotations.at("client"), "Nagios");
  EXPECT_TRUE(ev.details.at("custom_details").as_object().contains("nested"));
}

TEST(PagerDutyTest, AcknowledgeAndResolveNeedOnlyTheKey) {
  auto e = DecodePagerDuty(std::string_view(R"({"routing_key":"k","event_action":"resolve","dedup_key":"x"})"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event.action, Action::kResolve);
  e = DecodePagerDuty(std::string_view(R"({"routing_key":"k","event_action":"acknowledge","dedup_key":"x"})"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event.action, Action::kAcknowledge);
}

TEST(PagerDutyTest, RejectsWhatPagerDutyRejects) {
  auto decode = [](std::string_view b) { return DecodePagerDuty(b).map([](auto&&) {}); };
  std::string payload = R"("payload":{"summary":"s","source":"h","severity":"error"})";
  ExpectRejected(decode, {
      {R"({"event_action":"trigger",)" + payload + "}", "routing_key"},
      {R"({"routing_key":5,"event_action":"trigger",)" + payload + "}", "routing_key"},
      {R"({"routing_key":"k",)" + payload + "}", "event_action"},
      {R"({"routing_key":"k","event_action":"page",)" + payload + "}", "event_action"},
      {R"({"routing_key":"k","event_action":"resolve"})", "dedup_key"},
      {R"({"routing_key":"k","event_action":"acknowledge","dedup_key":""})", "dedup_key"},
      {R"({"routing_key":"k","event_action":"trigger"})", "payload"},
      {R"({"routing_key":"k","event_action":"trigger","payload":{"source":"h","severity":"info"}})", "payload.summary"},
      {R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"s","severity":"info"}})", "payload.source"},
      {R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h"}})", "payload.severity"},
      {R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"fatal"}})",
       "payload.severity"},
      {R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info","timestamp":"now"}})",
       "payload.timestamp"},
      {R"({"routing_key":"k","event_action":"trigger","dedup_key":")" + std::string(256, 'x') + "\"," + payload + "}",
       "dedup_key"},
      {R"({"routing_key":"k","event_action":"trigger",)" + payload + R"(,"links":[{"text":"no href"}]})", "links[0].href"},
      // A repeated key has two readings; which one PagerDuty's client meant is not ours to guess.
      {R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"critical",)"
       R"("severity":"info"}})",
       "payload.severity"},
      {R"({"routing_key":"k","routing_key":"k","event_action":"trigger",)" + payload + "}", "routing_key"},
      {R"({"routing_key":"k","event_action":"trigger",)" + payload + R"(,"links":[{"href":"a","href":"b"}]})",
       "links[0].href"},
  });
}

TEST(PagerDutyTest, ATimestampThatIsNotAStringIsRefusedNotTakenAsNow) {
  // PagerDuty's timestamp is an ISO 8601 string; a number, object, array or boolean there is a
  // client's mistake, and reading it as "no timestamp" would date the alert to its arrival.
  for (std::string ts : {"12345", "{}", "[]", "true", "1e308", "-1", "\"-1\"", "\"now\""}) {
    std::string trigger = R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h",)"
                          R"("severity":"info","timestamp":)" + ts + "}}";
    auto e = DecodePagerDuty(std::string_view(trigger));
    ASSERT_FALSE(e) << trigger;
    EXPECT_EQ(e.error().field, "payload.timestamp") << trigger << " -> " << e.error().message;
    std::string change = R"({"routing_key":"k","payload":{"summary":"s","timestamp":)" + ts + "}}";
    auto c = DecodePagerDutyChange(std::string_view(change));
    ASSERT_FALSE(c) << change;
    EXPECT_EQ(c.error().field, "payload.timestamp") << change << " -> " << c.error().message;
  }
  // Absent or null: the caller dates the event on arrival.
  for (std::string ts : {"", R"(,"timestamp":null)"}) {
    auto e = DecodePagerDuty(std::string_view(
        R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info")" + ts +
        "}}"));
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_FALSE(e->event.starts_at);
  }
}

TEST(PagerDutyTest, CustomDetailsBecomeLabelsUpToTheLimit) {
  // Keys in descending order, the worst order for a sorted label set; `severity` is already a label
  // and does not count twice.
  auto body = [](size_t n) {
    std::string details = R"("severity":"x")";
    for (size_t i = n; i > 0; --i) details += ",\"k" + std::to_string(100000 + i) + "\":" + std::to_string(i);
    return R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info",)"
           R"("custom_details":{)" + details + "}}}";
  };
  const size_t standard = 2;  // severity, source
  auto ok = DecodePagerDuty(std::string_view(body(kMaxLabels - standard)));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->event.labels.size(), kMaxLabels);
  EXPECT_EQ(ok->event.labels.at("severity"), "info") << "the payload's severity wins over custom_details";
  EXPECT_EQ(ok->event.labels.begin()->first, "k100001");
  auto over = DecodePagerDuty(std::string_view(body(kMaxLabels - standard + 1)));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().field, "payload.custom_details");
  EXPECT_NE(over.error().message.find("(257, max 256)"), std::string::npos) << over.error().message;
  // A body of tens of thousands of keys is refused before they are inserted.
  auto huge = DecodePagerDuty(std::string_view(body(40000)));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().field, "payload.custom_details");
}

TEST(PagerDutyTest, AStringCustomDetailsIsKeptOnceAndBoundedLikeAnObjectsValues) {
  auto trigger = [](size_t n) {
    return R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info",)"
           R"("custom_details":")" + std::string(n, 'd') + "\"}}";
  };
  auto change = [](size_t n) {
    return R"({"routing_key":"k","payload":{"summary":"s","custom_details":")" + std::string(n, 'd') + "\"}}";
  };
  auto ok = DecodePagerDuty(std::string_view(trigger(kMaxLabelValue)));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->event.annotations.at("details").size(), kMaxLabelValue);
  EXPECT_FALSE(ok->event.details.contains("custom_details")) << "the string is stored once, not twice";
  auto ok_change = DecodePagerDutyChange(std::string_view(change(kMaxLabelValue)));
  ASSERT_TRUE(ok_change) << ok_change.error().message;
  EXPECT_EQ(ok_change->change.labels.at("details").size(), kMaxLabelValue);
  for (size_t n : {kMaxLabelValue + 1, size_t(100 * 1024)}) {
    auto over = DecodePagerDuty(std::string_view(trigger(n)));
    ASSERT_FALSE(over) << n;
    EXPECT_EQ(over.error().field, "payload.custom_details");
    auto over_change = DecodePagerDutyChange(std::string_view(change(n)));
    ASSERT_FALSE(over_change) << n;
    EXPECT_EQ(over_change.error().field, "payload.custom_details");
  }
  // Other JSON that is not an object is kept verbatim in details.
  auto list = DecodePagerDuty(std::string_view(
      R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info",)"
      R"("custom_details":[1,"two"]}})"));
  ASSERT_TRUE(list);
  EXPECT_EQ(boost::json::serialize(list->event.details.at("custom_details")), R"([1,"two"])");
}

TEST(PagerDutyTest, LinksAreObjectsAndLongStringsAreRefusedNamingTheField) {
  const std::string big(100 * 1024, 'x'), over(kMaxLabelValue + 1, 'x');
  const std::string trigger = R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h",)"
                              R"("severity":"info"})";
  const std::string change = R"({"routing_key":"k","payload":{"summary":"s"})";
  auto decode = [](std::string_view b) { return DecodePagerDuty(b).map([](auto&&) {}); };
  auto decode_change = [](std::string_view b) { return DecodePagerDutyChange(b).map([](auto&&) {}); };
  using Decode = std::function<Status(std::string_view)>;
  for (const auto& [d, head] : {std::pair<Decode, std::string>{decode, trigger}, {decode_change, change}}) {
    ExpectRejected(d, {
        // PagerDuty's links are {href, text} objects.
        {head + R"(,"links":["http://runbook"]})", "links[0]"},
        {head + R"(,"links":[{"href":"a"},7]})", "links[1]"},
        {head + R"(,"links":[{"href":")" + big + "\"}]}", "links[0].href"},
        {head + R"(,"links":[{"href":"a","text":")" + over + "\"}]}", "links[0].text"},
    });
  }
  ExpectRejected(decode, {
      {R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"s","severity":"info","source":")" + big +
           "\"}}",
       "payload.source"},
      {R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info",)"
       R"("component":")" + over + "\"}}",
       "payload.component"},
      {trigger + R"(,"client":")" + over + "\"}", "client"},
      {trigger + R"(,"images":[{"src":")" + over + "\"}]}", "images[0].src"},
  });
  ExpectRejected(decode_change, {{R"({"routing_key":"k","payload":{"summary":"s","source":")" + big + "\"}}",
                                  "payload.source"}});
  // At the limit they are kept.
  auto at = DecodePagerDutyChange(std::string_view(R"({"routing_key":"k","payload":{"summary":"s","source":")" +
                                                   std::string(kMaxLabelValue, 's') + R"("},"links":[{"href":")" +
                                                   std::string(kMaxLabelValue, 'h') + "\"}]}"));
  ASSERT_TRUE(at) << at.error().message;
  EXPECT_EQ(at->change.source.size(), kMaxLabelValue);
  ASSERT_EQ(at->change.links.size(), 1u);
  // Firebreak's own events also take a link as a plain string, bounded the same way.
  auto generic = DecodeGeneric(std::string_view(R"({"summary":"x","links":["http://runbook"]})"));
  ASSERT_TRUE(generic) << generic.error().message;
  EXPECT_EQ(generic->alert.links.at(0).href, "http://runbook");
  ExpectRejected([](std::string_view b) { return DecodeGeneric(b).map([](auto&&) {}); },
                 {{R"({"summary":"x","links":[")" + over + "\"]}", "links[0]"}});
}

TEST(PagerDutyTest, LongSummariesAreTruncatedLikePagerDutyDoes) {
  std::string body = R"({"routing_key":"k","event_action":"trigger","payload":{"summary":")" +
                     std::string(3000, 's') + R"(","source":"h","severity":"info"}})";
  auto e = DecodePagerDuty(std::string_view(body));
  ASSERT_TRUE(e);
  EXPECT_LE(e->event.summary.size(), kMaxSummary + 3);
}

TEST(PagerDutyTest, ChangeEvents) {
  auto c = DecodePagerDutyChange(std::string_view(R"({"routing_key":"k","payload":{
      "summary":"Deploy checkout v2.3.1","timestamp":"2026-01-05T07:50:00Z","source":"github-actions",
      "custom_details":{"version":"2.3.1","commit":"abc123"}},"links":[{"href":"http://ci/run/9"}]})"));
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->change.kind, "deploy");
  EXPECT_EQ(c->change.source, "github-actions");
  EXPECT_EQ(c->change.labels.at("version"), "2.3.1");
  EXPECT_EQ(c->change.links, std::vector<std::string>{"http://ci/run/9"});
  auto bad = DecodePagerDutyChange(std::string_view(R"({"routing_key":"k","payload":{}})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "payload.summary");
  EXPECT_EQ(GuessChangeKind("Rolled back checkout to v2.3.0", {}), "rollback");
  EXPECT_EQ(GuessChangeKind("Enable feature flag new-cart", {}), "feature_flag");
  EXPECT_EQ(GuessChangeKind("whatever", {{"kind", "config"}}), "config");
  EXPECT_EQ(GuessChangeKind("whatever", {}), "other");
}

TEST(GenericTest, AlertsAndChanges) {
  auto e = DecodeGeneric(std::string_view(R"({"routing_key":"k","summary":"Queue backlog 10k","service":"queue",
      "severity":"warning","labels":{"queue":"emails"},"time":"2026-01-05T08:00:00Z"})"));
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_FALSE(e->is_change);
  EXPECT_EQ(e->alert.action, Action::kTrigger);
  EXPECT_EQ(e->alert.service_hint, "queue");
  EXPECT_EQ(e->alert.labels.at("severity"), "warning");
  EXPECT_TRUE(e->alert.dedup_key.empty()) << "the pipeline derives a key from the labels";
  auto r = DecodeGeneric(std::string_view(R"({"action":"resolve","labels":{"queue":"emails"}})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->alert.action, Action::kResolve);
  auto c = DecodeGeneric(std::string_view(R"({"type":"change","kind":"config","summary":"raise pool size","service":"db"})"));
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->is_change);
  EXPECT_EQ(c->change.kind, "config");
  EXPECT_EQ(c->service, "db");
  auto decode = [](std::string_view b) { return DecodeGeneric(b).map([](auto&&) {}); };
  ExpectRejected(decode, {
      {R"({"summary":"x","colour":"red"})", "colour"},
      {R"({"type":"metric"})", "type"},
      {R"({"action":"trigger"})", "summary"},
      {R"({"action":"resolve"})", "dedup_key"},
      {R"({"action":"explode","summary":"x"})", "action"},
      {R"({"summary":"x","labels":{"a":{"b":1}}})", "labels"},
      {R"({"type":"change","summary":"x","kind":"earthquake"})", "kind"},
      {R"({"type":"change"})", "summary"},
      {R"({"summary":"x","time":12345})", "time"},
      {R"({"type":"change","summary":"x","time":{}})", "time"},
      {R"({"type":"change","summary":"x","source":")" + std::string(1025, 's') + R"("})", "source"},
  });
  EXPECT_TRUE(DecodeGeneric(R"({"type":"change","summary":"x","source":")" + std::string(1024, 's') + R"("})"));
}

// ---- Alertmanager's API (what Prometheus posts) ------------------------------------------------

TEST(PostableAlertsTest, EndsAtDecidesFiringResolvedAndWhenAFiringAlertExpires) {
  const auto now = *core::ParseRfc3339("2026-01-05T08:00:00Z");
  // What Prometheus 2.x sends: a firing alert with endsAt four evaluation intervals ahead, and a
  // resolved one with endsAt at its resolution.
  constexpr const char* kBody = R"([
    {"labels":{"alertname":"CheckoutLatencyHigh","service":"checkout","severity":"critical"},
     "annotations":{"summary":"p99 above 2s"},"startsAt":"2026-01-05T07:58:00.5Z",
     "endsAt":"2026-01-05T08:04:00Z","generatorURL":"http://prom:9090/graph?g0.expr=x"},
    {"labels":{"alertname":"DiskFull","instance":"db-1"},"annotations":{},
     "startsAt":"2026-01-05T07:00:00Z","endsAt":"2026-01-05T07:59:30Z"},
    {"labels":{"alertname":"NoTimes"}},
    {"labels":{"alertname":"EndsNow"},"endsAt":"2026-01-05T08:00:00Z"}
  ])";
  auto r = DecodePostableAlerts(std::string_view(kBody), now, std::chrono::minutes(5));
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->alerts.size(), 4u);
  const auto& firing = r->alerts[0];
  EXPECT_EQ(firing.action, Action::kTrigger);
  EXPECT_EQ(core::FormatRfc3339(*firing.expires_at), "2026-01-05T08:04:00Z");
  EXPECT_FALSE(firing.ends_at);
  EXPECT_EQ(core::FormatRfc3339(*firing.starts_at), "2026-01-05T07:58:00.500Z");
  EXPECT_EQ(firing.summary, "CheckoutLatencyHigh: p99 above 2s");
  EXPECT_EQ(firing.service_hint, "checkout");
  EXPECT_EQ(firing.generator_url, "http://prom:9090/graph?g0.expr=x");
  EXPECT_EQ(firing.dedup_key, Fingerprint(firing.labels)) << "the label set is the identity";
  const auto& resolved = r->alerts[1];
  EXPECT_EQ(resolved.action, Action::kResolve);
  EXPECT_EQ(core::FormatRfc3339(*resolved.ends_at), "2026-01-05T07:59:30Z");
  EXPECT_FALSE(resolved.expires_at);
  EXPECT_EQ(resolved.summary, "DiskFull");
  // No times: starts now, expires after resolve_timeout (Alertmanager's rule).
  const auto& bare = r->alerts[2];
  EXPECT_EQ(bare.action, Action::kTrigger);
  EXPECT_EQ(*bare.starts_at, now);
  EXPECT_EQ(*bare.expires_at, now + std::chrono::minutes(5));
  // endsAt exactly now has ended.
  EXPECT_EQ(r->alerts[3].action, Action::kResolve);
  // The same labels in another order are the same alert.
  auto again = DecodePostableAlerts(
      std::string_view(R"([{"labels":{"severity":"critical","service":"checkout","alertname":"CheckoutLatencyHigh"}}])"),
      now, std::chrono::minutes(5));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->alerts[0].dedup_key, firing.dedup_key);
}

TEST(PostableAlertsTest, RejectsWhatAlertmanagerRejectsNamingTheField) {
  const auto now = *core::ParseRfc3339("2026-01-05T08:00:00Z");
  auto field = [&](std::string_view body) {
    auto r = DecodePostableAlerts(body, now, std::chrono::minutes(5));
    EXPECT_FALSE(r) << body;
    return r ? std::string("<accepted>") : r.error().field;
  };
  EXPECT_EQ(field(R"({"labels":{"a":"b"}})"), "body") << "an object, not an array";
  EXPECT_EQ(field(R"([{"labels":{"a":"b"}}, 3])"), "[1]");
  EXPECT_EQ(field(R"([{"annotations":{}}])"), "[0].labels");
  EXPECT_EQ(field(R"([{"labels":{}}])"), "[0].labels");
  EXPECT_EQ(field(R"([{"labels":{"a":"b"}},{"labels":{"bad-name":"x"}}])"), "[1].labels.bad-name");
  EXPECT_EQ(field(R"([{"labels":{"0a":"x"}}])"), "[0].labels.0a");
  EXPECT_EQ(field(R"([{"labels":{"a":"b"},"startsAt":"yesterday"}])"), "[0].startsAt");
  EXPECT_EQ(field(R"([{"labels":{"a":"b"},"endsAt":42}])"), "[0].endsAt");
  EXPECT_EQ(field(R"([{"labels":{"a":"b"},"startsAt":"2026-01-05T08:00:00Z","endsAt":"2026-01-05T07:00:00Z"}])"),
            "[0].endsAt");
  EXPECT_EQ(field(R"([{"labels":{"a":"b"},"annotations":[]}])"), "[0].annotations");
  // Label and annotation values are strings, as Alertmanager's API requires.
  for (std::string v : {"123", "true", "null", "{}"}) {
    EXPECT_EQ(field(R"([{"labels":{"alertname":)" + v + "}}]"), "[0].labels.alertname") << v;
    EXPECT_EQ(field(R"([{"labels":{"a":"b"}},{"labels":{"a":"b"},"annotations":{"summary":)" + v + "}}]"),
              "[1].annotations.summary")
        << v;
  }
  EXPECT_EQ(field("[{\"labels\":{\"a\":\"\xff\"}}]"), "[0].labels.a");
  EXPECT_EQ(field("[{\"labels\":{\"a\":\"b\"}"), "body") << "truncated";
  EXPECT_TRUE(DecodePostableAlerts(std::string_view("[]"), now, std::chrono::minutes(5))) << "an empty batch is fine";
}

TEST(PostableAlertsTest, LabelNamesFollowPrometheusSyntax) {
  EXPECT_TRUE(IsValidLabelName("alertname"));
  EXPECT_TRUE(IsValidLabelName("_x9"));
  EXPECT_TRUE(IsValidLabelName("A"));
  EXPECT_FALSE(IsValidLabelName(""));
  EXPECT_FALSE(IsValidLabelName("9a"));
  EXPECT_FALSE(IsValidLabelName("a.b"));
  EXPECT_FALSE(IsValidLabelName("a-b"));
  EXPECT_FALSE(IsValidLabelName("é"));
}

// Any input: a decoder either succeeds or fails with a message; it never crashes.
RC_GTEST_PROP(IngestProps, DecodersNeverCrash, (const std::string& junk)) {
  for (auto r : {DecodeAlertmanager(std::string_view(junk)).map([](auto&&) {}),
                 DecodePagerDuty(std::string_view(junk)).map([](auto&&) {}),
                 DecodePagerDutyChange(std::string_view(junk)).map([](auto&&) {}),
                 DecodeGeneric(std::string_view(junk)).map([](auto&&) {}),
                 DecodePostableAlerts(std::string_view(junk), core::FromUnixMillis(0), std::chrono::minutes(5))
                     .map([](auto&&) {})}) {
    if (!r) RC_ASSERT(!r.error().message.empty());
  }
}

RC_GTEST_PROP(IngestProps, FingerprintIsAFunctionOfTheLabels, (const std::map<std::string, std::string>& labels)) {
  // The same labels inserted in either order.
  model::LabelSet forward(labels.begin(), labels.end()), backward(labels.rbegin(), labels.rend());
  RC_ASSERT(Fingerprint(forward) == Fingerprint(backward));
  RC_ASSERT(Fingerprint(forward).size() == 16u);
}

}  // namespace
}  // namespace firebreak::ingest
