// The record log: records read back in order, across reopening; a torn or
// corrupt tail ends the log and a writer cuts it off; a missing file is
// NotFound; records larger than the reader's buffer read whole.

#include "proto/record_log.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "proto/tensor.pb.h"

namespace orbitfl::proto {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path =
      std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::remove(path.c_str());
  return path;
}

Tensor Named(const std::string& name, size_t data_bytes = 0) {
  Tensor t;
  t.set_name(name);
  t.set_data(std::string(data_bytes, 'x'));
  return t;
}

std::vector<std::string> ReadNames(const std::string& path) {
  std::vector<Tensor> records;
  auto writer = ReopenLog<Tensor>(path, &records);
  EXPECT_TRUE(writer.ok()) << writer.status();
  std::vector<std::string> names;
  for (const Tensor& t : records) names.push_back(t.name());
  return names;
}

int64_t FileSize(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  return static_cast<int64_t>(in.tellg());
}

TEST(RecordLogTest, RecordsReadBackInOrderAcrossReopening) {
  const std::string path = TempPath("order.log");
  {
    std::vector<Tensor> none;
    auto writer = ReopenLog<Tensor>(path, &none);
    ASSERT_TRUE(writer.ok()) << writer.status();
    EXPECT_TRUE(none.empty());
    ASSERT_TRUE((*writer)->Append(Named("a")).ok());
    ASSERT_TRUE((*writer)->Append(Named("b"), /*sync=*/false).ok());
    EXPECT_EQ((*writer)->bytes(), FileSize(path));
  }
  {
    std::vector<Tensor> records;
    auto writer = ReopenLog<Tensor>(path, &records);
    ASSERT_TRUE(writer.ok());
    ASSERT_EQ(records.size(), 2u);
    ASSERT_TRUE((*writer)->Append(Named("c")).ok());
  }
  EXPECT_EQ(ReadNames(path), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(RecordLogTest, ATornTailEndsTheLogAndIsCutOff) {
  const std::string path = TempPath("torn.log");
  int64_t two = 0;
  {
    auto writer = RecordWriter::Open(path, 0);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(Named("a")).ok());
    ASSERT_TRUE((*writer)->Append(Named("b")).ok());
    two = (*writer)->bytes();
    ASSERT_TRUE((*writer)->Append(Named("c", 100)).ok());
  }
  // A crash mid-write: the third record loses its last bytes.
  {
    std::string bytes;
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes.substr(0, bytes.size() - 10);
  }
  auto reader = RecordReader::Open(path);
  ASSERT_TRUE(reader.ok());
  Tensor t;
  EXPECT_TRUE(*(*reader)->Next(&t));
  EXPECT_TRUE(*(*reader)->Next(&t));
  EXPECT_FALSE(*(*reader)->Next(&t));
  EXPECT_EQ((*reader)->valid_bytes(), two);
  EXPECT_EQ(ReadNames(path), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(FileSize(path), two);  // the writer cut the tail off
}

TEST(RecordLogTest, ACorruptRecordEndsTheLog) {
  const std::string path = TempPath("corrupt.log");
  int64_t one = 0;
  {
    auto writer = RecordWriter::Open(path, 0);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(Named("a")).ok());
    one = (*writer)->bytes();
    ASSERT_TRUE((*writer)->Append(Named("b", 20)).ok());
    ASSERT_TRUE((*writer)->Append(Named("c")).ok());
  }
  {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(one + 12);  // inside the second record's payload
    f.put('!');
  }
  EXPECT_EQ(ReadNames(path), (std::vector<std::string>{"a"}));
  EXPECT_EQ(FileSize(path), one);
}

TEST(RecordLogTest, LargeRecordsReadWhole) {
  const std::string path = TempPath("large.log");
  {
    auto writer = RecordWriter::Open(path, 0);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(Named("big", 300000)).ok());
    ASSERT_TRUE((*writer)->Append(Named("small")).ok());
  }
  auto reader = RecordReader::Open(path);
  ASSERT_TRUE(reader.ok());
  Tensor t;
  ASSERT_TRUE(*(*reader)->Next(&t));
  EXPECT_EQ(t.data().size(), 300000u);
  ASSERT_TRUE(*(*reader)->Next(&t));
  EXPECT_EQ(t.name(), "small");
  EXPECT_FALSE(*(*reader)->Next(&t));
}

TEST(RecordLogTest, AMissingLogIsNotFoundNamingIt) {
  auto reader = RecordReader::Open(TempPath("missing.log"));
  ASSERT_FALSE(reader.ok());
  EXPECT_TRUE(absl::IsNotFound(reader.status()));
  EXPECT_NE(reader.status().message().find("missing.log"), std::string::npos);
}

}  // namespace
}  // namespace orbitfl::proto
