#include <algorithm>
#include <cstdio>

#include "cli/cli.h"

namespace firebreak::cli {

namespace {
// Terminal columns of UTF-8 text: one per code point (what Truncate's "…" takes), not per byte.
size_t Columns(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

void TrimRight(std::string& line) {
  while (!line.empty() && line.back() == ' ') line.pop_back();
}
}  // namespace

std::string Num(const char* printf_format, double v) {
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, printf_format, v);
  return n < 0 ? std::string() : std::string(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

Table::Table(std::vector<std::string> header, std::string indent) : indent_(std::move(indent)) {
  if (!header.empty()) lines_.push_back({std::move(header), 0, {}});
}

void Table::Add(std::vector<std::string> row) { lines_.push_back({std::move(row), 0, {}}); }

void Table::AddUnder(size_t column, std::string text) { lines_.push_back({{}, column, std::move(text)}); }

std::string Table::Render() const {
  std::vector<size_t> widths;
  for (const auto& l : lines_) {
    if (l.cells.size() > widths.size()) widths.resize(l.cells.size());
    for (size_t i = 0; i < l.cells.size(); ++i) widths[i] = std::max(widths[i], Columns(l.cells[i]));
  }
  std::string out;
  for (const auto& l : lines_) {
    std::string line = indent_;
    if (l.cells.empty()) {
      for (size_t i = 0; i < l.column && i < widths.size(); ++i) line.append(widths[i] + 1, ' ');
      line += l.under;
    } else {
      for (size_t i = 0; i < l.cells.size(); ++i) {
        line += l.cells[i];
        if (i + 1 < l.cells.size()) line.append(widths[i] - Columns(l.cells[i]) + 1, ' ');
      }
    }
    TrimRight(line);
    out += line + "\n";
  }
  return out;
}

void Table::Print() const { std::fputs(Render().c_str(), stdout); }

}  // namespace firebreak::cli
