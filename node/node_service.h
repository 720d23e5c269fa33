#ifndef ORBITFL_NODE_NODE_SERVICE_H_
#define ORBITFL_NODE_NODE_SERVICE_H_

// The SatelliteNode gRPC service. One service hosts one or more satellites
// (one per process when distributed, all of them when embedded); while a
// link is open the node itself streams to and from the Aggregator service.
//
// The synchronous service API, not the callback one: a handler here makes
// blocking calls to the Aggregator, and a callback handler must not block
// gRPC's own threads (in-process, the callee needs them to answer).

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "node/satellite.h"
#include "proto/services.grpc.pb.h"

namespace orbitfl::node {

class NodeService final : public proto::SatelliteNode::Service {
 public:
  // `aggregator` is the channel to the Aggregator service; uploads stream
  // in chunks of `chunk_bytes`.
  NodeService(std::shared_ptr<grpc::Channel> aggregator, int chunk_bytes);

  // Hosts `satellite` under its name (unique).
  void Host(std::unique_ptr<Satellite> satellite) ABSL_LOCKS_EXCLUDED(mu_);
  // The channel to the SatelliteNode service hosting the peers that
  // RelayUpdate and ShareModel hand over to (embedded: this service's own
  // server).
  void SetPeerChannel(std::shared_ptr<grpc::Channel> peers)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Peers spread over several services (separate processes): the channel
  // to the one hosting each satellite; nullptr for an unknown name.
  using PeerResolver =
      std::function<std::shared_ptr<grpc::Channel>(const std::string&)>;
  void SetPeerResolver(PeerResolver resolve) ABSL_LOCKS_EXCLUDED(mu_);

  grpc::Status Train(grpc::ServerContext* context,
                     const proto::TrainRequest* request,
                     proto::TrainReply* reply) override;
  grpc::Status SendUpdate(grpc::ServerContext* context,
                          const proto::LinkRequest* request,
                          proto::LinkReply* reply) override;
  grpc::Status FetchModel(grpc::ServerContext* context,
                          const proto::LinkRequest* request,
                          proto::LinkReply* reply) override;
  grpc::Status Status(grpc::ServerContext* context,
                      const proto::NodeStatusRequest* request,
                      proto::NodeStatus* reply) override;
  grpc::Status RelayUpdate(grpc::ServerContext* context,
                           const proto::RelayRequest* request,
                           proto::LinkReply* reply) override;
  grpc::Status AcceptRelay(grpc::ServerContext* context,
                           grpc::ServerReader<proto::UpdateChunk>* reader,
                           proto::UploadAck* reply) override;
  grpc::Status ShareModel(grpc::ServerContext* context,
                          const proto::RelayRequest* request,
                          proto::LinkReply* reply) override;
  grpc::Status AcceptModel(grpc::ServerContext* context,
                           grpc::ServerReader<proto::ModelChunk>* reader,
                           proto::UploadAck* reply) override;
  grpc::Status MergeHeld(grpc::ServerContext* context,
                         const proto::MergeRequest* request,
                         proto::LinkReply* reply) override;

 private:
  // An update of another satellite, held for the downlink.
  struct Relayed {
    std::string origin;
    int64_t base_version = 0;
    std::string bytes;
    int64_t forwarded = 0;  // acknowledged by the aggregator
    int hops = 0;
  };
  // Streams bytes [begin, end) of an update to the aggregator.
  // `holder` is the satellite downlinking it (the origin, or the one that
  // holds a relayed update).
  grpc::Status Upload(const std::string& bytes, int64_t begin, int64_t end,
                      const std::string& transfer_id,
                      const std::string& origin, int64_t base_version,
                      const std::string& holder, proto::UploadAck* ack)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // NOT_FOUND naming the satellite when it is not hosted here.
  grpc::Status Find(const std::string& name, Satellite** out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Find, and the stub to the service hosting `peer`; an error status
  // (the precondition code) when no peer channel was set, NOT_FOUND when
  // none hosts `peer`.
  grpc::Status FindWithPeers(const std::string& name, const std::string& peer,
                             Satellite** out, proto::SatelliteNode::Stub** peers)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::unique_ptr<proto::Aggregator::Stub> aggregator_;
  const int chunk_bytes_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Satellite>> satellites_
      ABSL_GUARDED_BY(mu_);
  PeerResolver resolve_peer_ ABSL_GUARDED_BY(mu_);
  // One stub per peer channel.
  std::map<const grpc::Channel*, std::unique_ptr<proto::SatelliteNode::Stub>>
      peer_stubs_ ABSL_GUARDED_BY(mu_);
  // Held updates by holder, then transfer id (ordered: oldest ids are not
  // guaranteed first, so NodeStatus lists them in arrival order).
  std::map<std::string, std::map<std::string, Relayed>> relayed_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::string>> relay_order_
      ABSL_GUARDED_BY(mu_);
  // Held updates merged on board so far, by holder (names their ids).
  std::map<std::string, int> merges_ ABSL_GUARDED_BY(mu_);
};

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_NODE_SERVICE_H_
