#ifndef ORBITFL_AGGREGATOR_SERVICE_H_
#define ORBITFL_AGGREGATOR_SERVICE_H_

// The Aggregator gRPC service over an Aggregator. grpc::Status exists only
// here, converted from absl::Status at the edge. Synchronous API, like the
// SatelliteNode service whose handlers call it (see node/node_service.h).

#include "aggregator/aggregator.h"
#include "proto/services.grpc.pb.h"

namespace orbitfl::aggregator {

class AggregatorService final : public proto::Aggregator::Service {
 public:
  // `aggregator` must outlive the service. Model downloads stream in
  // chunks of `chunk_bytes`.
  AggregatorService(Aggregator* aggregator, int chunk_bytes)
      : aggregator_(aggregator), chunk_bytes_(chunk_bytes) {}

  grpc::Status UploadUpdate(grpc::ServerContext* context,
                            grpc::ServerReader<proto::UpdateChunk>* reader,
                            proto::UploadAck* ack) override;
  grpc::Status DownloadModel(grpc::ServerContext* context,
                             const proto::ModelRequest* request,
                             grpc::ServerWriter<proto::ModelChunk>* writer)
      override;
  grpc::Status Tick(grpc::ServerContext* context,
                    const proto::TickRequest* request,
                    proto::TickReply* reply) override;

 private:
  Aggregator* aggregator_;
  int chunk_bytes_;
};

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_SERVICE_H_
