#include "logs/ingest.h"

#include <charconv>
#include <cstring>

#include <boost/json.hpp>

#include "core/json.h"
#include "core/strings.h"
#include "core/time.h"
#include "logs/miner.h"

namespace firebreak::logs {

namespace json = boost::json;

namespace {

std::string Cut(std::string_view s, size_t max) { return std::string(CutUtf8(s, max)); }

const char* kLevelLabels[] = {"level", "detected_level", "severity", "lvl"};

void Attribute(LogEntry& e, const std::vector<std::string>& service_labels) {
  if (e.service.empty())
    for (const auto& k : service_labels)
      if (auto it = e.labels.find(k); it != e.labels.end() && !it->second.empty()) {
        e.service = it->second;
        break;
      }
  if (e.level.empty())
    for (const char* k : kLevelLabels)
      if (auto it = e.labels.find(k); it != e.labels.end()) {
        e.level = it->second;
        break;
      }
}

Status CheckLabel(std::string_view k, std::string_view v, const std::string& where) {
  if (k.empty() || k.size() > 256) return InvalidArgument(where + ": label names must be 1..256 bytes", where);
  if (v.size() > 4096) return InvalidArgument(where + ": label value over 4096 bytes", where);
  if (!core::IsValidUtf8(k) || !core::IsValidUtf8(v)) return InvalidArgument(where + ": labels must be UTF-8", where);
  return Ok();
}

// Loki timestamps: nanoseconds since the epoch as a decimal string.
Result<int64_t> ParseUnixNanos(std::string_view s, const std::string& where) {
  if (s.empty() || s.size() > 19) return InvalidArgument(where + ": timestamp must be Unix nanoseconds as a string", where);
  int64_t ns = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), ns);
  if (ec != std::errc() || p != s.data() + s.size() || ns < 0)
    return InvalidArgument(where + ": timestamp must be Unix nanoseconds as a string", where);
  return ns / 1000000;
}

// "time": RFC 3339 text, or a Unix time number (s, ms, us or ns by magnitude).
Result<int64_t> ParseEntryTime(const json::value& v, const std::string& where) {
  if (v.is_string()) {
    auto t = core::ParseRfc3339(v.as_string());
    if (!t) return InvalidArgument(where + ": " + t.error().message, where);
    return core::ToUnixMillis(*t);
  }
  double x;
  if (v.is_int64()) x = static_cast<double>(v.as_int64());
  else if (v.is_uint64()) x = static_cast<double>(v.as_uint64());
  else if (v.is_double()) x = v.as_double();
  else return InvalidArgument(where + ": time must be RFC 3339 text or a Unix time number", where);
  if (x < 0) return InvalidArgument(where + ": time must not be negative", where);
  double ms = x < 1e11 ? x * 1000  // seconds
              : x < 1e14 ? x       // milliseconds
              : x < 1e17 ? x / 1e3 // microseconds
                         : x / 1e6; // nanoseconds
  // Past 9999-12-31 (1e308, 1e25 ns) is no time RFC 3339 can write, and would not fit the integer.
  if (!(ms < 253402300800000.0)) return InvalidArgument(where + ": time is after the year 9999", where);
  return static_cast<int64_t>(ms);
}

}  // namespace

