// Fuzzes the YAML config loader: any bytes must yield diagnostics or a config, never a crash.
// Input: one or more files separated by a line "---8<--- name". A loaded config's maintenance
// windows are evaluated too (the time-interval calendar must accept whatever the loader accepts).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "config/loader.h"
#include "core/time.h"
#include "fuzz_files.h"
#include "oncall/time_intervals.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto files = SplitFuzzFiles(data, size);
  auto r = firebreak::config::LoadConfigFiles(files);
  // Every diagnostic must render; an error-free load must yield a config.
  for (const auto& d : r.diagnostics.all()) (void)d.ToString();
  if (!r.diagnostics.HasErrors() && !r.config) __builtin_trap();
  if (!r.config) return 0;
  const auto t = firebreak::core::FromUnixMillis(1'772'359'200'000);  // 2026-03-01T10:00:00Z
  for (const auto& w : r.config->maintenance_windows) {
    auto cal = firebreak::oncall::MuteCalendar::Named(
        w.mute_time_intervals, w.active_time_intervals,
        [&r](const std::string& n) { return r.config->FindTimeInterval(n); });
    if (!cal) __builtin_trap();  // the loader checked every location
    const bool muted = cal->MutedAt(t);
    auto next = cal->NextChange(t, std::chrono::hours(24 * 40));
    if (next && (*next <= t || cal->MutedAt(*next) == muted)) __builtin_trap();
  }
  return 0;
}
