#include "sim/json_read.h"

#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

TEST(FlatJsonTest, ReadsWhatJsonObjectWrites) {
  auto j = FlatJson::Parse(
      R"( {"s":"a\"b\\c\n\u00e9\ud83d\ude80","n":-1.5e3,"i":42,"t":true,)"
      R"("f":false,"z":null} )");
  ASSERT_THAT(j, IsOk());
  ASSERT_EQ(j->fields().size(), 6u);
  EXPECT_EQ(j->fields()[0].first, "s");
  EXPECT_EQ(j->String("s"), "a\"b\\c\n\xc3\xa9\xf0\x9f\x9a\x80");
  double n = 0;
  EXPECT_TRUE(j->Number("n", &n));
  EXPECT_EQ(n, -1500);
  EXPECT_EQ(j->Find("i")->text, "42");
  EXPECT_TRUE(j->Find("t")->boolean);
  EXPECT_EQ(j->Find("f")->type, JsonValue::Type::kBool);
  EXPECT_EQ(j->Find("z")->type, JsonValue::Type::kNull);
  EXPECT_EQ(j->Find("missing"), nullptr);
  EXPECT_FALSE(j->Number("s", &n));
  EXPECT_THAT(FlatJson::Parse("{}"), IsOk());
}

TEST(FlatJsonTest, IsStrict) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "column 1: expected '{'"},
      {"[1]", "column 1: expected '{'"},
      {"{\"a\":{}}", "column 6: nested"},
      {"{\"a\":[1]}", "column 6: nested"},
      {"{\"a\":1,\"a\":2}", "column 8: duplicate key \"a\""},
      {"{\"a\":1} x", "column 9: expected the end"},
      {"{\"a\":01}", "column 7: expected ',' or '}'"},
      {"{\"a\":1.}", "column 8: expected a digit after '.'"},
      {"{\"a\":-}", "column 7: expected a digit"},
      {"{\"a\":1e}", "column 8: expected an exponent"},
      {"{\"a\":1e999}", "column 6: number out of range"},
      {"{\"a\":\"x\ty\"}", "column 8: control character"},
      {"{\"a\":\"\\x\"}", "column 8: unknown escape"},
      {"{\"a\":\"\\ud800\"}", "expected a low surrogate"},
      {"{\"a\":\"abc", "unterminated string"},
      {"{a:1}", "column 2: expected a quoted key"},
      {"{\"a\" 1}", "column 6: expected ':'"},
      {"{\"a\":1,}", "column 8: expected a quoted key"},
      {"{\"a\":tru}", "column 6: expected a string, number"},
  };
  for (const auto& [text, error] : cases) {
    EXPECT_THAT(FlatJson::Parse(text),
                StatusIs(absl::StatusCode::kInvalidArgument, error))
        << text;
  }
}

}  // namespace
}  // namespace orbitfl::sim
