#include "config/loader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <date/tz.h>
#include <kainjow/mustache.hpp>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include "core/crypto.h"
#include "core/strings.h"
#include "core/time.h"
#include "model/matcher_scope.h"

namespace firebreak::config {
namespace {

using model::SourceLoc;
constexpr size_t kMaxFileBytes = 4 << 20;

// A YAML scalar as the JSON value YAML's core schema reads it: a plain (unquoted) true/false, null,
// integer or finite number is that; anything else, and anything quoted, is a string.
boost::json::value TypedScalar(const YAML::Node& y) {
  const std::string& s = y.Scalar();
  if (y.Tag() != "?") return boost::json::value(s);  // quoted or explicitly tagged
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "null" || s == "Null" || s == "NULL" || s == "~") return nullptr;
  const char* end = s.data() + s.size();
  int64_t i = 0;
  if (auto r = std::from_chars(s.data(), end, i); r.ec == std::errc() && r.ptr == end) return i;
  double d = 0;
  const bool numeric = !s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '.');
  if (auto r = std::from_chars(s.data(), end, d); numeric && r.ec == std::errc() && r.ptr == end && std::isfinite(d))
    return d;
  return boost::json::value(s);
}

// A node that tests false (`!n`), standing for an absent key.
YAML::Node Missing() {
  const YAML::Node m(YAML::NodeType::Map);
  return m["\x01missing"];
}

SourceLoc LocOf(const std::string& file, const YAML::Node& n) {
  if (!n.IsDefined()) return SourceLoc{file, 0, 0};
  const auto m = n.Mark();
  if (m.line < 0) return SourceLoc{file, 0, 0};
  return SourceLoc{file, m.line + 1, m.column + 1};
}

// Where settings that name something defined elsewhere (perhaps in a later file) were written, for
// Link's errors; the Config keeps only the values.
struct Places {
  SourceLoc default_escalation_policy;
  std::map<std::string, SourceLoc> prometheus_services;
};

// Decoding context for one file.
struct Ctx {
  Diagnostics& diags;
  std::string file;
  Places& places;
};

// Reads a YAML mapping, remembering which keys were used so the rest can be reported.
class MapReader {
 public:
  MapReader(Ctx& ctx, const YAML::Node& node, std::string item)
      : ctx_(ctx), node_(node), item_(std::move(item)) {
    ok_ = node.IsMap();
    if (!ok_) {
      Err(node, "invalid-type", "expected a mapping");
    } else {
      std::set<std::string> seen;
      for (const auto& kv : node) {
        std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
        if (!seen.insert(k).second)
          Err(kv.first, "duplicate-key", "key '" + k + "' appears more than once");
      }
    }
  }
  bool ok() const { return ok_; }
  const std::string& item() const { return item_; }
  SourceLoc Loc() const { return LocOf(ctx_.file, node_); }
  SourceLoc LocOfKey(const std::string& key) const {
    if (!ok_) return Loc();
    for (const auto& kv : node_)
      if (kv.first.IsScalar() && kv.first.Scalar() == key) return LocOf(ctx_.file, kv.second);
    return Loc();
  }

  YAML::Node Get(const std::string& key, bool required) {
    used_.insert(key);
    if (!ok_) return Missing();
    // (yaml-cpp's Node::operator= assigns content, not identity: copy-construct instead.)
    for (const auto& kv : node_) {
      if (!kv.first.IsScalar() || kv.first.Scalar() != key) continue;
      if (kv.second.IsDefined() && !kv.second.IsNull()) return YAML::Node(kv.second);
      break;
    }
    if (required) Err(node_, "missing-field", "missing required field '" + key + "'");
    return Missing();
  }

  std::optional<std::string> Str(const std::string& key, bool required = false) {
    auto v = Get(key, required);
    if (!v) return std::nullopt;
    if (!v.IsScalar()) {
      Err(v, "invalid-type", "field '" + key + "' must be a string");
      return std::nullopt;
    }
    return v.Scalar();
  }
  std::string StrOr(const std::string& key, std::string def) { return Str(key).value_or(std::move(def)); }

  std::optional<int64_t> Int(const std::string& key, bool required = false) {
    auto v = Get(key, required);
    if (!v) return std::nullopt;
    try {
      if (v.IsScalar()) return v.as<int64_t>();
    } catch (const YAML::Exception&) {
    }
    Err(v, "invalid-type", "field '" + key + "' must be an integer");
    return std::nullopt;
  }
  std::optional<double> Num(const std::string& key, bool required = false) {
    auto v = Get(key, required);
    if (!v) return std::nullopt;
    try {
      if (v.IsScalar()) return v.as<double>();
    } catch (const YAML::Exception&) {
    }
    Err(v, "invalid-type", "field '" + key + "' must be a number");
    return std::nullopt;
  }
  std::optional<bool> Bool(const std::string& key, bool required = false) {
    auto v = Get(key, required);
    if (!v) return std::nullopt;
    try {
      if (v.IsScalar()) return v.as<bool>();
    } catch (const YAML::Exception&) {
    }
    Err(v, "invalid-type", "field '" + key + "' must be true or false");
    return std::nullopt;
  }
  std::optional<core::Millis> Duration(const std::string& key, bool required = false) {
    auto v = Get(key, required);
    if (!v) return std::nullopt;
    if (!v.IsScalar()) {
      Err(v, "invalid-type", "field '" + key + "' must be a duration like 5m");
      return std::nullopt;
    }
    auto d = core::ParseDuration(v.Scalar());
    if (!d) {
      Err(v, "invalid-duration", "field '" + key + "': " + d.error().message);
      return std::nullopt;
    }
    // No setting runs backwards in time: a negative window, delay or SLA would quietly turn its
    // feature off (or on at once).
    if (d->count() < 0) {
      Err(v, "invalid-value", "field '" + key + "' must not be negative");
      return std::nullopt;
    }
    return *d;
  }
  std::vector<std::string> StrList(const std::string& key, bool required = false) {
    std::vector<std::string> out;
    auto v = Get(key, required);
    if (!v) return out;
    if (v.IsScalar()) {  // a single string is a one-element list
      out.push_back(v.Scalar());
      return out;
    }
    if (!v.IsSequence()) {
      Err(v, "invalid-type", "field '" + key + "' must be a list of strings");
      return out;
    }
    for (const auto& e : v) {
      if (!e.IsScalar()) {
        Err(e, "invalid-type", "entries of '" + key + "' must be strings");
        continue;
      }
      out.push_back(e.Scalar());
    }
    return out;
  }
  std::map<std::string, std::string> StrMap(const std::string& key) {
    std::map<std::string, std::string> out;
    auto v = Get(key, false);
    if (!v) return out;
    if (!v.IsMap()) {
      Err(v, "invalid-type", "field '" + key + "' must be a mapping of strings");
      return out;
    }
    for (const auto& kv : v) {
      if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
        Err(kv.first, "invalid-type", "entries of '" + key + "' must be string: string");
        continue;
      }
      out[kv.first.Scalar()] = kv.second.Scalar();
    }
    return out;
  }
  // Sequence of mappings; calls fn(node, index).
  void ForEach(const std::string& key, const std::function<void(const YAML::Node&, size_t)>& fn,
               bool required = false) {
    auto v = Get(key, required);
    if (!v) return;
    if (!v.IsSequence()) {
      Err(v, "invalid-type", "field '" + key + "' must be a list");
      return;
    }
    size_t i = 0;
    for (const auto& e : v) fn(e, i++);
  }

  // Reports keys that were never read.
  void Finish() {
    if (!ok_) return;
    for (const auto& kv : node_) {
      if (!kv.first.IsScalar()) continue;
      if (!used_.count(kv.first.Scalar()))
        ctx_.diags.Warning(LocOf(ctx_.file, kv.first), "unknown-key",
                           Prefix() + "unknown key '" + kv.first.Scalar() + "' (ignored)");
    }
  }

  void Err(const YAML::Node& at, std::string code, std::string msg) {
    ctx_.diags.Error(LocOf(ctx_.file, at), std::move(code), Prefix() + msg);
  }
  std::string Prefix() const { return item_.empty() ? "" : "in " + item_ + ": "; }

 private:
  Ctx& ctx_;
  YAML::Node node_;
  std::string item_;
  bool ok_ = false;
  std::set<std::string> used_;
};

std::string ItemName(const std::string& kind, const std::string& id) {
  return kind + " '" + id + "'";
}

bool ValidId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  }
  return true;
}

std::optional<std::string> ReadId(MapReader& r, Ctx& ctx, const std::string& field = "id") {
  auto id = r.Str(field, true);
  if (id && !ValidId(*id)) {
    ctx.diags.Error(r.LocOfKey(field), "invalid-id",
                    r.Prefix() + "'" + *id + "' is not a valid id (letters, digits, - _ .)");
    return std::nullopt;
  }
  return id;
}

