#include "node/node_service.h"

#include <algorithm>
#include <csignal>
#include <functional>
#include <iostream>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "proto/crc32c.h"
#include "proto/delta_codec.h"
#include "proto/grpc_status.h"
#include "proto/tensor_util.h"
#include "third_party/status_macros.h"

namespace orbitfl::node {
namespace {

// Streams bytes [begin, end) of `bytes` through `writer` in chunks of at
// most `chunk_bytes`, each a copy of `chunk` with its offset, data and
// CRC32C set, until done or the stream breaks; returns how it finished.
// `after_each` (optional) runs after each chunk written.
template <typename Chunk>
grpc::Status WriteChunks(grpc::ClientWriter<Chunk>& writer, Chunk chunk,
                         const std::string& bytes, int64_t begin, int64_t end,
                         int chunk_bytes,
                         const std::function<void()>& after_each = nullptr) {
  for (int64_t at = begin; at < end; at += chunk_bytes) {
    chunk.set_offset(at);
    chunk.set_data(bytes.substr(at, std::min<int64_t>(chunk_bytes, end - at)));
    chunk.set_crc32c(proto::Crc32c(chunk.data()));
    if (!writer.Write(chunk)) break;
    if (after_each) after_each();
  }
  writer.WritesDone();
  return writer.Finish();
}

// A hand-over read whole from a client stream of chunks (UpdateChunk or
// ModelChunk).
template <typename Chunk>
struct HandOver {
  // The first chunk without its data: what the stream carries.
  Chunk first;
  // The data, in order.
  std::string bytes;
  // The size the first chunk announced; -1 while no chunk has arrived.
  int64_t total = -1;

  bool whole() const {
    return total >= 0 && static_cast<int64_t>(bytes.size()) == total;
  }
};

// How errors name a stream, and what else its chunks must repeat.
std::string StreamName(const proto::UpdateChunk& first) {
  return absl::StrCat("relay of ", first.transfer_id());
}
bool SameStream(const proto::UpdateChunk& first,
                const proto::UpdateChunk& chunk) {
  return chunk.transfer_id() == first.transfer_id();
}
std::string StreamName(const proto::ModelChunk& first) {
  return absl::StrCat("model for ", first.holder());
}
bool SameStream(const proto::ModelChunk&, const proto::ModelChunk&) {
  return true;
}

// The most a hand-over from a peer may announce: the aggregator's default
// cap on an update (a model is no bigger than an fp32 update of it).
constexpr int64_t kMaxHandOverBytes = int64_t{64} << 20;

// Reads the whole stream into `in`. The first chunk must announce 1 to
// kMaxHandOverBytes bytes (a peer may not make the node hold more). Every
// chunk must name the first one's
// holder (and stream) and total, continue at the next byte, stay within the
// total and match its CRC32C; after the first that does not, the rest of
// the stream is drained and the error returned.
template <typename Chunk>
grpc::Status ReadHandOver(grpc::ServerReader<Chunk>* reader,
                          HandOver<Chunk>& in) {
  Chunk chunk;
  grpc::Status error = grpc::Status::OK;
  while (reader->Read(&chunk)) {
    if (!error.ok()) continue;  // drain the stream
    if (in.total < 0) {
      in.first = chunk;
      in.first.clear_data();
      in.total = chunk.total_bytes();
      if (in.total <= 0 || in.total > kMaxHandOverBytes) {
        error = grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat(StreamName(in.first), ": announces ", in.total,
                         " bytes, expected 1 to ", kMaxHandOverBytes));
        continue;
      }
    }
    if (chunk.holder() != in.first.holder() || !SameStream(in.first, chunk) ||
        chunk.total_bytes() != in.total ||
        chunk.offset() != static_cast<int64_t>(in.bytes.size()) ||
        static_cast<int64_t>(in.bytes.size() + chunk.data().size()) >
            in.total) {
      error = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                           absl::StrCat(StreamName(in.first),
                                        ": chunk at offset ", chunk.offset(),
                                        " does not continue the stream"));
      continue;
    }
    if (proto::Crc32c(chunk.data()) != chunk.crc32c()) {
      error = grpc::Status(grpc::StatusCode::DATA_LOSS,
                           absl::StrCat(StreamName(in.first),
                                        ": CRC32C mismatch at offset ",
                                        chunk.offset()));
      continue;
    }
    in.bytes += chunk.data();
  }
  return error;
}

