// Log pattern requests and responses shared by HTTP and MCP: query-string decoders and JSON encoders.
#pragma once

#include <map>
#include <string>

#include <boost/json.hpp>

#include "app/app.h"

namespace firebreak::app {

// ?service=a,b&from=RFC3339&to=RFC3339 (or since=1h), &limit=, &errors=1, &anomalous=1
Result<logs::PatternQuery> DecodePatternQuery(const std::map<std::string, std::string>& query, logs::PatternQuery base,
                                              core::TimePoint now);
// ?service=&since=1h|RFC3339&limit=&errors=1
Result<LogTemplateFilter> DecodeTemplateFilter(const std::map<std::string, std::string>& query, core::TimePoint now);

boost::json::object PatternToJson(const logs::Pattern& p);
boost::json::object TemplateToJson(const store::LogTemplateRecord& t);
boost::json::object IngestReportToJson(const LogIngestReport& r);

}  // namespace firebreak::app