bool ValidTimezone(const std::string& tz) {
  try {
    (void)date::locate_zone(tz);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// "09:00" -> minutes; -1 if invalid.
int ParseClock(const std::string& s) {
  if (s.size() != 5 || s[2] != ':') return -1;
  if (!std::isdigit(static_cast<unsigned char>(s[0])) || !std::isdigit(static_cast<unsigned char>(s[1])) ||
      !std::isdigit(static_cast<unsigned char>(s[3])) || !std::isdigit(static_cast<unsigned char>(s[4])))
    return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (s == "24:00") return 24 * 60;
  if (h > 23 || m > 59) return -1;
  return h * 60 + m;
}

int ParseWeekday(const std::string& s) {
  static const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  std::string l = core::ToLower(s).substr(0, 3);
  for (int i = 0; i < 7; ++i)
    if (l == kDays[i]) return i;
  return -1;
}

std::optional<model::Severity> ReadSeverity(MapReader& r, Ctx& ctx, const std::string& key,
                                            bool required) {
  auto s = r.Str(key, required);
  if (!s) return std::nullopt;
  auto sev = model::ParseSeverity(*s);
  if (!sev) {
    ctx.diags.Error(r.LocOfKey(key), "invalid-severity", r.Prefix() + sev.error().message);
    return std::nullopt;
  }
  return *sev;
}

std::vector<model::Severity> ReadSeverityList(MapReader& r, Ctx& ctx, const std::string& key) {
  std::vector<model::Severity> out;
  for (const auto& s : r.StrList(key)) {
    auto sev = model::ParseSeverity(s);
    if (!sev) {
      ctx.diags.Error(r.LocOfKey(key), "invalid-severity", r.Prefix() + sev.error().message);
      continue;
    }
    out.push_back(*sev);
  }
  return out;
}

// ---- decode stage ---------------------------------------------------------------------------

void DecodeService(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "service");
  if (!r.ok()) return;
  model::Service s;
  s.loc = r.Loc();
  auto id = ReadId(r, ctx);
  if (!id) return;
  s.id = *id;
  MapReader rr(ctx, n, ItemName("service", s.id));
  rr.Get("id", false);
  s.name = rr.StrOr("name", s.id);
  s.description = rr.StrOr("description", "");
  s.team = rr.StrOr("team", "");
  if (auto t = rr.Int("tier")) {
    if (*t < 0 || *t > 4) rr.Err(rr.Get("tier", false), "invalid-value", "tier must be 0..4");
    else s.tier = static_cast<int>(*t);
  }
  s.customer_facing = rr.Bool("customer_facing").value_or(false);
  s.escalation_policy = rr.StrOr("escalation_policy", "");
  // Keys as the severity's canonical name: sev0 and SEV0 are the same severity (lookups use SEV0).
  for (const auto& [k, v] : rr.StrMap("escalation_by_severity")) {
    auto sev = model::ParseSeverity(k);
    if (!sev) {
      rr.Err(rr.Get("escalation_by_severity", false), "invalid-severity",
             "escalation_by_severity key '" + k + "' is not SEV0..SEV4");
      continue;
    }
    if (!s.escalation_by_severity.emplace(std::string(model::SeverityName(*sev)), v).second)
      rr.Err(rr.Get("escalation_by_severity", false), "duplicate-key",
             "escalation_by_severity names " + std::string(model::SeverityName(*sev)) + " twice");
  }
  s.labels = rr.StrMap("labels");
  rr.ForEach("dependencies", [&](const YAML::Node& d, size_t) {
    model::Dependency dep;
    dep.loc = LocOf(ctx.file, d);
    if (d.IsScalar()) {
      dep.service = d.Scalar();
    } else {
      MapReader dr(ctx, d, "dependency of service '" + s.id + "'");
      if (!dr.ok()) return;
      dep.service = dr.Str("service", true).value_or("");
      auto kind = dr.StrOr("kind", "hard");
      if (kind == "soft") dep.kind = model::DependencyKind::kSoft;
      else if (kind != "hard")
        dr.Err(dr.Get("kind", false), "invalid-value", "kind must be 'hard' or 'soft'");
      if (auto w = dr.Num("weight")) {
        if (!(*w > 0) || !std::isfinite(*w)) dr.Err(dr.Get("weight", false), "invalid-value", "weight must be a positive number");
        else dep.weight = *w;
      }
      if (auto rps = dr.Num("rps")) {
        if (!(*rps >= 0) || !std::isfinite(*rps)) dr.Err(dr.Get("rps", false), "invalid-value", "rps must not be negative");
        else dep.rps = *rps;
      }
      dr.Finish();
    }
    if (!dep.service.empty()) s.dependencies.push_back(dep);
  });
  if (auto c = rr.Get("capacity", false)) {
    MapReader cr(ctx, c, "capacity of service '" + s.id + "'");
    if (cr.ok()) {
      s.capacity.rps_per_replica = cr.Num("rps_per_replica").value_or(0);
      s.capacity.replicas = static_cast<int>(cr.Int("replicas").value_or(0));
      s.capacity.zones = cr.StrList("zones");
      s.capacity.load_rps = cr.Num("load_rps").value_or(0);
      if (!(s.capacity.rps_per_replica >= 0) || s.capacity.replicas < 0 || !(s.capacity.load_rps >= 0) ||
          !std::isfinite(s.capacity.rps_per_replica) || !std::isfinite(s.capacity.load_rps))
        cr.Err(c, "invalid-value", "capacity values must not be negative");
      if (s.capacity.replicas > 1'000'000) cr.Err(cr.Get("replicas", false), "invalid-value", "replicas must be at most 1000000");
      if (auto cc = cr.Int("concurrency")) {
        if (*cc < 1 || *cc > 100'000) cr.Err(cr.Get("concurrency", false), "invalid-value", "concurrency must be 1..100000");
        else s.capacity.concurrency = static_cast<int>(*cc);
      }
      if (auto mu = cr.Num("max_utilization")) {
        if (!(*mu > 0 && *mu <= 10)) cr.Err(cr.Get("max_utilization", false), "invalid-value", "max_utilization must be in (0, 10]");
        else s.capacity.max_utilization = *mu;
      }
      s.capacity.sheddable = cr.Bool("sheddable").value_or(true);
      std::set<std::string> zs;
      for (const auto& z : s.capacity.zones)
        if (!zs.insert(z).second) cr.Err(cr.Get("zones", false), "duplicate-zone", "zone '" + z + "' is listed twice");
      cr.Finish();
    }
  }
  rr.Finish();
  cfg.services.push_back(std::move(s));
}

void DecodePerson(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "person");
  if (!r.ok()) return;
  auto id = ReadId(r, ctx);
  if (!id) return;
  MapReader rr(ctx, n, ItemName("person", *id));
  rr.Get("id", false);
  model::Person p;
  p.loc = rr.Loc();
  p.id = *id;
  p.name = rr.StrOr("name", p.id);
  p.email = rr.StrOr("email", "");
  p.title = rr.StrOr("title", "");
  p.timezone = rr.StrOr("timezone", "UTC");
  if (!ValidTimezone(p.timezone))
    ctx.diags.Error(rr.LocOfKey("timezone"), "invalid-timezone",
                    rr.Prefix() + "unknown time zone '" + p.timezone + "'");
  rr.ForEach("contacts", [&](const YAML::Node& c, size_t) {
    MapReader cr(ctx, c, "contact of person '" + p.id + "'");
    if (!cr.ok()) return;
    model::ContactMethod m;
    m.type = cr.Str("type", true).value_or("");
    m.address = cr.Str("address", true).value_or("");
    m.channel = cr.StrOr("channel", "");
    if (m.address.size() > 2048) cr.Err(cr.Get("address", false), "invalid-value", "address is too long");
    static const std::set<std::string> kTypes = {"email", "phone", "sms", "slack", "webhook", "command"};
    if (!m.type.empty() && !kTypes.count(m.type))
      cr.Err(cr.Get("type", false), "invalid-value",
             "contact type '" + m.type + "' is not one of email, phone, sms, slack, webhook, command");
    cr.Finish();
    p.contacts.push_back(std::move(m));
  });
  if (!p.email.empty() &&
      std::none_of(p.contacts.begin(), p.contacts.end(), [](auto& c) { return c.type == "email"; }))
    p.contacts.insert(p.contacts.begin(), model::ContactMethod{"email", p.email});
  p.handoff_notices = rr.Bool("handoff_notices").value_or(true);
  rr.ForEach("notification_rules", [&](const YAML::Node& rn, size_t i) {
    MapReader nr(ctx, rn, "notification rule " + std::to_string(i + 1) + " of person '" + p.id + "'");
    if (!nr.ok()) return;
    model::NotificationRule rule;
    rule.loc = nr.Loc();
    rule.after = nr.Duration("after").value_or(core::Millis(0));
    if (rule.after > std::chrono::hours(24))
      nr.Err(nr.Get("after", false), "invalid-value", "after must be at most 24h");
    rule.contact = nr.Str("contact", true).value_or("");
    if (!rule.contact.empty() &&
        std::none_of(p.contacts.begin(), p.contacts.end(), [&](auto& c) { return c.type == rule.contact; })) {
      std::vector<std::string> have;
      for (const auto& c : p.contacts)
        if (std::find(have.begin(), have.end(), c.type) == have.end()) have.push_back(c.type);
      nr.Err(nr.Get("contact", false), "invalid-value",
             "'" + p.id + "' has no " + rule.contact + " contact method (they have: " +
                 (have.empty() ? std::string("none") : core::Join(have, ", ")) + ")");
    }
    rule.severities = ReadSeverityList(nr, ctx, "severities");
    for (size_t j = 0; j < p.notification_rules.size(); ++j) {
      const auto& o = p.notification_rules[j];
      if (o.contact != rule.contact || o.after != rule.after) continue;
      if (std::any_of(model::kAllSeverities.begin(), model::kAllSeverities.end(),
                      [&](model::Severity sev) { return o.AppliesTo(sev) && rule.AppliesTo(sev); })) {
        nr.Err(rn, "duplicate-rule", "repeats notification rule " + std::to_string(j + 1) + " (" + rule.contact +
                                         " after " + core::FormatDuration(rule.after) + ")");
        break;
      }
    }
    nr.Finish();
    p.notification_rules.push_back(std::move(rule));
  });
  // Rules that say nothing at once for a severity delay every page of that severity to them.
  std::vector<std::string> late;
  for (auto sev : model::kAllSeverities) {
    std::optional<core::Millis> first;
    for (const auto& rule : p.notification_rules)
      if (rule.AppliesTo(sev))
        first = first ? std::min(*first, rule.after) : rule.after;
    if (first && first->count() > 0)
      late.push_back(std::string(model::SeverityName(sev)) + " after " + core::FormatDuration(*first));
  }
  if (!late.empty())
    ctx.diags.Warning(rr.LocOfKey("notification_rules"), "delayed-notification",
                      rr.Prefix() + "no notification rule reaches '" + p.id + "' at once: pages reach them " +
                          core::Join(late, ", ") + " at the earliest");
  rr.Finish();
  cfg.people.push_back(std::move(p));
}

void DecodeTeam(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "team");
  if (!r.ok()) return;
  auto id = ReadId(r, ctx);
  if (!id) return;
  MapReader rr(ctx, n, ItemName("team", *id));
  rr.Get("id", false);
  model::Team t;
  t.loc = rr.Loc();
  t.id = *id;
  t.name = rr.StrOr("name", t.id);
  t.members = rr.StrList("members");
  t.lead = rr.StrOr("lead", "");
  t.escalation_policy = rr.StrOr("escalation_policy", "");
  rr.Finish();
  cfg.teams.push_back(std::move(t));
}

void DecodeSchedule(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "schedule");
  if (!r.ok()) return;
  auto id = ReadId(r, ctx);
  if (!id) return;
  MapReader rr(ctx, n, ItemName("schedule", *id));
  rr.Get("id", false);
  model::Schedule s;
  s.loc = rr.Loc();
  s.id = *id;
  s.name = rr.StrOr("name", s.id);
  s.timezone = rr.StrOr("timezone", "UTC");
  if (!ValidTimezone(s.timezone))
    ctx.diags.Error(rr.LocOfKey("timezone"), "invalid-timezone",
                    rr.Prefix() + "unknown time zone '" + s.timezone + "'");
  rr.ForEach("layers", [&](const YAML::Node& ln, size_t i) {
    MapReader lr(ctx, ln, "layer " + std::to_string(i + 1) + " of schedule '" + s.id + "'");
    if (!lr.ok()) return;
    model::Layer l;
    l.name = lr.StrOr("name", "layer-" + std::to_string(i + 1));
    l.rotation = lr.StrOr("rotation", "weekly");
    if (l.rotation == "daily") l.shift_length = std::chrono::hours(24);
    else if (l.rotation == "weekly") l.shift_length = std::chrono::hours(24 * 7);
    else if (l.rotation == "custom") {
      auto len = lr.Duration("shift_length", true);
      if (len) {
        if (len->count() < 60'000) lr.Err(lr.Get("shift_length", false), "invalid-value", "shift_length must be at least 1m");
        else l.shift_length = *len;
      }
    } else {
      lr.Err(lr.Get("rotation", false), "invalid-value", "rotation must be daily, weekly or custom");
    }
    if (l.rotation != "custom") lr.Get("shift_length", false);
    l.start_date = lr.Str("start", true).value_or("");
    if (!l.start_date.empty() && !core::ParseRfc3339(l.start_date + "T00:00:00Z"))
      lr.Err(lr.Get("start", false), "invalid-value", "start must be a date YYYY-MM-DD");
    auto handoff = lr.StrOr("handoff", "09:00");
    l.handoff_minute = ParseClock(handoff);
    if (l.handoff_minute < 0 || l.handoff_minute >= 24 * 60) {
      lr.Err(lr.Get("handoff", false), "invalid-value", "handoff must be a time HH:MM");
      l.handoff_minute = 0;
    }
    l.timezone = lr.StrOr("timezone", s.timezone);
    // A zone inherited from the schedule was checked (and reported) there.
    if (lr.Get("timezone", false) && !ValidTimezone(l.timezone))
      lr.Err(lr.Get("timezone", false), "invalid-timezone", "unknown time zone '" + l.timezone + "'");
    l.members = lr.StrList("members", true);
    if (l.members.empty() && lr.Get("members", false))
      lr.Err(lr.Get("members", false), "invalid-value", "a layer needs at least one member");
    lr.ForEach("restrictions", [&](const YAML::Node& rn, size_t) {
      MapReader xr(ctx, rn, "restriction of schedule '" + s.id + "'");
      if (!xr.ok()) return;
      model::Restriction x;
      for (const auto& d : xr.StrList("days")) {
        std::string dl = core::ToLower(d);
        if (dl == "weekdays") {
          for (int k = 0; k < 5; ++k) x.weekdays.push_back(k);
        } else if (dl == "weekends") {
          x.weekdays.push_back(5);
          x.weekdays.push_back(6);
        } else if (int w = ParseWeekday(d); w >= 0) {
          x.weekdays.push_back(w);
        } else {
          xr.Err(xr.Get("days", false), "invalid-value", "unknown day '" + d + "'");
        }
      }
      x.start_minute = ParseClock(xr.StrOr("start", "00:00"));
      x.end_minute = ParseClock(xr.StrOr("end", "24:00"));
      if (x.start_minute < 0 || x.end_minute < 0)
        xr.Err(rn, "invalid-value", "restriction start/end must be times HH:MM");
      xr.Finish();
      l.restrictions.push_back(std::move(x));
    });
    lr.Finish();
    s.layers.push_back(std::move(l));
  }, true);
  rr.ForEach("overrides", [&](const YAML::Node& on, size_t) {
    MapReader orr(ctx, on, "override of schedule '" + s.id + "'");
    if (!orr.ok()) return;
    model::Override o;
    o.person = orr.Str("person", true).value_or("");
    o.replaces = orr.StrOr("replaces", "");
    auto st = orr.Str("start", true), en = orr.Str("end", true);
    if (st && en) {
      auto a = core::ParseRfc3339(*st), b = core::ParseRfc3339(*en);
      if (!a || !b) orr.Err(on, "invalid-value", "override start/end must be RFC 3339 timestamps");
      else if (*b <= *a) orr.Err(on, "invalid-value", "override end must be after its start");
      else {
        o.start = *a;
        o.end = *b;
      }
    }
    orr.Finish();
    s.overrides.push_back(std::move(o));
  });
  rr.Finish();
  cfg.schedules.push_back(std::move(s));
}

