#include "notify/message.h"

#include <kainjow/mustache.hpp>

#include "core/strings.h"

namespace firebreak::notify {

namespace json = boost::json;
namespace mst = kainjow::mustache;

namespace {

// A shift handoff notice has a `shift` and no incident; the audit head has `audit` and no incident.
constexpr std::string_view kSubject =
    "{{event_label}}: {{#audit}}entry {{seq}} of {{server}}{{/audit}}{{^audit}}"
    "{{^shift}}[{{incident.severity}}] {{incident.id}} {{incident.title}}{{/shift}}"
    "{{#shift}}{{schedule_name}}, {{at_local}}{{/shift}}{{/audit}}";

constexpr std::string_view kText =
    "{{#audit}}{{event_label}}: {{head}}\n{{note}}\nCheck it: {{verify}}\n{{/audit}}{{^audit}}"
    "{{#shift}}{{event_label}}: {{schedule_name}}, {{at_local}}\n{{note}}\n"
    "{{#incidents}}- [{{severity}}] {{id}} {{title}} ({{state}}{{#acknowledged_by}}, acknowledged by "
    "{{acknowledged_by}}{{/acknowledged_by}})\n{{/incidents}}{{/shift}}"
    "{{^shift}}"
    "{{event_label}}: [{{incident.severity}}] {{incident.id}} {{incident.title}}\n"
    "{{#page}}{{#tier}}Tier {{tier}}{{/tier}}{{^tier}}Responders{{/tier}}{{#late}} (late){{/late}}: {{reason}}\n{{/page}}"
    "{{#note}}{{note}}\n{{/note}}"
    "State: {{incident.state}}. Services: {{services}}\n"
    "{{#incident.impact}}Impact: {{incident.impact}}\n{{/incident.impact}}"
    "{{#links.accept}}Accept (you are joining): {{links.accept}}\n{{/links.accept}}"
    "{{#links.decline}}Decline: {{links.decline}}\n{{/links.decline}}"
    "{{#links.acknowledge}}Acknowledge: {{links.acknowledge}}\n{{/links.acknowledge}}"
    "{{#links.resolve}}Resolve: {{links.resolve}}\n{{/links.resolve}}"
    "{{#links.incident}}Incident: {{links.incident}}\n{{/links.incident}}"
    "{{/shift}}{{/audit}}";

std::string EventLabel(std::string_view e) {
  if (e == "page") return "Page";
  if (e == "opened") return "Incident opened";
  if (e == "acknowledged") return "Acknowledged";
  if (e == "resolved") return "Resolved";
  if (e == "reopened") return "Reopened";
  if (e == "unacknowledged") return "Unacknowledged";
  if (e == "notification_failed") return "Notification failed";
  if (e == "escalation_stale") return "Escalation overdue";
  if (e == "status_update") return "Status update";
  if (e == "status_update_external") return "Public status update";
  if (e == "responder_accepted") return "Responder accepted";
  if (e == "responder_declined") return "Responder declined";
  if (e == "shift_start") return "On-call shift starting";
  if (e == "shift_end") return "On-call shift ending";
  if (e == "shift_changed") return "On-call shift changed";
  if (e == "audit_head") return "Audit chain head";
  return std::string(e);
}

// JSON -> Mustache data. Empty strings, nulls and empty lists are left out so sections on them are
// false.
std::optional<mst::data> ToData(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return std::nullopt;
    case json::kind::bool_: return v.get_bool() ? mst::data(mst::data::type::bool_true)
                                                : mst::data(mst::data::type::bool_false);
    case json::kind::int64: return mst::data(std::to_string(v.get_int64()));
    case json::kind::uint64: return mst::data(std::to_string(v.get_uint64()));
    case json::kind::double_: return mst::data(json::serialize(v));
    case json::kind::string: {
      if (v.get_string().empty()) return std::nullopt;
      return mst::data(std::string(v.get_string()));
    }
    case json::kind::array: {
      if (v.get_array().empty()) return std::nullopt;
      mst::data list(mst::data::type::list);
      for (const auto& e : v.get_array())
        if (auto d = ToData(e)) list.push_back(*d);
      return list;
    }
    case json::kind::object: {
      mst::data obj(mst::data::type::object);
      for (const auto& kv : v.get_object())
        if (auto d = ToData(kv.value())) obj.set(std::string(kv.key()), *d);
      return obj;
    }
  }
  return std::nullopt;
}

std::string Str(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
}

std::string JoinArray(const json::object& o, std::string_view k) {
  std::vector<std::string> parts;
  if (auto it = o.find(k); it != o.end() && it->value().is_array())
    for (const auto& v : it->value().get_array())
      if (v.is_string()) parts.emplace_back(v.get_string());
  return core::Join(parts, ", ");
}

std::string SlackEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

Result<std::string> RenderOne(std::string_view tmpl, const mst::data& data, bool slack) {
  mst::mustache m{std::string(tmpl)};
  if (!m.is_valid()) return InvalidArgument("template: " + m.error_message(), "template");
  if (slack) m.set_custom_escape([](const std::string& s) { return SlackEscape(s); });
  else m.set_custom_escape([](const std::string& s) { return s; });
  std::string out = m.render(data);
  if (!m.is_valid()) return InvalidArgument("template: " + m.error_message(), "template");
  return out;
}

json::object Button(const char* label, const std::string& url, const char* style) {
  json::object b{{"type", "button"},
                 {"text", json::object{{"type", "plain_text"}, {"text", label}}},
                 {"url", url},
                 {"action_id", std::string("firebreak_") + label}};
  if (style) b["style"] = style;
  return b;
}

}  // namespace