// Whether `delta` has the tensors (names and shapes) of `layout`.
bool FitsLayout(const proto::ModelDelta& delta,
                const google::protobuf::RepeatedPtrField<proto::Tensor>& layout) {
  if (delta.tensors_size() != layout.size()) return false;
  for (int k = 0; k < layout.size(); ++k) {
    if (!proto::SameLayout(delta.tensors(k), layout[k])) return false;
  }
  return true;
}

// Calls `f` on every model chunk `record` carries with data: those a model
// download read and a model a peer handed over.
template <typename F>
void ForEachModelChunk(proto::NodeJournalRecord& record, F f) {
  for (proto::ModelChunk& c : *record.mutable_outside_chunks()) f(c);
  if (record.has_accept_model()) f(*record.mutable_accept_model());
}

// The sample-weighted mean of encoded deltas on one base, listing every
// satellite it speaks for (FedAvg weighs it by the summed samples, which
// makes it the same as the parts sent one by one).
absl::StatusOr<proto::ModelDelta> MergeDeltas(
    const std::string& holder, int64_t base,
    const std::vector<proto::ModelDelta>& parts) {
  std::vector<proto::ModelDelta> deltas;
  std::vector<double> weights;
  int64_t samples = 0;
  double loss = 0;
  proto::ModelDelta merged;
  merged.set_satellite(holder);
  merged.set_base_version(base);
  for (const proto::ModelDelta& part : parts) {
    ORBITFL_ASSIGN_OR_RETURN(proto::ModelDelta delta, proto::DecodeDelta(part));
    samples += delta.num_samples();
    loss += static_cast<double>(delta.num_samples()) * delta.train_loss();
    if (delta.contributors_size() > 0) {
      for (const std::string& c : delta.contributors()) merged.add_contributors(c);
    } else {
      merged.add_contributors(delta.satellite());
    }
    weights.push_back(static_cast<double>(delta.num_samples()));
    deltas.push_back(std::move(delta));
  }
  if (samples <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(holder, ": held updates have no samples"));
  }
  for (double& w : weights) w /= static_cast<double>(samples);
  std::vector<const proto::ModelDelta*> pointers;
  for (const proto::ModelDelta& d : deltas) pointers.push_back(&d);
  ORBITFL_ASSIGN_OR_RETURN(
      std::vector<std::vector<double>> mean,
      proto::WeightedDeltaSum(deltas.front().tensors(), pointers, weights));
  for (int k = 0; k < deltas.front().tensors_size(); ++k) {
    const proto::Tensor& t = deltas.front().tensors(k);
    proto::Tensor* out = merged.add_tensors();
    out->set_name(t.name());
    *out->mutable_shape() = t.shape();
    proto::SetFloats(std::vector<float>(mean[k].begin(), mean[k].end()), out);
  }
  merged.set_num_samples(samples);
  merged.set_train_loss(loss / static_cast<double>(samples));
  return merged;
}

}  // namespace

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

grpc::Status NodeService::FindWithPeers(const std::string& name,
                                        const std::string& peer,
                                        Satellite** out,
                                        PeerClient** peers) {
  if (grpc::Status s = Find(name, out); !s.ok()) return s;
  if (!resolve_peer_) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "no channel to peer satellites (SetPeerChannel)");
  }
  std::shared_ptr<grpc::Channel> channel = resolve_peer_(peer);
  if (channel == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no node hosts the peer \"", peer, "\""));
  }
  std::unique_ptr<PeerClient>& client = peer_clients_[channel.get()];
  if (client == nullptr) client = proto::SatelliteNode::NewStub(channel);
  *peers = client.get();
  return grpc::Status::OK;
}

// Journaling ----------------------------------------------------------------

absl::StatusOr<std::optional<proto::TrainingRecord>>
NodeService::CallTraining::Next() {
  if (call == nullptr || !call->replaying || !call->record.has_training()) {
    return std::nullopt;
  }
  return call->record.training();
}

absl::Status NodeService::CallTraining::Record(
    const proto::TrainingRecord& record) {
  if (call != nullptr) *call->record.mutable_training() = record;
  return absl::OkStatus();
}

namespace {

int64_t CallId(const proto::NodeJournalRecord& r) {
  switch (r.call_case()) {
    case proto::NodeJournalRecord::kTrain: return r.train().call_id();
    case proto::NodeJournalRecord::kSendUpdate: return r.send_update().call_id();
    case proto::NodeJournalRecord::kFetchModel: return r.fetch_model().call_id();
    case proto::NodeJournalRecord::kRelayUpdate: return r.relay_update().call_id();
    case proto::NodeJournalRecord::kShareModel: return r.share_model().call_id();
    case proto::NodeJournalRecord::kMergeHeld: return r.merge_held().call_id();
    case proto::NodeJournalRecord::kAcceptRelay: return r.accept_relay().call_id();
    case proto::NodeJournalRecord::kAcceptModel: return r.accept_model().call_id();
    case proto::NodeJournalRecord::CALL_NOT_SET: break;
  }
  return 0;
}

}  // namespace

