#ifndef ORBITFL_AGGREGATOR_SERVICE_H_
#define ORBITFL_AGGREGATOR_SERVICE_H_

// The Aggregator gRPC service over an Aggregator. grpc::Status exists only
// here, converted from absl::Status at the edge. Synchronous API, like the
// SatelliteNode service whose handlers call it (see node/node_service.h).

#include <functional>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "aggregator/aggregator.h"
#include "proto/services.grpc.pb.h"

namespace orbitfl::aggregator {

class AggregatorService final : public proto::Aggregator::Service {
 public:
  // `aggregator` must outlive the service. Model downloads stream in
  // chunks of `chunk_bytes`.
  AggregatorService(Aggregator* aggregator, int chunk_bytes)
      : aggregator_(aggregator), chunk_bytes_(chunk_bytes) {}

  // At most `per_second` upload streams a second (wall clock, a token
  // bucket holding one second's worth) for each satellite that downlinks;
  // more get RESOURCE_EXHAUSTED. 0 (the default): no limit. `clock`
  // replaces the wall clock in tests.
  void SetUploadRateLimit(double per_second,
                          std::function<absl::Time()> clock = absl::Now);

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
  // Takes a token for `satellite`; false when its bucket is empty.
  bool TakeUploadToken(const std::string& satellite) ABSL_LOCKS_EXCLUDED(mu_);

  Aggregator* aggregator_;
  int chunk_bytes_;
  absl::Mutex mu_;
  double uploads_per_second_ ABSL_GUARDED_BY(mu_) = 0;
  std::function<absl::Time()> clock_ ABSL_GUARDED_BY(mu_);
  struct Bucket {
    double tokens = 0;
    absl::Time refilled;
  };
  std::map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace orbitfl::aggregator

#endif  // ORBITFL_AGGREGATOR_SERVICE_H_
