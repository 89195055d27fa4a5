// Messages: what a notification says on each kind of channel.
//
// A notification's context (stored with it in the outbox: the event, the incident, the page, the
// recipient) is rendered when it is delivered. Subject and text come from Mustache templates —
// built-in ones, or a channel's own (`template: {subject, text}` in its config). The generic
// webhook receives a fixed JSON document that includes the rendered text; the Slack-compatible
// payload wraps the text in blocks with acknowledge / resolve / open buttons.
//
// Template variables: event, event_label, incident.{id,title,severity,priority,state,services,
// blast_radius,impact,flags,created_at,source}, services (comma-separated), page.{tier,cycle,reason,
// trigger,late}, recipient.{person,name,contact_type,address}, note, links.{acknowledge,resolve,
// incident}, idempotency_key. Empty values are absent, so {{#impact}}...{{/impact}} works.
#pragma once

#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/result.h"
#include "model/catalog.h"

namespace firebreak::notify {

struct Links {
  std::string acknowledge;  // signed one-click links ("" when the incident cannot take the action)
  std::string resolve;
  std::string accept;   // a request to respond: the person asked accepts / declines
  std::string decline;
  std::string incident;  // the incident in the API / console
};

struct Message {
  std::string subject;
  std::string text;
  boost::json::object webhook;  // body for generic webhooks
  boost::json::object slack;    // body for Slack-compatible incoming webhooks
};

// The built-in templates (documented in the README).
std::string_view DefaultSubjectTemplate();
std::string_view DefaultTextTemplate();

// Renders `context` for `channel`. InvalidArgument if a template fails to render.
Result<Message> Render(const model::Channel& channel, const boost::json::object& context, const Links& links,
                       std::string_view idempotency_key);

}  // namespace firebreak::notify