template <typename Reply, typename Body>
grpc::Status NodeService::Journaled(int64_t call_id, CallLog log, Reply* reply,
                                    Body body) {
  const std::pair<int, int64_t> key(static_cast<int>(log.record.call_case()),
                                    call_id);
  bool journaled = false;
  {
    absl::MutexLock lock(&journal_mu_);
    journaled = journal_ != nullptr;
    if (journaled && call_id > 0) {
      const auto it = answered_.find(key);
      if (it != answered_.end()) {
        // Made already: its reply was lost.
        if (!reply->ParseFromString(it->second.reply)) {
          return grpc::Status(grpc::StatusCode::INTERNAL,
                              "node journal: a journaled reply does not parse");
        }
        return grpc::Status(it->second.code, it->second.message);
      }
    }
  }
  grpc::Status s = body(log);
  if (!journaled) return s;
  proto::NodeJournalRecord& r = log.record;
  r.set_code(s.error_code());
  r.set_message(s.error_message());
  reply->SerializeToString(r.mutable_reply());
  absl::MutexLock lock(&journal_mu_);
  ForEachModelChunk(r, [&](proto::ModelChunk& c) { journal_models_.Elide(c); });
  if (absl::Status w = journal_->Append(r); !w.ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        absl::StrCat("node journal: ", w.message()));
  }
  // An unavailable aggregator or peer: the caller tries again, for real.
  if (call_id > 0 && s.error_code() != grpc::StatusCode::UNAVAILABLE) {
    answered_[key] = Answer{s.error_code(), s.error_message(), r.reply()};
  }
  return s;
}

template <typename Live>
grpc::Status NodeService::Outside(CallLog& log, proto::UploadAck* ack,
                                  Live live) {
  proto::NodeJournalRecord& r = log.record;
  if (log.replaying) {
    *ack = r.outside_ack();
    return grpc::Status(static_cast<grpc::StatusCode>(r.outside_code()),
                        r.outside_message());
  }
  grpc::Status s = live();
  *r.mutable_outside_ack() = *ack;
  r.set_outside_code(s.error_code());
  r.set_outside_message(s.error_message());
  return s;
}

grpc::Status NodeService::Replay(const proto::NodeJournalRecord& record,
                                 std::string* reply) {
  CallLog log{record, /*replaying=*/true};
  auto answer = [reply](auto& out, grpc::Status s) {
    out.SerializeToString(reply);
    return s;
  };
  proto::LinkReply link;
  proto::UploadAck ack;
  switch (record.call_case()) {
    case proto::NodeJournalRecord::kTrain: {
      proto::TrainReply train;
      return answer(train, DoTrain(record.train(), &train, log));
    }
    case proto::NodeJournalRecord::kSendUpdate:
      return answer(link, DoSendUpdate(record.send_update(), &link, log));
    case proto::NodeJournalRecord::kFetchModel:
      return answer(link, DoFetchModel(record.fetch_model(), &link, log));
    case proto::NodeJournalRecord::kRelayUpdate:
      return answer(link, DoRelayUpdate(record.relay_update(), &link, log));
    case proto::NodeJournalRecord::kShareModel:
      return answer(link, DoShareModel(record.share_model(), &link, log));
    case proto::NodeJournalRecord::kMergeHeld:
      return answer(link, DoMergeHeld(record.merge_held(), &link));
    case proto::NodeJournalRecord::kAcceptRelay:
      return answer(ack, DoAcceptRelay(record.accept_relay(), &ack));
    case proto::NodeJournalRecord::kAcceptModel:
      return answer(ack, DoAcceptModel(record.accept_model(), &ack));
    case proto::NodeJournalRecord::CALL_NOT_SET:
      break;
  }
  return grpc::Status(grpc::StatusCode::DATA_LOSS,
                      "a journal record holds no call");
}