void DecodePolicy(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "escalation policy");
  if (!r.ok()) return;
  auto id = ReadId(r, ctx);
  if (!id) return;
  MapReader rr(ctx, n, ItemName("policy", *id));
  rr.Get("id", false);
  model::EscalationPolicy p;
  p.loc = rr.Loc();
  p.id = *id;
  p.name = rr.StrOr("name", p.id);
  if (auto rep = rr.Int("repeat")) {
    if (*rep < 0 || *rep > 100) rr.Err(rr.Get("repeat", false), "invalid-value", "repeat must be 0..100");
    else p.repeat = static_cast<int>(*rep);
  }
  if (auto ra = rr.Duration("repeat_after")) {
    if (ra->count() <= 0) rr.Err(rr.Get("repeat_after", false), "invalid-value", "repeat_after must be positive");
    else p.repeat_after = *ra;
  }
  if (auto at = rr.Duration("ack_timeout")) {
    if (*at < std::chrono::minutes(1) || *at > std::chrono::hours(24 * 7))
      rr.Err(rr.Get("ack_timeout", false), "invalid-value", "ack_timeout must be between 1m and 7d (leave it out for never)");
    else p.ack_timeout = *at;
  }
  p.support_hours = rr.StrOr("support_hours", "");
  if (rr.Get("low_urgency", false)) {
    p.low_urgency = ReadSeverityList(rr, ctx, "low_urgency");
    if (p.support_hours.empty())
      rr.Err(rr.Get("low_urgency", false), "missing-field",
             "low_urgency needs support_hours (the time interval outside which they wait)");
  } else if (!p.support_hours.empty()) {
    p.low_urgency = {model::Severity::kSev3, model::Severity::kSev4};
  }
  core::Millis last{-1};
  rr.ForEach("tiers", [&](const YAML::Node& tn, size_t i) {
    MapReader tr(ctx, tn, "tier " + std::to_string(i + 1) + " of policy '" + p.id + "'");
    if (!tr.ok()) return;
    model::EscalationTier t;
    t.delay = tr.Duration("after").value_or(core::Millis(0));
    if (t.delay < last)
      tr.Err(tr.Get("after", false), "invalid-value", "tiers must be in increasing order of 'after'");
    last = t.delay;
    tr.ForEach("targets", [&](const YAML::Node& xn, size_t) {
      model::EscalationTarget x;
      MapReader xr(ctx, xn, "target in policy '" + p.id + "'");
      if (!xr.ok()) return;
      int kinds = 0;
      for (const char* k : {"person", "schedule", "team"}) {
        if (auto v = xr.Str(k)) {
          x.type = k;
          x.id = *v;
          ++kinds;
        }
      }
      if (kinds != 1) xr.Err(xn, "invalid-value", "a target names exactly one of person, schedule, team");
      x.loc = LocOf(ctx.file, xn);
      xr.Finish();
      t.targets.push_back(std::move(x));
    }, true);
    if (t.targets.empty() && tr.Get("targets", false))
      tr.Err(tr.Get("targets", false), "invalid-value", "a tier needs at least one target (person, schedule or team)");
    tr.Finish();
    p.tiers.push_back(std::move(t));
  }, true);
  if (p.tiers.empty() && rr.Get("tiers", false))
    rr.Err(rr.Get("tiers", false), "invalid-value", "a policy needs at least one tier: with none it pages nobody");
  if (p.repeat_after.count() > 0 && !p.tiers.empty() && p.repeat_after <= p.tiers.back().delay)
    rr.Err(rr.Get("repeat_after", false), "invalid-value",
           "repeat_after must be longer than the last tier's 'after' (" + core::FormatDuration(p.tiers.back().delay) +
               ")");
  rr.Finish();
  cfg.policies.push_back(std::move(p));
}

// Values starting with '~' are regular expressions: report the ones that do not compile.
void CheckRegexValues(MapReader& r, const std::map<std::string, std::string>& m, const std::string& key,
                      const std::string& what) {
  for (const auto& [k, v] : m) {
    if (!v.empty() && v[0] == '~') {
      RE2 re(v.substr(1), RE2::Quiet);
      if (!re.ok())
        r.Err(r.Get(key, false), "invalid-regex", what + " '" + k + "': invalid regular expression: " + re.error());
    }
  }
}

void DecodeGroupingRule(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "grouping rule");
  if (!r.ok()) return;
  model::GroupingRule g;
  g.loc = r.Loc();
  g.name = r.Str("name", true).value_or("");
  MapReader rr(ctx, n, ItemName("grouping rule", g.name));
  rr.Get("name", false);
  if (auto m = rr.Get("match", false)) {
    MapReader mr(ctx, m, "match of grouping rule '" + g.name + "'");
    if (mr.ok()) {
      g.match_labels = mr.StrMap("labels");
      g.match_services = mr.StrList("services");
      CheckRegexValues(mr, g.match_labels, "labels", "label");
      mr.Finish();
    }
  }
  g.group_by = rr.StrList("group_by", true);
  if (rr.Get("group_by", false) && g.group_by.empty())
    rr.Err(rr.Get("group_by", false), "invalid-value", "group_by needs at least one label name");
  g.window = rr.Duration("window");
  if (g.window && g.window->count() <= 0) rr.Err(rr.Get("window", false), "invalid-value", "window must be positive");
  rr.Finish();
  cfg.grouping_rules.push_back(std::move(g));
}

void DecodeSeverityRule(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "severity rule");
  if (!r.ok()) return;
  model::SeverityRule sr;
  sr.loc = r.Loc();
  sr.name = r.Str("name", true).value_or("");
  MapReader rr(ctx, n, ItemName("severity rule", sr.name));
  rr.Get("name", false);
  if (auto m = rr.Get("match", false)) {
    MapReader mr(ctx, m, "match of severity rule '" + sr.name + "'");
    if (mr.ok()) {
      sr.match_labels = mr.StrMap("labels");
      sr.match_annotations = mr.StrMap("annotations");
      if (auto t = mr.Int("max_service_tier")) sr.max_service_tier = static_cast<int>(*t);
      sr.customer_facing = mr.Bool("customer_facing");
      sr.min_affected_services = static_cast<int>(mr.Int("min_affected_services").value_or(0));
      CheckRegexValues(mr, sr.match_labels, "labels", "label");
      CheckRegexValues(mr, sr.match_annotations, "annotations", "annotation");
      mr.Finish();
    }
  }
  if (auto s = ReadSeverity(rr, ctx, "severity", true)) sr.severity = *s;
  sr.flags = rr.StrList("flags");
  for (const auto& f : sr.flags) {
    if (f != "data_loss" && f != "security")
      rr.Err(rr.Get("flags", false), "invalid-value", "unknown flag '" + f + "' (data_loss, security)");
  }
  rr.Finish();
  cfg.severity_rules.push_back(std::move(sr));
}

void DecodeIntegration(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "integration");
  if (!r.ok()) return;
  model::Integration in;
  in.loc = r.Loc();
  in.key = r.Str("key", true).value_or("");
  MapReader rr(ctx, n, ItemName("integration", in.key));
  rr.Get("key", false);
  if (!in.key.empty() && (in.key.size() < 8 || in.key.size() > 128))
    rr.Err(rr.Get("key", false), "invalid-value", "integration keys must be 8..128 characters");
  in.name = rr.StrOr("name", in.key);
  in.service = rr.Str("service", true).value_or("");
  in.type = rr.StrOr("type", "generic");
  if (in.type != "pagerduty" && in.type != "alertmanager" && in.type != "prometheus" && in.type != "generic")
    rr.Err(rr.Get("type", false), "invalid-value", "type must be pagerduty, alertmanager, prometheus or generic");
  in.fingerprint = rr.StrList("fingerprint");
  rr.Finish();
  cfg.integrations.push_back(std::move(in));
}

// Prometheus's label names: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsLabelName(std::string_view k) {
  return !k.empty() && (std::isalpha(static_cast<unsigned char>(k[0])) || k[0] == '_') &&
         std::all_of(k.begin(), k.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

void DecodeHeartbeat(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "heartbeat");
  if (!r.ok()) return;
  auto id = ReadId(r, ctx);
  if (!id) return;
  MapReader rr(ctx, n, ItemName("heartbeat", *id));
  rr.Get("id", false);
  Heartbeat hb;
  hb.loc = rr.Loc();
  hb.id = *id;
  hb.service = rr.Str("service", true).value_or("");
  if (auto t = rr.Duration("timeout", true)) {
    if (t->count() < 1000)
      rr.Err(rr.Get("timeout", false), "invalid-value", "timeout must be at least 1s");
    else
      hb.timeout = *t;
  }
  hb.summary = rr.StrOr("summary", "");
  hb.integration = rr.StrOr("integration", "");
  hb.labels = rr.StrMap("labels");
  if (auto m = rr.Get("match", false)) {
    MapReader mr(ctx, m, "match of heartbeat '" + hb.id + "'");
    if (mr.ok()) {
      hb.match_labels = mr.StrMap("labels");
      mr.Finish();
    }
  }
  for (const auto* labels : {&hb.labels, &hb.match_labels})
    for (const auto& [k, v] : *labels)
      if (!IsLabelName(k))
        rr.Err(rr.Get(labels == &hb.labels ? "labels" : "match", false), "invalid-value",
               "'" + k + "' is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)");
  rr.Finish();
  cfg.heartbeats.push_back(std::move(hb));
}

// A list of matchers in Prometheus's syntax ("severity=critical", "alertname=~Disk.*").
std::vector<model::Matcher> ReadMatchers(MapReader& r, const std::string& key, const std::string& what) {
  std::vector<model::Matcher> out;
  auto list = r.StrList(key, true);
  if (r.Get(key, false) && list.empty())
    r.Err(r.Get(key, false), "invalid-value", what + " needs at least one matcher");
  for (const auto& text : list) {
    auto m = model::ParseMatcher(core::Trim(text));
    if (!m) {
      r.Err(r.Get(key, false), "invalid-value", m.error().message);
      continue;
    }
    if (m->op == model::Matcher::Op::kRegex || m->op == model::Matcher::Op::kNotRegex) {
      RE2 re(m->value, RE2::Quiet);
      if (!re.ok()) {
        r.Err(r.Get(key, false), "invalid-regex",
              "matcher '" + core::Truncate(text, 80) + "': invalid regular expression: " + re.error());
        continue;
      }
    }
    out.push_back(std::move(*m));
  }
  return out;
}

void DecodeInhibitRule(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "inhibit rule");
  if (!r.ok()) return;
  InhibitRule rule;
  rule.loc = r.Loc();
  rule.name = r.StrOr("name", "inhibit rule " + std::to_string(cfg.inhibit_rules.size() + 1));
  MapReader rr(ctx, n, ItemName("inhibit rule", rule.name));
  rr.Get("name", false);
  rule.source = ReadMatchers(rr, "source_matchers", "source_matchers");
  rule.target = ReadMatchers(rr, "target_matchers", "target_matchers");
  rule.equal = rr.StrList("equal");
  for (const auto& l : rule.equal)
    if (!IsLabelName(l))
      rr.Err(rr.Get("equal", false), "invalid-value", "'" + l + "' is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)");
  rr.Finish();
  cfg.inhibit_rules.push_back(std::move(rule));
}

