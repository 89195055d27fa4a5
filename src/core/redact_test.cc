#include "core/redact.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace firebreak::core {
namespace {

TEST(Redactor, CardNumbersOfRealIssuersOnly) {
  Redactor r;
  // Test numbers of each network (all Luhn-valid), with and without separators.
  for (const char* card : {"4111111111111111", "4222222222222", "5555555555554444", "2223003122003222",
                           "378282246310005", "30569309025904", "3530111333300000", "6011111111111117",
                           "6200000000000005", "5500 0000 0000 0004", "4111-1111-1111-1111"}) {
    EXPECT_EQ(r.Redact(std::string("paid with ") + card + " ok"), "paid with [card] ok") << card;
  }
  // Luhn-valid numbers no issuer uses: Unix times in milliseconds, microseconds and nanoseconds, and
  // other ids. Each passes the Luhn check, which one number in ten does.
  for (const char* n : {"1767600000007", "1767600000000008", "1767600000000000007", "9999999999992",
                        "7000000000000005", "5000000000000000005"}) {
    ASSERT_TRUE(LuhnValid(n)) << n;
  }
  for (const char* n : {"1767600000007", "1767600000000008", "1767600000000000007", "9999999999992", "7000000000000005"}) {
    EXPECT_EQ(r.Redact(std::string("at ") + n + " done"), std::string("at ") + n + " done") << n;
  }
  // A Visa prefix at a length Visa never issues (17 digits, Luhn-valid).
  ASSERT_TRUE(LuhnValid("41111111111111113"));
  EXPECT_EQ(r.Redact("id 41111111111111113 x"), "id 41111111111111113 x");
  // Luhn-invalid card-shaped numbers stay.
  EXPECT_EQ(r.Redact("4111111111111112"), "4111111111111112");
}

// Each text, redacted, is the expected text.
void ExpectRedacted(const Redactor& r, const std::vector<std::pair<std::string, std::string>>& cases) {
  for (const auto& [text, want] : cases) EXPECT_EQ(r.Redact(text), want) << text;
}

TEST(Redactor, AnAuthorizationCredentialIsRedactedHoweverShort) {
  ExpectRedacted(Redactor(), {
      {"Authorization: Bearer abc1234", "Authorization: Bearer [secret]"},
      {"authorization=Basic dXNlcjpw", "authorization=Basic [secret]"},
      {"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXh5eg",
       "Authorization: Bearer [secret]"},
      {"token: abc", "token: [secret]"},
      {"sent with bearer abcdefgh12345", "sent with bearer [token]"},
  });
}

TEST(Redactor, PersonalDataAndKeys) {
  ExpectRedacted(Redactor(), {
      {"mail carol@example.com from 10.1.2.3 and 2001:db8::1", "mail [email] from [ip] and [ip]"},
      {"key AKIAIOSFODNN7EXAMPLE", "key [token]"},
      {"password=hunter2; next", "password=[secret]; next"},
  });
}

}  // namespace
}  // namespace firebreak::core