absl::Status NodeService::OpenJournal(const std::string& path) {
  {
    absl::MutexLock lock(&mu_);
    for (auto& [name, sat] : satellites_) sat->set_training_memo(&call_training_);
  }
  int64_t keep = 0;
  absl::StatusOr<std::unique_ptr<proto::RecordReader>> reader =
      proto::RecordReader::Open(path);
  if (reader.ok()) {
    proto::NodeJournalRecord record;
    for (;;) {
      ORBITFL_ASSIGN_OR_RETURN(const bool more, (*reader)->Next(&record));
      if (!more) break;
      absl::Status restored = absl::OkStatus();
      {
        absl::MutexLock lock(&journal_mu_);
        ForEachModelChunk(record, [&](proto::ModelChunk& c) {
          if (restored.ok()) restored = journal_models_.Restore(c);
        });
      }
      if (!restored.ok()) {
        return absl::DataLossError(absl::StrCat(
            path, ": call ", replayed_ + 1, ": ", restored.message()));
      }
      std::string reply;
      const grpc::Status s = Replay(record, &reply);
      if (s.error_code() != record.code() || reply != record.reply()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "node journal ", path, ": call ", replayed_ + 1, " (",
            record.GetDescriptor()
                ->FindFieldByNumber(record.call_case())
                ->name(),
            ") replays to another answer than the journaled one (",
            s.error_message(), "): the journal belongs to another scenario "
            "or build"));
      }
      const int64_t call_id = CallId(record);
      if (call_id > 0 && s.error_code() != grpc::StatusCode::UNAVAILABLE) {
        absl::MutexLock lock(&journal_mu_);
        answered_[{static_cast<int>(record.call_case()), call_id}] =
            Answer{s.error_code(), s.error_message(), std::move(reply)};
      }
      ++replayed_;
    }
    keep = (*reader)->valid_bytes();
  } else if (!absl::IsNotFound(reader.status())) {
    return reader.status();
  }
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<proto::RecordWriter> writer,
                           proto::RecordWriter::Open(path, keep));
  absl::MutexLock lock(&journal_mu_);
  journal_ = std::move(writer);
  return absl::OkStatus();
}

// The calls -----------------------------------------------------------------

grpc::Status NodeService::Train(grpc::ServerContext* context,
                                const proto::TrainRequest* request,
                                proto::TrainReply* reply) {
  CallLog log;
  *log.record.mutable_train() = *request;
  return Journaled(request->call_id(), std::move(log), reply,
                   [&](CallLog& l) { return DoTrain(*request, reply, l); });
}

grpc::Status NodeService::DoTrain(const proto::TrainRequest& request,
                                  proto::TrainReply* reply, CallLog& log) {
  absl::MutexLock lock(&mu_);
  Satellite* sat = nullptr;
  if (grpc::Status s = Find(request.satellite(), &sat); !s.ok()) return s;
  call_training_.call = &log;
  auto r = sat->Train(absl::FromUnixMillis(request.utc_ms()));
  call_training_.call = nullptr;
  if (!r.ok()) return proto::ToGrpcStatus(r.status());
  *reply = *std::move(r);
  return grpc::Status::OK;
}

grpc::Status NodeService::Upload(const std::string& bytes, int64_t begin,
                                 int64_t end, const std::string& transfer_id,
                                 const std::string& origin,
                                 int64_t base_version,
                                 const std::string& holder,
                                 proto::UploadAck* ack, CallLog& log) {
  return Outside(log, ack, [&] {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientWriter<proto::UpdateChunk>> writer(
        aggregator_->UploadUpdate(&ctx, ack));
    proto::UpdateChunk chunk;
    chunk.set_transfer_id(transfer_id);
    chunk.set_satellite(origin);
    chunk.set_base_version(base_version);
    chunk.set_total_bytes(static_cast<int64_t>(bytes.size()));
    chunk.set_holder(holder);
    return WriteChunks(*writer, chunk, bytes, begin, end, chunk_bytes_, [&] {
      if (kill_after_chunks_ > 0 && ++chunks_uploaded_ == kill_after_chunks_) {
        std::cerr << "[orbitfl] node: killing itself mid-upload (fault "
                     "injection)" << std::endl;
        ::raise(SIGKILL);
      }
    });
  });
}

grpc::Status NodeService::SendUpdate(grpc::ServerContext* context,
                                     const proto::LinkRequest* request,
                                     proto::LinkReply* reply) {
  CallLog log;
  *log.record.mutable_send_update() = *request;
  return Journaled(request->call_id(), std::move(log), reply,
                   [&](CallLog& l) { return DoSendUpdate(*request, reply, l); });
}

