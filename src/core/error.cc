#include "core/result.h"

#include "core/strings.h"

namespace firebreak {

tl::unexpected<Error> UnknownName(std::string_view what, std::string_view name, std::string where,
                                  std::string_view detail) {
  std::string shown = core::Truncate(name, 64);
  std::string message = "unknown " + std::string(what) + " '" + shown + "'" + std::string(detail);
  return InvalidArgument(std::move(message), name.empty() ? std::move(where) : std::string(name));
}

std::string Error::ToString() const {
  std::string s(ErrorCodeName(code));
  s += ": ";
  s += message;
  if (!field.empty()) {
    s += " (field: ";
    s += field;
    s += ")";
  }
  return s;
}

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kMethodNotAllowed: return "method_not_allowed";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kFailedPrecondition: return "failed_precondition";
    case ErrorCode::kTooLarge: return "too_large";
    case ErrorCode::kResourceExhausted: return "resource_exhausted";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kDeadlineExceeded: return "deadline_exceeded";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kTooLarge: return 413;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kDeadlineExceeded: return 504;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

int JsonRpcCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return -32602;  // invalid params
    case ErrorCode::kNotFound: return -32002;         // resource not found (MCP)
    case ErrorCode::kInternal: return -32603;
    // Implementation-defined range -32000..-32019 for the rest.
    case ErrorCode::kUnauthenticated: return -32001;
    case ErrorCode::kPermissionDenied: return -32003;
    case ErrorCode::kAlreadyExists: return -32004;
    case ErrorCode::kFailedPrecondition: return -32005;
    case ErrorCode::kTooLarge: return -32006;
    case ErrorCode::kResourceExhausted: return -32007;
    case ErrorCode::kUnavailable: return -32008;
    case ErrorCode::kDeadlineExceeded: return -32009;
    case ErrorCode::kMethodNotAllowed: return -32010;
  }
  return -32603;
}

int JsonRpcCodeFor(RpcFailure failure) {
  switch (failure) {
    case RpcFailure::kParseError: return -32700;
    case RpcFailure::kInvalidRequest: return -32600;
    case RpcFailure::kMethodNotFound: return -32601;
    case RpcFailure::kBadTransport: return -32000;
    case RpcFailure::kSessionNotFound: return -32001;
  }
  return -32603;
}

}  // namespace firebreak
