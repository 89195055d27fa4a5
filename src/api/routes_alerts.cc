// Ingestion endpoints (authenticated by integration key) and the alert, silence and change-event
// queries and commands.
//
//   POST /api/v1/alerts/alertmanager   Alertmanager webhook; key as bearer credentials or ?key=
//   POST /api/v2/alerts                Alertmanager's API as Prometheus posts to it (same key);
//   GET  /api/v2/alerts                the open alerts in its shape (amtool alert query)
//   POST /v2/enqueue                   PagerDuty Events API v2 (routing_key in the body)
//   POST /v2/change/enqueue            PagerDuty change events
//   POST /api/v1/events                generic event (routing_key in the body or X-Routing-Key)
//   GET  /api/v1/alerts, GET /api/v1/incidents/{id}/alerts
//   GET|POST /api/v1/silences, GET /api/v1/silences/{id}, POST /api/v1/silences/{id}/expire
//   GET|POST /api/v2/silences, GET|DELETE /api/v2/silence/{id}, GET /api/v2/status  (Alertmanager's)
//   GET  /api/v1/changes
#include <algorithm>

#include <boost/url/parse.hpp>
#include <re2/re2.h>

#include "api/server.h"
#include "core/json.h"
#include "core/json_text.h"
#include "core/strings.h"
#include "core/time.h"
#include "ingest/ingest.h"

namespace firebreak::api {

namespace {

json::object OutcomeJson(const engine::IngestOutcome& o) {
  json::object j{{"dedup_key", o.dedup_key}, {"result", o.result}};
  if (o.alert_id) j["alert_id"] = o.alert_id;
  if (!o.incident_id.empty()) j["incident_id"] = o.incident_id;
  if (!o.join_reason.empty()) j["join_reason"] = o.join_reason;
  return j;
}

// PagerDuty's error shape ({"status","message","errors"}) plus Firebreak's {"error":{...}}.
Response PagerDutyFail(const Exchange& ex, const Error& e) {
  Response res = ex.Fail(e);
  json::object err{{"code", ErrorCodeName(e.code)}, {"message", e.message}};
  if (!e.field.empty()) err["field"] = e.field;
  json::array errors;
  errors.emplace_back(e.message);
  json::object body{{"status", e.code == ErrorCode::kInvalidArgument ? "invalid event" : "error"},
                    {"message", e.code == ErrorCode::kInvalidArgument ? "Event object is invalid" : e.message},
                    {"errors", errors},
                    {"error", err}};
  res.body() = core::ToJson(body) + "\n";
  return res;
}

// The routing_key of a parsed body, if it is a string.
std::string RoutingKey(const json::value& v) {
  if (!v.is_object()) return "";
  const auto* k = v.get_object().if_contains("routing_key");
  return k && k->is_string() ? std::string(k->get_string()) : "";
}

Status CheckPagerDutySize(const Exchange& ex) {
  if (ex.req().body().size() > ingest::kPagerDutyMaxBytes)
    return MakeError(ErrorCode::kTooLarge,
                     "request body exceeds PagerDuty's limit of " + std::to_string(ingest::kPagerDutyMaxBytes) +
                         " bytes",
                     "body");
  return Ok();
}

// The webhook's answer, {"status":"success","alerts":N,<result>:<count>...,"incidents":[...]} with
// results and incidents in sorted order, and with `verbose` the per-alert "results" last: the same
// text as serializing that object, written directly (one string instead of a map, a set and a JSON
// tree per request).
std::string WebhookSummary(const std::vector<engine::IngestOutcome>& outcomes, bool verbose) {
  std::vector<std::pair<std::string_view, int64_t>> counts;
  std::vector<std::string_view> incidents;
  for (const auto& o : outcomes) {
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == o.result; });
    if (it == counts.end()) counts.emplace_back(o.result, 1);
    else ++it->second;
    if (!o.incident_id.empty()) incidents.push_back(o.incident_id);
  }
  std::sort(counts.begin(), counts.end());
  std::sort(incidents.begin(), incidents.end());
  incidents.erase(std::unique(incidents.begin(), incidents.end()), incidents.end());
  std::string out;
  out.reserve(64 + 16 * counts.size() + 16 * incidents.size());
  out += R"({"status":"success","alerts":)";
  out += std::to_string(outcomes.size());
  for (const auto& [k, n] : counts) {
    out += ',';
    core::AppendJsonString(out, k);
    out += ':';
    out += std::to_string(n);
  }
  out += R"(,"incidents":[)";
  for (size_t i = 0; i < incidents.size(); ++i) {
    if (i) out += ',';
    core::AppendJsonString(out, incidents[i]);
  }
  out += ']';
  if (verbose) {
    json::array results;
    for (const auto& o : outcomes) results.push_back(OutcomeJson(o));
    out += R"(,"results":)";
    out += json::serialize(results);
  }
  out += '}';
  return out;
}