grpc::Status NodeService::DoSendUpdate(const proto::LinkRequest& request,
                                       proto::LinkReply* reply, CallLog& log) {
  absl::MutexLock lock(&mu_);
  Satellite* sat = nullptr;
  if (grpc::Status s = Find(request.satellite(), &sat); !s.ok()) return s;
  if (!request.transfer_id().empty()) {
    // A relayed update this satellite holds.
    auto& held = relayed_[sat->name()];
    auto it = held.find(request.transfer_id());
    if (it == held.end()) {
      return grpc::Status(
          grpc::StatusCode::FAILED_PRECONDITION,
          absl::StrCat(sat->name(), " holds no relayed update \"",
                       request.transfer_id(), "\""));
    }
    Relayed& r = it->second;
    const int64_t total = static_cast<int64_t>(r.bytes.size());
    const int64_t begin = r.forwarded;
    const int64_t end = request.max_bytes() > 0
                            ? std::min(total, begin + request.max_bytes())
                            : total;
    proto::UploadAck ack;
    if (grpc::Status s = Upload(r.bytes, begin, end, it->first, r.origin,
                                r.base_version, sat->name(), &ack, log);
        !s.ok()) {
      return s;
    }
    reply->set_bytes_moved(ack.acked_bytes() - begin);
    reply->set_complete(ack.complete());
    reply->set_accepted(ack.accepted());
    reply->set_remaining_bytes(total - ack.acked_bytes());
    r.forwarded = ack.acked_bytes();
    if (ack.complete()) {
      auto& order = relay_order_[sat->name()];
      order.erase(std::find(order.begin(), order.end(), it->first));
      held.erase(it);
    }
    return grpc::Status::OK;
  }
  const std::string& bytes = sat->update_bytes();
  if (bytes.empty()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat(sat->name(), " has no pending update"));
  }
  const int64_t total = static_cast<int64_t>(bytes.size());
  const int64_t begin = sat->update_acked();
  const int64_t end = request.max_bytes() > 0
                          ? std::min(total, begin + request.max_bytes())
                          : total;
  proto::UploadAck ack;
  if (grpc::Status s =
          Upload(bytes, begin, end, sat->update_transfer_id(), sat->name(),
                 sat->update_base_version(), sat->name(), &ack, log);
      !s.ok()) {
    return s;
  }
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
  CallLog log;
  *log.record.mutable_fetch_model() = *request;
  return Journaled(request->call_id(), std::move(log), reply,
                   [&](CallLog& l) { return DoFetchModel(*request, reply, l); });
}

grpc::Status NodeService::DoFetchModel(const proto::LinkRequest& request,
                                       proto::LinkReply* reply, CallLog& log) {
  absl::MutexLock lock(&mu_);
  Satellite* sat = nullptr;
  if (grpc::Status s = Find(request.satellite(), &sat); !s.ok()) return s;
  int64_t moved = 0;
  int64_t total = 0;
  bool complete = false;
  absl::Status receive;
  // Takes one chunk; false to stop reading.
  auto take = [&](const proto::ModelChunk& chunk) {
    total = chunk.total_bytes();
    auto done = sat->ReceiveModelChunk(chunk);
    if (!done.ok()) {
      receive = done.status();
      return false;
    }
    moved += static_cast<int64_t>(chunk.data().size());
    complete = *done;
    reply->set_model_version(chunk.version());
    return true;
  };
  proto::NodeJournalRecord& r = log.record;
  grpc::Status s;
  if (log.replaying) {
    for (const proto::ModelChunk& chunk : r.outside_chunks()) {
      if (!take(chunk)) break;
    }
    s = grpc::Status(static_cast<grpc::StatusCode>(r.outside_code()),
                     r.outside_message());
  } else {
    proto::ModelRequest req;
    req.set_satellite(sat->name());
    req.set_version(sat->downloading_version());
    req.set_offset(sat->downloaded_bytes());
    req.set_max_bytes(request.max_bytes());
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<proto::ModelChunk>> reader(
        aggregator_->DownloadModel(&ctx, req));
    proto::ModelChunk chunk;
    while (reader->Read(&chunk)) {
      *r.add_outside_chunks() = chunk;
      if (!take(chunk)) {
        ctx.TryCancel();
        break;
      }
    }
    s = reader->Finish();
    r.set_outside_code(s.error_code());
    r.set_outside_message(s.error_message());
  }
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
  for (const std::string& id : relay_order_[sat->name()]) {
    const Relayed& r = relayed_[sat->name()].at(id);
    proto::RelayedUpdate* out = reply->add_relayed();
    out->set_transfer_id(id);
    out->set_origin(r.origin);
    out->set_base_version(r.base_version);
    out->set_total_bytes(static_cast<int64_t>(r.bytes.size()));
    out->set_forwarded_bytes(r.forwarded);
    out->set_hops(r.hops);
  }
  return grpc::Status::OK;
}

