#ifndef ORBITFL_TESTS_STATUS_MATCHERS_H_
#define ORBITFL_TESTS_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace orbitfl::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status: " << s;
  return s.ok();
}

// StatusIs(code, substring): code matches and the message contains text.
MATCHER_P2(StatusIs, code, substring,
           std::string("has code ") + absl::StatusCodeToString(code) +
               " and a message containing \"" + substring + "\"") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status: " << s;
  return s.code() == code &&
         std::string(s.message()).find(substring) != std::string::npos;
}

}  // namespace orbitfl::testing

#define ORBITFL_ASSERT_OK_AND_ASSIGN(lhs, expr)        \
  auto ORBITFL_CONCAT_(_sor, __LINE__) = (expr);        \
  ASSERT_TRUE(ORBITFL_CONCAT_(_sor, __LINE__).ok())     \
      << ORBITFL_CONCAT_(_sor, __LINE__).status();     \
  lhs = std::move(ORBITFL_CONCAT_(_sor, __LINE__)).value()
#define ORBITFL_CONCAT_INNER_(a, b) a##b
#define ORBITFL_CONCAT_(a, b) ORBITFL_CONCAT_INNER_(a, b)

#endif  // ORBITFL_TESTS_STATUS_MATCHERS_H_
