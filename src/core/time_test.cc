#include "core/time.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

namespace firebreak::core {
namespace {

TEST(Rfc3339, FormatsUtcWithOptionalMillis) {
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(1'700'000'000'123)), "2023-11-14T22:13:20.123Z");
}

TEST(Rfc3339, ParsesOffsetsFractionsAndGoZeroTime) {
  EXPECT_EQ(ToUnixMillis(*ParseRfc3339("2023-11-14T22:13:20.123Z")), 1'700'000'000'123);
  EXPECT_EQ(ToUnixMillis(*ParseRfc3339("2023-11-14T23:13:20.123456789+01:00")), 1'700'000'000'123);
  EXPECT_EQ(ToUnixMillis(*ParseRfc3339("2023-11-14 22:13:20z")), 1'700'000'000'000);
  EXPECT_TRUE(ParseRfc3339("0001-01-01T00:00:00Z").has_value());  // Alertmanager's "no end"
}

TEST(Rfc3339, RejectsMalformedInputWithAReason) {
  for (const char* bad : {"", "2023-11-14", "2023-13-01T00:00:00Z", "2023-02-30T00:00:00Z",
                          "2023-11-14T25:00:00Z", "2023-11-14T22:13:20", "2023-11-14T22:13:20Zjunk",
                          "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20+1:00"}) {
    auto r = ParseRfc3339(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find("RFC 3339"), std::string::npos);
  }
}

TEST(Rfc3339, RoundTripsAnyMillisecond) {
  rc::check([](int64_t ms) {
    ms = ms % 253'402'300'799'000LL;  // up to 9999-12-31
    if (ms < 0) ms = -ms;
    auto t = FromUnixMillis(ms);
    auto back = ParseRfc3339(FormatRfc3339(t));
    RC_ASSERT(back.has_value());
    RC_ASSERT(ToUnixMillis(*back) == ms);
  });
}

TEST(Duration, ParsesAndFormats) {
  EXPECT_EQ(*ParseDuration("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(*ParseDuration("250ms"), Millis(250));
  EXPECT_EQ(*ParseDuration("2d"), std::chrono::hours(48));
  EXPECT_EQ(*ParseDuration("0"), Millis(0));
  EXPECT_EQ(FormatDuration(std::chrono::minutes(90)), "1h30m");
  EXPECT_EQ(FormatDuration(Millis(250)), "250ms");
  EXPECT_EQ(FormatDuration(Millis(0)), "0s");
  EXPECT_EQ(FormatDuration(std::chrono::hours(25)), "1d1h");
  for (const char* bad : {"", "5", "m", "5x", "1h30", "-", "1.5h"}) EXPECT_FALSE(ParseDuration(bad)) << bad;
  // Past what 64-bit milliseconds hold: refused, not wrapped around.
  EXPECT_EQ(*ParseDuration("15250w"), std::chrono::hours(24 * 7 * 15250));
  for (const char* huge : {"999999999999w", "15260000000w", "9000000000000000s", "106751991167d300d"})
    EXPECT_FALSE(ParseDuration(huge)) << huge;
}

}  // namespace
}  // namespace firebreak::core