// ---- time intervals and maintenance windows (Alertmanager's time_intervals format) ----

// A whole decimal number (optionally negative), nothing else.
bool ParseWhole(std::string_view s, int64_t& v) {
  if (s.empty() || s.size() > 12) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

// "monday" -> 1 (Sunday = 0, as Alertmanager counts); nullopt if not a day's full name.
std::optional<int> WeekdayNumber(const std::string& s) {
  static const char* kDays[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
  const std::string l = core::ToLower(std::string(core::Trim(s)));
  for (int i = 0; i < 7; ++i)
    if (l == kDays[i]) return i;
  return std::nullopt;
}

// "march" or "3" -> 3.
std::optional<int> MonthNumber(const std::string& s) {
  static const char* kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                                  "july",    "august",   "september", "october", "november", "december"};
  const std::string l = core::ToLower(std::string(core::Trim(s)));
  for (int i = 0; i < 12; ++i)
    if (l == kMonths[i]) return i + 1;
  int64_t v = 0;
  if (ParseWhole(l, v) && v >= 1 && v <= 12) return static_cast<int>(v);
  return std::nullopt;
}

std::optional<int> IntIn(const std::string& s, int lo, int hi) {
  int64_t v = 0;
  if (!ParseWhole(core::Trim(s), v) || v < lo || v > hi) return std::nullopt;
  return static_cast<int>(v);
}

// A list of "a" or "a:b" entries, each end read by `one`; `what` names one value in errors.
// Ranges must not run backwards, except between a positive and a negative day of the month.
std::vector<model::DayRange> ReadRanges(MapReader& r, const std::string& key, const std::string& what,
                                        const std::function<std::optional<int>(const std::string&)>& one) {
  std::vector<model::DayRange> out;
  for (const auto& text : r.StrList(key)) {
    const auto colon = text.find(':');
    const std::string a = text.substr(0, colon);
    const std::string b = colon == std::string::npos ? a : text.substr(colon + 1);
    auto first = one(a), last = one(b);
    if (!first || !last) {
      r.Err(r.Get(key, false), "invalid-value",
            key + ": '" + core::Truncate(text, 40) + "' is not " + what + (colon == std::string::npos ? "" : " range"));
      continue;
    }
    if ((*first < 0) == (*last < 0) && *first > *last) {
      r.Err(r.Get(key, false), "invalid-value",
            key + ": '" + core::Truncate(text, 40) + "' runs backwards (its start is after its end)");
      continue;
    }
    out.push_back({*first, *last});
  }
  return out;
}

void DecodeTimeIntervalSpec(Ctx& ctx, const YAML::Node& n, const std::string& where, model::TimeInterval& iv) {
  MapReader r(ctx, n, where);
  if (!r.ok()) return;
  model::TimeIntervalSpec spec;
  r.ForEach("times", [&](const YAML::Node& t, size_t j) {
    MapReader tr(ctx, t, where + ".times[" + std::to_string(j) + "]");
    if (!tr.ok()) return;
    auto start = tr.Str("start_time", true), end = tr.Str("end_time", true);
    tr.Finish();
    if (!start || !end) return;
    const int a = ParseClock(*start), b = ParseClock(*end);
    if (a < 0 || a >= 24 * 60) {
      tr.Err(tr.Get("start_time", false), "invalid-value", "start_time '" + core::Truncate(*start, 20) + "' is not HH:MM");
      return;
    }
    if (b < 0) {
      tr.Err(tr.Get("end_time", false), "invalid-value", "end_time '" + core::Truncate(*end, 20) + "' is not HH:MM (24:00 allowed)");
      return;
    }
    if (b <= a) {
      tr.Err(tr.Get("end_time", false), "invalid-value",
             "end_time must be after start_time (a window across midnight is two entries, e.g. 22:00-24:00 and 00:00-02:00)");
      return;
    }
    spec.times.push_back({a, b});
  });
  spec.weekdays = ReadRanges(r, "weekdays", "a day of the week (monday ... sunday)", WeekdayNumber);
  spec.days_of_month = ReadRanges(r, "days_of_month", "a day of the month (1 to 31, or -1 to -31 from the end)",
                                  [](const std::string& s) -> std::optional<int> {
                                    auto v = IntIn(s, -31, 31);
                                    return v && *v != 0 ? v : std::nullopt;
                                  });
  spec.months = ReadRanges(r, "months", "a month (january ... december, or 1 to 12)", MonthNumber);
  spec.years = ReadRanges(r, "years", "a year", [](const std::string& s) { return IntIn(s, 1, 9999); });
  if (auto loc = r.Str("location")) {
    if (*loc != "Local" && !ValidTimezone(*loc))
      r.Err(r.Get("location", false), "invalid-timezone",
            "unknown time zone '" + core::Truncate(*loc, 64) + "' (an IANA name such as Europe/Berlin, UTC or Local)");
    else
      spec.location = *loc;
  }
  r.Finish();
  iv.specs.push_back(std::move(spec));
}

void DecodeTimeInterval(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "time interval");
  if (!r.ok()) return;
  auto name = ReadId(r, ctx, "name");
  if (!name) return;
  const std::string item = ItemName("time interval", *name);
  MapReader rr(ctx, n, item);
  rr.Get("name", false);
  model::TimeInterval iv;
  iv.name = *name;
  iv.loc = rr.Loc();
  rr.ForEach(
      "time_intervals",
      [&](const YAML::Node& e, size_t i) {
        DecodeTimeIntervalSpec(ctx, e, item + ": time_intervals[" + std::to_string(i) + "]", iv);
      },
      true);
  rr.Finish();
  cfg.time_intervals.push_back(std::move(iv));
}

void DecodeMaintenanceWindow(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "maintenance window");
  if (!r.ok()) return;
  auto name = ReadId(r, ctx, "name");
  if (!name) return;
  MapReader rr(ctx, n, ItemName("maintenance window", *name));
  rr.Get("name", false);
  MaintenanceWindow w;
  w.name = *name;
  w.loc = rr.Loc();
  w.matchers = ReadMatchers(rr, "matchers", "a maintenance window");
  if (auto wide = model::RequireSelective(w.matchers, "matchers"); !wide)
    rr.Err(rr.Get("matchers", false), "invalid-value", wide.error().message);
  w.mute_time_intervals = rr.StrList("mute_time_intervals");
  w.active_time_intervals = rr.StrList("active_time_intervals");
  w.comment = rr.StrOr("comment", "");
  if (w.mute_time_intervals.empty() && w.active_time_intervals.empty())
    rr.Err(n, "missing-field", "needs mute_time_intervals (when to mute) or active_time_intervals (when not to)");
  if (w.comment.size() > 1000) rr.Err(rr.Get("comment", false), "invalid-value", "comment is longer than 1000 bytes");
  rr.Finish();
  cfg.maintenance_windows.push_back(std::move(w));
}

bool IsContactType(const std::string& t) {
  static const std::set<std::string> kTypes = {"email", "phone", "sms", "slack", "webhook", "command"};
  return kTypes.count(t) > 0;
}

// The contact types a YAML sequence names; each item that is not one is an error at its line (its
// message ends with `hint`).
std::vector<std::string> ContactTypeList(MapReader& r, const YAML::Node& list, const std::string& hint) {
  std::vector<std::string> types;
  for (const auto& t : list) {
    if (!t.IsScalar() || !IsContactType(t.Scalar())) {
      r.Err(t, "invalid-value", "contact types are email, phone, sms, slack, webhook, command" + hint);
      continue;
    }
    types.push_back(t.Scalar());
  }
  return types;
}

// Checks a channel's URL scheme and type-specific options.
void CheckChannelOptions(Ctx& ctx, MapReader& rr, const model::Channel& c) {
  auto opt = [&](const char* k) -> std::string {
    auto it = c.options.find(k);
    return it != c.options.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
  };
  auto starts = [](const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; };
  if ((c.type == "webhook" || c.type == "slack") && !c.url.empty() && !starts(c.url, "http://") &&
      !starts(c.url, "https://"))
    rr.Err(rr.Get("url", false), "invalid-value", "url must start with http:// or https://");
  if (c.type == "email") {
    if (!c.url.empty() && !starts(c.url, "smtp://") && !starts(c.url, "smtps://"))
      rr.Err(rr.Get("url", false), "invalid-value", "email url must be smtp://host:port or smtps://host:port");
    if (opt("from").empty()) rr.Err(rr.Get("options", false), "missing-field", "email channels need options.from");
    auto tls = opt("starttls");
    if (!tls.empty() && tls != "required" && tls != "try" && tls != "off")
      rr.Err(rr.Get("options", false), "invalid-value", "options.starttls must be required, try or off");
  }
  if (auto t = opt("timeout"); !t.empty()) {
    auto d = core::ParseDuration(t);
    if (!d || d->count() <= 0 || *d > std::chrono::minutes(5))
      rr.Err(rr.Get("options", false), "invalid-value", "options.timeout must be a duration up to 5m");
  }
  static const std::map<std::string, std::set<std::string>> kKnown = {
      {"webhook", {"timeout"}},
      {"slack", {"timeout"}},
      {"email", {"from", "username", "starttls", "ca_file", "tls_verify", "timeout"}},
      {"command", {"timeout"}}};
  if (auto it = kKnown.find(c.type); it != kKnown.end()) {
    for (const auto& kv : c.options)
      if (!it->second.count(std::string(kv.key())))
        ctx.diags.Warning(rr.LocOfKey("options"), "unknown-key",
                          rr.Prefix() + "unknown option '" + std::string(kv.key()) + "' (ignored)");
  }
}

void DecodeChannel(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "channel");
  if (!r.ok()) return;
  auto id = ReadId(r, ctx);
  if (!id) return;
  MapReader rr(ctx, n, ItemName("channel", *id));
  rr.Get("id", false);
  model::Channel c;
  c.loc = rr.Loc();
  c.id = *id;
  c.type = rr.Str("type", true).value_or("");
  c.url = rr.StrOr("url", "");
  c.secret_env = rr.StrOr("secret_env", "");
  c.to = rr.StrList("to");
  c.argv = rr.StrList("argv");
  c.severities = ReadSeverityList(rr, ctx, "severities");
  if (c.type == "webhook" || c.type == "slack") {
    if (c.url.empty()) rr.Err(n, "missing-field", c.type + " channels need a 'url'");
  } else if (c.type == "email") {
    if (c.url.empty()) rr.Err(n, "missing-field", "email channels need a 'url' (smtp://host:port)");
  } else if (c.type == "command") {
    if (c.argv.empty()) rr.Err(n, "missing-field", "command channels need 'argv'");
  } else if (!c.type.empty()) {
    rr.Err(rr.Get("type", false), "invalid-value", "type must be webhook, slack, email or command");
  }
  if (auto o = rr.Get("options", false)) {
    if (o.IsMap()) {
      for (const auto& kv : o)
        if (kv.first.IsScalar() && kv.second.IsScalar()) c.options[kv.first.Scalar()] = kv.second.Scalar();
    } else {
      rr.Err(o, "invalid-type", "options must be a mapping");
    }
  }
  CheckChannelOptions(ctx, rr, c);
  c.events = rr.StrList("events");
  static const std::vector<std::string> kEvents = {
      "opened",         "page",           "acknowledged",     "resolved",           "reopened",
      "unacknowledged", "notification_failed", "escalation_stale", "status_update", "status_update_external",
      "responder_accepted", "responder_declined", "audit_head"};
  for (const auto& e : c.events)
    if (std::find(kEvents.begin(), kEvents.end(), e) == kEvents.end())
      rr.Err(rr.Get("events", false), "invalid-value", "unknown event '" + e + "' (" + core::Join(kEvents, ", ") + ")");
  c.contact_types = rr.StrList("contact_types");
  for (const auto& t : c.contact_types)
    if (!IsContactType(t))
      rr.Err(rr.Get("contact_types", false), "invalid-value", "unknown contact type '" + t + "'");
  if (auto t = rr.Get("template", false)) {
    MapReader tr(ctx, t, "template of channel '" + c.id + "'");
    if (tr.ok()) {
      c.template_subject = tr.StrOr("subject", "");
      c.template_text = tr.StrOr("text", "");
      for (const char* key : {"subject", "text"}) {
        const std::string& src = std::string(key) == "subject" ? c.template_subject : c.template_text;
        if (src.empty()) continue;
        kainjow::mustache::mustache m(src);
        if (!m.is_valid())
          tr.Err(tr.Get(key, false), "invalid-template", std::string(key) + ": " + m.error_message());
        if (src.size() > 64 * 1024) tr.Err(tr.Get(key, false), "invalid-template", "template is too long");
      }
      tr.Finish();
    }
  }
  rr.Finish();
  cfg.channels.push_back(std::move(c));
}

