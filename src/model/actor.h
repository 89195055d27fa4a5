// Who did something: actors as they appear in the audit log (DESIGN.md §3), and the principal an
// authenticated request runs as.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace firebreak::model {

struct Actor {
  enum class Kind { kPerson, kToken, kAgent, kSystem };
  Kind kind = Kind::kSystem;
  std::string id;

  static Actor Person(std::string id) { return {Kind::kPerson, std::move(id)}; }
  static Actor Token(std::string id) { return {Kind::kToken, std::move(id)}; }
  static Actor Agent(std::string name) { return {Kind::kAgent, std::move(name)}; }
  static Actor System(std::string module) { return {Kind::kSystem, std::move(module)}; }

  // "person:alice", "token:t_12", "agent:claude", "system:escalate"
  std::string ToString() const;
  static Result<Actor> Parse(std::string_view s);
  bool operator==(const Actor&) const = default;
};

// Token scopes. A token holds a set of them.
enum Scope : unsigned { kScopeRead = 1, kScopeWrite = 2, kScopeApprove = 4, kScopeAdmin = 8 };
using Scopes = unsigned;
// "read,write" -> bits; unknown names are an error naming them.
Result<Scopes> ParseScopes(std::string_view csv);
std::string ScopesToString(Scopes s);
std::string_view ScopeName(Scope s);

// The identity a request runs as: the actor recorded in the audit log, the person behind it (for
// four-eyes checks; empty for non-person tokens) and what it may do.
struct Principal {
  Actor actor;
  std::string person;  // person id, or empty
  std::string token_id;
  Scopes scopes = 0;

  bool Has(Scope s) const { return (scopes & s) != 0 || (scopes & kScopeAdmin) != 0; }
  // A principal with every scope acting as the system module `module` (internal work).
  static Principal System(std::string module);
};

// Returns PermissionDenied naming the missing scope unless `p` has `s`.
Status RequireScope(const Principal& p, Scope s);

}  // namespace firebreak::model
