#ifndef ORBITFL_PROTO_GRPC_STATUS_H_
#define ORBITFL_PROTO_GRPC_STATUS_H_

// The one conversion between absl::Status and grpc::Status: grpc::Status
// exists only on the wire.

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace orbitfl::proto {

inline grpc::Status ToGrpcStatus(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                      std::string(s.message()));
}

inline absl::Status FromGrpcStatus(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      s.error_message());
}

}  // namespace orbitfl::proto

#endif  // ORBITFL_PROTO_GRPC_STATUS_H_