void NodeService::SetPeerChannel(std::shared_ptr<grpc::Channel> peers) {
  SetPeerResolver([peers](const std::string&) { return peers; });
}

void NodeService::SetPeerResolver(PeerResolver resolve) {
  absl::MutexLock lock(&mu_);
  resolve_peer_ = std::move(resolve);

  peer_clients_.clear();
}

grpc::Status NodeService::RelayUpdate(grpc::ServerContext* context,
                                      const proto::RelayRequest* request,
                                      proto::LinkReply* reply) {
  CallLog log;
  *log.record.mutable_relay_update() = *request;
  return Journaled(request->call_id(), std::move(log), reply,
                   [&](CallLog& l) { return DoRelayUpdate(*request, reply, l); });
}

grpc::Status NodeService::DoRelayUpdate(const proto::RelayRequest& request,
                                        proto::LinkReply* reply, CallLog& log) {
  // What to hand over, copied under the lock: the peer may be hosted by
  // this very service, whose AcceptRelay takes the lock too.
  std::string bytes, transfer_id, origin;
  int64_t base_version = 0;
  int hops = 0;
  PeerClient* peers = nullptr;
  {
    absl::MutexLock lock(&mu_);
    Satellite* sat = nullptr;
    // Replaying needs no peer: the hand-over's answer is journaled.
    if (grpc::Status s =
            log.replaying
                ? Find(request.satellite(), &sat)
                : FindWithPeers(request.satellite(), request.peer(), &sat, &peers);
        !s.ok()) {
      return s;
    }
    if (request.transfer_id().empty()) {
      if (sat->update_bytes().empty() || sat->update_acked() > 0) {
        return grpc::Status(
            grpc::StatusCode::FAILED_PRECONDITION,
            absl::StrCat(sat->name(),
                         " has no pending update that is not partly sent"));
      }
      bytes = sat->update_bytes();
      transfer_id = sat->update_transfer_id();
      origin = sat->name();
      base_version = sat->update_base_version();
    } else {
      auto& held = relayed_[sat->name()];
      auto it = held.find(request.transfer_id());
      if (it == held.end() || it->second.forwarded > 0) {
        return grpc::Status(
            grpc::StatusCode::FAILED_PRECONDITION,
            absl::StrCat(sat->name(), " holds no unsent relayed update \"",
                         request.transfer_id(), "\""));
      }
      bytes = it->second.bytes;
      transfer_id = it->first;
      origin = it->second.origin;
      base_version = it->second.base_version;
      hops = it->second.hops;
    }
  }
  const int64_t total = static_cast<int64_t>(bytes.size());
  proto::UploadAck ack;
  const grpc::Status sent = Outside(log, &ack, [&] {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientWriter<proto::UpdateChunk>> writer(
        peers->AcceptRelay(&ctx, &ack));
    proto::UpdateChunk chunk;
    chunk.set_transfer_id(transfer_id);
    chunk.set_satellite(origin);
    chunk.set_base_version(base_version);
    chunk.set_total_bytes(total);
    chunk.set_holder(request.peer());
    chunk.set_hops(hops + 1);
    chunk.set_call_id(request.call_id());
    return WriteChunks(*writer, chunk, bytes, 0, total, chunk_bytes_);
  });
  if (!sent.ok()) return sent;
  reply->set_complete(ack.complete());
  reply->set_bytes_moved(ack.acked_bytes());
  reply->set_remaining_bytes(total - ack.acked_bytes());
  if (!ack.complete()) return grpc::Status::OK;
  absl::MutexLock lock(&mu_);
  Satellite* sat = nullptr;
  if (grpc::Status s = Find(request.satellite(), &sat); !s.ok()) return s;
  if (request.transfer_id().empty()) {
    // Handed over whole: the peer carries it from here.
    sat->AcknowledgeUpdate(total, /*complete=*/true);
  } else {
    relayed_[sat->name()].erase(transfer_id);
    auto& order = relay_order_[sat->name()];
    order.erase(std::find(order.begin(), order.end(), transfer_id));
  }
  return grpc::Status::OK;
}

