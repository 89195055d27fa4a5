// Recurring time intervals (`time_intervals:` in the config, Alertmanager's format): named sets of
// weekly, monthly and yearly windows in a time zone, such as "weekdays 02:00-04:00 Europe/Berlin".
// Maintenance windows (config::MaintenanceWindow) mute alerts while in them; oncall/time_intervals.h
// evaluates them.
#pragma once

#include <string>
#include <vector>

#include "model/catalog.h"

namespace firebreak::model {

// An inclusive range of days, months or years.
struct DayRange {
  int first = 0;
  int last = 0;
};

// Minutes of the local day, [start, end); end may be 1440 (24:00).
struct ClockRange {
  int start = 0;
  int end = 0;
};

// One entry of an interval: a time matches when every field that is set matches (an empty list
// matches everything).
struct TimeIntervalSpec {
  std::vector<ClockRange> times;
  std::vector<DayRange> weekdays;       // 0 = Sunday .. 6 = Saturday
  std::vector<DayRange> days_of_month;  // 1..31, or -31..-1 counting back from the month's last day
  std::vector<DayRange> months;         // 1..12
  std::vector<DayRange> years;
  std::string location;                 // IANA zone name, "Local" (the host's), or empty for UTC
};

// A named interval: a time is in it when it matches any entry.
struct TimeInterval {
  std::string name;
  std::vector<TimeIntervalSpec> specs;
  SourceLoc loc;
};

}  // namespace firebreak::model
