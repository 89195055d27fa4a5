// Result<T>: the one error type of Firebreak.
//
// Every fallible function returns Result<T> (or Status for no value). Library exceptions are
// caught at the adapter that calls the library and turned into an Error here. The mapping from
// ErrorCode to an HTTP status and to a JSON-RPC code lives in one place (error.cc).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace firebreak {

// Codes borrow Abseil's meanings.
enum class ErrorCode {
  kInvalidArgument,     // the caller sent something malformed or out of range (400)
  kUnauthenticated,     // no or bad credentials (401)
  kPermissionDenied,    // authenticated but not allowed (403)
  kNotFound,            // the named thing does not exist (404)
  kMethodNotAllowed,    // the path exists, but not with this HTTP method (405)
  kAlreadyExists,       // creating something that exists (409)
  kFailedPrecondition,  // the system is not in a state that allows this, e.g. invalid transition (409)
  kTooLarge,            // request body over the limit (413)
  kResourceExhausted,   // rate limited / quota (429)
  kUnavailable,         // a dependency (disk, peer) is not reachable; retrying may help (503)
  kDeadlineExceeded,    // a timeout (504)
  kInternal,            // a bug (500)
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;  // the offending input field or config path, when there is one

  // "invalid_argument: ... (field: x)"
  std::string ToString() const;
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

// Stable snake_case name of a code, used in JSON errors: "invalid_argument".
std::string_view ErrorCodeName(ErrorCode code);
// The one mapping from error codes to HTTP statuses.
int HttpStatusFor(ErrorCode code);
// The one mapping from error codes to JSON-RPC error codes (MCP).
int JsonRpcCodeFor(ErrorCode code);
// JSON-RPC failures of the protocol itself, which have no ErrorCode (MCP transports).
enum class RpcFailure {
  kParseError,       // not JSON, or not UTF-8 (-32700)
  kInvalidRequest,   // JSON, but not a valid JSON-RPC 2.0 message (-32600)
  kMethodNotFound,   // unknown method (-32601)
  kBadTransport,     // an HTTP-level refusal: bad session header, version, media type (-32000)
  kSessionNotFound,  // unknown or terminated MCP session (-32001)
};
int JsonRpcCodeFor(RpcFailure failure);

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message, std::string field = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(field)});
}
inline tl::unexpected<Error> InvalidArgument(std::string message, std::string field = {}) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), std::move(field));
}
// An unknown parameter or field named by the request itself: "unknown <what> 'name'" (the name cut
// to 64 bytes) plus `detail`, with the name as the field, or `where` when the name is empty.
tl::unexpected<Error> UnknownName(std::string_view what, std::string_view name, std::string where,
                                  std::string_view detail = {});
inline tl::unexpected<Error> NotFound(std::string message, std::string field = {}) {
  return MakeError(ErrorCode::kNotFound, std::move(message), std::move(field));
}
inline tl::unexpected<Error> AlreadyExists(std::string message, std::string field = {}) {
  return MakeError(ErrorCode::kAlreadyExists, std::move(message), std::move(field));
}
inline tl::unexpected<Error> FailedPrecondition(std::string message, std::string field = {}) {
  return MakeError(ErrorCode::kFailedPrecondition, std::move(message), std::move(field));
}
inline tl::unexpected<Error> PermissionDenied(std::string message) {
  return MakeError(ErrorCode::kPermissionDenied, std::move(message));
}
inline tl::unexpected<Error> Unauthenticated(std::string message) {
  return MakeError(ErrorCode::kUnauthenticated, std::move(message));
}
inline tl::unexpected<Error> Unavailable(std::string message) {
  return MakeError(ErrorCode::kUnavailable, std::move(message));
}
inline tl::unexpected<Error> Internal(std::string message) {
  return MakeError(ErrorCode::kInternal, std::move(message));
}
inline tl::unexpected<Error> Unexpected(Error e) { return tl::unexpected<Error>(std::move(e)); }

inline Status Ok() { return {}; }

}  // namespace firebreak

#define FB_CONCAT_INNER_(a, b) a##b
#define FB_CONCAT_(a, b) FB_CONCAT_INNER_(a, b)

// FB_TRY(expr): evaluate a Result-returning expression; on error return it from the caller.
#define FB_TRY(expr)                                            \
  do {                                                          \
    auto&& fb_try_r_ = (expr);                                  \
    if (!fb_try_r_) return ::tl::unexpected(fb_try_r_.error()); \
  } while (0)

// FB_ASSIGN_OR_RETURN(decl, expr): `decl = *expr` on success, else return the error.
#define FB_ASSIGN_OR_RETURN(decl, expr) FB_ASSIGN_OR_RETURN_IMPL_(FB_CONCAT_(fb_r_, __LINE__), decl, expr)
#define FB_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr)       \
  auto tmp = (expr);                                     \
  if (!tmp) return ::tl::unexpected(std::move(tmp).error()); \
  decl = std::move(*tmp)