Result<std::vector<LogEntry>> DecodeLokiJson(std::string_view body, const std::vector<std::string>& service_labels,
                                             const DecodeLimits& limits) {
  auto parsed = core::ParseJson(body, 16);
  if (!parsed) return InvalidArgument(parsed.error().message, "body");
  const auto& v = *parsed;
  if (!v.is_object()) return InvalidArgument("body must be a JSON object with 'streams'", "body");
  const auto* streams = v.as_object().if_contains("streams");
  if (!streams || !streams->is_array()) return InvalidArgument("'streams' must be an array", "streams");
  for (const auto& kv : v.as_object())
    if (kv.key() != "streams") return InvalidArgument("unknown field '" + std::string(kv.key()) + "'", std::string(kv.key()));
  std::vector<LogEntry> out;
  const auto& arr = streams->as_array();
  for (size_t si = 0; si < arr.size(); ++si) {
    std::string sw = "streams[" + std::to_string(si) + "]";
    if (!arr[si].is_object()) return InvalidArgument(sw + " must be an object", sw);
    const auto& so = arr[si].as_object();
    std::map<std::string, std::string> labels;
    if (const auto* st = so.if_contains("stream")) {
      if (!st->is_object()) return InvalidArgument(sw + ".stream must be an object of labels", sw + ".stream");
      if (st->as_object().size() > limits.max_labels) return InvalidArgument(sw + ".stream: too many labels", sw + ".stream");
      for (const auto& kv : st->as_object()) {
        std::string lw = sw + ".stream." + std::string(kv.key());
        if (!kv.value().is_string()) return InvalidArgument(lw + " must be a string", lw);
        FB_TRY(CheckLabel(kv.key(), kv.value().as_string(), lw));
        labels[std::string(kv.key())] = std::string(kv.value().as_string());
      }
    }
    const auto* values = so.if_contains("values");
    if (!values || !values->is_array()) return InvalidArgument(sw + ".values must be an array", sw + ".values");
    for (size_t vi = 0; vi < values->as_array().size(); ++vi) {
      std::string vw = sw + ".values[" + std::to_string(vi) + "]";
      const auto& e = values->as_array()[vi];
      if (!e.is_array() || e.as_array().size() < 2 || e.as_array().size() > 3)
        return InvalidArgument(vw + " must be [\"<unix ns>\", \"<line>\"] (with optional metadata)", vw);
      const auto& ea = e.as_array();
      if (!ea[0].is_string()) return InvalidArgument(vw + "[0] must be a string of Unix nanoseconds", vw + "[0]");
      if (!ea[1].is_string()) return InvalidArgument(vw + "[1] must be the log line string", vw + "[1]");
      LogEntry entry;
      FB_ASSIGN_OR_RETURN(entry.time_ms, ParseUnixNanos(ea[0].as_string(), vw + "[0]"));
      entry.line = Cut(ea[1].as_string(), limits.max_line_bytes);
      entry.labels = labels;
      if (ea.size() == 3) {
        if (!ea[2].is_object()) return InvalidArgument(vw + "[2] must be an object of metadata", vw + "[2]");
        for (const auto& kv : ea[2].as_object()) {
          if (!kv.value().is_string()) return InvalidArgument(vw + "[2]." + std::string(kv.key()) + " must be a string", vw + "[2]");
          FB_TRY(CheckLabel(kv.key(), kv.value().as_string(), vw + "[2]"));
          entry.labels[std::string(kv.key())] = std::string(kv.value().as_string());
        }
      }
      Attribute(entry, service_labels);
      out.push_back(std::move(entry));
      if (out.size() > limits.max_entries)
        return InvalidArgument("more than " + std::to_string(limits.max_entries) + " lines in one push", "streams");
    }
  }
  return out;
}

// ---- snappy + protobuf ------------------------------------------------------------------------

Result<std::string> SnappyUncompress(std::string_view in, size_t max_out) {
  size_t i = 0;
  uint64_t len = 0;
  for (int shift = 0;; shift += 7) {
    if (i >= in.size() || shift > 35) return InvalidArgument("snappy: bad length preamble", "body");
    uint8_t b = static_cast<uint8_t>(in[i++]);
    len |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) break;
  }
  if (len > max_out) return MakeError(ErrorCode::kTooLarge, "snappy: uncompressed size over the limit", "body");
  std::string out;
  out.reserve(len);
  while (i < in.size()) {
    uint8_t tag = static_cast<uint8_t>(in[i++]);
    size_t n, off = 0;
    switch (tag & 3) {
      case 0: {  // literal
        n = (tag >> 2) + 1;
        if (n > 60) {
          size_t bytes = n - 60;
          if (i + bytes > in.size()) return InvalidArgument("snappy: truncated literal length", "body");
          n = 0;
          for (size_t k = 0; k < bytes; ++k) n |= static_cast<size_t>(static_cast<uint8_t>(in[i + k])) << (8 * k);
          n += 1;
          i += bytes;
        }
        if (n > in.size() - i || out.size() + n > len) return InvalidArgument("snappy: literal past the end", "body");
        out.append(in.data() + i, n);
        i += n;
        continue;
      }
      case 1:
        if (i >= in.size()) return InvalidArgument("snappy: truncated copy", "body");
        n = 4 + ((tag >> 2) & 7);
        off = (static_cast<size_t>(tag >> 5) << 8) | static_cast<uint8_t>(in[i++]);
        break;
      case 2:
        if (i + 2 > in.size()) return InvalidArgument("snappy: truncated copy", "body");
        n = (tag >> 2) + 1;
        off = static_cast<uint8_t>(in[i]) | (static_cast<size_t>(static_cast<uint8_t>(in[i + 1])) << 8);
        i += 2;
        break;
      default:
        if (i + 4 > in.size()) return InvalidArgument("snappy: truncated copy", "body");
        n = (tag >> 2) + 1;
        off = 0;
        for (int k = 0; k < 4; ++k) off |= static_cast<size_t>(static_cast<uint8_t>(in[i + k])) << (8 * k);
        i += 4;
        break;
    }
    if (off == 0 || off > out.size() || out.size() + n > len) return InvalidArgument("snappy: bad copy", "body");
    size_t from = out.size() - off;
    for (size_t k = 0; k < n; ++k) out.push_back(out[from + k]);  // copies may overlap
  }
  if (out.size() != len) return InvalidArgument("snappy: length mismatch", "body");
  return out;
}

