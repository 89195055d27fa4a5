#include <cctype>
#include <cstdio>
#include <cstdlib>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "cli/cli.h"
#include "core/http_client.h"
#include "core/json.h"

namespace firebreak::cli {

std::string Enc(const std::string& s) { return boost::urls::encode(s, boost::urls::unreserved_chars); }

void AddClientOptions(CLI::App* cmd, ClientOptions& o) {
  const char* url = std::getenv("FIREBREAK_URL");
  const char* tok = std::getenv("FIREBREAK_TOKEN");
  o.server = url && *url ? url : "http://127.0.0.1:8080";
  o.token = tok ? tok : "";
  cmd->add_option("--server", o.server, "Server URL (env FIREBREAK_URL)")->capture_default_str();
  cmd->add_option("--token", o.token, "API token (env FIREBREAK_TOKEN)");
  cmd->add_flag("--json", o.json, "Print JSON");
}

Result<boost::json::value> CallServer(const ClientOptions& o, const std::string& method, const std::string& path,
                                      const boost::json::value& body) {
  core::HttpRequest req;
  req.method = method;
  std::string base = o.server;
  while (!base.empty() && base.back() == '/') base.pop_back();
  req.url = base + path;
  req.timeout_ms = 30000;
  if (!o.token.empty()) req.headers.emplace_back("Authorization", "Bearer " + o.token);
  req.headers.emplace_back("Accept", "application/json");
  if (!body.is_null()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = core::ToJson(body);
  }
  FB_ASSIGN_OR_RETURN(auto resp, core::HttpDo(req));
  auto parsed = core::ParseJson(resp.body);
  if (resp.status == 401 && o.token.empty())
    return Unauthenticated("no API token: set FIREBREAK_TOKEN or pass --token (`firebreak token create` makes one)");
  if (resp.status >= 400) {
    Error e;
    e.code = ErrorCode::kInternal;
    for (auto c : {ErrorCode::kInvalidArgument, ErrorCode::kUnauthenticated, ErrorCode::kPermissionDenied,
                   ErrorCode::kNotFound, ErrorCode::kMethodNotAllowed, ErrorCode::kFailedPrecondition,
                   ErrorCode::kTooLarge, ErrorCode::kResourceExhausted, ErrorCode::kUnavailable}) {
      if (HttpStatusFor(c) == resp.status) {
        e.code = c;
        break;
      }
    }
    e.message = "server answered " + std::to_string(resp.status);
    if (parsed && parsed->is_object()) {
      const auto& obj = parsed->get_object();
      if (auto it = obj.find("error"); it != obj.end() && it->value().is_object()) {
        const auto& err = it->value().get_object();
        if (auto m = err.find("message"); m != err.end() && m->value().is_string())
          e.message = std::string(m->value().get_string());
        if (auto f = err.find("field"); f != err.end() && f->value().is_string())
          e.field = std::string(f->value().get_string());
      }
    }
    return Unexpected(std::move(e));
  }
  if (!parsed) return Internal("server sent invalid JSON: " + parsed.error().message);
  return parsed;
}

std::string NormalizeId(std::string s) {
  // INC-2, RUN-1, APR-1, OVR-1, SIL-1 typed in lower case: the server's ids are upper case.
  auto dash = s.find('-');
  if (dash == std::string::npos || dash + 1 == s.size()) return s;
  for (size_t i = dash + 1; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return s;
  std::string prefix = s.substr(0, dash);
  for (auto& c : prefix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const char* p : {"INC", "RUN", "APR", "OVR", "SIL"})
    if (prefix == p) return prefix + s.substr(dash);
  return s;
}

void NormalizeIdArguments(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->check_name("id") || opt->check_name("incident") || opt->check_name("incidents") ||
        opt->check_name("--incident"))
      opt->transform(NormalizeId);
  }
  for (CLI::App* sub : app.get_subcommands({})) NormalizeIdArguments(*sub);
}

CLI::App* CommandFamily(CLI::App& app, const std::string& name, const std::string& description) {
  try {
    return app.get_subcommand(name);
  } catch (const CLI::Error&) {
    return app.add_subcommand(name, description);
  }
}

int PrintError(const Error& e) {
  std::string msg = e.message;
  if (!e.field.empty()) msg += " (field: " + e.field + ")";
  std::fprintf(stderr, "firebreak: error: %s\n", msg.c_str());
  return 1;
}

namespace {
void Pretty(std::string& out, const boost::json::value& v, int indent) {
  std::string pad(indent * 2, ' ');
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    size_t i = 0;
    for (const auto& kv : o) {
      out += pad + "  " + core::ToJson(boost::json::value(kv.key())) + ": ";
      Pretty(out, kv.value(), indent + 1);
      out += ++i < o.size() ? ",\n" : "\n";
    }
    out += pad + "}";
  } else if (v.is_array()) {
    const auto& a = v.get_array();
    if (a.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (size_t i = 0; i < a.size(); ++i) {
      out += pad + "  ";
      Pretty(out, a[i], indent + 1);
      out += i + 1 < a.size() ? ",\n" : "\n";
    }
    out += pad + "]";
  } else {
    // Numbers as people read them (0.952, 3.03, 0), as the server writes them; Boost.JSON's
    // serializer would write 9.518000000000001E-1, 3.0327E0, 0E0.
    out += core::ToJson(v);
  }
}
}  // namespace

void PrintJson(const boost::json::value& v) {
  std::string out;
  Pretty(out, v, 0);
  std::printf("%s\n", out.c_str());
}

}  // namespace firebreak::cli
