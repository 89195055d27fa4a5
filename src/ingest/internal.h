// Helpers shared by the decoders (not part of the module's interface).
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/time.h"
#include "ingest/ingest.h"

namespace firebreak::ingest::internal {

// Count and length limits of a label/annotation map; errors name `field` (and the entry).
Status CheckLabels(const std::map<std::string, std::string>& labels, const std::string& field);
// The same, with the field's name built only for an error (hot paths).
Status CheckLabels(const std::map<std::string, std::string>& labels, const std::function<std::string()>& field);
Status CheckLabels(const model::LabelSet& labels, const std::string& field);
Status CheckLabels(const model::LabelSet& labels, const std::function<std::string()>& field);
// An optional RFC 3339 time; Go's zero time counts as absent. The caller names the field in an
// error.
Result<std::optional<core::TimePoint>> ParseOptionalTime(std::optional<std::string_view> s);
Result<std::optional<core::TimePoint>> ParseOptionalTime(const std::optional<std::string>& s);
// core::ParseRfc3339 for the shapes Alertmanager and Prometheus send ("2026-01-02T03:04:05Z", with
// any fraction, or "+00:00"), without its error handling; nothing for anything else (other offsets,
// a 't' or ' ' separator, a leap second, a malformed time), which the general parser decides. Where
// it gives a time, it is the one core::ParseRfc3339 gives.
std::optional<core::TimePoint> ParseCommonRfc3339(std::string_view s);
// ParseOptionalTime of field `key` (absent or null: nothing; not a string: an error); errors name
// the field.
Result<std::optional<core::TimePoint>> ReadTime(core::ObjectReader& r, std::string_view key);
// `links`: {href, text}, or also plain strings (hrefs) where `strings_allowed` (Firebreak's own
// events; PagerDuty's are objects). Each string is at most kMaxLabelValue bytes.
Result<std::vector<model::Link>> ReadLinks(core::ObjectReader& r, std::string_view key, bool strings_allowed);
// `images`: {src, href, alt}, each at most kMaxLabelValue bytes.
Result<std::vector<model::Image>> ReadImages(core::ObjectReader& r, std::string_view key);
// An Alertmanager-style alert's service hint (its `service` label) and summary (the `summary`,
// `title`, `message` or `description` annotation, prefixed by the alert name when it lacks it; else
// the alert name; else "Alert <dedup_key>"), from its labels, annotations and dedup_key.
void Describe(model::AlertEvent& e);
// An object of strings (Alertmanager's and Prometheus's labels and annotations): a value of any
// other type, null included, is an error on `r` naming it ("alerts[0].labels.alertname"), as
// Alertmanager refuses it, instead of being turned into text (ObjectReader::StringMap).
std::optional<std::map<std::string, std::string>> ReadStrings(core::ObjectReader& r, std::string_view key,
                                                              bool required = false);
// InvalidArgument naming `field` when `v` is longer than a label value may be (kMaxLabelValue): the
// bound of every string an event stores beside its labels (links, images, sources, details).
Status CheckLength(std::string_view v, const std::string& field);
// A JSON scalar as text (strings without quotes).
std::string ScalarText(const boost::json::value& v);

}  // namespace firebreak::ingest::internal
