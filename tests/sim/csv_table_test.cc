#include "sim/csv_table.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;
using ::testing::Not;

TEST(CsvTableTest, ColumnsByNameQuotesAndLineNumbers) {
  auto t = CsvTable::Parse("b,a,extra\r\n1,\"x, \"\"y\"\"\",z\r\n\r\n2,w,\n",
                           "t.csv");
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(t->num_rows(), 2);
  EXPECT_EQ(t->FindColumn("a"), 1);
  EXPECT_EQ(t->FindColumn("nope"), -1);
  EXPECT_EQ(t->Cell(0, 1), "x, \"y\"");
  EXPECT_EQ(t->Cell(1, 2), "");
  EXPECT_EQ(t->Line(1), 4);  // the blank line 3 is skipped, not renumbered
  EXPECT_THAT(t->Int(1, 0), IsOk());
  EXPECT_THAT(t->Int(0, 1), StatusIs(absl::StatusCode::kInvalidArgument,
                                     "t.csv: line 2: column a: expected an "
                                     "integer"));
  EXPECT_THAT(t->RequireColumn("c"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "t.csv: line 1: the header has no column \"c\""));
  EXPECT_THAT(CsvTable::Parse("", "e.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument, "e.csv: empty"));
  EXPECT_THAT(CsvTable::Parse("a,b\n1,2\n1,2,3\n", "f.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "f.csv: line 3: expected 2 fields as in the header, "
                       "got 3"));
  EXPECT_THAT(CsvTable::Parse("a\n\"open\n", "q.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "q.csv: line 2: a quoted field is not closed"));
  EXPECT_THAT(CsvTable::Parse("a\nx\"y\n", "q.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "q.csv: line 2: a quote inside an unquoted field"));
  auto n = CsvTable::Parse("x\nnan\n1e999\n", "n.csv");
  ASSERT_THAT(n, IsOk());
  EXPECT_THAT(n->Double(0, 0), Not(IsOk()));
  EXPECT_THAT(n->Double(1, 0), Not(IsOk()));
}

}  // namespace
}  // namespace orbitfl::sim
