// Publishing the audit chain's head off this machine.
//
// The store keeps the chain and its head side by side, so someone who can write the database can
// cut the tail and rewrite the head to match; only a head kept elsewhere shows it
// (`audit verify --anchor`). Rather than rely on someone polling `audit head`, the server sends the
// head itself, every settings.audit_head_every when the chain moved: to its log and to the channels
// subscribed to "audit_head". The notices go through the outbox like any other, so they survive a
// crash and are retried. Publishing writes no audit entry (that would move the head it publishes).
#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/json.h"
#include "core/time.h"
#include "paging/pager.h"

namespace firebreak::paging {

namespace json = boost::json;

namespace {
constexpr const char* kTimerKey = "next";

// What the meta record holds: the head published last and when, and when the chain was last looked
// at (the next look is audit_head_every after it).
struct Published {
  std::string head;
  std::optional<core::TimePoint> at;
  std::optional<core::TimePoint> checked;
};

Published ReadPublished(const std::optional<std::string>& saved) {
  Published p;
  if (!saved) return p;
  auto v = core::ParseJson(*saved);
  if (!v || !v->is_object()) return p;
  const auto& o = v->get_object();
  auto time = [&](const char* k) -> std::optional<core::TimePoint> {
    const auto* f = o.if_contains(k);
    if (!f || !f->is_string()) return std::nullopt;
    auto t = core::ParseRfc3339(f->get_string());
    return t ? std::optional(*t) : std::nullopt;
  };
  if (const auto* h = o.if_contains("head"); h && h->is_string()) p.head = h->get_string();
  p.at = time("at");
  p.checked = time("checked");
  return p;
}

json::value TimeOrNull(const std::optional<core::TimePoint>& t) {
  return t ? json::value(core::FormatRfc3339(*t)) : json::value(nullptr);
}
}  // namespace

void Pager::PlanAuditHead() { SubmitLogged(&Pager::PublishAuditHead, "publish the audit head"); }

Status Pager::PublishAuditHead(engine::Tx& tx) {
  const auto& cfg = tx.config();
  const auto every = cfg.settings.audit_head_every;
  if (every.count() <= 0) return tx.CancelTimer(kAuditHeadTimer, kTimerKey);
  const core::TimePoint now = tx.now();
  FB_ASSIGN_OR_RETURN(auto saved, tx.store().meta().Get(kAuditHeadMeta));
  Published last = ReadPublished(saved);
  if (last.checked && *last.checked + every > now) {
    FB_TRY(tx.ArmTimer(kAuditHeadTimer, kTimerKey, *last.checked + every));
    return Ok();
  }

  FB_ASSIGN_OR_RETURN(auto stored, tx.store().meta().Get("audit_head"));
  const std::string head = stored.value_or("");
  const auto colon = head.find(':');
  if (colon != std::string::npos && colon + 1 < head.size() && head != last.head) {
    const std::string seq = head.substr(0, colon), hash = head.substr(colon + 1);
    const std::string server = PublicUrl();
    const std::string note = "Entry " + seq + " is the newest of the audit log of the Firebreak at " + server +
                             ". Keep this message off that machine: with it, anyone can later prove that no "
                             "entry up to " + seq + " was rewritten or cut away.";
    spdlog::info("audit: chain head {} (check it later: firebreak audit verify --anchor {})", head, head);
    json::object audit{{"head", head},
                       {"seq", seq},
                       {"hash", hash},
                       {"at", core::FormatRfc3339(now)},
                       {"server", server},
                       {"verify", "firebreak audit verify --server " + server + " --anchor " + head}};
    int queued = 0;
    for (const auto& ch : cfg.channels) {
      if (std::find(ch.events.begin(), ch.events.end(), "audit_head") == ch.events.end()) continue;
      const std::vector<std::string> dests = ch.type == "email" ? ch.to : std::vector<std::string>{""};
      for (size_t i = 0; i < dests.size(); ++i) {
        store::OutboxRow row;
        // A restored backup can reach the same seq again with another hash.
        row.key = "audit_head." + seq + "." + hash.substr(0, 16) + "." + ch.id + (i ? "." + std::to_string(i) : "");
        row.kind = "broadcast";
        row.event = "audit_head";
        row.channel = ch.id;
        row.channel_type = ch.type;
        row.destination = dests[i];
        row.context = core::ToJson(json::object{{"event", "audit_head"}, {"note", note}, {"audit", audit}});
        FB_TRY(Enqueue(tx, std::move(row)));
        ++queued;
      }
    }
    metrics_.GetCounter("firebreak_audit_head_published_total", "Times the audit chain head was published").Inc();
    if (queued == 0 && !cfg.channels.empty())
      spdlog::debug("audit: no channel subscribes to audit_head; the head went to the log only");
    last.head = head;
    last.at = now;
  }
  last.checked = now;
  FB_TRY(tx.store().meta().Set(kAuditHeadMeta, core::ToJson(json::object{{"head", last.head},
                                                                          {"at", TimeOrNull(last.at)},
                                                                          {"checked", TimeOrNull(last.checked)}})));
  FB_TRY(tx.ArmTimer(kAuditHeadTimer, kTimerKey, now + every));
  return Ok();
}

Result<json::value> Pager::LastAuditHead() const {
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  FB_ASSIGN_OR_RETURN(auto saved, tx->meta().Get(kAuditHeadMeta));
  Published p = ReadPublished(saved);
  if (!p.at) return json::value(nullptr);
  return json::value(json::object{{"head", p.head}, {"at", core::FormatRfc3339(*p.at)}});
}

Result<std::vector<store::OutboxRow>> Pager::AuditHeadNotices(int limit) const {
  FB_ASSIGN_OR_RETURN(auto tx, store_.BeginRead());
  return tx->outbox().Latest("", "", "audit_head", limit);
}

}  // namespace firebreak::paging
