#include "mcp/jsonrpc.h"

#include "core/json.h"
#include "core/json_strict.h"
#include "core/strings.h"

namespace firebreak::mcp {

namespace {

DecodeFailure Invalid(std::string message, json::value id = nullptr) {
  return DecodeFailure{RpcFailure::kInvalidRequest, std::move(message), std::move(id)};
}

bool IsValidId(const json::value& v) { return v.is_string() || v.is_int64() || v.is_uint64(); }

}  // namespace

Decoded DecodeValue(const json::value& v) {
  Decoded d;
  if (v.is_array()) {
    d.failure = Invalid("batches (JSON arrays) are not supported: send one message at a time");
    return d;
  }
  if (!v.is_object()) {
    d.failure = Invalid("a JSON-RPC message must be an object");
    return d;
  }
  const auto& o = v.get_object();
  // Recover the id early so that every later error can be answered to the right request.
  json::value id = nullptr;
  const json::value* idv = o.if_contains("id");
  if (idv && IsValidId(*idv)) id = *idv;

  for (const auto& kv : o) {
    auto k = kv.key();
    if (k != "jsonrpc" && k != "id" && k != "method" && k != "params" && k != "result" &&
        k != "error") {
      d.failure = Invalid("unknown member '" + std::string(k.substr(0, 64)) + "'", id);
      return d;
    }
  }
  const json::value* ver = o.if_contains("jsonrpc");
  if (!ver || !ver->is_string() || ver->get_string() != "2.0") {
    d.failure = Invalid("member 'jsonrpc' must be the string \"2.0\"", id);
    return d;
  }
  if (idv && !IsValidId(*idv)) {
    d.failure = Invalid(idv->is_null() ? "member 'id' must not be null"
                                       : "member 'id' must be a string or an integer");
    return d;
  }
  const json::value* method = o.if_contains("method");
  const json::value* result = o.if_contains("result");
  const json::value* error = o.if_contains("error");
  Message m;
  if (method) {
    if (result || error) {
      d.failure = Invalid("a request must not carry 'result' or 'error'", id);
      return d;
    }
    if (!method->is_string() || method->get_string().empty()) {
      d.failure = Invalid("member 'method' must be a non-empty string", id);
      return d;
    }
    m.method = std::string(method->get_string());
    if (const json::value* params = o.if_contains("params")) {
      if (!params->is_object()) {
        // MCP only uses named parameters.
        d.failure = Invalid("member 'params' must be an object", id);
        return d;
      }
      m.params = params->get_object();
    }
    if (idv) {
      m.kind = Message::Kind::kRequest;
      m.id = *idv;
    } else {
      m.kind = Message::Kind::kNotification;
    }
    d.message = std::move(m);
    return d;
  }
  // A response.
  if (o.contains("params")) {
    d.failure = Invalid("member 'method' is missing", id);
    return d;
  }
  if (!idv) {
    d.failure = Invalid(result || error ? "a response needs the 'id' of its request"
                                        : "member 'method' is missing");
    return d;
  }
  if ((result != nullptr) == (error != nullptr)) {
    d.failure = Invalid("a response must carry exactly one of 'result' and 'error'", id);
    return d;
  }
  m.kind = Message::Kind::kResponse;
  m.id = *idv;
  if (result) {
    m.result = *result;
  } else {
    if (!error->is_object()) {
      d.failure = Invalid("member 'error' must be an object", id);
      return d;
    }
    const auto& e = error->get_object();
    const json::value* code = e.if_contains("code");
    const json::value* msg = e.if_contains("message");
    if (!code || !code->is_int64() || !msg || !msg->is_string()) {
      d.failure = Invalid("member 'error' needs an integer 'code' and a string 'message'", id);
      return d;
    }
    m.error = e;
  }
  d.message = std::move(m);
  return d;
}

Decoded Decode(std::string_view text, size_t max_bytes) {
  Decoded d;
  if (text.size() > max_bytes) {
    d.failure =
        DecodeFailure{RpcFailure::kInvalidRequest,
                      "message of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                          std::to_string(max_bytes) + " bytes",
                      nullptr};
    return d;
  }
  if (!core::IsValidUtf8(text)) {
    d.failure = DecodeFailure{RpcFailure::kParseError,
                              "parse error: the message is not valid UTF-8", nullptr};
    return d;
  }
  auto v = core::ParseJsonStrict(text, {}, 64);
  if (!v) {
    d.failure =
        DecodeFailure{RpcFailure::kParseError, "parse error: " + v.error().message, nullptr};
    return d;
  }
  return DecodeValue(*v);
}

std::optional<std::vector<Decoded>> DecodeBatch(std::string_view text, size_t max_bytes) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '[') return std::nullopt;
  std::vector<Decoded> out;
  Decoded whole =
      Decode(text, max_bytes);  // size, UTF-8 and JSON checks; an array fails as "batch"
  if (whole.failure && whole.failure->failure == RpcFailure::kParseError) {
    out.push_back(std::move(whole));
    return out;
  }
  if (whole.failure && whole.failure->message.find("exceeds") != std::string::npos) {
    out.push_back(std::move(whole));
    return out;
  }
  auto v = core::ParseJsonStrict(text, {}, 64);
  if (!v || !v->is_array() || v->get_array().empty()) {
    Decoded d;
    d.failure = Invalid("an empty batch");
    out.push_back(std::move(d));
    return out;
  }
  for (const auto& e : v->get_array()) out.push_back(DecodeValue(e));
  return out;
}

json::object EncodeResult(const json::value& id, json::value result) {
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json::object EncodeError(const json::value& id, int code, std::string_view message,
                         const json::value& data) {
  json::object err{{"code", code}, {"message", message}};
  if (!data.is_null()) err["data"] = data;
  return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}};
}

json::object EncodeError(const json::value& id, const Error& e) {
  json::object data{{"code", ErrorCodeName(e.code)}};
  if (!e.field.empty()) data["field"] = e.field;
  return EncodeError(id, JsonRpcCodeFor(e.code), e.message, data);
}

json::object EncodeRequest(const json::value& id, std::string_view method, json::object params) {
  return json::object{
      {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

json::object EncodeNotification(std::string_view method, json::object params) {
  return json::object{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

std::string Serialize(const json::value& msg) { return core::ToJson(msg); }

}  // namespace firebreak::mcp
