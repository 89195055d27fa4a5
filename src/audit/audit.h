// The hash-chained audit log.
//
// Each entry's hash is SHA-256 over its canonical encoding (CanonicalJson of seq, time in Unix ms,
// actor, action, target, details, prev_hash), and prev_hash is the hash of the entry before it (64
// zeros for the first). Editing an entry breaks its hash; deleting one leaves a gap in seq or breaks
// the next entry's prev_hash; reordering breaks both. The store also keeps the head (last seq and
// hash), written in the same transaction as each append, so truncating the tail is caught too,
// unless the head is rewritten with it. Someone who can write the database can do that (or forge a
// chain by recomputing every hash); keep the head elsewhere (`firebreak audit head`) and check
// against it (`audit verify --anchor`) to detect either.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/audit_entry.h"

namespace firebreak::audit {

inline const std::string kGenesisHash(64, '0');

// The bytes that are hashed.
std::string CanonicalEncoding(const model::AuditEntry& e);
std::string ComputeHash(const model::AuditEntry& e);
// Sets e.seq, e.prev_hash and e.hash so that `e` follows `prev` (or starts the chain).
void Seal(model::AuditEntry& e, const std::optional<model::AuditEntry>& prev);

// "seq:hash", the head record kept beside the chain.
std::string EncodeHead(int64_t seq, const std::string& hash);

struct VerifyResult {
  bool ok = true;
  int64_t checked = 0;
  int64_t bad_seq = 0;  // first entry found wrong (0 when ok)
  std::string problem;  // one line: what is wrong with it
};

// Checks a chain fed entry by entry in storage order.
class Verifier {
 public:
  // Returns false once a problem was found (no need to feed more).
  bool Add(const model::AuditEntry& e);
  // Completes the check against the stored head ("seq:hash", empty if none was stored).
  VerifyResult Finish(const std::string& head);

 private:
  VerifyResult r_;
  int64_t expected_seq_ = 1;
  std::string prev_hash_ = kGenesisHash;
};

}  // namespace firebreak::audit