namespace {

// Minimal protobuf wire reader.
struct Pb {
  std::string_view s;
  size_t i = 0;
  bool Done() const { return i >= s.size(); }
  bool Varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (i >= s.size()) return false;
      uint8_t b = static_cast<uint8_t>(s[i++]);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  // Reads a field header; returns false on malformed input.
  bool Field(uint32_t& num, uint32_t& wire) {
    uint64_t k;
    if (!Varint(k) || (k >> 3) == 0 || (k >> 3) > 0x1FFFFFFF) return false;
    num = static_cast<uint32_t>(k >> 3);
    wire = static_cast<uint32_t>(k & 7);
    return true;
  }
  bool Bytes(std::string_view& out) {
    uint64_t n;
    if (!Varint(n) || n > s.size() - i) return false;
    out = s.substr(i, n);
    i += n;
    return true;
  }
  bool Skip(uint32_t wire) {
    uint64_t v;
    std::string_view b;
    switch (wire) {
      case 0: return Varint(v);
      case 1: if (s.size() - i < 8) return false; i += 8; return true;
      case 2: return Bytes(b);
      case 5: if (s.size() - i < 4) return false; i += 4; return true;
      default: return false;
    }
  }
};

// Prometheus-style label text: {name="value", other="v\"x"}.
Status ParseLabelText(std::string_view s, std::map<std::string, std::string>& out, const std::string& where) {
  s = core::Trim(s);
  if (s.size() < 2 || s.front() != '{' || s.back() != '}')
    return InvalidArgument(where + ": labels must look like {name=\"value\", ...}", where);
  s = s.substr(1, s.size() - 2);
  size_t i = 0;
  while (true) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
    if (i >= s.size()) break;
    size_t k = i;
    while (i < s.size() && s[i] != '=' && s[i] != ' ') ++i;
    std::string name(s.substr(k, i - k));
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size() || s[i] != '=') return InvalidArgument(where + ": expected '=' after label " + name, where);
    ++i;
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size() || s[i] != '"') return InvalidArgument(where + ": label values must be quoted", where);
    ++i;
    std::string value;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) {
        ++i;
        value += s[i] == 'n' ? '\n' : s[i];
      } else {
        value += s[i];
      }
      ++i;
    }
    if (i >= s.size()) return InvalidArgument(where + ": unterminated label value", where);
    ++i;
    FB_TRY(CheckLabel(name, value, where));
    out[name] = std::move(value);
    if (out.size() > 64) return InvalidArgument(where + ": too many labels", where);
  }
  return Ok();
}

}  // namespace

