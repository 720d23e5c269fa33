#ifndef ORBITFL_THIRD_PARTY_STATUS_MACROS_H_
#define ORBITFL_THIRD_PARTY_STATUS_MACROS_H_

// ORBITFL_RETURN_IF_ERROR and ORBITFL_ASSIGN_OR_RETURN: a stand-in for the
// status macros that Debian's Abseil (20220623) does not ship, so it sits
// with the other system-library stand-ins below every layer.

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ORBITFL_RETURN_IF_ERROR(expr)              \
  do {                                             \
    const ::absl::Status _orbitfl_st = (expr);     \
    if (!_orbitfl_st.ok()) return _orbitfl_st;     \
  } while (0)

#define ORBITFL_STATUS_CONCAT_INNER_(a, b) a##b
#define ORBITFL_STATUS_CONCAT_(a, b) ORBITFL_STATUS_CONCAT_INNER_(a, b)

#define ORBITFL_ASSIGN_OR_RETURN(lhs, expr)                               \
  ORBITFL_ASSIGN_OR_RETURN_IMPL_(                                         \
      ORBITFL_STATUS_CONCAT_(_orbitfl_sor, __LINE__), lhs, expr)

#define ORBITFL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#endif  // ORBITFL_THIRD_PARTY_STATUS_MACROS_H_