// Categories whose steps are HIGH risk at least (DESIGN.md §3).
bool IsHighFloorCategory(const std::string& c) {
  static const std::set<std::string> kHigh = {"restart", "failover", "deploy", "rollback", "traffic",
                                              "config", "data_write", "security", "customer_data",
                                              "scale"};
  return kHigh.count(c) > 0;
}
bool IsKnownCategory(const std::string& c) {
  static const std::set<std::string> kAll = {
      "diagnostic", "log_level", "metrics", "cache", "circuit_breaker", "rate_limit", "cleanup",
      "restart", "failover", "deploy", "rollback", "traffic", "config", "data_write", "security",
      "customer_data", "scale", "process", "certificate", "connection_pool", "manual"};
  return kAll.count(c) > 0;
}

std::optional<model::RunbookStep> DecodeStep(Ctx& ctx, const YAML::Node& n, const std::string& where,
                                             bool nested) {
  MapReader r(ctx, n, where);
  if (!r.ok()) return std::nullopt;
  model::RunbookStep st;
  st.loc = r.Loc();
  st.id = r.StrOr("id", "");
  st.name = r.StrOr("name", st.id);
  st.kind = r.Str("kind", true).value_or("");
  st.category = r.StrOr("category", st.kind == "check" ? "diagnostic" : "");
  if (!st.category.empty() && !IsKnownCategory(st.category))
    r.Err(r.Get("category", false), "invalid-value", "unknown category '" + st.category + "'");
  auto risk = core::ToLower(r.StrOr("risk", "low"));
  if (risk == "low") st.risk = model::RiskTier::kLow;
  else if (risk == "medium") st.risk = model::RiskTier::kMedium;
  else if (risk == "high") st.risk = model::RiskTier::kHigh;
  else r.Err(r.Get("risk", false), "invalid-value", "risk must be LOW, MEDIUM or HIGH");
  st.timeout = r.Duration("timeout").value_or(std::chrono::seconds(30));
  static const std::set<std::string> kKinds = {"command", "http", "check", "config_change", "manual"};
  if (!st.kind.empty() && !kKinds.count(st.kind))
    r.Err(r.Get("kind", false), "invalid-value",
          "kind must be command, http, check, config_change or manual");
  // Kind-specific fields are kept as JSON for runbook/ to interpret.
  static const std::map<std::string, std::vector<std::string>> kSpecKeys = {
      {"command", {"argv", "env", "cwd", "expect_exit"}},
      {"http", {"method", "url", "body", "headers", "expect_status"}},
      {"check",
       {"check", "argv", "url", "method", "body", "headers", "expect_status", "metric", "op", "threshold",
        "expect_exit"}},
      {"config_change", {"path", "content", "set"}},
      {"manual", {"instructions"}}};
  auto it = kSpecKeys.find(st.kind);
  if (it != kSpecKeys.end()) {
    for (const auto& k : it->second) {
      auto v = r.Get(k, false);
      if (!v) continue;
      // Convert YAML scalar/list/map to JSON. Scalars are strings, except in an HTTP body, which is
      // sent as JSON: there a plain (unquoted) true, 3 or 0.5 is a boolean or a number, as YAML means.
      const bool typed = k == "body";
      std::function<boost::json::value(const YAML::Node&)> conv = [&](const YAML::Node& y) -> boost::json::value {
        if (y.IsSequence()) {
          boost::json::array a;
          for (const auto& e : y) a.push_back(conv(e));
          return a;
        }
        if (y.IsMap()) {
          boost::json::object o;
          for (const auto& kv : y) o[kv.first.Scalar()] = conv(kv.second);
          return o;
        }
        if (y.IsScalar()) return typed ? TypedScalar(y) : boost::json::value(y.Scalar());
        return nullptr;
      };
      st.spec[k] = conv(v);
    }
  }
  if (st.kind == "command" && !st.spec.contains("argv"))
    r.Err(n, "missing-field", "command steps need 'argv' (a list; never a shell string)");
  if (st.kind == "command" && st.spec.contains("argv") && !st.spec["argv"].is_array())
    r.Err(r.Get("argv", false), "invalid-type", "argv must be a list of arguments");
  if (st.kind == "http" && !st.spec.contains("url")) r.Err(n, "missing-field", "http steps need 'url'");
  if (st.kind == "config_change" && !st.spec.contains("path"))
    r.Err(n, "missing-field", "config_change steps need 'path'");
  if (!nested) {
    if (auto rb = r.Get("rollback", false)) {
      if (auto s = DecodeStep(ctx, rb, "rollback of " + where, true)) {
        // A rollback runs by itself when a later step fails: a manual step would wait for nobody,
        // and a check undoes nothing (its success would be reported as rolled back).
        if (s->kind == "manual" || s->kind == "check")
          ctx.diags.Error(s->loc, "rollback-not-executable",
                          "in rollback of " + where + ": a rollback runs automatically when a later step fails, so " +
                              "it cannot be a '" + s->kind + "' step; use a command, http or config_change step");
        st.rollback.push_back(std::move(*s));
      }
    }
    if (auto vf = r.Get("verify", false)) {
      if (auto s = DecodeStep(ctx, vf, "verification of " + where, true)) st.verify.push_back(std::move(*s));
    }
  }
  r.Finish();
  // Risk floors and the MEDIUM rule (enforced here, at load time).
  if (!nested) {
    if (IsHighFloorCategory(st.category) && st.risk != model::RiskTier::kHigh)
      ctx.diags.Error(st.loc, "risk-below-floor",
                      "in " + where + ": category '" + st.category + "' is HIGH risk at least, but the step says " +
                          std::string(model::RiskTierName(st.risk)));
    if (st.risk == model::RiskTier::kMedium && st.rollback.empty() && st.kind != "config_change")
      ctx.diags.Error(st.loc, "medium-without-rollback",
                      "in " + where + ": a MEDIUM step runs automatically only with a declared rollback");
  }
  return st;
}

void DecodeRunbook(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "runbook");
  if (!r.ok()) return;
  auto id = ReadId(r, ctx);
  if (!id) return;
  MapReader rr(ctx, n, ItemName("runbook", *id));
  rr.Get("id", false);
  model::Runbook rb;
  rb.loc = rr.Loc();
  rb.id = *id;
  rb.title = rr.Str("title", true).value_or(rb.id);
  rb.description = rr.StrOr("description", "");
  if (auto w = rr.Get("when", false)) {
    MapReader wr(ctx, w, "'when' of runbook '" + rb.id + "'");
    if (wr.ok()) {
      rb.services = wr.StrList("services");
      rb.match_labels = wr.StrMap("labels");
      rb.log_patterns = wr.StrList("log_patterns");
      for (const auto& p : rb.log_patterns) {
        RE2 re(p, RE2::Quiet);
        if (!re.ok()) wr.Err(wr.Get("log_patterns", false), "invalid-regex", "invalid log pattern: " + re.error());
      }
      rb.severities = ReadSeverityList(wr, ctx, "severities");
      wr.Finish();
    }
  }
  rr.ForEach("params", [&](const YAML::Node& pn, size_t) {
    MapReader pr(ctx, pn, "parameter of runbook '" + rb.id + "'");
    if (!pr.ok()) return;
    model::RunbookParam p;
    p.name = pr.Str("name", true).value_or("");
    p.type = pr.StrOr("type", "string");
    static const std::set<std::string> kTypes = {"string", "int", "bool", "enum", "service", "duration"};
    if (!kTypes.count(p.type))
      pr.Err(pr.Get("type", false), "invalid-value", "type must be string, int, bool, enum, service or duration");
    p.description = pr.StrOr("description", "");
    p.required = pr.Bool("required").value_or(false);
    p.default_value = pr.Str("default");
    p.allowed = pr.StrList("allowed");
    if (p.type == "enum" && p.allowed.empty())
      pr.Err(pn, "missing-field", "enum parameters need 'allowed'");
    p.pattern = pr.StrOr("pattern", "");
    if (!p.pattern.empty()) {
      RE2 re(p.pattern, RE2::Quiet);
      if (!re.ok()) pr.Err(pr.Get("pattern", false), "invalid-regex", "invalid pattern: " + re.error());
    }
    p.secret = pr.Bool("secret").value_or(false);
    pr.Finish();
    rb.params.push_back(std::move(p));
  });
  rr.ForEach("steps", [&](const YAML::Node& sn, size_t i) {
    std::string where = "step " + std::to_string(i + 1) + " of runbook '" + rb.id + "'";
    if (auto st = DecodeStep(ctx, sn, where, false)) {
      if (st->id.empty()) st->id = "step-" + std::to_string(i + 1);
      rb.steps.push_back(std::move(*st));
    }
  }, true);
  rr.Finish();
  cfg.runbooks.push_back(std::move(rb));
}

void DecodePaging(Ctx& ctx, const YAML::Node& n, PagingSettings& p) {
  MapReader r(ctx, n, "settings.paging");
  if (!r.ok()) return;
  auto positive = [&](const char* key, core::Millis& out, core::Millis max) {
    if (auto v = r.Duration(key)) {
      if (v->count() <= 0 || *v > max)
        r.Err(r.Get(key, false), "invalid-value", std::string(key) + " must be positive and at most " + core::FormatDuration(max));
      else out = *v;
    }
  };
  positive("late_margin", p.late_margin, std::chrono::hours(1));
  positive("retry_initial", p.retry_initial, std::chrono::hours(1));
  positive("retry_max", p.retry_max, std::chrono::hours(24));
  positive("give_up_after", p.give_up_after, std::chrono::hours(24 * 7));
  positive("link_ttl", p.link_ttl, std::chrono::hours(24 * 30));
  positive("send_timeout", p.send_timeout, std::chrono::minutes(5));
  if (p.retry_max < p.retry_initial)
    r.Err(r.Get("retry_max", false), "invalid-value", "retry_max must not be below retry_initial");
  if (auto v = r.Duration("handoff_notice")) {
    if (v->count() < 0 || *v > std::chrono::hours(24 * 7))
      r.Err(r.Get("handoff_notice", false), "invalid-value", "handoff_notice must be 0s..7d (0s = at the handoff)");
    else p.handoff_notice = *v;
  }
  if (auto hc = r.Get("handoff_contact_types", false)) {
    if (!hc.IsSequence() || hc.size() == 0) {
      r.Err(hc, "invalid-type", "handoff_contact_types must be a list of contact types");
    } else {
      p.handoff_contact_types = ContactTypeList(r, hc, "");
    }
  }
  if (auto v = r.Int("max_attempts")) {
    if (*v < 1 || *v > 1000) r.Err(r.Get("max_attempts", false), "invalid-value", "max_attempts must be 1..1000");
    else p.max_attempts = static_cast<int>(*v);
  }
  if (auto v = r.Int("workers")) {
    if (*v < 1 || *v > 64) r.Err(r.Get("workers", false), "invalid-value", "workers must be 1..64");
    else p.workers = static_cast<int>(*v);
  }
  if (auto v = r.Num("rate_per_minute")) {
    if (*v <= 0 || *v > 1e6) r.Err(r.Get("rate_per_minute", false), "invalid-value", "rate_per_minute must be positive");
    else p.rate_per_minute = *v;
  }
  if (auto v = r.Int("burst")) {
    if (*v < 1 || *v > 100000) r.Err(r.Get("burst", false), "invalid-value", "burst must be 1..100000");
    else p.burst = static_cast<int>(*v);
  }
  if (auto cs = r.Get("contact_types", false)) {
    if (!cs.IsMap()) {
      r.Err(cs, "invalid-type", "contact_types must be a mapping SEVn: all | [types]");
    } else {
      for (const auto& kv : cs) {
        auto level = model::ParseSeverity(kv.first.IsScalar() ? kv.first.Scalar() : "");
        if (!level) {
          r.Err(kv.first, "invalid-severity", level.error().message);
          continue;
        }
        std::vector<std::string> types;
        if (kv.second.IsScalar() && kv.second.Scalar() == "all") {
          // empty = every contact method
        } else if (kv.second.IsSequence()) {
          types = ContactTypeList(r, kv.second, " (or 'all')");
          if (types.empty()) r.Err(kv.second, "invalid-value", "name at least one contact type (or 'all')");
        } else {
          r.Err(kv.second, "invalid-type", "expected 'all' or a list of contact types");
        }
        p.contact_types[*level] = std::move(types);
      }
    }
  }
  r.Finish();
}

