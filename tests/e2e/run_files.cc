#include "tests/e2e/run_files.h"

#include <cstdlib>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "sim/env.h"
#include "sim/time_format.h"
#include "tests/status_matchers.h"

namespace orbitfl::sim::testing {

using ::orbitfl::testing::IsOk;

std::string Field(const std::string& line, const std::string& key) {
  const std::string tag = "\"" + key + "\":";
  const size_t at = line.find(tag);
  if (at == std::string::npos) return "";
  size_t begin = at + tag.size();
  if (line[begin] == '"') {
    ++begin;
    return line.substr(begin, line.find('"', begin) - begin);
  }
  const size_t end = line.find_first_of(",}", begin);
  return line.substr(begin, end - begin);
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

absl::Time Utc(const std::string& s) {
  auto t = ParseUtc(s);
  EXPECT_TRUE(t.ok()) << s;
  return t.ok() ? *t : absl::InfinitePast();
}

std::string ReadRunFile(const std::string& path) {
  auto text = Env::Default()->ReadFile(path);
  EXPECT_THAT(text, IsOk()) << path;
  return text.ok() ? *text : "";
}

std::string Tmp(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

}  // namespace orbitfl::sim::testing