grpc::Status NodeService::AcceptRelay(
    grpc::ServerContext* context, grpc::ServerReader<proto::UpdateChunk>* reader,
    proto::UploadAck* reply) {
  HandOver<proto::UpdateChunk> in;
  if (grpc::Status s = ReadHandOver(reader, in); !s.ok()) return s;
  reply->set_transfer_id(in.first.transfer_id());
  if (!in.whole()) {
    reply->set_acked_bytes(0);  // a partial hand-over is discarded
    return grpc::Status::OK;
  }
  CallLog log;
  proto::UpdateChunk* whole = log.record.mutable_accept_relay();
  *whole = std::move(in.first);
  whole->set_data(std::move(in.bytes));
  const int64_t call_id = whole->call_id();
  return Journaled(call_id, std::move(log), reply, [&](CallLog& l) {
    return DoAcceptRelay(l.record.accept_relay(), reply);
  });
}

grpc::Status NodeService::DoAcceptRelay(const proto::UpdateChunk& whole,
                                        proto::UploadAck* reply) {
  const std::string& holder = whole.holder();
  const std::string& transfer_id = whole.transfer_id();
  reply->set_transfer_id(transfer_id);
  reply->set_acked_bytes(static_cast<int64_t>(whole.data().size()));
  reply->set_complete(true);
  absl::MutexLock lock(&mu_);
  Satellite* sat = nullptr;
  if (grpc::Status s = Find(holder, &sat); !s.ok()) return s;
  auto& held = relayed_[holder];
  const bool fresh = held.count(transfer_id) == 0;
  Relayed& r = held[transfer_id];
  r.origin = whole.satellite();
  r.base_version = whole.base_version();
  r.bytes = whole.data();
  r.forwarded = 0;
  r.hops = whole.hops();
  if (fresh) relay_order_[holder].push_back(transfer_id);
  return grpc::Status::OK;
}

grpc::Status NodeService::ShareModel(grpc::ServerContext* context,
                                     const proto::RelayRequest* request,
                                     proto::LinkReply* reply) {
  CallLog log;
  *log.record.mutable_share_model() = *request;
  return Journaled(request->call_id(), std::move(log), reply,
                   [&](CallLog& l) { return DoShareModel(*request, reply, l); });
}

grpc::Status NodeService::DoShareModel(const proto::RelayRequest& request,
                                       proto::LinkReply* reply, CallLog& log) {
  std::string bytes;
  int64_t version = -1;
  PeerClient* peers = nullptr;
  {
    absl::MutexLock lock(&mu_);
    Satellite* sat = nullptr;
    if (grpc::Status s =
            log.replaying
                ? Find(request.satellite(), &sat)
                : FindWithPeers(request.satellite(), request.peer(), &sat, &peers);
        !s.ok()) {
      return s;
    }
    bytes = sat->ModelBytes();
    version = sat->model_version();
    if (bytes.empty()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          absl::StrCat(sat->name(), " holds no model"));
    }
  }
  const int64_t total = static_cast<int64_t>(bytes.size());
  proto::UploadAck ack;
  const grpc::Status sent = Outside(log, &ack, [&] {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientWriter<proto::ModelChunk>> writer(
        peers->AcceptModel(&ctx, &ack));
    proto::ModelChunk chunk;
    chunk.set_version(version);
    chunk.set_total_bytes(total);
    chunk.set_holder(request.peer());
    chunk.set_call_id(request.call_id());
    return WriteChunks(*writer, chunk, bytes, 0, total, chunk_bytes_);
  });
  if (!sent.ok()) return sent;
  reply->set_bytes_moved(ack.acked_bytes());
  reply->set_complete(ack.complete());
  reply->set_accepted(ack.accepted());
  reply->set_model_version(version);
  reply->set_remaining_bytes(total - ack.acked_bytes());
  return grpc::Status::OK;
}

grpc::Status NodeService::AcceptModel(
    grpc::ServerContext* context, grpc::ServerReader<proto::ModelChunk>* reader,
    proto::UploadAck* reply) {
  HandOver<proto::ModelChunk> in;
  if (grpc::Status s = ReadHandOver(reader, in); !s.ok()) return s;
  if (!in.whole()) {
    reply->set_acked_bytes(0);  // a partial model is dropped
    reply->set_complete(false);
    return grpc::Status::OK;
  }
  CallLog log;
  proto::ModelChunk* whole = log.record.mutable_accept_model();
  *whole = std::move(in.first);
  whole->set_data(std::move(in.bytes));
  const int64_t call_id = whole->call_id();
  return Journaled(call_id, std::move(log), reply, [&](CallLog& l) {
    return DoAcceptModel(l.record.accept_model(), reply);
  });
}

