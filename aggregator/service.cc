#include "aggregator/service.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "proto/crc32c.h"
#include "proto/grpc_status.h"

namespace orbitfl::aggregator {

void AggregatorService::SetUploadRateLimit(double per_second,
                                           std::function<absl::Time()> clock) {
  absl::MutexLock lock(&mu_);
  uploads_per_second_ = per_second;
  clock_ = std::move(clock);
  buckets_.clear();
}

bool AggregatorService::TakeUploadToken(const std::string& satellite) {
  absl::MutexLock lock(&mu_);
  if (uploads_per_second_ <= 0) return true;
  const absl::Time now = clock_();
  const double capacity = std::max(1.0, uploads_per_second_);
  auto [it, fresh] = buckets_.try_emplace(satellite, Bucket{capacity, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(capacity, b.tokens + uploads_per_second_ *
                                                 absl::ToDoubleSeconds(now - b.refilled));
    b.refilled = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

grpc::Status AggregatorService::UploadUpdate(
    grpc::ServerContext* context,
    grpc::ServerReader<proto::UpdateChunk>* reader, proto::UploadAck* ack) {
  proto::UpdateChunk chunk;
  std::string transfer_id;
  absl::Status status;
  // With mutual TLS, the client's certificate names the satellites its
  // node hosts: it may upload only what they downlink.
  std::set<std::string> may_send;
  const bool authenticated =
      context->auth_context() != nullptr &&
      context->auth_context()->IsPeerAuthenticated();
  if (authenticated) {
    for (const grpc::string_ref& name :
         context->auth_context()->FindPropertyValues(
             "x509_subject_alternative_name")) {
      may_send.insert(std::string(name.data(), name.size()));
    }
  }
  bool first = true;
  while (reader->Read(&chunk)) {
    const std::string& sender =
        chunk.holder().empty() ? chunk.satellite() : chunk.holder();
    if (first) {
      first = false;
      if (!TakeUploadToken(sender)) {
        status = absl::ResourceExhaustedError(absl::StrCat(
            "satellite \"", sender, "\": more uploads a second than the "
            "aggregator's rate limit allows"));
      }
    }
    if (authenticated && status.ok()) {
      if (may_send.count(sender) == 0) {
        status = absl::PermissionDeniedError(absl::StrCat(
            "upload ", chunk.transfer_id(), ": the client's certificate does "
            "not name satellite \"", sender, "\" (a node uploads only for "
            "the satellites it hosts)"));
      }
    }
    if (transfer_id.empty()) transfer_id = chunk.transfer_id();
    // After a bad chunk the rest of the stream is read and dropped (the
    // client is still writing it); the acknowledgement tells the client
    // where to resume.
    if (!status.ok()) continue;
    if (chunk.transfer_id() != transfer_id) {
      status = absl::InvalidArgumentError(
          "one upload stream carries one transfer_id");
      continue;
    }
    status = aggregator_->ReceiveChunk(chunk);
  }
  if (transfer_id.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "upload stream carried no chunk");
  }
  if (absl::IsPermissionDenied(status) || absl::IsResourceExhausted(status)) {
    return proto::ToGrpcStatus(status);
  }
  *ack = aggregator_->FinishUpload(transfer_id);
  if (!status.ok() && !absl::IsDataLoss(status)) {
    return proto::ToGrpcStatus(status);
  }
  return grpc::Status::OK;
}

grpc::Status AggregatorService::DownloadModel(
    grpc::ServerContext* context, const proto::ModelRequest* request,
    grpc::ServerWriter<proto::ModelChunk>* writer) {
  const int64_t current = aggregator_->current_version();
  // A download of a superseded version restarts on the current one.
  const int64_t offset =
      request->version() == current ? request->offset() : 0;
  auto model = aggregator_->ModelBytes(current);
  if (!model.ok()) return proto::ToGrpcStatus(model.status());
  const std::string& bytes = *model->second;
  const int64_t total = static_cast<int64_t>(bytes.size());
  if (offset < 0 || offset > total) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                        "model download offset outside the model");
  }
  const int64_t end = request->max_bytes() > 0
                          ? std::min(total, offset + request->max_bytes())
                          : total;
  proto::ModelChunk chunk;
  for (int64_t at = offset; at < end; at += chunk_bytes_) {
    const int64_t n = std::min<int64_t>(chunk_bytes_, end - at);
    chunk.set_version(model->first);
    chunk.set_offset(at);
    chunk.set_total_bytes(total);
    chunk.set_data(bytes.substr(at, n));
    chunk.set_crc32c(proto::Crc32c(chunk.data()));
    if (!writer->Write(chunk)) break;
  }
  return grpc::Status::OK;
}

grpc::Status AggregatorService::Tick(grpc::ServerContext* context,
                                     const proto::TickRequest* request,
                                     proto::TickReply* reply) {
  auto r = aggregator_->Tick(absl::FromUnixMillis(request->utc_ms()),
                             request->sequence());
  if (!r.ok()) return proto::ToGrpcStatus(r.status());
  *reply = *std::move(r);
  return grpc::Status::OK;
}

}  // namespace orbitfl::aggregator