void DecodeRedundancyGroup(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "redundancy group");
  if (!r.ok()) return;
  auto id = ReadId(r, ctx);
  if (!id) return;
  MapReader rr(ctx, n, ItemName("redundancy group", *id));
  rr.Get("id", false);
  model::RedundancyGroup g;
  g.loc = rr.Loc();
  g.id = *id;
  g.name = rr.StrOr("name", g.id);
  g.kind = rr.StrOr("kind", "active_active");
  if (g.kind != "active_active" && g.kind != "failover")
    rr.Err(rr.Get("kind", false), "invalid-value", "kind must be 'active_active' or 'failover'");
  if (auto m = rr.Get("members", true)) {
    if (!m.IsSequence()) {
      rr.Err(m, "invalid-type", "field 'members' must be a list of service ids");
    } else {
      for (const auto& e : m) {
        if (!e.IsScalar()) {
          rr.Err(e, "invalid-type", "entries of 'members' must be service ids");
          continue;
        }
        g.members.push_back(model::GroupMember{e.Scalar(), LocOf(ctx.file, e)});
      }
    }
  }
  if (auto mh = rr.Int("min_healthy")) {
    if (*mh < 1 || *mh > static_cast<int64_t>(std::max<size_t>(g.members.size(), 1)))
      rr.Err(rr.Get("min_healthy", false), "invalid-value",
             "min_healthy must be between 1 and the number of members (" + std::to_string(g.members.size()) + ")");
    else g.min_healthy = static_cast<int>(*mh);
  }
  if (g.members.size() < 2 && rr.Get("members", false))
    rr.Err(rr.Get("members", false), "invalid-value", "a redundancy group needs at least two members");
  rr.Finish();
  cfg.redundancy_groups.push_back(std::move(g));
}

void DecodeScenario(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "scenario");
  if (!r.ok()) return;
  auto id = ReadId(r, ctx);
  if (!id) return;
  MapReader rr(ctx, n, ItemName("scenario", *id));
  rr.Get("id", false);
  model::Scenario sc;
  sc.loc = rr.Loc();
  sc.id = *id;
  sc.name = rr.StrOr("name", sc.id);
  sc.description = rr.StrOr("description", "");
  sc.services = rr.StrList("services");
  sc.zones = rr.StrList("zones");
  if (auto lf = rr.Num("load_factor")) {
    if (!(*lf > 0 && *lf <= 100)) rr.Err(rr.Get("load_factor", false), "invalid-value", "load_factor must be in (0, 100]");
    else sc.load_factor = *lf;
  }
  if (sc.services.empty() && sc.zones.empty() && sc.load_factor == 1.0)
    rr.Err(n, "invalid-value", "a scenario loses services or zones, or changes the load (load_factor)");
  rr.Finish();
  cfg.scenarios.push_back(std::move(sc));
}

void DecodeResponders(Ctx& ctx, const YAML::Node& n, model::ResponderRules& rr) {
  MapReader r(ctx, n, "settings.responders");
  if (!r.ok()) return;
  auto duration = [&](const char* key, core::Millis& out) {
    if (auto v = r.Duration(key)) {
      if (v->count() < 0 || *v > std::chrono::hours(24 * 7))
        r.Err(r.Get(key, false), "invalid-value", std::string(key) + " must be between 0 and 168h");
      else out = *v;
    }
  };
  auto integer = [&](const char* key, int& out, int lo, int hi) {
    if (auto v = r.Int(key)) {
      if (*v < lo || *v > hi)
        r.Err(r.Get(key, false), "invalid-value",
              std::string(key) + " must be " + std::to_string(lo) + ".." + std::to_string(hi));
      else out = static_cast<int>(*v);
    }
  };
  duration("max_oncall_per_week", rr.max_oncall_per_week);
  duration("rest_after_night_page", rr.rest_after_night_page);
  integer("max_consecutive_shifts", rr.max_consecutive_shifts, 0, 1000);
  integer("night_start_hour", rr.night_start_hour, 0, 23);
  integer("night_end_hour", rr.night_end_hour, 0, 23);
  integer("max_pending", rr.max_pending, 1, 1000);
  integer("critical_max_tier", rr.critical_max_tier, 0, 4);
  if (rr.night_start_hour == rr.night_end_hour)
    r.Err(n, "invalid-value", "night_start_hour and night_end_hour must differ");
  r.Finish();
}

void DecodeSettings(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "settings");
  if (!r.ok()) return;
  auto& s = cfg.settings;
  if (auto u = r.Str("public_url")) {
    s.public_url = *u;
    s.public_url_set = true;
    while (!s.public_url.empty() && s.public_url.back() == '/') s.public_url.pop_back();
    if (s.public_url.rfind("http://", 0) != 0 && s.public_url.rfind("https://", 0) != 0)
      r.Err(r.Get("public_url", false), "invalid-value", "public_url must start with http:// or https://");
  }
  if (auto pg = r.Get("paging", false)) DecodePaging(ctx, pg, s.paging);
  if (auto rs = r.Get("responders", false)) DecodeResponders(ctx, rs, s.responders);
  if (auto v = r.Duration("correlation_window")) s.correlation_window = *v;
  if (auto v = r.Duration("resolve_timeout")) {
    if (v->count() <= 0 || *v > std::chrono::hours(24 * 30))
      r.Err(r.Get("resolve_timeout", false), "invalid-value", "resolve_timeout must be positive and at most 30 days");
    else s.resolve_timeout = *v;
  }
  if (auto v = r.Duration("inhibit_grace")) {
    if (v->count() < 0 || *v > std::chrono::minutes(10))
      r.Err(r.Get("inhibit_grace", false), "invalid-value", "inhibit_grace must be between 0s and 10m");
    else s.inhibit_grace = *v;
  }
  if (auto v = r.Duration("audit_head_every")) {
    if (v->count() != 0 && (*v < std::chrono::minutes(1) || *v > std::chrono::hours(24 * 7)))
      r.Err(r.Get("audit_head_every", false), "invalid-value", "audit_head_every must be 1m..7d, or 0 for never");
    else s.audit_head_every = *v;
  }
  s.auto_resolve_state = r.StrOr("auto_resolve", s.auto_resolve_state);
  if (s.auto_resolve_state != "mitigated" && s.auto_resolve_state != "resolved")
    r.Err(r.Get("auto_resolve", false), "invalid-value", "auto_resolve must be 'mitigated' or 'resolved'");
  if (auto v = r.Int("max_body_bytes")) {
    if (*v < 1024 || *v > (64 << 20)) r.Err(r.Get("max_body_bytes", false), "invalid-value", "max_body_bytes must be 1024..67108864");
    else s.max_body_bytes = static_cast<size_t>(*v);
  }
  s.default_escalation_policy = r.StrOr("default_escalation_policy", "");
  if (!s.default_escalation_policy.empty())
    ctx.places.default_escalation_policy = r.LocOfKey("default_escalation_policy");
  s.secret_names = r.StrList("secret_names");
  if (auto st = r.Get("storm", false)) {
    MapReader sr(ctx, st, "settings.storm");
    if (sr.ok()) {
      if (auto b = sr.Int("burst")) {
        if (*b < 1 || *b > 1000000) sr.Err(sr.Get("burst", false), "invalid-value", "burst must be 1..1000000");
        else s.storm_burst = static_cast<int>(*b);
      }
      if (auto rate = sr.Num("rate")) {
        if (!(*rate > 0 && *rate <= 1e6)) sr.Err(sr.Get("rate", false), "invalid-value", "rate must be > 0 (new alerts per second)");
        else s.storm_rate = *rate;
      }
      sr.Finish();
    }
  }
  if (auto fl = r.Get("flapping", false)) {
    MapReader fr(ctx, fl, "settings.flapping");
    if (fr.ok()) {
      if (auto c = fr.Int("changes")) {
        if (*c < 2 || *c > 8) fr.Err(fr.Get("changes", false), "invalid-value", "changes must be 2..8");
        else s.flap_changes = static_cast<int>(*c);
      }
      if (auto w = fr.Duration("window")) {
        if (w->count() <= 0) fr.Err(fr.Get("window", false), "invalid-value", "window must be positive");
        else s.flap_window = *w;
      }
      fr.Finish();
    }
  }
  if (auto sev = ReadSeverity(r, ctx, "default_severity", false)) s.default_severity = *sev;
  if (auto rb = r.Get("runbooks", false)) {
    MapReader rr(ctx, rb, "settings.runbooks");
    if (rr.ok()) {
      if (auto v = rr.Int("breaker_failures")) {
        if (*v < 1 || *v > 1000) rr.Err(rr.Get("breaker_failures", false), "invalid-value", "breaker_failures must be 1..1000");
        else s.runbooks.breaker_failures = static_cast<int>(*v);
      }
      if (auto v = rr.Duration("breaker_window")) s.runbooks.breaker_window = *v;
      if (auto v = rr.Duration("approval_ttl")) {
        if (v->count() <= 0) rr.Err(rr.Get("approval_ttl", false), "invalid-value", "approval_ttl must be positive");
        else s.runbooks.approval_ttl = *v;
      }
      s.runbooks.sandbox = rr.StrOr("sandbox", "");
      if (auto v = rr.Int("max_output_bytes")) {
        if (*v < 256 || *v > (16 << 20)) rr.Err(rr.Get("max_output_bytes", false), "invalid-value", "max_output_bytes must be 256..16777216");
        else s.runbooks.max_output_bytes = *v;
      }
      rr.Finish();
    }
  }
  if (auto sev = r.Get("severities", false)) {
    if (!sev.IsMap()) {
      r.Err(sev, "invalid-type", "severities must be a mapping SEVn: {ack_sla, resolve_sla}");
    } else {
      for (const auto& kv : sev) {
        auto level = model::ParseSeverity(kv.first.IsScalar() ? kv.first.Scalar() : "");
        if (!level) {
          r.Err(kv.first, "invalid-severity", level.error().message);
          continue;
        }
        MapReader sr(ctx, kv.second, "settings.severities." + kv.first.Scalar());
        if (!sr.ok()) continue;
        auto pol = model::DefaultSeverityPolicy(*level);
        if (auto a = sr.Duration("ack_sla")) pol.ack_sla = *a;
        if (auto b = sr.Duration("resolve_sla")) pol.resolve_sla = *b;
        sr.Finish();
        s.severities[*level] = pol;
      }
    }
  }
  if (auto l = r.Get("logs", false)) {
    MapReader lr(ctx, l, "settings.logs");
    if (lr.ok()) {
      auto& ls = s.logs;
      ls.format = lr.StrOr("format", ls.format);
      if (lr.Get("service_labels", false)) ls.service_labels = lr.StrList("service_labels");
      if (auto v = lr.Num("similarity")) {
        if (!(*v > 0 && *v <= 1)) lr.Err(lr.Get("similarity", false), "invalid-value", "similarity must be in (0, 1]");
        else ls.similarity = *v;
      }
      auto int_in = [&](const char* key, int& field, int64_t lo, int64_t hi) {
        if (auto v = lr.Int(key)) {
          if (*v < lo || *v > hi)
            lr.Err(lr.Get(key, false), "invalid-value",
                   std::string(key) + " must be " + std::to_string(lo) + ".." + std::to_string(hi));
          else field = static_cast<int>(*v);
        }
      };
      int_in("min_distinct", ls.min_distinct, 2, 1000);
      int_in("max_templates", ls.max_templates, 10, 1000000);
      int_in("exemplars", ls.exemplars, 0, 100);
      int_in("surge_min_count", ls.surge_min_count, 1, 1000000);
      ls.masks = lr.StrList("masks");
      for (size_t i = 0; i < ls.masks.size(); ++i) {
        RE2::Options ro;
        ro.set_log_errors(false);
        RE2 re(ls.masks[i], ro);
        if (!re.ok()) lr.Err(lr.Get("masks", false), "invalid-regex", "masks[" + std::to_string(i) + "]: " + re.error());
      }
      if (auto v = lr.Duration("retention")) ls.retention = *v;
      if (auto v = lr.Duration("baseline")) ls.baseline = *v;
      if (auto v = lr.Duration("incident_lookback")) ls.incident_lookback = *v;
      if (auto v = lr.Num("surge_z")) ls.surge_z = *v;
      if (auto v = lr.Num("surge_ratio")) ls.surge_ratio = *v;
      if (ls.baseline < std::chrono::minutes(5)) lr.Err(l, "invalid-value", "baseline must be at least 5m");
      if (ls.retention < std::chrono::hours(1)) lr.Err(l, "invalid-value", "retention must be at least 1h");
      lr.Finish();
    }
  }
  if (auto rep = r.Get("reports", false)) {
    MapReader rr(ctx, rep, "settings.reports");
    if (rr.ok()) {
      s.reports.templates_dir = rr.StrOr("templates", "");
      if (auto cad = rr.Get("status_cadence", false)) {
        if (!cad.IsMap()) {
          rr.Err(cad, "invalid-type", "status_cadence must be a mapping SEVn: duration");
        } else {
          for (const auto& kv : cad) {
            auto level = model::ParseSeverity(kv.first.IsScalar() ? kv.first.Scalar() : "");
            if (!level) {
              rr.Err(kv.first, "invalid-severity", level.error().message);
              continue;
            }
            auto d = kv.second.IsScalar() ? core::ParseDuration(kv.second.Scalar()) : Result<core::Millis>(InvalidArgument("expected a duration"));
            if (!d || d->count() < 0 || (d->count() > 0 && *d < std::chrono::minutes(1))) {
              rr.Err(kv.second, "invalid-value", "status_cadence." + kv.first.Scalar() + " must be 0 or a duration of at least 1m");
              continue;
            }
            s.reports.status_cadence[*level] = *d;
          }
        }
      }
      rr.Finish();
    }
  }
  if (auto d = r.Get("defense", false)) {
    MapReader dr(ctx, d, "settings.defense");
    if (dr.ok()) {
      s.util_yellow = dr.Num("yellow").value_or(s.util_yellow);
      s.util_orange = dr.Num("orange").value_or(s.util_orange);
      s.util_red = dr.Num("red").value_or(s.util_red);
      s.util_black = dr.Num("black").value_or(s.util_black);
      if (auto h = dr.Duration("coverage_horizon")) {
        if (*h < core::Millis(0) || *h > std::chrono::hours(24 * 93))
          dr.Err(dr.Get("coverage_horizon", false), "invalid-value", "coverage_horizon must be 0..93d");
        else
          s.coverage_horizon = *h;
      }
      if (!(0 < s.util_yellow && s.util_yellow <= s.util_orange && s.util_orange <= s.util_red &&
            s.util_red <= s.util_black && s.util_black <= 1.5))
        dr.Err(d, "invalid-value", "defense thresholds must satisfy 0 < yellow <= orange <= red <= black");
      dr.Finish();
    }
  }
  r.Finish();
}

