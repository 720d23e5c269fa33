#include "sim/net.h"

#include "third_party/status_macros.h"

namespace orbitfl::sim {

absl::StatusOr<TlsFiles> LoadTlsFiles(const std::string& dir,
                                      const std::string& name, Env* env) {
  TlsFiles files;
  ORBITFL_ASSIGN_OR_RETURN(files.ca, env->ReadFile(dir + "/ca.pem"));
  ORBITFL_ASSIGN_OR_RETURN(files.cert, env->ReadFile(dir + "/" + name + ".pem"));
  ORBITFL_ASSIGN_OR_RETURN(files.key, env->ReadFile(dir + "/" + name + ".key"));
  return files;
}

std::shared_ptr<grpc::Channel> Connect(const std::string& address,
                                       const std::optional<TlsFiles>& tls) {
  if (!tls) return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = tls->ca;
  options.pem_private_key = tls->key;
  options.pem_cert_chain = tls->cert;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(kTlsServiceName);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(options), args);
}

std::shared_ptr<grpc::ServerCredentials> ServerCredentials(
    const std::optional<TlsFiles>& tls) {
  if (!tls) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = tls->ca;
  options.pem_key_cert_pairs.push_back({tls->key, tls->cert});
  return grpc::SslServerCredentials(options);
}

}  // namespace orbitfl::sim
