#ifndef ORBITFL_SIM_NET_H_
#define ORBITFL_SIM_NET_H_

// Channels and server credentials for distributed runs: plaintext, or
// mutual TLS with certificates from one CA (deploy/make_certs.sh). Every
// service certificate names the role "orbitfl.service" (clients check
// that name, whatever address they dial), so the same certificates work
// on loopback, across hosts and under Kubernetes DNS names.

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "sim/env.h"

namespace orbitfl::sim {

// The name every service certificate carries.
inline constexpr char kTlsServiceName[] = "orbitfl.service";

struct TlsFiles {
  std::string ca;    // PEM: the CA that signed every certificate
  std::string cert;  // PEM: this process's certificate
  std::string key;   // PEM: its private key
};

// DIR/ca.pem, DIR/NAME.pem and DIR/NAME.key; NotFound naming the file
// that is missing.
absl::StatusOr<TlsFiles> LoadTlsFiles(const std::string& dir,
                                      const std::string& name, Env* env);

// A channel to `address`: plaintext without `tls`, else TLS presenting
// this process's certificate and checking the server's against the CA.
std::shared_ptr<grpc::Channel> Connect(const std::string& address,
                                       const std::optional<TlsFiles>& tls);

// Server credentials: plaintext, or TLS that requires and verifies a
// client certificate from the same CA.
std::shared_ptr<grpc::ServerCredentials> ServerCredentials(
    const std::optional<TlsFiles>& tls);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_NET_H_
