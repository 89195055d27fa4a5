// Fuzzes the template miner: every input line is masked and mined (with a small template cap so
// eviction runs too), then the state is serialized, restored and mined again. Restoring a
// snapshot must succeed and know every line; restoring the raw input as a snapshot must either
// succeed or fail with a message.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/json.h"
#include "logs/miner.h"

using namespace firebreak;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  logs::MinerOptions opt;
  opt.max_templates = 16;
  opt.cache_entries = 64;
  auto miner = logs::Miner::Create(opt);
  if (!miner) __builtin_trap();
  std::vector<std::string_view> lines;
  for (size_t i = 0; i <= in.size();) {
    auto e = in.find('\n', i);
    if (e == std::string_view::npos) e = in.size();
    lines.push_back(in.substr(i, e - i));
    i = e + 1;
  }
  for (auto l : lines) {
    auto r = miner->Add(l, 1000, l.size() % 2);
    if (miner->Get(r.slot).id == 0) __builtin_trap();
  }
  auto snap = core::ToJson(miner->Snapshot());
  auto v = core::ParseJson(snap, 16);
  if (!v) __builtin_trap();  // snapshots are valid JSON (UTF-8 included)
  auto restored = logs::Miner::Restore(opt, *v);
  if (!restored || restored->template_count() != miner->template_count()) __builtin_trap();
  for (auto l : lines) (void)restored->Add(l);
  if (auto any = core::ParseJson(in, 16)) {
    auto r = logs::Miner::Restore(opt, *any);
    if (!r && r.error().message.empty()) __builtin_trap();
    if (r)
      for (auto l : lines) (void)r->Add(l);
  }
  return 0;
}