void DecodeAnalyze(Ctx& ctx, const YAML::Node& n, Config& cfg) {
  MapReader r(ctx, n, "analyze");
  if (!r.ok()) return;
  auto& a = cfg.analyze;
  a.auto_analyze = r.Bool("auto").value_or(a.auto_analyze);
  if (auto v = r.Duration("delay")) a.delay = *v;
  if (auto v = r.Duration("rerun_every")) a.rerun_every = *v;
  if (auto v = r.Int("max_runs")) {
    if (*v < 1 || *v > 100) r.Err(r.Get("max_runs", false), "invalid-value", "max_runs must be 1..100");
    else a.max_runs = static_cast<int>(*v);
  }
  if (auto v = r.Duration("lookback")) a.lookback = *v;
  if (auto v = r.Duration("window_before")) a.window_before = *v;
  if (a.lookback < std::chrono::minutes(5))
    r.Err(r.Get("lookback", false), "invalid-value", "lookback must be at least 5m");
  if (auto m = r.Get("metrics", false)) {
    MapReader mr(ctx, m, "analyze.metrics");
    if (mr.ok()) {
      if (auto v = mr.Duration("retention")) a.retention = *v;
      if (auto v = mr.Duration("raw_retention")) a.raw_retention = *v;
      if (auto v = mr.Duration("rollup")) a.rollup = *v;
      if (a.rollup < std::chrono::seconds(1) || a.raw_retention > a.retention ||
          a.raw_retention < std::chrono::minutes(1))
        mr.Err(m, "invalid-value", "need rollup >= 1s and 1m <= raw_retention <= retention");
      mr.Finish();
    }
  }
  if (auto t = r.Get("trends", false)) {
    MapReader tr(ctx, t, "analyze.trends");
    if (tr.ok()) {
      if (auto v = tr.Duration("horizon")) a.trend_horizon = *v;
      if (auto v = tr.Duration("window")) a.trend_window = *v;
      if (auto l = tr.Get("limits", false)) {
        if (!l.IsMap()) {
          tr.Err(l, "invalid-type", "limits must be a mapping metric: number");
        } else {
          for (const auto& kv : l) {
            try {
              a.trend_limits[kv.first.Scalar()] = kv.second.as<double>();
            } catch (const YAML::Exception&) {
              tr.Err(kv.second, "invalid-type", "limit of '" + kv.first.Scalar() + "' must be a number");
            }
          }
        }
      }
      tr.Finish();
    }
  }
  if (auto p = r.Get("prometheus", false)) {
    MapReader pr(ctx, p, "analyze.prometheus");
    if (pr.ok()) {
      auto& ps = a.prometheus;
      ps.url = pr.StrOr("url", "");
      if (!ps.url.empty() && ps.url.rfind("http://", 0) != 0 && ps.url.rfind("https://", 0) != 0)
        pr.Err(pr.Get("url", false), "invalid-value", "url must start with http:// or https://");
      if (auto v = pr.Duration("timeout")) ps.timeout = *v;
      if (auto v = pr.Duration("budget")) ps.budget = *v;
      if (auto v = pr.Duration("step")) ps.step = *v;
      if (ps.step < core::Millis(100)) pr.Err(pr.Get("step", false), "invalid-value", "step must be at least 100ms");
      ps.bearer_token_env = pr.StrOr("bearer_token_env", "");
      ps.queries = pr.StrMap("queries");
      if (auto sv = pr.Get("services", false)) {
        if (!sv.IsMap()) {
          pr.Err(sv, "invalid-type", "services must be a mapping service: {name: query}");
        } else {
          for (const auto& kv : sv) {
            MapReader qr(ctx, kv.second, "analyze.prometheus.services." + kv.first.Scalar());
            ctx.places.prometheus_services[kv.first.Scalar()] = LocOf(ctx.file, kv.first);
            if (!qr.ok() || !kv.second.IsMap()) continue;
            for (const auto& q : kv.second) {
              if (!q.second.IsScalar()) {
                qr.Err(q.second, "invalid-type", "query '" + q.first.Scalar() + "' must be a string");
                continue;
              }
              ps.services[kv.first.Scalar()][q.first.Scalar()] = q.second.Scalar();
            }
          }
        }
      }
      pr.Finish();
    }
  }
  r.Finish();
}

// ---- link stage -----------------------------------------------------------------------------

template <class V, class F>
void CheckDuplicates(Diagnostics& d, const V& items, const std::string& kind, F key) {
  std::map<std::string, const model::SourceLoc*> seen;
  for (const auto& x : items) {
    auto k = key(x);
    if (k.empty()) continue;
    auto [it, inserted] = seen.emplace(k, &x.loc);
    if (!inserted)
      d.Error(x.loc, "duplicate-id", kind + " '" + k + "' is already defined at " + it->second->ToString());
  }
}