std::string_view DefaultSubjectTemplate() { return kSubject; }
std::string_view DefaultTextTemplate() { return kText; }

Result<Message> Render(const model::Channel& channel, const json::object& context, const Links& links,
                       std::string_view idempotency_key) {
  json::object ctx = context;
  const std::string event = Str(ctx, "event");
  ctx["event_label"] = EventLabel(event);
  ctx["idempotency_key"] = idempotency_key;
  json::object inc;
  if (auto it = ctx.find("incident"); it != ctx.end() && it->value().is_object()) inc = it->value().get_object();
  ctx["services"] = JoinArray(inc, "services");
  ctx["links"] = json::object{{"acknowledge", links.acknowledge},
                              {"resolve", links.resolve},
                              {"accept", links.accept},
                              {"decline", links.decline},
                              {"incident", links.incident}};
  // Tiers are 1-based for people.
  if (auto it = ctx.find("page"); it != ctx.end() && it->value().is_object()) {
    auto& page = it->value().get_object();
    if (auto t = page.find("tier"); t != page.end() && t->value().is_int64()) page["tier"] = t->value().get_int64() + 1;
  }
  auto data = ToData(json::value(ctx));
  const bool slack = channel.type == "slack";
  Message m;
  FB_ASSIGN_OR_RETURN(m.subject, RenderOne(channel.template_subject.empty() ? kSubject : channel.template_subject,
                                           *data, false));
  FB_ASSIGN_OR_RETURN(m.text,
                      RenderOne(channel.template_text.empty() ? kText : channel.template_text, *data, slack));
  // Subjects are one line.
  for (auto& c : m.subject)
    if (c == '\r' || c == '\n') c = ' ';

  json::object recipient;
  if (auto it = ctx.find("recipient"); it != ctx.end() && it->value().is_object()) recipient = it->value().get_object();
  json::value page = nullptr;
  if (auto it = ctx.find("page"); it != ctx.end()) page = it->value();
  m.webhook = json::object{{"version", "1"},
                           {"event", event},
                           {"idempotency_key", idempotency_key},
                           {"subject", m.subject},
                           {"text", m.text},
                           {"incident", inc},
                           {"page", page},
                           {"recipient", recipient.empty() ? json::value(nullptr) : json::value(recipient)},
                           {"note", Str(ctx, "note")},
                           {"links", ctx["links"]}};
  if (auto it = ctx.find("audit"); it != ctx.end() && it->value().is_object()) m.webhook["audit"] = it->value();
  if (auto it = ctx.find("shift"); it != ctx.end() && it->value().is_object()) {
    m.webhook["shift"] = it->value();
    if (auto i = ctx.find("incidents"); i != ctx.end()) m.webhook["incidents"] = i->value();
  }

  json::array blocks;
  blocks.push_back(json::object{{"type", "header"},
                                {"text", json::object{{"type", "plain_text"}, {"text", core::Truncate(m.subject, 150)}}}});
  std::string body = m.text;
  std::string who = Str(recipient, "address");
  // Messages to one person (pages, notices such as an answer to their request) mention them.
  if (!who.empty()) body = SlackEscape(who) + " " + body;
  blocks.push_back(json::object{{"type", "section"},
                                {"text", json::object{{"type", "mrkdwn"}, {"text", core::Truncate(body, 2900)}}}});
  json::array buttons;
  if (!links.accept.empty()) buttons.push_back(Button("Accept", links.accept, "primary"));
  if (!links.decline.empty()) buttons.push_back(Button("Decline", links.decline, "danger"));
  if (!links.acknowledge.empty())
    buttons.push_back(Button("Acknowledge", links.acknowledge, links.accept.empty() ? "primary" : nullptr));
  if (!links.resolve.empty()) buttons.push_back(Button("Resolve", links.resolve, nullptr));
  if (!links.incident.empty()) buttons.push_back(Button("Open", links.incident, nullptr));
  if (!buttons.empty()) blocks.push_back(json::object{{"type", "actions"}, {"elements", buttons}});
  blocks.push_back(json::object{
      {"type", "context"},
      {"elements", json::array{json::object{{"type", "mrkdwn"},
                                            {"text", "Firebreak · " + SlackEscape(std::string(idempotency_key))}}}}});
  m.slack = json::object{{"text", (who.empty() ? "" : SlackEscape(who) + " ") + m.text},
                         {"blocks", blocks}};
  return m;
}

}  // namespace firebreak::notify
