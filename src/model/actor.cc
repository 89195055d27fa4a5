#include "model/actor.h"

#include "core/strings.h"

namespace firebreak::model {

std::string Actor::ToString() const {
  switch (kind) {
    case Kind::kPerson: return "person:" + id;
    case Kind::kToken: return "token:" + id;
    case Kind::kAgent: return "agent:" + id;
    case Kind::kSystem: return "system:" + id;
  }
  return "system:" + id;
}

Result<Actor> Actor::Parse(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon + 1 >= s.size())
    return InvalidArgument("invalid actor '" + std::string(s) + "': expected kind:id");
  std::string_view kind = s.substr(0, colon);
  std::string id(s.substr(colon + 1));
  if (kind == "person") return Person(id);
  if (kind == "token") return Token(id);
  if (kind == "agent") return Agent(id);
  if (kind == "system") return System(id);
  return InvalidArgument("invalid actor kind '" + std::string(kind) + "'");
}

std::string_view ScopeName(Scope s) {
  switch (s) {
    case kScopeRead: return "read";
    case kScopeWrite: return "write";
    case kScopeApprove: return "approve";
    case kScopeAdmin: return "admin";
  }
  return "?";
}

Result<Scopes> ParseScopes(std::string_view csv) {
  Scopes out = 0;
  for (const auto& raw : core::Split(csv, ',', true)) {
    std::string name(core::Trim(raw));
    if (name == "read") out |= kScopeRead;
    else if (name == "write") out |= kScopeWrite;
    else if (name == "approve") out |= kScopeApprove;
    else if (name == "admin") out |= kScopeAdmin;
    else if (!name.empty())
      return InvalidArgument("unknown scope '" + name + "' (scopes: read, write, approve, admin)",
                             "scopes");
  }
  if (out == 0) return InvalidArgument("at least one scope is required", "scopes");
  return out;
}

std::string ScopesToString(Scopes s) {
  std::string out;
  for (Scope sc : {kScopeRead, kScopeWrite, kScopeApprove, kScopeAdmin}) {
    if (s & sc) {
      if (!out.empty()) out += ",";
      out += ScopeName(sc);
    }
  }
  return out;
}

Principal Principal::System(std::string module) {
  Principal p;
  p.actor = Actor::System(std::move(module));
  p.scopes = kScopeRead | kScopeWrite | kScopeApprove | kScopeAdmin;
  return p;
}

Status RequireScope(const Principal& p, Scope s) {
  if (p.Has(s)) return Ok();
  return PermissionDenied("this action needs the '" + std::string(ScopeName(s)) +
                          "' scope; the token of " + p.actor.ToString() + " has '" +
                          ScopesToString(p.scopes) + "'");
}

}  // namespace firebreak::model