// The webhook's ?verbose: 1 or true adds the per-alert results; 0, false or none leaves them out.
Result<bool> Verbose(const Exchange& ex) {
  auto it = ex.query.find("verbose");
  if (it == ex.query.end()) return false;
  return app::ParseBool(it->second, "verbose");
}

// The integration key of an Alertmanager-style request and where it came from: Authorization
// (bearer, or a basic-auth password, as Alertmanager's and Prometheus's http_config send), else
// ?key=.
Result<std::pair<std::string, std::string>> IntegrationKey(const Exchange& ex) {
  std::string auth = ex.Header("Authorization");
  if (!auth.empty()) {
    FB_ASSIGN_OR_RETURN(auto key, app::CredentialOf(auth));
    return std::make_pair(std::move(key), std::string("Authorization"));
  }
  auto it = ex.query.find("key");
  if (it == ex.query.end()) return std::make_pair(std::string(), std::string("Authorization"));
  return std::make_pair(it->second, std::string("key"));
}

// ---- Alertmanager's silence API (amtool, Grafana) ----

// A silence in Alertmanager's gettable shape. A silence ended early ends when it was expired, as
// Alertmanager records it.
json::object AmSilenceJson(const model::Silence& s, core::TimePoint now) {
  json::array ms;
  for (const auto& m : s.matchers) {
    bool regex = m.op == model::Matcher::Op::kRegex || m.op == model::Matcher::Op::kNotRegex;
    bool equal = m.op == model::Matcher::Op::kEqual || m.op == model::Matcher::Op::kRegex;
    ms.push_back(json::object{{"name", m.name}, {"value", m.value}, {"isRegex", regex}, {"isEqual", equal}});
  }
  auto ends = s.expired_at ? std::min(*s.expired_at, s.ends_at) : s.ends_at;
  return json::object{{"id", s.id},
                      {"status", json::object{{"state", s.StateAt(now)}}},
                      {"updatedAt", core::FormatRfc3339(s.expired_at.value_or(s.created_at))},
                      {"matchers", ms},
                      {"startsAt", core::FormatRfc3339(s.starts_at)},
                      {"endsAt", core::FormatRfc3339(ends)},
                      {"createdBy", s.created_by},
                      {"comment", s.comment}};
}

// Every value of a query parameter that may repeat (?filter=a&filter=b).
std::vector<std::string> QueryValues(const Exchange& ex, std::string_view key) {
  std::vector<std::string> out;
  auto u = boost::urls::parse_origin_form(ex.req().target());
  if (!u) return out;
  for (auto p : u->params())
    if (p.key == key) out.emplace_back(p.value);
  return out;
}

// ?filter= matchers (repeatable), in Prometheus syntax; errors name `filter`.
Result<std::vector<model::Matcher>> Filters(const Exchange& ex) {
  std::vector<model::Matcher> out;
  for (const auto& f : QueryValues(ex, "filter")) {
    auto m = model::ParseMatcher(core::Trim(f));
    if (!m) return InvalidArgument(m.error().message, "filter");
    if (m->op == model::Matcher::Op::kRegex || m->op == model::Matcher::Op::kNotRegex) {
      re2::RE2 re(m->value, re2::RE2::Quiet);
      if (!re.ok()) return InvalidArgument("invalid regular expression in filter " + model::ToString(*m), "filter");
    }
    out.push_back(std::move(*m));
  }
  return out;
}

// Whether `value` satisfies the filter matcher `f` (regexes match the whole value).
bool FilterMatches(const model::Matcher& f, std::string_view value) {
  switch (f.op) {
    case model::Matcher::Op::kEqual: return value == f.value;
    case model::Matcher::Op::kNotEqual: return value != f.value;
    case model::Matcher::Op::kRegex: return re2::RE2::FullMatch(value, re2::RE2(f.value, re2::RE2::Quiet));
    case model::Matcher::Op::kNotRegex: return !re2::RE2::FullMatch(value, re2::RE2(f.value, re2::RE2::Quiet));
  }
  return false;
}

