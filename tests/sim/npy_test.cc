#include "sim/npy.h"

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/env.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

std::string TempPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

TEST(NpyTest, WritesWhatNumpyWritesByteForByte) {
  // np.save of np.zeros((2, 3), np.uint8), from numpy 1.24.
  std::string header =
      "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }";
  header.append(128 - 10 - header.size() - 1, ' ');
  header += "\n";
  const std::string expected =
      std::string("\x93NUMPY\x01\x00\x76\x00", 10) + header +
      std::string(6, '\0');
  auto bytes = EncodeNpy({2, 3}, std::vector<uint8_t>(6, 0));
  ASSERT_THAT(bytes, IsOk());
  EXPECT_EQ(*bytes, expected);
  EXPECT_EQ(bytes->size() % 64, 6u);  // data starts 64-byte aligned
}

TEST(NpyTest, RoundTripsUint8AndInt64OfAnyShape) {
  Env* env = Env::Default();
  const std::vector<uint8_t> pixels = {0, 1, 2, 127, 128, 255, 7, 8,
                                       9, 10, 11, 12};
  const std::string x = TempPath("x.npy");
  ASSERT_THAT(WriteNpy(env, x, {1, 2, 3, 2}, pixels), IsOk());
  auto a = ReadNpy(env, x);
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->dtype, NpyDtype::kUint8);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{1, 2, 3, 2}));
  EXPECT_EQ(a->u8, pixels);
  EXPECT_EQ(a->num_elements(), 12);

  const std::vector<int64_t> labels = {0, -1, int64_t{1} << 40, 3, 4};
  const std::string y = TempPath("y.npy");
  ASSERT_THAT(WriteNpy(env, y, {5}, labels), IsOk());
  auto b = ReadNpy(env, y);
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->dtype, NpyDtype::kInt64);
  EXPECT_EQ(b->shape, std::vector<int64_t>{5});
  EXPECT_EQ(b->i64, labels);

  // A scalar and an empty array.
  auto scalar = ParseNpy(*EncodeNpy({}, std::vector<int64_t>{42}), "s");
  ASSERT_THAT(scalar, IsOk());
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->i64, std::vector<int64_t>{42});
  auto empty = ParseNpy(*EncodeNpy({0, 4}, std::vector<uint8_t>{}), "e");
  ASSERT_THAT(empty, IsOk());
  EXPECT_EQ(empty->shape, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(empty->num_elements(), 0);
}

TEST(NpyTest, ReadsFloat32AndOtherHeaderSpellings) {
  std::string header =
      "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f4\"}";
  header.append(118 - header.size() - 1, ' ');
  header += "\n";
  const float values[2] = {0.5f, -2.0f};
  const std::string bytes =
      std::string("\x93NUMPY\x01\x00\x76\x00", 10) + header +
      std::string(reinterpret_cast<const char*>(values), sizeof(values));
  auto a = ParseNpy(bytes, "f.npy");
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->dtype, NpyDtype::kFloat32);
  EXPECT_EQ(a->f32, (std::vector<float>{0.5f, -2.0f}));
}

TEST(NpyTest, ErrorsNameTheFileAndTheProblem) {
  const std::string good = *EncodeNpy({2, 2}, std::vector<int64_t>{1, 2, 3, 4});
  EXPECT_THAT(ParseNpy("PK\x03\x04 not numpy", "data/x.npy"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "data/x.npy: not a .npy file"));
  std::string f8 = good;
  f8.replace(f8.find("<i8"), 3, "<f8");
  EXPECT_THAT(ParseNpy(f8, "y.npy"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "y.npy: dtype '<f8' not supported"));
  std::string big_endian = good;
  big_endian.replace(big_endian.find("<i8"), 3, ">i8");
  EXPECT_THAT(ParseNpy(big_endian, "y.npy"),
              StatusIs(absl::StatusCode::kInvalidArgument, "'>i8'"));
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_THAT(ParseNpy(fortran, "y.npy"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "y.npy: fortran_order True not supported"));
  EXPECT_THAT(ParseNpy(good.substr(0, good.size() - 3), "y.npy"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "y.npy: truncated data: shape (2, 2) of '<i8' needs "
                       "32 bytes, the file has 29"));
  EXPECT_THAT(ParseNpy(good + "x", "y.npy"),
              StatusIs(absl::StatusCode::kInvalidArgument, "trailing data"));
  EXPECT_THAT(ParseNpy(good.substr(0, 40), "y.npy"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "y.npy: truncated .npy header"));
  std::string no_shape = good;
  no_shape.replace(no_shape.find("'shape'"), 7, "'shapf'");
  EXPECT_THAT(ParseNpy(no_shape, "y.npy"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "y.npy: bad .npy header"));
  EXPECT_THAT(ReadNpy(Env::Default(), TempPath("missing.npy")),
              StatusIs(absl::StatusCode::kNotFound, "missing.npy"));
  EXPECT_THAT(EncodeNpy({2, 3}, std::vector<uint8_t>(5)),
              StatusIs(absl::StatusCode::kInvalidArgument, "holds 6 values"));
  EXPECT_THAT(WriteNpy(Env::Default(), TempPath("bad.npy"), {-1},
                       std::vector<uint8_t>{}),
              StatusIs(absl::StatusCode::kInvalidArgument, "bad.npy"));
}

// numpy itself, when the host Python has it: optional.
TEST(NpyTest, NumpyReadsOursAndWeReadNumpys) {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no numpy in /usr/bin/python3";
  }
  Env* env = Env::Default();
  std::vector<uint8_t> x(2 * 4 * 4 * 3);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(i * 7);
  ASSERT_THAT(WriteNpy(env, TempPath("ours_x.npy"), {2, 4, 4, 3}, x), IsOk());
  ASSERT_THAT(WriteNpy(env, TempPath("ours_y.npy"), {3},
                       std::vector<int64_t>{5, -6, 7}),
              IsOk());
  const std::string dir = TempPath("");
  const std::string script =
      "import numpy as np, sys\n"
      "d = sys.argv[1]\n"
      "x = np.load(d + 'ours_x.npy'); y = np.load(d + 'ours_y.npy')\n"
      "ok = (x.dtype == np.uint8 and x.shape == (2, 4, 4, 3) and\n"
      "      (x.ravel() == (np.arange(96) * 7 % 256)).all() and\n"
      "      y.dtype == np.int64 and list(y) == [5, -6, 7])\n"
      "np.save(d + 'theirs.npy', np.arange(24, dtype=np.int64)"
      ".reshape(2, 3, 4))\n"
      "np.save(d + 'theirs_f.npy', np.full((3,), 0.25, np.float32))\n"
      "sys.exit(0 if ok else 1)\n";
  ASSERT_THAT(env->WriteFile(TempPath("check.py"), script), IsOk());
  ASSERT_EQ(std::system(("/usr/bin/python3 " + TempPath("check.py") + " " +
                         dir)
                            .c_str()),
            0);
  auto theirs = ReadNpy(env, TempPath("theirs.npy"));
  ASSERT_THAT(theirs, IsOk());
  EXPECT_EQ(theirs->shape, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(theirs->i64[23], 23);
  auto f = ReadNpy(env, TempPath("theirs_f.npy"));
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(f->f32, (std::vector<float>{0.25f, 0.25f, 0.25f}));
}

}  // namespace
}  // namespace orbitfl::sim
