// Fuzzes header parsing: the first line of the input is a format spec (format string, json, logfmt,
// syslog, ...), the rest are log lines parsed with it, plus time parsing of every line. A bad spec
// must be refused with a message; parsing never fails, never crashes, and content stays inside the
// line (or the parser's own storage).
#include <cstddef>
#include <cstdint>
#include <string>

#include "logs/format.h"

using namespace firebreak;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view spec = in.substr(0, nl == std::string_view::npos ? in.size() : nl);
  std::string_view rest = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  auto p = logs::LineParser::Create(spec);
  if (!p) {
    if (p.error().message.empty() || p.error().field != "format") __builtin_trap();
    p = logs::LineParser::Create("<Date> <Time> <Level> <Component>(\\[<Pid>\\])?: <Content>");
  }
  logs::ParsedLine out;
  while (!rest.empty()) {
    auto e = rest.find('\n');
    std::string_view line = rest.substr(0, e == std::string_view::npos ? rest.size() : e);
    rest = e == std::string_view::npos ? std::string_view() : rest.substr(e + 1);
    p->Parse(line, out, 2024);
    bool inside = out.content.empty() ||
                  (out.content.data() >= line.data() && out.content.data() + out.content.size() <= line.data() + line.size()) ||
                  (out.content.data() >= out.storage.data() &&
                   out.content.data() + out.content.size() <= out.storage.data() + out.storage.size());
    if (!inside) __builtin_trap();
    (void)logs::ParseLogTime(line, 2024);
    (void)logs::ParseLevel(line);
  }
  return 0;
}