void Link(Config& cfg, Diagnostics& d, const Places& places) {
  CheckDuplicates(d, cfg.services, "service", [](auto& x) { return x.id; });
  CheckDuplicates(d, cfg.people, "person", [](auto& x) { return x.id; });
  CheckDuplicates(d, cfg.teams, "team", [](auto& x) { return x.id; });
  CheckDuplicates(d, cfg.schedules, "schedule", [](auto& x) { return x.id; });
  CheckDuplicates(d, cfg.policies, "policy", [](auto& x) { return x.id; });
  CheckDuplicates(d, cfg.integrations, "integration key", [](auto& x) { return x.key; });
  CheckDuplicates(d, cfg.channels, "channel", [](auto& x) { return x.id; });
  CheckDuplicates(d, cfg.runbooks, "runbook", [](auto& x) { return x.id; });
  CheckDuplicates(d, cfg.severity_rules, "severity rule", [](auto& x) { return x.name; });
  CheckDuplicates(d, cfg.grouping_rules, "grouping rule", [](auto& x) { return x.name; });
  CheckDuplicates(d, cfg.redundancy_groups, "redundancy group", [](auto& x) { return x.id; });
  CheckDuplicates(d, cfg.scenarios, "scenario", [](auto& x) { return x.id; });
  CheckDuplicates(d, cfg.heartbeats, "heartbeat", [](auto& x) { return x.id; });
  CheckDuplicates(d, cfg.inhibit_rules, "inhibit rule", [](auto& x) { return x.name; });
  if (cfg.inhibit_rules.size() > 1000)
    d.Error(cfg.inhibit_rules[1000].loc, "too-many", "at most 1000 inhibit rules");
  CheckDuplicates(d, cfg.time_intervals, "time interval", [](auto& x) { return x.name; });
  CheckDuplicates(d, cfg.maintenance_windows, "maintenance window", [](auto& x) { return x.name; });
  if (cfg.maintenance_windows.size() > 200)
    d.Error(cfg.maintenance_windows[200].loc, "too-many", "at most 200 maintenance windows");
  for (const auto& w : cfg.maintenance_windows)
    for (const auto* names : {&w.mute_time_intervals, &w.active_time_intervals})
      for (const auto& name : *names)
        if (!cfg.FindTimeInterval(name))
          d.Error(w.loc, "undefined-time-interval",
                  "in maintenance window '" + w.name + "': " +
                      (names == &w.mute_time_intervals ? "mute_time_intervals" : "active_time_intervals") +
                      ": time interval '" + name + "' is not defined");
  cfg.Index();

  auto need_person = [&](const model::SourceLoc& loc, const std::string& where, const std::string& id) {
    if (!id.empty() && !cfg.FindPerson(id))
      d.Error(loc, "undefined-person", "in " + where + ": person '" + id + "' is not defined");
  };
  auto need_policy = [&](const model::SourceLoc& loc, const std::string& where, const std::string& id) {
    if (!id.empty() && !cfg.FindPolicy(id))
      d.Error(loc, "undefined-policy", "in " + where + ": escalation policy '" + id + "' is not defined");
  };
  for (const auto& s : cfg.services) {
    std::string where = "service '" + s.id + "'";
    if (!s.team.empty() && !cfg.FindTeam(s.team))
      d.Error(s.loc, "undefined-team", "in " + where + ": team '" + s.team + "' is not defined");
    need_policy(s.loc, where, s.escalation_policy);
    for (const auto& [sev, pol] : s.escalation_by_severity) need_policy(s.loc, where, pol);
    std::set<std::string> dep_seen;
    for (const auto& dep : s.dependencies) {
      if (!dep_seen.insert(dep.service).second)
        d.Error(dep.loc, "duplicate-dependency", "in " + where + ": dependency '" + dep.service + "' is listed twice");
      if (!cfg.FindService(dep.service))
        d.Error(dep.loc, "undefined-service",
                "in " + where + ": dependency '" + dep.service + "' is not a defined service");
      if (dep.service == s.id) d.Error(dep.loc, "self-dependency", "in " + where + ": a service cannot depend on itself");
    }
  }
  for (const auto& t : cfg.teams) {
    std::string where = "team '" + t.id + "'";
    for (const auto& m : t.members) need_person(t.loc, where, m);
    need_person(t.loc, where, t.lead);
    need_policy(t.loc, where, t.escalation_policy);
  }
  for (const auto& s : cfg.schedules) {
    std::string where = "schedule '" + s.id + "'";
    for (const auto& l : s.layers)
      for (const auto& m : l.members) need_person(s.loc, where, m);
    for (const auto& o : s.overrides) {
      need_person(s.loc, where, o.person);
      need_person(s.loc, where, o.replaces);
    }
  }
  for (const auto& p : cfg.policies) {
    if (!p.support_hours.empty() && !cfg.FindTimeInterval(p.support_hours))
      d.Error(p.loc, "undefined-time-interval",
              "in policy '" + p.id + "': support_hours: time interval '" + p.support_hours + "' is not defined");
    for (const auto& t : p.tiers) {
      for (const auto& x : t.targets) {
        std::string where = "policy '" + p.id + "'";
        if (x.type == "person" && !cfg.FindPerson(x.id))
          d.Error(x.loc, "undefined-person", "in " + where + ": person '" + x.id + "' is not defined");
        if (x.type == "schedule" && !cfg.FindSchedule(x.id))
          d.Error(x.loc, "undefined-schedule", "in " + where + ": schedule '" + x.id + "' is not defined");
        if (x.type == "team" && !cfg.FindTeam(x.id))
          d.Error(x.loc, "undefined-team", "in " + where + ": team '" + x.id + "' is not defined");
      }
    }
  }
  for (const auto& p : cfg.people) {
    for (const auto& c : p.contacts) {
      if (!c.channel.empty()) {
        const auto* ch = cfg.FindChannel(c.channel);
        if (!ch) {
          d.Error(p.loc, "undefined-channel",
                  "in person '" + p.id + "': contact channel '" + c.channel + "' is not defined");
        }
        continue;
      }
      bool any = false;
      for (const auto& ch : cfg.channels) {
        auto types = model::ContactTypesOf(ch);
        if (std::find(types.begin(), types.end(), c.type) != types.end()) any = true;
      }
      if (!any && !cfg.channels.empty())
        d.Warning(p.loc, "undeliverable-contact",
                  "in person '" + p.id + "': no channel delivers '" + c.type +
                      "' contacts; pages fall back to the next contact method");
    }
  }
  if (cfg.settings.audit_head_every.count() == 0)
    for (const auto& ch : cfg.channels)
      if (std::find(ch.events.begin(), ch.events.end(), "audit_head") != ch.events.end())
        d.Warning(ch.loc, "audit-head-off",
                  "in channel '" + ch.id + "': subscribes to audit_head, but settings.audit_head_every is 0, so "
                  "the head is never published");
  for (const auto& in : cfg.integrations) {
    if (!in.service.empty() && !cfg.FindService(in.service))
      d.Error(in.loc, "undefined-service",
              "in integration '" + in.name + "': service '" + in.service + "' is not defined");
  }
  for (const auto& hb : cfg.heartbeats) {
    if (!hb.service.empty() && !cfg.FindService(hb.service))
      d.Error(hb.loc, "undefined-service",
              "in heartbeat '" + hb.id + "': service '" + hb.service + "' is not defined");
    if (!hb.integration.empty() &&
        std::none_of(cfg.integrations.begin(), cfg.integrations.end(),
                     [&](const auto& in) { return in.name == hb.integration; }))
      d.Error(hb.loc, "undefined-integration",
              "in heartbeat '" + hb.id + "': no integration is named '" + hb.integration + "'");
  }
  for (const auto& g : cfg.grouping_rules) {
    for (const auto& s : g.match_services)
      if (!cfg.FindService(s))
        d.Error(g.loc, "undefined-service", "in grouping rule '" + g.name + "': service '" + s + "' is not defined");
  }
  for (const auto& rb : cfg.runbooks) {
    for (const auto& s : rb.services)
      if (!cfg.FindService(s))
        d.Error(rb.loc, "undefined-service", "in runbook '" + rb.id + "': service '" + s + "' is not defined");
  }
  need_policy(places.default_escalation_policy, "settings.default_escalation_policy",
              cfg.settings.default_escalation_policy);
  for (const auto& [svc, queries] : cfg.analyze.prometheus.services)
    if (!cfg.FindService(svc))
      d.Error(places.prometheus_services.count(svc) ? places.prometheus_services.at(svc) : SourceLoc{cfg.dir, 0, 0},
              "undefined-service",
              "in analyze.prometheus.services: service '" + svc + "' is not defined");

  // Redundancy groups: members are defined services, each in at most one group.
  std::map<std::string, std::string> group_of;
  for (const auto& g : cfg.redundancy_groups) {
    std::set<std::string> seen;
    for (const auto& m : g.members) {
      std::string where = "redundancy group '" + g.id + "'";
      if (!cfg.FindService(m.service)) {
        d.Error(m.loc, "undefined-service", "in " + where + ": member '" + m.service + "' is not a defined service");
        continue;
      }
      if (!seen.insert(m.service).second) {
        d.Error(m.loc, "duplicate-member", "in " + where + ": service '" + m.service + "' is listed twice");
        continue;
      }
      auto [it, fresh] = group_of.emplace(m.service, g.id);
      if (!fresh)
        d.Error(m.loc, "multiple-groups",
                "in " + where + ": service '" + m.service + "' is already in redundancy group '" + it->second + "'");
    }
  }
  // Scenarios name defined services and zones some service runs in.
  std::set<std::string> zones;
  for (const auto& s : cfg.services) zones.insert(s.capacity.zones.begin(), s.capacity.zones.end());
  for (const auto& sc : cfg.scenarios) {
    std::string where = "scenario '" + sc.id + "'";
    for (const auto& s : sc.services)
      if (!cfg.FindService(s))
        d.Error(sc.loc, "undefined-service", "in " + where + ": service '" + s + "' is not defined");
    for (const auto& z : sc.zones)
      if (!zones.count(z))
        d.Error(sc.loc, "undefined-zone", "in " + where + ": no service runs in zone '" + z + "'");
  }

  // Dependency cycles are legal but usually a mistake: warn once per cycle found.
  std::map<std::string, int> color;
  std::vector<std::string> stack;
  std::function<void(const model::Service&)> dfs = [&](const model::Service& s) {
    color[s.id] = 1;
    stack.push_back(s.id);
    for (const auto& dep : s.dependencies) {
      const auto* t = cfg.FindService(dep.service);
      if (!t || t->id == s.id) continue;
      if (color[t->id] == 1) {
        auto it = std::find(stack.begin(), stack.end(), t->id);
        std::vector<std::string> cyc(it, stack.end());
        cyc.push_back(t->id);
        d.Warning(dep.loc, "dependency-cycle", "dependency cycle: " + core::Join(cyc, " -> "));
      } else if (color[t->id] == 0) {
        dfs(*t);
      }
    }
    stack.pop_back();
    color[s.id] = 2;
  };
  for (const auto& s : cfg.services)
    if (color[s.id] == 0) dfs(s);
}

using Decoder = void (*)(Ctx&, const YAML::Node&, Config&);

void DecodeFile(Ctx& ctx, const YAML::Node& root, Config& cfg) {
  static const std::map<std::string, Decoder> kSections = {
      {"services", DecodeService},         {"people", DecodePerson},
      {"teams", DecodeTeam},               {"schedules", DecodeSchedule},
      {"escalation_policies", DecodePolicy}, {"severity_rules", DecodeSeverityRule},
      {"grouping_rules", DecodeGroupingRule},
      {"integrations", DecodeIntegration}, {"channels", DecodeChannel},
      {"runbooks", DecodeRunbook},         {"redundancy_groups", DecodeRedundancyGroup},
      {"scenarios", DecodeScenario},       {"heartbeats", DecodeHeartbeat},
      {"inhibit_rules", DecodeInhibitRule}, {"time_intervals", DecodeTimeInterval},
      {"maintenance_windows", DecodeMaintenanceWindow}};
  if (!root || root.IsNull()) return;  // empty file
  if (!root.IsMap()) {
    ctx.diags.Error(LocOf(ctx.file, root), "invalid-type",
                    "a config file is a mapping of sections (services:, people:, ...)");
    return;
  }
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) continue;
    const std::string& key = kv.first.Scalar();
    if (key == "settings") {
      DecodeSettings(ctx, kv.second, cfg);
      continue;
    }
    if (key == "analyze") {
      DecodeAnalyze(ctx, kv.second, cfg);
      continue;
    }
    auto it = kSections.find(key);
    if (it == kSections.end()) {
      ctx.diags.Warning(LocOf(ctx.file, kv.first), "unknown-key",
                        "unknown section '" + key + "' (ignored)");
      continue;
    }
    if (kv.second.IsNull()) continue;
    if (!kv.second.IsSequence()) {
      ctx.diags.Error(LocOf(ctx.file, kv.second), "invalid-type", "section '" + key + "' must be a list");
      continue;
    }
    for (const auto& item : kv.second) it->second(ctx, item, cfg);
  }
}

}  // namespace

LoadResult LoadConfigFiles(const std::map<std::string, std::string>& files) {
  LoadResult out;
  auto cfg = std::make_shared<Config>();
  Places places;
  for (const auto& [name, content] : files) {
    Ctx ctx{out.diagnostics, name, places};
    if (content.size() > kMaxFileBytes) {
      out.diagnostics.Error({name, 0, 0}, "file-too-large", "config files are limited to 4 MiB");
      continue;
    }
    YAML::Node root;
    try {
      root = YAML::Load(content);
    } catch (const YAML::ParserException& e) {
      out.diagnostics.Error({name, e.mark.line + 1, e.mark.column + 1}, "syntax", e.msg);
      continue;
    } catch (const YAML::Exception& e) {
      out.diagnostics.Error({name, 0, 0}, "syntax", e.what());
      continue;
    }
    try {
      DecodeFile(ctx, root, *cfg);
    } catch (const YAML::Exception& e) {
      out.diagnostics.Error({name, e.mark.line + 1, e.mark.column + 1}, "invalid", e.msg);
    }
  }
  Link(*cfg, out.diagnostics, places);
  if (!out.diagnostics.HasErrors()) out.config = std::move(cfg);
  return out;
}

LoadResult LoadConfigDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    LoadResult out;
    out.diagnostics.Error({dir, 0, 0}, "no-config-dir", "not a directory");
    return out;
  }
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    auto ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  LoadResult early;
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in && !in.eof()) {
      early.diagnostics.Error({p.string(), 0, 0}, "unreadable", "cannot read file");
      continue;
    }
    files[p.string()] = ss.str();
  }
  if (paths.empty()) {
    early.diagnostics.Error({dir, 0, 0}, "empty-config", "no .yaml files in the config directory");
    return early;
  }
  auto out = LoadConfigFiles(files);
  std::string all;
  for (const auto& [path, text] : files) {
    all += fs::path(path).filename().string();
    all += '\0';
    all += std::to_string(text.size());
    all += '\0';
    all += text;
  }
  out.fingerprint = core::Sha256Hex(all);
  for (const auto& d : early.diagnostics.all()) {
    if (d.level == Diagnostic::Level::kError) out.diagnostics.Error(d.loc, d.code, d.message);
  }
  if (early.diagnostics.HasErrors()) out.config.reset();
  if (out.config) {
    auto c = std::const_pointer_cast<Config>(out.config);
    c->dir = dir;
    // Paths in settings are relative to the config directory.
    auto& tdir = c->settings.reports.templates_dir;
    if (!tdir.empty() && tdir.front() != '/') tdir = dir + "/" + tdir;
  }
  return out;
}

}  // namespace firebreak::config