// Alertmanager's silence filter: every filter matcher names a matcher of the silence and matches
// its value.
bool SilenceMatchesFilter(const model::Silence& s, const std::vector<model::Matcher>& filter) {
  return std::all_of(filter.begin(), filter.end(), [&](const auto& f) {
    auto it = std::find_if(s.matchers.begin(), s.matchers.end(), [&](const auto& m) { return m.name == f.name; });
    return it != s.matchers.end() && FilterMatches(f, it->value);
  });
}

// Alertmanager's alert filter: every filter matcher matches the alert's labels (a missing label is
// the empty value, as in Prometheus).
bool AlertMatchesFilter(const model::Alert& a, const std::vector<model::Matcher>& filter) {
  return std::all_of(filter.begin(), filter.end(), [&](const auto& f) {
    auto it = a.labels.find(f.name);
    return FilterMatches(f, it == a.labels.end() ? std::string_view() : std::string_view(it->second));
  });
}

// An open alert in Alertmanager's gettable shape: silenced and inhibited ones are "suppressed".
json::object AmAlertJson(const model::Alert& a) {
  json::object labels, annotations;
  for (const auto& [k, v] : a.labels) labels[k] = v;
  for (const auto& [k, v] : a.annotations) annotations[k] = v;
  // PagerDuty events and generic events follow no Alertmanager conventions: amtool's Alertname and
  // Summary columns would be blank, so this listing (only; the alert is stored as it came) shows
  // their dedup key as alertname and their summary as annotations.summary when they have none.
  if (a.source == "pagerduty" || a.source == "event") {
    if (!labels.contains("alertname") && !a.dedup_key.empty()) labels["alertname"] = a.dedup_key;
    if (!annotations.contains("summary") && !a.summary.empty()) annotations["summary"] = a.summary;
  }
  json::array silenced_by, inhibited_by;
  if (correlate::Correlator::IsInhibition(a.silence_id)) inhibited_by.emplace_back(a.silence_id);
  else if (!a.silence_id.empty()) silenced_by.emplace_back(a.silence_id);
  json::object out{{"labels", labels},
                   {"annotations", annotations},
                   {"fingerprint", a.dedup_key},
                   {"startsAt", core::FormatRfc3339(a.starts_at)},
                   {"updatedAt", core::FormatRfc3339(a.last_seen)},
                   {"endsAt", "0001-01-01T00:00:00Z"},
                   {"receivers", json::array{json::object{{"name", a.integration}}}},
                   {"status", json::object{{"state", a.silence_id.empty() ? "active" : "suppressed"},
                                           {"silencedBy", silenced_by},
                                           {"inhibitedBy", inhibited_by}}}};
  if (!a.generator_url.empty()) out["generatorURL"] = a.generator_url;
  return out;
}

// The Alertmanager-style batch endpoints (the webhook, /api/v2/alerts): the integration key, then
// ?verbose, then `decode` of the body into events, one engine command for the batch, and the
// webhook's summary as the answer (Alertmanager and Prometheus ignore it).
template <class Decode>
asio::awaitable<Response> IngestBatch(app::App& app, Exchange& ex, std::string source, Decode decode) {
  auto key = IntegrationKey(ex);
  if (!key) co_return ex.Fail(key.error());
  auto integration = app.FindIntegration(key->first, key->second);
  if (!integration) co_return ex.Fail(integration.error());
  auto verbose = Verbose(ex);
  if (!verbose) co_return ex.Fail(verbose.error());
  auto events = decode(std::string_view(ex.req().body()));
  if (!events) co_return ex.Fail(events.error());
  auto req = std::make_shared<engine::IngestRequest>();
  req->integration = std::move(*integration);
  req->source = std::move(source);
  req->events = std::move(*events);
  auto start = [&app, req](auto cb) mutable { app.IngestAlerts(req, std::move(cb)); };
  auto res = co_await Await<engine::IngestResult>(std::move(start));
  if (!res) co_return ex.Fail(res.error());
  co_return ex.JsonText(200, WebhookSummary(res->outcomes, *verbose));
}

