#ifndef ORBITFL_NODE_NODE_SERVICE_H_
#define ORBITFL_NODE_NODE_SERVICE_H_

// The SatelliteNode gRPC service. One service hosts one or more satellites
// (one per process when distributed, all of them when embedded); while a
// link is open the node itself streams to and from the Aggregator service.
//
// With a journal (OpenJournal) a node survives being killed: every call
// that may change a satellite is written down, synced, before it is
// answered, with whatever the call got from outside the node (the
// aggregator's acknowledgements, model chunks, peers' answers) and the
// local training it ran. A node restarted on the same journal replays the
// calls, without the network and without training again, into the state
// it had; a call repeated after its reply was lost (same call_id) gets the
// journaled reply instead of running twice. The services are
// deterministic, so a run whose nodes were killed and restarted writes the
// same files as one whose nodes never stopped.
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
#include "node/journal_models.h"
#include "node/satellite.h"
#include "node/training_memo.h"
#include "proto/record_log.h"
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

  // Journals calls to `path` from now on, after replaying the calls
  // already there (see above). Call once, after hosting every satellite
  // and before serving. FailedPrecondition when a call replays to another
  // answer than the journaled one (a journal of another scenario or
  // build).
  absl::Status OpenJournal(const std::string& path)
      ABSL_LOCKS_EXCLUDED(mu_, journal_mu_);
  // Calls replayed by OpenJournal.
  int64_t replayed() const { return replayed_; }
  // Fault injection (tests): after writing this many update chunks to the
  // aggregator in all, mid-stream, the process kills itself with SIGKILL.
  // 0: never.
  void KillAfterUploadChunks(int64_t chunks) { kill_after_chunks_ = chunks; }

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
  // One call as the journal sees it: the record being made (live) or
  // replayed.
  struct CallLog {
    proto::NodeJournalRecord record;
    bool replaying = false;
  };
  // The journal's side of satellites' training: records what a live call
  // trained, replays what a replayed call trained.
  class CallTraining : public TrainingMemo {
   public:
    absl::StatusOr<std::optional<proto::TrainingRecord>> Next() override;
    absl::Status Record(const proto::TrainingRecord& record) override;
    CallLog* call = nullptr;  // the Train call under way (under mu_)
  };

  // The calls' bodies, live or replaying `log`.
  grpc::Status DoTrain(const proto::TrainRequest& request,
                       proto::TrainReply* reply, CallLog& log)
      ABSL_LOCKS_EXCLUDED(mu_);
  grpc::Status DoSendUpdate(const proto::LinkRequest& request,
                            proto::LinkReply* reply, CallLog& log)
      ABSL_LOCKS_EXCLUDED(mu_);
  grpc::Status DoFetchModel(const proto::LinkRequest& request,
                            proto::LinkReply* reply, CallLog& log)
      ABSL_LOCKS_EXCLUDED(mu_);
  grpc::Status DoRelayUpdate(const proto::RelayRequest& request,
                             proto::LinkReply* reply, CallLog& log)
      ABSL_LOCKS_EXCLUDED(mu_);
  grpc::Status DoShareModel(const proto::RelayRequest& request,
                            proto::LinkReply* reply, CallLog& log)
      ABSL_LOCKS_EXCLUDED(mu_);
  grpc::Status DoMergeHeld(const proto::MergeRequest& request,
                           proto::LinkReply* reply) ABSL_LOCKS_EXCLUDED(mu_);
  // A hand-over received whole: its first chunk, with all the data.
  grpc::Status DoAcceptRelay(const proto::UpdateChunk& whole,
                             proto::UploadAck* reply) ABSL_LOCKS_EXCLUDED(mu_);
  grpc::Status DoAcceptModel(const proto::ModelChunk& whole,
                             proto::UploadAck* reply) ABSL_LOCKS_EXCLUDED(mu_);
  // Runs `body(log)` as call `call_id` of `log.record`'s kind: with a
  // journal, a call_id already journaled is answered from the journal,
  // else the call runs and is journaled before it is answered.
  template <typename Reply, typename Body>
  grpc::Status Journaled(int64_t call_id, CallLog log, Reply* reply,
                         Body body) ABSL_LOCKS_EXCLUDED(journal_mu_);
  // Replays one journaled call; its serialised reply into `reply`.
  grpc::Status Replay(const proto::NodeJournalRecord& record,
                      std::string* reply);

  // A call outside the node answered by an acknowledgement: live, `live()`
  // makes it and its outcome is recorded into `log`; replaying, the
  // recorded outcome is returned instead.
  template <typename Live>
  static grpc::Status Outside(CallLog& log, proto::UploadAck* ack, Live live);
  // Streams bytes [begin, end) of an update to the aggregator.
  // `holder` is the satellite downlinking it (the origin, or the one that
  // holds a relayed update).
  grpc::Status Upload(const std::string& bytes, int64_t begin, int64_t end,
                      const std::string& transfer_id,
                      const std::string& origin, int64_t base_version,
                      const std::string& holder, proto::UploadAck* ack,
                      CallLog& log) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // NOT_FOUND naming the satellite when it is not hosted here.
  grpc::Status Find(const std::string& name, Satellite** out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // gRPC's generated client class for the SatelliteNode service: how this
  // node calls the one hosting a peer.
  using PeerClient = proto::SatelliteNode::Stub;
  // Find, and the client of the service hosting `peer`; an error status
  // (the precondition code) when no peer channel was set, NOT_FOUND when
  // none hosts `peer`.
  grpc::Status FindWithPeers(const std::string& name, const std::string& peer,
                             Satellite** out, PeerClient** peers)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::unique_ptr<proto::Aggregator::Stub> aggregator_;
  const int chunk_bytes_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Satellite>> satellites_
      ABSL_GUARDED_BY(mu_);
  PeerResolver resolve_peer_ ABSL_GUARDED_BY(mu_);
  // One client per peer channel.
  std::map<const grpc::Channel*, std::unique_ptr<PeerClient>> peer_clients_
      ABSL_GUARDED_BY(mu_);
  // Held updates by holder, then transfer id (ordered: oldest ids are not
  // guaranteed first, so NodeStatus lists them in arrival order).
  std::map<std::string, std::map<std::string, Relayed>> relayed_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::string>> relay_order_
      ABSL_GUARDED_BY(mu_);
  // Held updates merged on board so far, by holder (names their ids).
  std::map<std::string, int> merges_ ABSL_GUARDED_BY(mu_);
  CallTraining call_training_ ABSL_GUARDED_BY(mu_);
  int64_t kill_after_chunks_ = 0;
  int64_t chunks_uploaded_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex journal_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::unique_ptr<proto::RecordWriter> journal_ ABSL_GUARDED_BY(journal_mu_);
  // Journaled answers by (call kind, call_id).
  struct Answer {
    grpc::StatusCode code;
    std::string message;
    std::string reply;
  };
  std::map<std::pair<int, int64_t>, Answer> answered_
      ABSL_GUARDED_BY(journal_mu_);
  // Model bytes journaled already: written once, not once per satellite.
  JournalModels journal_models_ ABSL_GUARDED_BY(journal_mu_);
  int64_t replayed_ = 0;
};

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_NODE_SERVICE_H_