Result<std::vector<LogEntry>> DecodeLokiProtobuf(std::string_view body, const std::vector<std::string>& service_labels,
                                                 const DecodeLimits& limits) {
  FB_ASSIGN_OR_RETURN(auto raw, SnappyUncompress(body, 64 << 20));
  std::vector<LogEntry> out;
  Pb req{raw};
  auto bad = [](const std::string& what) { return InvalidArgument("protobuf: " + what, "body"); };
  size_t si = 0;
  while (!req.Done()) {
    uint32_t num, wire;
    if (!req.Field(num, wire)) return bad("malformed PushRequest");
    if (num != 1 || wire != 2) {
      if (!req.Skip(wire)) return bad("malformed PushRequest");
      continue;
    }
    std::string_view stream;
    if (!req.Bytes(stream)) return bad("truncated stream");
    std::string sw = "streams[" + std::to_string(si++) + "]";
    Pb st{stream};
    std::map<std::string, std::string> labels;
    std::vector<LogEntry> entries;
    while (!st.Done()) {
      if (!st.Field(num, wire)) return bad(sw + " malformed");
      std::string_view b;
      if (num == 1 && wire == 2) {
        if (!st.Bytes(b)) return bad(sw + ".labels truncated");
        FB_TRY(ParseLabelText(b, labels, sw + ".labels"));
      } else if (num == 2 && wire == 2) {
        if (!st.Bytes(b)) return bad(sw + ".entries truncated");
        Pb en{b};
        LogEntry e;
        while (!en.Done()) {
          uint32_t n2, w2;
          if (!en.Field(n2, w2)) return bad(sw + ".entries malformed");
          std::string_view v;
          if (n2 == 1 && w2 == 2) {  // google.protobuf.Timestamp
            if (!en.Bytes(v)) return bad(sw + ".entries.timestamp truncated");
            Pb ts{v};
            uint64_t secs = 0, nanos = 0;
            while (!ts.Done()) {
              uint32_t n3, w3;
              if (!ts.Field(n3, w3)) return bad("timestamp malformed");
              uint64_t x;
              if (w3 == 0 && (n3 == 1 || n3 == 2)) {
                if (!ts.Varint(x)) return bad("timestamp malformed");
                (n3 == 1 ? secs : nanos) = x;
              } else if (!ts.Skip(w3)) {
                return bad("timestamp malformed");
              }
            }
            if (secs > 100000000000ull) return bad("timestamp out of range");
            e.time_ms = static_cast<int64_t>(secs * 1000 + nanos / 1000000);
          } else if (n2 == 2 && w2 == 2) {
            if (!en.Bytes(v)) return bad(sw + ".entries.line truncated");
            e.line = Cut(v, limits.max_line_bytes);
          } else if (n2 == 3 && w2 == 2) {  // structured metadata: {name = 1, value = 2}
            if (!en.Bytes(v)) return bad("metadata truncated");
            Pb md{v};
            std::string_view name, value;
            while (!md.Done()) {
              uint32_t n3, w3;
              if (!md.Field(n3, w3)) return bad("metadata malformed");
              if (w3 == 2 && (n3 == 1 || n3 == 2)) {
                if (!md.Bytes(n3 == 1 ? name : value)) return bad("metadata truncated");
              } else if (!md.Skip(w3)) {
                return bad("metadata malformed");
              }
            }
            FB_TRY(CheckLabel(name, value, sw + ".entries.metadata"));
            e.labels[std::string(name)] = std::string(value);
          } else if (!en.Skip(w2)) {
            return bad(sw + ".entries malformed");
          }
        }
        entries.push_back(std::move(e));
        if (out.size() + entries.size() > limits.max_entries)
          return InvalidArgument("more than " + std::to_string(limits.max_entries) + " lines in one push", "streams");
      } else if (!st.Skip(wire)) {
        return bad(sw + " malformed");
      }
    }
    for (auto& e : entries) {
      for (const auto& [k, v] : labels) e.labels.emplace(k, v);
      Attribute(e, service_labels);
      out.push_back(std::move(e));
    }
  }
  return out;
}

// ---- Firebreak batches ------------------------------------------------------------------------

