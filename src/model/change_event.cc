#include "model/change_event.h"

#include "core/time.h"

namespace firebreak::model {

boost::json::object ToJson(const ChangeEvent& c) {
  boost::json::object o;
  o["id"] = c.id;
  o["service"] = c.service;
  o["kind"] = c.kind;
  o["summary"] = c.summary;
  o["source"] = c.source;
  o["time"] = core::FormatRfc3339(c.time);
  o["received_at"] = core::FormatRfc3339(c.received_at);
  boost::json::object labels;
  for (const auto& [k, v] : c.labels) labels[k] = v;
  o["labels"] = std::move(labels);
  boost::json::array links;
  for (const auto& l : c.links) links.emplace_back(l);
  o["links"] = std::move(links);
  if (!c.dedup_key.empty()) o["dedup_key"] = c.dedup_key;
  return o;
}

}  // namespace firebreak::model
