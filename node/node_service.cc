#include "node/node_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "proto/crc32c.h"
#include "proto/grpc_status.h"

namespace orbitfl::node {

NodeService::NodeService(std::shared_ptr<grpc::Channel> aggregator,
                         int chunk_bytes)
    : aggregator_(proto::Aggregator::NewStub(std::move(aggregator))),
      chunk_bytes_(std::max(1, chunk_bytes)) {}

void NodeService::Host(std::unique_ptr<Satellite> satellite) {
  absl::MutexLock lock(&mu_);
  const std::string name = satellite->name();
  satellites_[name] = std::move(satellite);
}

grpc::Status NodeService::Find(const std::string& name, Satellite** out) {
  auto it = satellites_.find(name);
  if (it == satellites_.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("satellite \"", name,
                                     "\" is not hosted by this node"));
  }
  *out = it->second.get();
  return grpc::Status::OK;
}

grpc::Status NodeService::Train(grpc::ServerContext* context,
                                const proto::TrainRequest* request,
                                proto::TrainReply* reply) {
  absl::MutexLock lock(&mu_);
  Satellite* sat = nullptr;
  if (grpc::Status s = Find(request->satellite(), &sat); !s.ok()) return s;
  auto r = sat->Train(absl::FromUnixMillis(request->utc_ms()));
  if (!r.ok()) return proto::ToGrpcStatus(r.status());
  *reply = *std::move(r);
  return grpc::Status::OK;
}

grpc::Status NodeService::SendUpdate(grpc::ServerContext* context,
                                     const proto::LinkRequest* request,
                                     proto::LinkReply* reply) {
  absl::MutexLock lock(&mu_);
  Satellite* sat = nullptr;
  if (grpc::Status s = Find(request->satellite(), &sat); !s.ok()) return s;
  const std::string& bytes = sat->update_bytes();
  if (bytes.empty()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat(sat->name(), " has no pending update"));
  }
  const int64_t total = static_cast<int64_t>(bytes.size());
  const int64_t begin = sat->update_acked();
  const int64_t end = request->max_bytes() > 0
                          ? std::min(total, begin + request->max_bytes())
                          : total;
  grpc::ClientContext ctx;
  proto::UploadAck ack;
  std::unique_ptr<grpc::ClientWriter<proto::UpdateChunk>> writer(
      aggregator_->UploadUpdate(&ctx, &ack));
  proto::UpdateChunk chunk;
  chunk.set_transfer_id(sat->update_transfer_id());
  chunk.set_satellite(sat->name());
  chunk.set_base_version(sat->update_base_version());
  chunk.set_total_bytes(total);
  for (int64_t at = begin; at < end; at += chunk_bytes_) {
    const int64_t n = std::min<int64_t>(chunk_bytes_, end - at);
    chunk.set_offset(at);
    chunk.set_data(bytes.substr(at, n));
    chunk.set_crc32c(proto::Crc32c(chunk.data()));
    if (!writer->Write(chunk)) break;
  }
  writer->WritesDone();
  if (grpc::Status s = writer->Finish(); !s.ok()) return s;
  reply->set_bytes_moved(ack.acked_bytes() - begin);
  reply->set_complete(ack.complete());
  reply->set_accepted(ack.accepted());
  reply->set_remaining_bytes(total - ack.acked_bytes());
  sat->AcknowledgeUpdate(ack.acked_bytes(), ack.complete());
  return grpc::Status::OK;
}

grpc::Status NodeService::FetchModel(grpc::ServerContext* context,
                                     const proto::LinkRequest* request,
                                     proto::LinkReply* reply) {
  absl::MutexLock lock(&mu_);
  Satellite* sat = nullptr;
  if (grpc::Status s = Find(request->satellite(), &sat); !s.ok()) return s;
  proto::ModelRequest req;
  req.set_satellite(sat->name());
  req.set_version(sat->downloading_version());
  req.set_offset(sat->downloaded_bytes());
  req.set_max_bytes(request->max_bytes());
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReader<proto::ModelChunk>> reader(
      aggregator_->DownloadModel(&ctx, req));
  proto::ModelChunk chunk;
  int64_t moved = 0;
  int64_t total = 0;
  bool complete = false;
  absl::Status receive;
  while (reader->Read(&chunk)) {
    total = chunk.total_bytes();
    auto done = sat->ReceiveModelChunk(chunk);
    if (!done.ok()) {
      receive = done.status();
      ctx.TryCancel();
      break;
    }
    moved += static_cast<int64_t>(chunk.data().size());
    complete = *done;
    reply->set_model_version(chunk.version());
  }
  grpc::Status s = reader->Finish();
  if (!receive.ok()) return proto::ToGrpcStatus(receive);
  if (!s.ok()) return s;
  reply->set_bytes_moved(moved);
  reply->set_complete(complete);
  reply->set_remaining_bytes(complete ? 0 : total - sat->downloaded_bytes());
  return grpc::Status::OK;
}

grpc::Status NodeService::Status(grpc::ServerContext* context,
                                 const proto::NodeStatusRequest* request,
                                 proto::NodeStatus* reply) {
  absl::MutexLock lock(&mu_);
  Satellite* sat = nullptr;
  if (grpc::Status s = Find(request->satellite(), &sat); !s.ok()) return s;
  *reply = sat->Status();
  return grpc::Status::OK;
}

}  // namespace orbitfl::node