namespace {

Result<LogEntry> DecodeEntry(const json::value& v, const std::string& where, const std::string& default_service,
                             const std::vector<std::string>& service_labels, const DecodeLimits& limits) {
  LogEntry e;
  if (v.is_string()) {
    e.line = Cut(v.as_string(), limits.max_line_bytes);
    e.service = default_service;
    return e;
  }
  if (!v.is_object()) return InvalidArgument(where + " must be an object or a string", where);
  const auto& o = v.as_object();
  bool have_line = false;
  for (const auto& kv : o) {
    std::string k(kv.key());
    std::string fw = where + "." + k;
    const auto& x = kv.value();
    if (k == "message" || k == "msg" || k == "line" || k == "log") {
      if (!x.is_string()) return InvalidArgument(fw + " must be a string", fw);
      e.line = Cut(x.as_string(), limits.max_line_bytes);
      have_line = true;
    } else if (k == "time" || k == "ts" || k == "timestamp") {
      FB_ASSIGN_OR_RETURN(e.time_ms, ParseEntryTime(x, fw));
    } else if (k == "level" || k == "severity") {
      if (!x.is_string()) return InvalidArgument(fw + " must be a string", fw);
      e.level = std::string(x.as_string());
    } else if (k == "service") {
      if (!x.is_string()) return InvalidArgument(fw + " must be a string", fw);
      e.service = std::string(x.as_string());
    } else if (k == "labels") {
      if (!x.is_object()) return InvalidArgument(fw + " must be an object of strings", fw);
      for (const auto& l : x.as_object()) {
        if (!l.value().is_string()) return InvalidArgument(fw + "." + std::string(l.key()) + " must be a string", fw);
        FB_TRY(CheckLabel(l.key(), l.value().as_string(), fw));
        e.labels[std::string(l.key())] = std::string(l.value().as_string());
      }
    } else if (x.is_string()) {  // other string fields are labels (service_name, app, ...)
      FB_TRY(CheckLabel(k, x.as_string(), fw));
      e.labels[k] = std::string(x.as_string());
    }
  }
  if (!have_line) return InvalidArgument(where + ": missing 'message'", where + ".message");
  if (e.labels.size() > limits.max_labels) return InvalidArgument(where + ": too many labels", where + ".labels");
  if (e.service.empty()) e.service = default_service;  // explicit, then the batch's, then labels
  Attribute(e, service_labels);
  return e;
}

}  // namespace

Result<std::vector<LogEntry>> DecodeLogBatch(std::string_view body, bool ndjson, const std::string& default_service,
                                             const std::vector<std::string>& service_labels,
                                             const DecodeLimits& limits) {
  std::vector<LogEntry> out;
  if (ndjson) {
    size_t line_no = 0;
    for (size_t i = 0; i <= body.size();) {
      size_t nl = body.find('\n', i);
      if (nl == std::string_view::npos) nl = body.size();
      std::string_view line = core::Trim(body.substr(i, nl - i));
      i = nl + 1;
      ++line_no;
      if (line.empty()) continue;
      std::string where = "line " + std::to_string(line_no);
      auto v = core::ParseJson(line, 16);
      if (!v) return InvalidArgument(where + ": " + v.error().message, where);
      FB_ASSIGN_OR_RETURN(auto e, DecodeEntry(*v, where, default_service, service_labels, limits));
      out.push_back(std::move(e));
      if (out.size() > limits.max_entries)
        return InvalidArgument("more than " + std::to_string(limits.max_entries) + " entries", "body");
      if (nl >= body.size()) break;
    }
    return out;
  }
  auto parsed = core::ParseJson(body, 16);
  if (!parsed) return InvalidArgument(parsed.error().message, "body");
  const auto& v = *parsed;
  if (!v.is_object()) return InvalidArgument("body must be a JSON object with 'entries'", "body");
  const auto& o = v.as_object();
  std::string service = default_service;
  for (const auto& kv : o) {
    if (kv.key() == "service") {
      if (!kv.value().is_string()) return InvalidArgument("service must be a string", "service");
      service = std::string(kv.value().as_string());
    } else if (kv.key() != "entries") {
      return UnknownName("field", kv.key(), "body");
    }
  }
  const auto* entries = o.if_contains("entries");
  if (!entries || !entries->is_array()) return InvalidArgument("'entries' must be an array", "entries");
  if (entries->as_array().size() > limits.max_entries)
    return InvalidArgument("more than " + std::to_string(limits.max_entries) + " entries", "entries");
  for (size_t i = 0; i < entries->as_array().size(); ++i) {
    FB_ASSIGN_OR_RETURN(auto e, DecodeEntry(entries->as_array()[i], "entries[" + std::to_string(i) + "]", service,
                                            service_labels, limits));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace firebreak::logs
