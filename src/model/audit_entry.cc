#include "model/audit_entry.h"

#include "core/time.h"

namespace firebreak::model {

boost::json::object ToJson(const AuditEntry& e) {
  boost::json::object o;
  o["seq"] = e.seq;
  o["time"] = core::FormatRfc3339(e.time);
  o["actor"] = e.actor;
  o["action"] = e.action;
  o["target"] = e.target;
  o["details"] = e.details;
  o["prev_hash"] = e.prev_hash;
  o["hash"] = e.hash;
  return o;
}

}  // namespace firebreak::model