grpc::Status NodeService::DoAcceptModel(const proto::ModelChunk& whole,
                                        proto::UploadAck* reply) {
  reply->set_acked_bytes(static_cast<int64_t>(whole.data().size()));
  reply->set_complete(true);
  absl::MutexLock lock(&mu_);
  Satellite* sat = nullptr;
  if (grpc::Status s = Find(whole.holder(), &sat); !s.ok()) return s;
  absl::StatusOr<bool> installed = sat->InstallModel(whole.data());
  if (!installed.ok()) return proto::ToGrpcStatus(installed.status());
  reply->set_accepted(*installed);
  return grpc::Status::OK;
}

grpc::Status NodeService::MergeHeld(grpc::ServerContext* context,
                                    const proto::MergeRequest* request,
                                    proto::LinkReply* reply) {
  CallLog log;
  *log.record.mutable_merge_held() = *request;
  return Journaled(request->call_id(), std::move(log), reply,
                   [&](CallLog&) { return DoMergeHeld(*request, reply); });
}

grpc::Status NodeService::DoMergeHeld(const proto::MergeRequest& request,
                                      proto::LinkReply* reply) {
  absl::MutexLock lock(&mu_);
  Satellite* sat = nullptr;
  if (grpc::Status s = Find(request.satellite(), &sat); !s.ok()) return s;
  // An own update partly sent already goes on as it is: merging would
  // replace it.
  if (!sat->update_bytes().empty() && sat->update_acked() > 0) {
    return grpc::Status::OK;
  }
  // The parts: the satellite's own update first, when it has one, then
  // the held ones on its base (else on the first held one's) in the order
  // they arrived. A held update that does not parse or does not have the
  // model's tensors (names and shapes; without a model on board, those of
  // the first part, which may hold no more values than the model it
  // trains) stays out, checked before anything is decoded: a peer's top-k
  // update states its size in a few bytes. It stays held and goes on as
  // it is, for the aggregator to refuse with its reason.
  const bool own = !sat->update_bytes().empty();
  std::vector<proto::ModelDelta> parts;
  std::vector<std::string> merged_ids;
  int64_t base = own ? sat->update_base_version() : -1;
  if (own && !parts.emplace_back().ParseFromString(sat->update_bytes())) {
    return grpc::Status(grpc::StatusCode::DATA_LOSS,
                        absl::StrCat(sat->name(), ": its update does not parse"));
  }
  const std::set<std::string> keep(request.keep_transfer_ids().begin(),
                                   request.keep_transfer_ids().end());
  auto fits = [&](const proto::ModelDelta& part) {
    if (const proto::Model* model = sat->model()) {
      return FitsLayout(part, model->tensors());
    }
    if (!parts.empty()) return FitsLayout(part, parts.front().tensors());
    return proto::CheckDeltaSize(part, sat->trainable_parameters()).ok();
  };
  auto& held = relayed_[sat->name()];
  auto& order = relay_order_[sat->name()];
  for (const std::string& id : order) {
    const Relayed& r = held.at(id);
    if (r.forwarded > 0 || keep.count(id) > 0) continue;
    if (base >= 0 && r.base_version != base) continue;
    proto::ModelDelta part;
    if (!part.ParseFromString(r.bytes) || !fits(part)) continue;
    base = r.base_version;
    parts.push_back(std::move(part));
    merged_ids.push_back(id);
  }
  if (parts.size() < 2) return grpc::Status::OK;  // nothing to merge
  absl::StatusOr<proto::ModelDelta> merged =
      MergeDeltas(sat->name(), base, parts);
  if (!merged.ok()) return proto::ToGrpcStatus(merged.status());
  std::string bytes;
  merged->SerializeToString(&bytes);
  const int64_t size = static_cast<int64_t>(bytes.size());
  if (own) {
    // Training may not replace it until it is sent (Satellite::Train).
    sat->SetUpdate(std::move(bytes), base, merged->contributors_size());
    reply->set_transfer_id(sat->update_transfer_id());
  } else {
    // Held like a relayed update, under an id of its own.
    const std::string id = absl::StrCat(sat->name(), "@v", base, "+merge",
                                        ++merges_[sat->name()]);
    Relayed& r = held[id];
    r.origin = sat->name();
    r.base_version = base;
    r.bytes = std::move(bytes);
    order.push_back(id);
    reply->set_transfer_id(id);
  }
  for (const std::string& id : merged_ids) {
    held.erase(id);
    order.erase(std::find(order.begin(), order.end(), id));
  }
  *reply->mutable_contributors() = merged->contributors();
  reply->set_accepted(true);
  reply->set_remaining_bytes(size);
  return grpc::Status::OK;
}

}  // namespace orbitfl::node
