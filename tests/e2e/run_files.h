#ifndef ORBITFL_TESTS_E2E_RUN_FILES_H_
#define ORBITFL_TESTS_E2E_RUN_FILES_H_

// Reading a run directory's files in end-to-end tests. Each helper records
// a test failure and returns an empty value when the text is not there or
// not what it should be, so that a test goes on to its own checks.

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace orbitfl::sim::testing {

// The value of "key" in one flat JSON line (string or number, unquoted);
// empty when the line has no such key.
std::string Field(const std::string& line, const std::string& key);

// The non-empty lines of `text`.
std::vector<std::string> Lines(const std::string& text);

// A run file's UTC time; InfinitePast (and a failure) when `s` is not one.
absl::Time Utc(const std::string& s);

// The whole file at `path`; empty (and a failure) when it cannot be read.
std::string ReadRunFile(const std::string& path);

// `name` under the test's temporary directory ($TEST_TMPDIR).
std::string Tmp(const std::string& name);

}  // namespace orbitfl::sim::testing

#endif  // ORBITFL_TESTS_E2E_RUN_FILES_H_
