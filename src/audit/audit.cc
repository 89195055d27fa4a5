#include "audit/audit.h"

#include "core/crypto.h"
#include "core/json.h"
#include "core/time.h"

namespace firebreak::audit {

std::string CanonicalEncoding(const model::AuditEntry& e) {
  boost::json::object o;
  o["seq"] = e.seq;
  o["time"] = core::ToUnixMillis(e.time);
  o["actor"] = e.actor;
  o["action"] = e.action;
  o["target"] = e.target;
  o["details"] = e.details;
  o["prev_hash"] = e.prev_hash;
  return core::CanonicalJson(o);
}

std::string ComputeHash(const model::AuditEntry& e) { return core::Sha256Hex(CanonicalEncoding(e)); }

void Seal(model::AuditEntry& e, const std::optional<model::AuditEntry>& prev) {
  e.seq = prev ? prev->seq + 1 : 1;
  e.prev_hash = prev ? prev->hash : kGenesisHash;
  e.hash = ComputeHash(e);
}

std::string EncodeHead(int64_t seq, const std::string& hash) { return std::to_string(seq) + ":" + hash; }

bool Verifier::Add(const model::AuditEntry& e) {
  if (!r_.ok) return false;
  auto fail = [&](int64_t seq, std::string why) {
    r_.ok = false;
    r_.bad_seq = seq;
    r_.problem = std::move(why);
    return false;
  };
  if (e.seq > expected_seq_) {
    return fail(expected_seq_, "entry " + std::to_string(expected_seq_) +
                                   " is missing (deleted): the chain jumps from " +
                                   std::to_string(expected_seq_ - 1) + " to " + std::to_string(e.seq));
  }
  if (e.seq < expected_seq_) {
    return fail(e.seq, "entry " + std::to_string(e.seq) + " is out of order (found after entry " +
                           std::to_string(expected_seq_ - 1) + ")");
  }
  if (ComputeHash(e) != e.hash) {
    return fail(e.seq, "entry " + std::to_string(e.seq) + " was edited: its hash does not match its contents");
  }
  if (e.prev_hash != prev_hash_) {
    return fail(e.seq, "entry " + std::to_string(e.seq) + " does not follow entry " +
                           std::to_string(e.seq - 1) + ": prev_hash mismatch (an entry was replaced or reordered)");
  }
  prev_hash_ = e.hash;
  ++expected_seq_;
  ++r_.checked;
  return true;
}

VerifyResult Verifier::Finish(const std::string& head) {
  if (!r_.ok) return r_;
  int64_t last = expected_seq_ - 1;
  std::string expect = last == 0 ? "" : EncodeHead(last, prev_hash_);
  if (head.empty() && last == 0) return r_;
  if (head != expect) {
    r_.ok = false;
    auto colon = head.find(':');
    int64_t head_seq = 0;
    if (colon != std::string::npos) head_seq = std::atoll(head.substr(0, colon).c_str());
    if (head_seq > last) {
      r_.bad_seq = last + 1;
      r_.problem = "entries " + std::to_string(last + 1) + ".." + std::to_string(head_seq) +
                   " are missing (the end of the chain was deleted)";
    } else {
      r_.bad_seq = head_seq > 0 ? head_seq : last;
      r_.problem = "the chain does not end at the recorded head (" + (head.empty() ? "none" : head) + ")";
    }
  }
  return r_;
}

}  // namespace firebreak::audit