json::value AlertsJson(const std::vector<model::Alert>& alerts) {
  json::array arr;
  for (const auto& a : alerts) arr.push_back(model::ToJson(a));
  return arr;
}

}  // namespace

void RegisterAlertRoutes(Server& s) {
  auto& app = s.app();
  auto& r = s.router();

  // ---- Alertmanager webhook ----
  // Straight from the bytes (the single-pass reader; the tree reader for unusual input).
  r.Add(http::verb::post, "/api/v1/alerts/alertmanager", Auth::kCustom,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          auto decode = [](std::string_view body) -> Result<std::vector<model::AlertEvent>> {
            FB_ASSIGN_OR_RETURN(auto hook, ingest::DecodeAlertmanager(body));
            return std::move(hook.alerts);
          };
          auto work = IngestBatch(app, ex, "alertmanager", decode);
          co_return co_await std::move(work);
        });

  // ---- Alertmanager's API, as Prometheus posts to it ----
  // Prometheus (alerting.alertmanagers with this server as the target and the integration key as
  // authorization credentials) sends here directly: no Alertmanager in between. Alertmanager answers
  // 200 with an empty body; Firebreak's answer is the webhook's summary, which Prometheus ignores.
  r.Add(http::verb::post, "/api/v2/alerts", Auth::kCustom, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto decode = [&app](std::string_view body) -> Result<std::vector<model::AlertEvent>> {
      FB_ASSIGN_OR_RETURN(auto posted, ingest::DecodePostableAlerts(body, app.clock().Now(),
                                                                    app.config()->settings.resolve_timeout));
      return std::move(posted.alerts);
    };
    auto work = IngestBatch(app, ex, "prometheus", decode);
    co_return co_await std::move(work);
  });

  // The open alerts in Alertmanager's shape (amtool alert query): ?active=, ?silenced=, ?inhibited=
  // (default true: which states to include), ?filter= label matchers, ?receiver= a regex over the
  // integration's name (an alert's receiver here). Nothing is inhibited or unprocessed.
  r.Add(http::verb::get, "/api/v2/alerts", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto filter = Filters(ex);
    if (!filter) co_return ex.Fail(filter.error());
    bool active = true, silenced = true, inhibited = true;
    for (auto [name, flag] : {std::pair{"active", &active}, std::pair{"silenced", &silenced},
                              std::pair{"inhibited", &inhibited}}) {
      auto it = ex.query.find(name);
      if (it == ex.query.end()) continue;
      auto v = app::ParseBool(it->second, name);
      if (!v) co_return ex.Fail(v.error());
      *flag = *v;
    }
    std::optional<re2::RE2> receiver;
    if (auto it = ex.query.find("receiver"); it != ex.query.end() && !it->second.empty()) {
      receiver.emplace(it->second, re2::RE2::Quiet);
      if (!receiver->ok()) co_return ex.Fail(Error{ErrorCode::kInvalidArgument, "invalid receiver regex", "receiver"});
    }
    store::AlertFilter f;
    f.status = "open";
    f.limit = 100000;
    f.oldest_first = true;
    auto list = app.ListAlerts(*ex.principal, f);
    if (!list) co_return ex.Fail(list.error());
    json::array arr;
    for (const auto& a : *list) {
      const bool shown = a.silence_id.empty()                                    ? active
                         : correlate::Correlator::IsInhibition(a.silence_id) ? inhibited
                                                                             : silenced;
      if (!shown || !AlertMatchesFilter(a, *filter)) continue;
      if (receiver && !re2::RE2::FullMatch(a.integration, *receiver)) continue;
      arr.push_back(AmAlertJson(a));
    }
    co_return ex.Json(200, arr);
  });

  // ---- PagerDuty Events API v2 ----
  r.Add(http::verb::post, "/v2/enqueue", Auth::kCustom, [&app](Exchange& ex) -> asio::awaitable<Response> {
    if (auto st = CheckPagerDutySize(ex); !st) co_return PagerDutyFail(ex, st.error());
    json::monotonic_resource mr;
    auto body = ingest::ParseBody(ex.req().body(), json::storage_ptr(&mr));
    if (!body) co_return PagerDutyFail(ex, body.error());
    auto integration = app.FindIntegration(RoutingKey(*body), "routing_key");
    if (!integration) co_return PagerDutyFail(ex, integration.error());
    auto ev = ingest::DecodePagerDuty(*body);
    if (!ev) co_return PagerDutyFail(ex, ev.error());
    auto req = std::make_shared<engine::IngestRequest>();
    req->integration = std::move(*integration);
    req->source = "pagerduty";
    req->events.push_back(std::move(ev->event));
    auto start = [&app, req](auto cb) mutable { app.IngestAlerts(req, std::move(cb)); };
    auto res = co_await Await<engine::IngestResult>(std::move(start));
    if (!res) co_return PagerDutyFail(ex, res.error());
    const auto& o = res->outcomes.front();
    json::object out = OutcomeJson(o);
    out["status"] = "success";
    out["message"] = "Event processed";
    co_return ex.Json(202, out);
  });

  r.Add(http::verb::post, "/v2/change/enqueue", Auth::kCustom, [&app](Exchange& ex) -> asio::awaitable<Response> {
    if (auto st = CheckPagerDutySize(ex); !st) co_return PagerDutyFail(ex, st.error());
    auto body = ingest::ParseBody(ex.req().body());
    if (!body) co_return PagerDutyFail(ex, body.error());
    auto integration = app.FindIntegration(RoutingKey(*body), "routing_key");
    if (!integration) co_return PagerDutyFail(ex, integration.error());
    auto ch = ingest::DecodePagerDutyChange(*body);
    if (!ch) co_return PagerDutyFail(ex, ch.error());
    auto service = ch->change.labels.count("service") ? ch->change.labels.at("service") : std::string();
    if (!app.config()->FindService(service)) service.clear();  // a label, not a validated field
    auto start = [&app, in = std::move(*integration), c = std::move(ch->change), service](auto cb) mutable {
      app.RecordChange(std::move(in), std::move(c), service, std::move(cb));
    };
    auto res = co_await Await<model::ChangeEvent>(std::move(start));
    if (!res) co_return PagerDutyFail(ex, res.error());
    json::object out{{"status", "success"}, {"message", "Change event processed"}, {"id", res->id},
                     {"service", res->service}};
    co_return ex.Json(202, out);
  });

  // ---- generic events ----
  r.Add(http::verb::post, "/api/v1/events", Auth::kCustom, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ingest::ParseBody(ex.req().body());
    if (!body) co_return ex.Fail(body.error());
    std::string key = RoutingKey(*body);
    std::string field = "routing_key";
    if (key.empty()) {
      key = ex.Header("X-Routing-Key");
      field = "X-Routing-Key";
    }
    auto integration = app.FindIntegration(key, field);
    if (!integration) co_return ex.Fail(integration.error());
    auto ev = ingest::DecodeGeneric(*body);
    if (!ev) co_return ex.Fail(ev.error());
    if (!ev->service.empty() && !app.config()->FindService(ev->service)) {
      Error err{ErrorCode::kInvalidArgument, "unknown service '" + core::Truncate(ev->service, 64) + "'", "service"};
      co_return ex.Fail(err);
    }
    if (ev->is_change) {
      auto start = [&app, in = std::move(*integration), c = std::move(ev->change), svc = ev->service](auto cb) mutable {
        app.RecordChange(std::move(in), std::move(c), svc, std::move(cb));
      };
      auto res = co_await Await<model::ChangeEvent>(std::move(start));
      if (!res) co_return ex.Fail(res.error());
      json::object out{{"status", "success"}, {"change", model::ToJson(*res)}};
      co_return ex.Json(202, out);
    }
    auto req = std::make_shared<engine::IngestRequest>();
    req->integration = std::move(*integration);
    req->source = "event";
    req->events.push_back(std::move(ev->alert));
    auto start = [&app, req](auto cb) mutable { app.IngestAlerts(req, std::move(cb)); };
    auto res = co_await Await<engine::IngestResult>(std::move(start));
    if (!res) co_return ex.Fail(res.error());
    json::object out = OutcomeJson(res->outcomes.front());
    out["status"] = "success";
    co_return ex.Json(202, out);
  });

  // ---- queries ----
  r.Add(http::verb::get, "/api/v1/alerts", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto f = app::DecodeAlertFilter(ex.query);
    if (!f) co_return ex.Fail(f.error());
    auto list = app.ListAlerts(*ex.principal, *f);
    if (!list) co_return ex.Fail(list.error());
    json::object out{{"alerts", AlertsJson(*list)}};
    if (static_cast<int>(list->size()) == f->limit && !list->empty()) out["next_before"] = list->back().id;
    co_return ex.Json(200, out);
  });

  r.Add(http::verb::get, "/api/v1/incidents/{id}/alerts", Auth::kRead,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          auto list = app.IncidentAlerts(*ex.principal, ex.Param("id"));
          if (!list) co_return ex.Fail(list.error());
          json::object out{{"incident_id", ex.Param("id")}, {"alerts", AlertsJson(*list)}};
          co_return ex.Json(200, out);
        });

  // GET /api/v1/changes lives with the analysis routes (a list, or ranked against an incident).

  // ---- silences ----
  r.Add(http::verb::get, "/api/v1/silences", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto state = app::DecodeSilenceState(ex.query);
    if (!state) co_return ex.Fail(state.error());
    auto list = app.ListSilences(*ex.principal, *state);
    if (!list) co_return ex.Fail(list.error());
    auto now = app.clock().Now();
    json::array arr;
    for (const auto& s : *list) arr.push_back(model::ToJson(s, now));
    json::object out{{"silences", arr}};
    co_return ex.Json(200, out);
  });

  r.Add(http::verb::get, "/api/v1/silences/{id}", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto s = app.GetSilence(*ex.principal, ex.Param("id"));
    if (!s) co_return ex.Fail(s.error());
    co_return ex.Json(200, model::ToJson(*s, app.clock().Now()));
  });

  r.Add(http::verb::post, "/api/v1/silences", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto spec = app::DecodeSilence(*body);
    if (!spec) co_return ex.Fail(spec.error());
    auto p = *ex.principal;
    auto start = [&app, p, spec = std::move(*spec)](auto cb) mutable { app.CreateSilence(p, std::move(spec), std::move(cb)); };
    auto res = co_await Await<model::Silence>(std::move(start));
    if (!res) co_return ex.Fail(res.error());
    co_return ex.Json(201, model::ToJson(*res, app.clock().Now()));
  });

  // Alertmanager's silence API, so amtool, Grafana and scripts written for Alertmanager work
  // unchanged (authenticated by a Firebreak token as bearer credentials).
  r.Add(http::verb::get, "/api/v2/silences", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto filter = Filters(ex);
    if (!filter) co_return ex.Fail(filter.error());
    auto list = app.ListSilences(*ex.principal, std::string("all"));
    if (!list) co_return ex.Fail(list.error());
    auto now = app.clock().Now();
    json::array arr;
    for (const auto& s : *list)
      if (SilenceMatchesFilter(s, *filter)) arr.push_back(AmSilenceJson(s, now));
    co_return ex.Json(200, arr);
  });

  r.Add(http::verb::get, "/api/v2/silence/{id}", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto s = app.GetSilence(*ex.principal, ex.Param("id"));
    if (!s) co_return ex.Fail(s.error());
    co_return ex.Json(200, AmSilenceJson(*s, app.clock().Now()));
  });

  r.Add(http::verb::post, "/api/v2/silences", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto body = ex.JsonBody();
    if (!body) co_return ex.Fail(body.error());
    auto req = app::DecodeAmSilence(*body, app.clock().Now());
    if (!req) co_return ex.Fail(req.error());
    auto p = *ex.principal;
    bool replacing = false;
    if (!req->replaces.empty()) {
      auto old = app.GetSilence(p, req->replaces);
      if (!old) co_return ex.Fail(old.error());
      replacing = old->StateAt(app.clock().Now()) != "expired";
    }
    // Alertmanager's update: the new silence (with a new id) takes over, then the old one ends. In
    // that order, a refused update leaves the old silence as it was, and the alerts it covers are
    // never out of a silence in between (which would page for them).
    auto start = [&app, p, spec = std::move(req->spec)](auto cb) mutable { app.CreateSilence(p, std::move(spec), std::move(cb)); };
    auto res = co_await Await<model::Silence>(std::move(start));
    if (!res) {
      Error e = res.error();
      // Alertmanager's field names, as the request spelt them.
      if (e.field == "ends_at") e.field = "endsAt";
      else if (e.field == "starts_at") e.field = "startsAt";
      co_return ex.Fail(e);
    }
    if (replacing) {
      auto expire = [&app, p, id = req->replaces](auto cb) mutable { app.ExpireSilence(p, id, std::move(cb)); };
      auto done = co_await Await<model::Silence>(std::move(expire));
      // Ended meanwhile (its own end, another client): the new silence stands either way.
      if (!done && done.error().code != ErrorCode::kFailedPrecondition) co_return ex.Fail(done.error());
    }
    json::object out{{"silenceID", res->id}};
    co_return ex.Json(200, out);
  });

  r.Add(http::verb::delete_, "/api/v2/silence/{id}", Auth::kWrite, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto p = *ex.principal;
    auto start = [&app, p, id = ex.Param("id")](auto cb) mutable { app.ExpireSilence(p, id, std::move(cb)); };
    auto res = co_await Await<model::Silence>(std::move(start));
    if (!res) co_return ex.Fail(res.error());
    co_return ex.Json(200, AmSilenceJson(*res, app.clock().Now()));
  });

  // ---- heartbeats (dead man's switches) ----
  r.Add(http::verb::get, "/api/v1/heartbeats", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto list = app.ListHeartbeats(*ex.principal);
    if (!list) co_return ex.Fail(list.error());
    json::array arr;
    for (const auto& h : *list) arr.push_back(app::HeartbeatJson(h));
    co_return ex.Json(200, json::object{{"heartbeats", std::move(arr)}});
  });

  // ---- maintenance windows (config: recurring silences) ----
  r.Add(http::verb::get, "/api/v1/maintenance", Auth::kRead, [&app](Exchange& ex) -> asio::awaitable<Response> {
    auto list = app.ListMaintenanceWindows(*ex.principal);
    if (!list) co_return ex.Fail(list.error());
    json::array arr;
    for (const auto& m : *list) arr.push_back(app::MaintenanceJson(m));
    co_return ex.Json(200, json::object{{"windows", std::move(arr)}});
  });

  // A ping, from a sender with an integration key (Authorization, or ?key= for a one-line cron
  // `curl -X POST`) or a person's or agent's token with write.
  r.Add(http::verb::post, "/api/v1/heartbeats/{id}/ping", Auth::kCustom,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          auto key = IntegrationKey(ex);
          if (!key) co_return ex.Fail(key.error());
          auto sender = app.AuthenticateSender(key->first, key->second);
          if (!sender) co_return ex.Fail(sender.error());
          std::optional<std::string> integration;
          std::string via;
          if (!sender->integration.empty()) {
            integration = via = sender->integration;
          } else {
            const auto& p = sender->principal;
            via = "token:" + (p.person.empty() ? p.token_id : p.person);
          }
          auto start = [&app, id = ex.Param("id"), via, integration](auto cb) mutable {
            app.PingHeartbeat(id, via, integration, std::move(cb));
          };
          auto res = co_await Await<engine::HeartbeatStatus>(std::move(start));
          if (!res) co_return ex.Fail(res.error());
          co_return ex.Json(200, app::HeartbeatJson(*res));
        });

  // Alertmanager's status, for clients that check the version before they talk (amtool). The
  // version is the Alertmanager API level this server implements (Debian bookworm's 0.25, whose
  // amtool then talks without a warning on every command); Firebreak's own is in `revision`.
  r.Add(http::verb::get, "/api/v2/status", Auth::kRead,
        [&app, started = app.clock().Now()](Exchange& ex) -> asio::awaitable<Response> {
          json::object version{{"version", "0.25.0"}, {"branch", "firebreak"}, {"revision", FIREBREAK_VERSION},
                               {"buildUser", ""},     {"buildDate", ""},        {"goVersion", ""}};
          json::object out{{"cluster", json::object{{"status", "disabled"}, {"peers", json::array{}}}},
                           {"config", json::object{{"original", ""}}},
                           {"uptime", core::FormatRfc3339(started)},
                           {"versionInfo", version}};
          co_return ex.Json(200, out);
        });

  r.Add(http::verb::post, "/api/v1/silences/{id}/expire", Auth::kWrite,
        [&app](Exchange& ex) -> asio::awaitable<Response> {
          if (auto ok = ex.NoBody(); !ok) co_return ex.Fail(ok.error());
          auto p = *ex.principal;
          auto start = [&app, p, id = ex.Param("id")](auto cb) mutable { app.ExpireSilence(p, id, std::move(cb)); };
          auto res = co_await Await<model::Silence>(std::move(start));
          if (!res) co_return ex.Fail(res.error());
          co_return ex.Json(200, model::ToJson(*res, app.clock().Now()));
        });
}

}  // namespace firebreak::api
