#include "sim/embedded_run.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "aggregator/aggregator.h"
#include "aggregator/service.h"
#include "grpcpp/grpcpp.h"
#include "node/eurosat.h"
#include "node/model.h"
#include "node/node_service.h"
#include "node/parallel.h"
#include "node/satellite.h"
#include "node/trainer.h"
#include "proto/crc32c.h"
#include "proto/delta_codec.h"
#include "proto/grpc_status.h"
#include "proto/services.grpc.pb.h"
#include "sim/contact_plan.h"
#include "sim/event_loop.h"
#include "sim/json.h"
#include "sim/net.h"
#include "sim/run_checkpoint.h"
#include "sim/run_dir.h"
#include "sim/run_report.h"
#include "sim/run_world.h"
#include "sim/scenario_world.h"
#include "sim/strategies.h"
#include "sim/test_set.h"
#include "sim/time_format.h"
#include "orbit/contact_graph.h"
#include "orbit/visibility.h"
#include "sim/world/land_cover.h"
#include "sim/world/noise.h"
#include "sim/world/tile.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

// A satellite that cannot train yet (no model, too few tiles) tries again
// after this long.
constexpr absl::Duration kTrainRetry = absl::Minutes(10);

enum class Payload { kUpdate, kModel };

// One piece of a transfer: a payload moving over one open ground window.
// The radio (and the station's antenna) is busy over [start, end]; the last
// byte reaches the far end at `delivered`, after the light time over the
// slant range and the terrestrial backhaul.
struct Segment {
  Payload payload;
  int station;
  absl::Time start;
  absl::Time end;
  absl::Time delivered;
  int64_t bytes;
  // An update held for another satellite (its transfer id), or empty.
  std::string relayed;
  // Updates only: the satellite that trained it and its base version.
  std::string origin;
  int64_t base_version = 0;
  int hops = 0;  // inter-satellite hops it made before this downlink
};

// What the run tracks per satellite; the node itself holds the rest.
struct SatelliteState {
  std::set<int> open_windows;  // indices into plan.windows
  bool transferring = false;
  bool training = false;  // on-board training in progress
  bool train_again = false;  // a newer model arrived during training
  EventId retry = 0;
  absl::Time last_trained = absl::InfinitePast();
  // Waiting for a new model with nothing to train on or send, since then
  // (InfiniteFuture while busy).
  absl::Time idle_since;
  absl::Duration idle;
  // participation.csv
  int64_t trainings = 0;
  int64_t updates_sent = 0;
  int64_t updates_applied = 0;
  int64_t bytes_up = 0;
  int64_t bytes_down = 0;
};

struct StationState {
  int antennas = 1;
  int busy = 0;  // antennas serving a satellite now
  std::set<int> open_windows;  // its windows open now (plan.windows indices)
};

// Busy time and bytes of one kind of link, for links.csv.
struct LinkUse {
  int64_t windows = 0;
  absl::Duration open;
  absl::Duration busy;
  int64_t bytes = 0;
};

// Whether ground window `w` is lost to an outage: a pure function of the
// seed and the window's index.
bool PassLost(uint64_t seed, int w, double probability) {
  if (probability <= 0) return false;
  const uint64_t h = world::Mix(seed ^ world::Mix(0x6f757461676573ULL + w));
  return static_cast<double>(h >> 11) * 0x1.0p-53 < probability;
}

class EmbeddedRun {
 public:
  EmbeddedRun(const proto::Scenario& scenario, const RunOptions& options)
      : scenario_(scenario),
        options_(options),
        env_(options.env != nullptr ? options.env : Env::Default()),
        start_(*ParseUtc(scenario.epoch_utc())),
        stop_(start_ + absl::Seconds(std::round(scenario.duration_hours() *
                                                3600.0))),
        loop_(start_) {}

  absl::StatusOr<RunSummary> Run();

 private:
  absl::Status SetUp();
  absl::Status StartServices();
  // The contact graph for store-and-forward relaying (link.isl.relay).
  absl::Status BuildRelayGraph();
  // An update ready on board `sat` (its own with an empty id, else one it
  // holds) starts along its earliest-arrival route to a station when the
  // route's first hop is an inter-satellite link; a satellite in view of a
  // station, or whose route starts with its own pass, keeps it.
  void MaybeRelay(int sat, const std::string& transfer_id);
  void OnRelayHop(int sat, int peer, const std::string& transfer_id,
                  const orbit::Hop& hop);
  // link.isl.share_models: `sat` hands its model to every ISL neighbour in
  // an open window that holds an older one and nothing to send.
  void ShareModel(int sat);
  void OnModelShared(int sat, int peer, int64_t version, absl::Time start,
                     absl::Time end);
  // A EuroSAT-style folder: the test split, the satellites' shares and
  // the training pool (for pre-training an encoder).
  void Fail(const absl::Status& status);
  void Check(const absl::Status& status) {
    if (!status.ok()) Fail(status);
  }

  void OnPassOpen(int sat, int window);
  void Pump(int sat);
  // An antenna of `station` came free: satellites waiting in view get it,
  // the one whose pass ends first first.
  void PumpStation(int station);
  void OnSegmentDone(int sat, const Segment& segment);
  void RecordApplied();
  void MarkIdle(int sat) {
    if (sats_[sat].idle_since == absl::InfiniteFuture()) {
      sats_[sat].idle_since = loop_.now();
    }
  }
  void MarkBusy(int sat) {
    SatelliteState& st = sats_[sat];
    if (st.idle_since != absl::InfiniteFuture()) {
      st.idle += loop_.now() - st.idle_since;
      st.idle_since = absl::InfiniteFuture();
    }
  }
  absl::Status WriteTables();
  void TrainNow(int sat);
  absl::Status Tick();
  // Evaluates now, or (with evaluation.interval_s) once the interval since
  // the last evaluation has passed.
  absl::Status MaybeEvaluate();
  absl::Status EvaluateGlobal();
  absl::StatusOr<proto::NodeStatus> NodeStatus(int sat);
  // Hierarchical aggregation (link.isl.aggregate_in_plane): before the
  // own update of `sat` leaves it (down a pass or over an ISL), the
  // updates it holds on the same base are merged into it. Returns the
  // satellite's status, after the merge when there was one.
  absl::StatusOr<proto::NodeStatus> MergeOnBoard(int sat,
                                                 proto::NodeStatus status);
  // Satellites credited with a delivered update: its origin, or everyone
  // a merged one speaks for.
  std::vector<std::string> Contributors(const std::string& transfer_id,
                                        const std::string& origin);
  void Progress(bool force);
  // Resuming: the checkpoint's records are replayed; training from here.
  void CaughtUp();
  JsonObject Event(absl::string_view name) const {
    JsonObject e;
    e.Add("event", name).Add("utc", FormatUtc(loop_.now()));
    return e;
  }

  const proto::Scenario& scenario_;
  const RunOptions& options_;
  Env* env_;
  const absl::Time start_;
  const absl::Time stop_;
  EventLoop loop_;
  absl::Status error_;

  // The plan, world, model and test set (sim/run_world.h).
  RunWorld w_;
  proto::Model global_model_;  // the latest, as last evaluated
  std::unique_ptr<RunDirectory> run_dir_;
  // Embedded: trainings and evaluations, recorded or (resuming) replayed.
  std::unique_ptr<RunCheckpoint> checkpoint_;
  bool resuming_ = false;  // records left to replay

  std::unique_ptr<aggregator::Aggregator> aggregator_;
  std::unique_ptr<aggregator::AggregatorService> aggregator_service_;
  std::unique_ptr<grpc::Server> aggregator_server_;
  std::unique_ptr<node::NodeService> node_service_;
  std::unique_ptr<grpc::Server> node_server_;
  std::unique_ptr<proto::Aggregator::Stub> aggregator_client_;
  // Clients of the node services, and which one hosts each satellite (all
  // the one in-process service, or one per `orbitfl node` process).
  // gRPC's generated client class for the SatelliteNode service.
  using NodeClient = proto::SatelliteNode::Stub;
  std::vector<std::unique_ptr<NodeClient>> node_clients_;
  std::vector<NodeClient*> node_of_;
  NodeClient* Node(int sat) const { return node_of_[sat]; }
  // One RPC, `call(context)`, answering into `reply`. Distributed, a
  // service that is unreachable (restarting) is waited for, up to
  // RunOptions::connect_timeout: virtual time stands still meanwhile, so
  // the run's files do not change; and with a checkpoint every answer is
  // recorded there, so that a resumed coordinator takes the answers from
  // it instead of calling until it is back where it stopped.
  template <typename F>
  grpc::Status Call(google::protobuf::MessageLite* reply, F call) {
    const bool distributed = !options_.aggregator_address.empty();
    const bool recorded = distributed && checkpoint_ != nullptr;
    if (recorded) {
      absl::StatusOr<std::optional<proto::CallRecord>> answer =
          checkpoint_->NextCall();
      if (!answer.ok()) return proto::ToGrpcStatus(answer.status());
      if (answer->has_value()) {
        if (!reply->ParseFromString((*answer)->reply())) {
          return grpc::Status(grpc::StatusCode::DATA_LOSS,
                              "a recorded answer does not parse");
        }
        return grpc::Status(static_cast<grpc::StatusCode>((*answer)->code()),
                            (*answer)->message());
      }
    }
    const absl::Time give_up = absl::Now() + options_.connect_timeout;
    absl::Duration wait = absl::Milliseconds(50);
    grpc::Status s;
    for (;;) {
      grpc::ClientContext context;
      s = call(&context);
      if (s.error_code() != grpc::StatusCode::UNAVAILABLE || !distributed ||
          absl::Now() > give_up) {
        break;
      }
      ++summary_.rpc_retries;
      absl::SleepFor(wait);
      wait = std::min(wait * 2, absl::Seconds(1));
    }
    if (recorded) {
      proto::CallRecord r;
      r.set_code(s.error_code());
      r.set_message(s.error_message());
      reply->SerializeToString(r.mutable_reply());
      if (absl::Status w = checkpoint_->RecordCall(r); !w.ok()) {
        return proto::ToGrpcStatus(w);
      }
    }
    return s;
  }
  int64_t tick_sequence_ = 0;
  // Numbers the calls that change a satellite (TrainRequest.call_id): a
  // node restarted on its journal answers a repeated one from it.
  int64_t call_id_ = 0;

  std::vector<SatelliteState> sats_;
  std::map<std::string, int> sat_index_;
  std::vector<StationState> stations_;
  std::vector<bool> window_lost_;  // by ground window, from the seed
  std::unique_ptr<orbit::ContactGraph> relay_graph_;
  // Own updates (by satellite) and held ones (by transfer id) on their way
  // over an inter-satellite hop, or waiting for it.
  std::set<int> relaying_own_;
  std::set<std::string> relaying_held_;
  // ISL windows of each satellite (indices into w_.plan.isl_windows), and the
  // model version on its way to a satellite over one.
  std::vector<std::vector<int>> isl_by_sat_;
  std::map<int, int64_t> incoming_model_;
  // Inter-satellite hops of each relayed update received, by (origin,
  // base version).
  std::map<std::pair<std::string, int64_t>, int> hops_;
  // Whom each update merged on board speaks for, by transfer id, until
  // it reaches the ground.
  std::map<std::string, std::vector<std::string>> merged_;
  int64_t merges_ = 0;
  LinkUse downlink_, uplink_, isl_;
  int64_t passes_lost_ = 0;
  // Staleness of every applied update, for the summary.
  int64_t staleness_sum_ = 0;
  int64_t staleness_max_ = 0;
  int64_t staleness_count_ = 0;
  absl::Time target_reached_ = absl::InfiniteFuture();
  proto::TickReply tick_;  // the aggregator's state at the last tick
  EventId deadline_event_ = 0;
  EventId eval_event_ = 0;         // a throttled evaluation, when pending
  absl::Time last_eval_ = absl::InfinitePast();
  int64_t evaluated_version_ = -1;
  int64_t deadline_ms_ = 0;

  RunSummary summary_;
  absl::Time wall_start_;
  absl::Time last_progress_;
  double accuracy_ = 0;
};

void EmbeddedRun::Fail(const absl::Status& status) {
  if (error_.ok()) error_ = status;
  loop_.Stop();
}

absl::Status EmbeddedRun::SetUp() {
  if (options_.resume) {
    if (!options_.checkpoint) {
      return absl::InvalidArgumentError(
          "a run resumes from its checkpoint: --checkpoint=off cannot resume");
    }
    // Before the run directory is rewritten: without a checkpoint it stays
    // as it is.
    ORBITFL_ASSIGN_OR_RETURN(
        checkpoint_, RunCheckpoint::Resume(options_.out_dir, scenario_));
    resuming_ = true;
    if (options_.progress != nullptr) {
      *options_.progress << "[orbitfl] resuming from "
                         << CheckpointPath(options_.out_dir)
                         << ": the run re-runs from the epoch with its "
                            "recorded trainings and evaluations\n";
    }
  }
  ORBITFL_ASSIGN_OR_RETURN(
      w_, BuildRunWorld(scenario_, start_, stop_, env_, options_.progress));
  ORBITFL_ASSIGN_OR_RETURN(run_dir_,
                           RunDirectory::Create(options_.out_dir, env_));
  if (options_.checkpoint && checkpoint_ == nullptr) {
    ORBITFL_ASSIGN_OR_RETURN(
        checkpoint_, RunCheckpoint::Start(options_.out_dir, scenario_));
  }
  ORBITFL_RETURN_IF_ERROR(
      run_dir_->WriteContacts(ContactsCsv(w_.plan, scenario_.link())));
  summary_.contacts = static_cast<int64_t>(w_.plan.windows.size());
  for (int w = 0; w < static_cast<int>(w_.plan.windows.size()); ++w) {
    window_lost_.push_back(PassLost(
        scenario_.seed(), w, scenario_.link().pass_outage_probability()));
  }
  sats_.resize(w_.plan.satellite_names.size());
  for (SatelliteState& st : sats_) st.idle_since = start_;
  isl_by_sat_.resize(sats_.size());
  for (int w = 0; w < static_cast<int>(w_.plan.isl_windows.size()); ++w) {
    isl_by_sat_[w_.plan.isl_windows[w].a].push_back(w);
    isl_by_sat_[w_.plan.isl_windows[w].b].push_back(w);
  }
  for (size_t i = 0; i < sats_.size(); ++i) {
    sat_index_[w_.plan.satellite_names[i]] = static_cast<int>(i);
  }
  for (const proto::GroundStation& g : scenario_.stations()) {
    stations_.push_back({g.antennas(), 0});
  }
  return StartServices();
}

absl::Status EmbeddedRun::StartServices() {
  grpc::ChannelArguments args;
  if (!options_.aggregator_address.empty()) {
    // Distributed: the services are other processes.
    ORBITFL_ASSIGN_OR_RETURN(
        const auto addresses,
        ParseNodeAddresses(options_.node_addresses, w_.plan.satellite_names,
                           options_.node_addresses_source));
    std::optional<TlsFiles> tls;
    if (!options_.tls_dir.empty()) {
      ORBITFL_ASSIGN_OR_RETURN(
          tls, LoadTlsFiles(options_.tls_dir, options_.tls_name, env_));
    }
    const absl::Time deadline = absl::Now() + options_.connect_timeout;
    // Waits for a service to answer; Unavailable naming it otherwise.
    auto connect = [&](const std::string& what, const std::string& address)
        -> absl::StatusOr<std::shared_ptr<grpc::Channel>> {
      std::shared_ptr<grpc::Channel> channel = Connect(address, tls);
      if (!channel->WaitForConnected(absl::ToChronoTime(deadline))) {
        return absl::UnavailableError(absl::StrCat(
            what, " at ", address, " did not answer within ",
            absl::FormatDuration(options_.connect_timeout),
            tls ? " (over mutual TLS: is it serving TLS with a certificate "
                  "from the same CA?)"
                : ""));
      }
      return channel;
    };
    ORBITFL_ASSIGN_OR_RETURN(
        std::shared_ptr<grpc::Channel> aggregator,
        connect("the aggregator", options_.aggregator_address));
    aggregator_client_ = proto::Aggregator::NewStub(aggregator);
    std::map<std::string, NodeClient*> by_address;
    node_of_.assign(sats_.size(), nullptr);
    for (size_t i = 0; i < sats_.size(); ++i) {
      const std::string& address = addresses.at(w_.plan.satellite_names[i]);
      NodeClient*& client = by_address[address];
      if (client == nullptr) {
        ORBITFL_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                                 connect("the node", address));
        node_clients_.push_back(proto::SatelliteNode::NewStub(channel));
        client = node_clients_.back().get();
      }
      node_of_[i] = client;
    }
    return BuildRelayGraph();
  }
  ORBITFL_ASSIGN_OR_RETURN(aggregator_,
                           MakeAggregator(scenario_, w_, start_, stop_));
  const int chunk = scenario_.link().chunk_bytes();
  aggregator_service_ =
      std::make_unique<aggregator::AggregatorService>(aggregator_.get(), chunk);
  grpc::ServerBuilder agg_builder;
  agg_builder.RegisterService(aggregator_service_.get());
  aggregator_server_ = agg_builder.BuildAndStart();
  if (aggregator_server_ == nullptr) {
    return absl::InternalError("cannot start the in-process aggregator");
  }
  auto agg_channel = aggregator_server_->InProcessChannel(args);
  aggregator_client_ = proto::Aggregator::NewStub(agg_channel);

  node_service_ = std::make_unique<node::NodeService>(agg_channel, chunk);
  for (size_t i = 0; i < sats_.size(); ++i) {
    ORBITFL_ASSIGN_OR_RETURN(
        std::unique_ptr<node::Satellite> sat,
        MakeSatellite(scenario_, w_, static_cast<int>(i), start_));
    sat->set_training_memo(checkpoint_.get());
    node_service_->Host(std::move(sat));
  }
  grpc::ServerBuilder node_builder;
  node_builder.RegisterService(node_service_.get());
  node_server_ = node_builder.BuildAndStart();
  if (node_server_ == nullptr) {
    return absl::InternalError("cannot start the in-process satellite nodes");
  }
  node_clients_.push_back(
      proto::SatelliteNode::NewStub(node_server_->InProcessChannel(args)));
  node_of_.assign(sats_.size(), node_clients_.back().get());
  node_service_->SetPeerChannel(node_server_->InProcessChannel(args));
  return BuildRelayGraph();
}

absl::Status EmbeddedRun::BuildRelayGraph() {
  const proto::LinkConfig& link = scenario_.link();
  if (!link.isl().relay() || w_.plan.isl_windows.empty()) {
    return absl::OkStatus();
  }
  orbit::ContactGraphOptions names;
  names.satellite_names = w_.plan.satellite_names;
  for (const orbit::GroundStation& g : w_.plan.stations) {
    names.station_names.push_back(g.name);
  }
  ORBITFL_ASSIGN_OR_RETURN(relay_graph_, orbit::ContactGraph::Create(names));
  // Routes end when the last byte reaches the station; the backhaul and
  // the light time come on top, as for direct downlinks.
  for (int w = 0; w < static_cast<int>(w_.plan.windows.size()); ++w) {
    if (window_lost_[w]) continue;
    ORBITFL_RETURN_IF_ERROR(relay_graph_->AddGroundWindow(
        w_.plan.windows[w], link.downlink_rate_bps()));
  }
  for (const orbit::IslWindow& win : w_.plan.isl_windows) {
    ORBITFL_RETURN_IF_ERROR(relay_graph_->AddIslWindow(
        win, link.isl().rate_bps(), orbit::LightTime(win.min_range_km)));
  }
  return absl::OkStatus();
}

absl::StatusOr<proto::NodeStatus> EmbeddedRun::NodeStatus(int sat) {
  proto::NodeStatusRequest req;
  req.set_satellite(w_.plan.satellite_names[sat]);
  proto::NodeStatus status;
  grpc::Status s = Call(&status, [&](grpc::ClientContext* ctx) {
    return Node(sat)->Status(ctx, req, &status);
  });
  if (!s.ok()) return proto::FromGrpcStatus(s);
  return status;
}

absl::StatusOr<proto::NodeStatus> EmbeddedRun::MergeOnBoard(
    int sat, proto::NodeStatus status) {
  const bool own = status.has_update();
  if (!scenario_.link().isl().aggregate_in_plane() ||
      (own && (status.update_acked_bytes() > 0 || relaying_own_.count(sat) > 0))) {
    return status;
  }
  // What the node merges: its own update and the held ones on its base,
  // else the held ones on the first one's base; none whose hand-over to
  // a peer is under way.
  proto::MergeRequest req;
  req.set_satellite(w_.plan.satellite_names[sat]);
  req.set_call_id(++call_id_);
  int64_t base = own ? status.update_base_version() : -1;
  std::vector<std::string> merging;
  for (const proto::RelayedUpdate& r : status.relayed()) {
    if (relaying_held_.count(r.transfer_id()) > 0) {
      req.add_keep_transfer_ids(r.transfer_id());
      continue;
    }
    if (r.forwarded_bytes() > 0) continue;
    if (base < 0) base = r.base_version();
    if (r.base_version() == base) merging.push_back(r.transfer_id());
  }
  if (merging.size() + (own ? 1 : 0) < 2) return status;
  proto::LinkReply reply;
  grpc::Status s = Call(&reply, [&](grpc::ClientContext* ctx) {
    return Node(sat)->MergeHeld(ctx, req, &reply);
  });
  if (!s.ok()) return proto::FromGrpcStatus(s);
  if (!reply.accepted()) return status;
  ++merges_;
  // The merged update speaks for all of them now.
  for (const std::string& held : merging) merged_.erase(held);
  std::vector<std::string>& speaks_for = merged_[reply.transfer_id()];
  speaks_for.assign(reply.contributors().begin(), reply.contributors().end());
  JsonObject e = Event("merge");
  e.Add("satellite", w_.plan.satellite_names[sat])
      .Add("update", reply.transfer_id())
      .Add("base_version", base)
      .Add("contributors", static_cast<int64_t>(speaks_for.size()))
      .Add("bytes", reply.remaining_bytes());
  Check(run_dir_->AppendEvent(e));
  return NodeStatus(sat);
}

std::vector<std::string> EmbeddedRun::Contributors(
    const std::string& transfer_id, const std::string& origin) {
  const auto it = merged_.find(transfer_id);
  if (it == merged_.end()) return {origin};
  std::vector<std::string> out = std::move(it->second);
  merged_.erase(it);
  return out;
}

void EmbeddedRun::OnPassOpen(int sat, int window) {
  SatelliteState& st = sats_[sat];
  const int station = w_.plan.windows[window].station;
  st.open_windows.insert(window);
  stations_[station].open_windows.insert(window);
  // Close the window at its end; a segment never outlasts its window.
  loop_.Schedule(w_.plan.windows[window].end, [this, sat, station, window] {
    sats_[sat].open_windows.erase(window);
    stations_[station].open_windows.erase(window);
  });
  Pump(sat);
}

// Starts the next transfer of `sat` if a window with a free antenna is open
// and something is due: first its pending update (downlink), else a newer
// global model (uplink).
void EmbeddedRun::Pump(int sat) {
  SatelliteState& st = sats_[sat];
  if (st.transferring || st.training || st.open_windows.empty()) return;
  const absl::Time now = loop_.now();
  // Of the windows open now with an antenna free, the one that stays open
  // longest.
  int best = -1;
  for (int w : st.open_windows) {
    const orbit::ContactWindow& win = w_.plan.windows[w];
    const StationState& station = stations_[win.station];
    if (win.end > now && station.busy < station.antennas &&
        (best < 0 || win.end > w_.plan.windows[best].end)) {
      best = w;
    }
  }
  if (best < 0) return;
  absl::StatusOr<proto::NodeStatus> status = NodeStatus(sat);
  if (!status.ok()) return Fail(status.status());
  status = MergeOnBoard(sat, *std::move(status));
  if (!status.ok()) return Fail(status.status());

  const orbit::ContactWindow& win = w_.plan.windows[best];
  Segment seg{Payload::kUpdate, win.station, now, now, now, 0, "", "", 0, 0};
  int64_t remaining = 0;
  double rate_bps = 0;
  // Updates held for other satellites go first: they have waited longest.
  for (const proto::RelayedUpdate& r : status->relayed()) {
    if (r.base_version() >= tick_.min_base_version() &&
        relaying_held_.count(r.transfer_id()) == 0) {
      seg.relayed = r.transfer_id();
      seg.origin = r.origin();
      seg.base_version = r.base_version();
      seg.hops = r.hops();
      remaining = r.total_bytes() - r.forwarded_bytes();
      rate_bps = scenario_.link().downlink_rate_bps();
      break;
    }
  }
  if (!seg.relayed.empty()) {
    // Sending a held update.
  } else if (status->has_update() && relaying_own_.count(sat) == 0 &&
             status->update_base_version() >= tick_.min_base_version()) {
    seg.origin = w_.plan.satellite_names[sat];
    seg.base_version = status->update_base_version();
    remaining = status->update_bytes() - status->update_acked_bytes();
    rate_bps = scenario_.link().downlink_rate_bps();
  } else if (status->model_version() < tick_.model_version()) {
    seg.payload = Payload::kModel;
    remaining = tick_.model_bytes();
    if (status->downloading_version() == tick_.model_version()) {
      remaining -= status->downloaded_bytes();
    }
    rate_bps = scenario_.link().uplink_rate_bps();
  }
  if (remaining <= 0) return;
  // Whole milliseconds, rounded so a segment never beats the link's rate.
  const absl::Time full_end =
      now + absl::Milliseconds(std::ceil(remaining * 8000.0 / rate_bps));
  seg.end = std::min(full_end, win.end);
  seg.bytes = seg.end == full_end
                  ? remaining
                  : static_cast<int64_t>(std::floor(
                        absl::ToInt64Milliseconds(seg.end - now) * rate_bps /
                        8000.0));
  if (seg.bytes <= 0) return;
  const double range_km = orbit::SlantRangeKm(
      *w_.plan.orbits[sat], w_.plan.stations[win.station], now);
  const absl::Duration latency =
      orbit::LightTime(range_km) +
      absl::Seconds(scenario_.link().backhaul_delay_s());
  seg.delivered = seg.end + absl::Milliseconds(std::ceil(
                                absl::ToDoubleMilliseconds(latency)));
  st.transferring = true;
  ++stations_[win.station].busy;
  LinkUse& use = seg.payload == Payload::kUpdate ? downlink_ : uplink_;
  use.busy += seg.end - seg.start;
  loop_.Schedule(seg.end, [this, station = win.station] {
    --stations_[station].busy;
    PumpStation(station);
  });
  loop_.Schedule(seg.delivered, [this, sat, seg] { OnSegmentDone(sat, seg); });
}

void EmbeddedRun::MaybeRelay(int sat, const std::string& transfer_id) {
  if (relay_graph_ == nullptr) return;
  const absl::Time now = loop_.now();
  for (int w : sats_[sat].open_windows) {
    if (w_.plan.windows[w].end > now) return;  // a station is in view
  }
  absl::StatusOr<proto::NodeStatus> status = NodeStatus(sat);
  if (!status.ok()) return Fail(status.status());
  if (transfer_id.empty()) status = MergeOnBoard(sat, *std::move(status));
  if (!status.ok()) return Fail(status.status());
  int64_t bytes = 0;
  if (transfer_id.empty()) {
    if (!status->has_update() || status->update_acked_bytes() > 0 ||
        relaying_own_.count(sat) > 0) {
      return;
    }
    bytes = status->update_bytes();
  } else {
    for (const proto::RelayedUpdate& r : status->relayed()) {
      if (r.transfer_id() == transfer_id && r.forwarded_bytes() == 0) {
        bytes = r.total_bytes();
      }
    }
    if (bytes == 0 || relaying_held_.count(transfer_id) > 0) return;
  }
  orbit::RouteRequest request;
  request.source_satellite = sat;
  request.start = now;
  request.message_bytes = bytes;
  request.horizon = stop_;
  absl::StatusOr<orbit::Route> route = relay_graph_->EarliestArrival(request);
  // No route by the end of the run, or its own pass is the fastest: keep it.
  if (!route.ok() || route->hops.empty() ||
      route->hops[0].to >= relay_graph_->num_satellites()) {
    return;
  }
  // Whole milliseconds, like every time in the run directory.
  orbit::Hop hop = route->hops[0];
  hop.end = CeilToMillis(hop.end);
  if (transfer_id.empty()) {
    relaying_own_.insert(sat);
  } else {
    relaying_held_.insert(transfer_id);
  }
  JsonObject e = Event("route");
  e.Add("satellite", w_.plan.satellite_names[sat])
      .Add("update", transfer_id.empty() ? "own" : transfer_id.c_str())
      .Add("bytes", bytes)
      .Add("next", hop.to_name)
      .Add("hops", static_cast<int64_t>(route->hops.size()))
      .Add("arrival_utc", FormatUtc(CeilToMillis(route->arrival)))
      .Add("station", route->hops.back().to_name);
  Check(run_dir_->AppendEvent(e));
  loop_.Schedule(hop.end, [this, sat, peer = hop.to, transfer_id, hop] {
    OnRelayHop(sat, peer, transfer_id, hop);
  });
}

void EmbeddedRun::OnRelayHop(int sat, int peer, const std::string& transfer_id,
                             const orbit::Hop& hop) {
  if (transfer_id.empty()) {
    relaying_own_.erase(sat);
  } else {
    relaying_held_.erase(transfer_id);
  }
  proto::RelayRequest req;
  req.set_satellite(w_.plan.satellite_names[sat]);
  req.set_peer(w_.plan.satellite_names[peer]);
  req.set_call_id(++call_id_);
  req.set_transfer_id(transfer_id);
  req.set_utc_ms(absl::ToUnixMillis(loop_.now()));
  proto::LinkReply reply;
  grpc::Status s = Call(&reply, [&](grpc::ClientContext* ctx) {
    return Node(sat)->RelayUpdate(ctx, req, &reply);
  });
  if (!s.ok()) return Fail(proto::FromGrpcStatus(s));
  if (reply.complete()) {
    isl_.busy += hop.end - hop.start;
    isl_.bytes += reply.bytes_moved();
    ++summary_.transfers;
    JsonObject e = Event("transfer");
    e.Add("kind", "isl")
        .Add("a", w_.plan.satellite_names[sat])
        .Add("b", w_.plan.satellite_names[peer])
        .Add("start_utc", FormatUtc(hop.start))
        .Add("end_utc", FormatUtc(hop.end))
        .Add("bytes", reply.bytes_moved())
        .Add("payload", "update")
        .Add("complete", true);
    Check(run_dir_->AppendEvent(e));
    if (transfer_id.empty()) MarkIdle(sat);
    // The peer carries it on: over its own pass, or another hop.
    absl::StatusOr<proto::NodeStatus> status = NodeStatus(peer);
    if (!status.ok()) return Fail(status.status());
    for (const proto::RelayedUpdate& r : status->relayed()) {
      if (relaying_held_.count(r.transfer_id()) == 0 && r.forwarded_bytes() == 0) {
        MaybeRelay(peer, r.transfer_id());
      }
    }
    Pump(peer);
  }
  Pump(sat);
}

void EmbeddedRun::ShareModel(int sat) {
  const proto::IslConfig& isl = scenario_.link().isl();
  if (!isl.share_models() || isl_by_sat_[sat].empty()) return;
  absl::StatusOr<proto::NodeStatus> status = NodeStatus(sat);
  if (!status.ok()) return Fail(status.status());
  const int64_t version = status->model_version();
  if (version < 0) return;
  const absl::Time now = loop_.now();
  for (int w : isl_by_sat_[sat]) {
    const orbit::IslWindow& win = w_.plan.isl_windows[w];
    if (win.start > now || win.end <= now) continue;
    const int peer = win.a == sat ? win.b : win.a;
    const auto incoming = incoming_model_.find(peer);
    if (incoming != incoming_model_.end() && incoming->second >= version) {
      continue;
    }
    absl::StatusOr<proto::NodeStatus> peer_status = NodeStatus(peer);
    if (!peer_status.ok()) return Fail(peer_status.status());
    // A peer still holding its own update would lose it to a retrain.
    if (peer_status->model_version() >= version || peer_status->has_update()) {
      continue;
    }
    const absl::Time end =
        now +
        absl::Milliseconds(std::ceil(tick_.model_bytes() * 8000.0 / isl.rate_bps())) +
        absl::Milliseconds(std::ceil(
            absl::ToDoubleMilliseconds(orbit::LightTime(win.min_range_km))));
    if (end > win.end) continue;
    incoming_model_[peer] = version;
    loop_.Schedule(end, [this, sat, peer, version, now, end] {
      OnModelShared(sat, peer, version, now, end);
    });
  }
}

void EmbeddedRun::OnModelShared(int sat, int peer, int64_t version,
                                absl::Time start, absl::Time end) {
  const auto incoming = incoming_model_.find(peer);
  if (incoming != incoming_model_.end() && incoming->second == version) {
    incoming_model_.erase(incoming);
  }
  proto::RelayRequest req;
  req.set_satellite(w_.plan.satellite_names[sat]);
  req.set_peer(w_.plan.satellite_names[peer]);
  req.set_call_id(++call_id_);
  req.set_utc_ms(absl::ToUnixMillis(loop_.now()));
  proto::LinkReply reply;
  grpc::Status s = Call(&reply, [&](grpc::ClientContext* ctx) {
    return Node(sat)->ShareModel(ctx, req, &reply);
  });
  if (!s.ok()) return Fail(proto::FromGrpcStatus(s));
  if (!reply.complete()) return;
  isl_.busy += end - start;
  isl_.bytes += reply.bytes_moved();
  ++summary_.transfers;
  JsonObject e = Event("transfer");
  e.Add("kind", "isl")
      .Add("a", w_.plan.satellite_names[sat])
      .Add("b", w_.plan.satellite_names[peer])
      .Add("start_utc", FormatUtc(start))
      .Add("end_utc", FormatUtc(end))
      .Add("bytes", reply.bytes_moved())
      .Add("payload", "model")
      .Add("complete", true);
  Check(run_dir_->AppendEvent(e));
  if (!reply.accepted()) return;  // the peer got it another way meanwhile
  TrainNow(peer);
  ShareModel(peer);
}

void EmbeddedRun::PumpStation(int station) {
  // Satellites in view of the station and free to transfer, by the end of
  // their pass over it (then by index: deterministic).
  std::vector<std::pair<absl::Time, int>> waiting;
  for (int w : stations_[station].open_windows) {
    const orbit::ContactWindow& win = w_.plan.windows[w];
    const SatelliteState& st = sats_[win.satellite];
    if (win.end > loop_.now() && !st.transferring && !st.training) {
      waiting.push_back({win.end, win.satellite});
    }
  }
  std::sort(waiting.begin(), waiting.end());
  for (const auto& [end, sat] : waiting) {
    if (stations_[station].busy >= stations_[station].antennas) return;
    Pump(sat);
  }
}

void EmbeddedRun::OnSegmentDone(int sat, const Segment& seg) {
  SatelliteState& st = sats_[sat];
  proto::LinkRequest req;
  req.set_satellite(w_.plan.satellite_names[sat]);
  req.set_call_id(++call_id_);
  req.set_utc_ms(absl::ToUnixMillis(loop_.now()));
  req.set_max_bytes(seg.bytes);
  req.set_transfer_id(seg.relayed);
  proto::LinkReply reply;
  const bool update = seg.payload == Payload::kUpdate;
  grpc::Status s = Call(&reply, [&](grpc::ClientContext* ctx) {
    return update ? Node(sat)->SendUpdate(ctx, req, &reply)
                  : Node(sat)->FetchModel(ctx, req, &reply);
  });
  if (!s.ok()) return Fail(proto::FromGrpcStatus(s));
  // Still marked as transferring until this segment is fully accounted
  // for, so an aggregation triggered below does not start another one.
  if (reply.bytes_moved() > 0) {
    (update ? summary_.bytes_up : summary_.bytes_down) += reply.bytes_moved();
    (update ? st.bytes_up : st.bytes_down) += reply.bytes_moved();
    (update ? downlink_ : uplink_).bytes += reply.bytes_moved();
    ++summary_.transfers;
    JsonObject e = Event("transfer");
    e.Add("kind", "ground")
        .Add("a", w_.plan.satellite_names[sat])
        .Add("b", w_.plan.stations[seg.station].name)
        .Add("start_utc", FormatUtc(seg.start))
        .Add("end_utc", FormatUtc(seg.end))
        .Add("bytes", reply.bytes_moved())
        .Add("payload", update ? "update" : "model")
        .Add("complete", reply.complete());
    Check(run_dir_->AppendEvent(e));
  }
  if (reply.complete()) {
    if (update) {
      const std::string& origin = seg.origin;
      const std::vector<std::string> credited = Contributors(
          seg.relayed.empty()
              ? absl::StrCat(origin, "@v", seg.base_version)
              : seg.relayed,
          origin);
      for (const std::string& c : credited) {
        const auto it = sat_index_.find(c);
        if (it != sat_index_.end()) ++sats_[it->second].updates_sent;
      }
      // (A relayed update's origin went idle when it handed it over.)
      if (seg.relayed.empty()) MarkIdle(sat);
      JsonObject e = Event("update_received");
      e.Add("satellite", origin).Add("accepted", reply.accepted());
      if (credited.size() > 1) {
        e.Add("contributors", static_cast<int64_t>(credited.size()));
      }
      if (!seg.relayed.empty()) {
        e.Add("via", w_.plan.satellite_names[sat]).Add("hops", seg.hops);
        hops_[{origin, seg.base_version}] = seg.hops;
      }
      Check(run_dir_->AppendEvent(e));
      Check(Tick());
    } else {
      TrainNow(sat);
      ShareModel(sat);
    }
  }
  st.transferring = false;
  Pump(sat);
}

void EmbeddedRun::TrainNow(int sat) {
  SatelliteState& st = sats_[sat];
  if (st.training) {
    st.train_again = true;  // after this step, on the newer model
    return;
  }
  loop_.Cancel(st.retry);
  st.retry = 0;
  // At most one local training per min_retrain_interval: without it an
  // asynchronous strategy can loop within one pass (update, new model,
  // retrain, update, ...).
  const absl::Time earliest =
      st.last_trained +
      absl::Seconds(scenario_.training().min_retrain_interval_s());
  if (loop_.now() < earliest) {
    st.retry = loop_.Schedule(earliest, [this, sat] { TrainNow(sat); });
    return;
  }
  proto::TrainRequest req;
  req.set_satellite(w_.plan.satellite_names[sat]);
  req.set_call_id(++call_id_);
  req.set_utc_ms(absl::ToUnixMillis(loop_.now()));
  proto::TrainReply reply;
  const absl::Time wall0 = env_->WallNow();
  grpc::Status s = Call(&reply, [&](grpc::ClientContext* ctx) {
    return Node(sat)->Train(ctx, req, &reply);
  });
  summary_.train_wall_s += absl::ToDoubleSeconds(env_->WallNow() - wall0);
  if (!s.ok()) return Fail(proto::FromGrpcStatus(s));
  if (reply.state_of_charge() > 0 || reply.power_limited()) {
    summary_.min_battery_soc =
        std::min(summary_.min_battery_soc, reply.state_of_charge());
  }
  summary_.power_deferrals += reply.power_limited();
  summary_.upsets += reply.upsets();
  summary_.tensors_repaired += reply.tensors_repaired();
  if (!reply.trained()) {
    st.retry = loop_.Schedule(loop_.now() + kTrainRetry,
                              [this, sat] { TrainNow(sat); });
    return;
  }
  ++summary_.training_steps;
  ++st.trainings;
  MarkBusy(sat);
  st.last_trained = loop_.now();
  JsonObject e = Event("train");
  e.Add("satellite", w_.plan.satellite_names[sat])
      .Add("base_version", reply.base_version())
      .Add("samples", reply.num_samples())
      .Add("loss", reply.train_loss())
      .Add("onboard_s", reply.onboard_seconds())
      .Add("update_bytes", reply.update_bytes())
      .Add("battery_soc", reply.state_of_charge())
      .Add("upsets", reply.upsets())
      .Add("tensors_repaired", reply.tensors_repaired());
  Check(run_dir_->AppendEvent(e));
  // The update exists once the on-board computer has finished.
  st.training = true;
  loop_.Schedule(
      loop_.now() + absl::Milliseconds(std::ceil(reply.onboard_seconds() * 1000)),
      [this, sat] {
        sats_[sat].training = false;
        MaybeRelay(sat, "");
        Pump(sat);
        if (sats_[sat].train_again) {
          sats_[sat].train_again = false;
          TrainNow(sat);
        }
      });
}

absl::Status EmbeddedRun::Tick() {
  proto::TickRequest req;
  req.set_utc_ms(absl::ToUnixMillis(loop_.now()));
  req.set_sequence(++tick_sequence_);
  grpc::Status s = Call(&tick_, [&](grpc::ClientContext* ctx) {
    return aggregator_client_->Tick(ctx, req, &tick_);
  });
  if (!s.ok()) return proto::FromGrpcStatus(s);
  if (tick_.next_deadline_ms() != deadline_ms_) {
    loop_.Cancel(deadline_event_);
    deadline_ms_ = tick_.next_deadline_ms();
    deadline_event_ =
        deadline_ms_ == 0
            ? 0
            : loop_.Schedule(absl::FromUnixMillis(deadline_ms_), [this] {
                deadline_ms_ = 0;
                Check(Tick());
              });
  }
  RecordApplied();
  if (!tick_.aggregated()) return absl::OkStatus();
  JsonObject e = Event("aggregate");
  e.Add("model_version", tick_.model_version())
      .Add("updates_applied", tick_.updates_applied());
  ORBITFL_RETURN_IF_ERROR(run_dir_->AppendEvent(e));
  ORBITFL_RETURN_IF_ERROR(MaybeEvaluate());
  // Satellites in view start fetching the new model now.
  for (int sat = 0; sat < static_cast<int>(sats_.size()); ++sat) Pump(sat);
  return absl::OkStatus();
}

void EmbeddedRun::RecordApplied() {
  for (const proto::AppliedUpdate& u : tick_.applied()) {
    const auto it = sat_index_.find(u.satellite());
    if (it != sat_index_.end()) ++sats_[it->second].updates_applied;
    staleness_sum_ += u.staleness();
    staleness_max_ = std::max(staleness_max_, u.staleness());
    ++staleness_count_;
    UpdateRow row;
    row.utc = loop_.now();
    row.satellite = u.satellite();
    row.base_version = u.base_version();
    row.model_version = u.model_version();
    row.staleness = u.staleness();
    row.weight = u.weight();
    const auto hops = hops_.find({u.satellite(), u.base_version()});
    row.hops = hops == hops_.end() ? 0 : hops->second;
    Check(run_dir_->AppendUpdate(row));
  }
}

absl::Status EmbeddedRun::MaybeEvaluate() {
  const absl::Duration every =
      absl::Seconds(scenario_.evaluation().interval_s());
  if (every <= absl::ZeroDuration() || loop_.now() >= last_eval_ + every) {
    return EvaluateGlobal();
  }
  if (eval_event_ == 0) {
    eval_event_ = loop_.Schedule(last_eval_ + every, [this] {
      eval_event_ = 0;
      Check(EvaluateGlobal());
    });
  }
  return absl::OkStatus();
}

absl::Status EmbeddedRun::EvaluateGlobal() {
  // The evaluator fetches the model through the same service as satellites.
  proto::ModelRequest req;
  req.set_satellite("ground-evaluator");
  proto::ModelChunk whole;  // the model's bytes as one chunk
  if (grpc::Status s = Call(&whole, [&](grpc::ClientContext* ctx) {
        std::string bytes;
        std::unique_ptr<grpc::ClientReader<proto::ModelChunk>> reader(
            aggregator_client_->DownloadModel(ctx, req));
        proto::ModelChunk chunk;
        while (reader->Read(&chunk)) bytes += chunk.data();
        whole.set_data(std::move(bytes));
        return reader->Finish();
      });
      !s.ok()) {
    return proto::FromGrpcStatus(s);
  }
  const std::string& bytes = whole.data();
  proto::Model model;
  if (!model.ParseFromString(bytes)) {
    return absl::DataLossError("global model does not parse");
  }
  const absl::Time wall0 = env_->WallNow();
  node::EvalResult eval;
  std::optional<proto::EvaluationRecord> recorded;
  const uint32_t crc = checkpoint_ != nullptr ? proto::Crc32c(bytes) : 0;
  if (checkpoint_ != nullptr) {
    ORBITFL_ASSIGN_OR_RETURN(recorded,
                             checkpoint_->NextEvaluation(model.version(), crc));
  }
  if (recorded.has_value()) {
    eval.accuracy = recorded->accuracy();
    eval.loss = recorded->loss();
  } else {
    ORBITFL_ASSIGN_OR_RETURN(eval, node::Evaluate(w_.spec, model, w_.test_set));
    if (checkpoint_ != nullptr) {
      proto::EvaluationRecord r;
      r.set_model_version(model.version());
      r.set_model_crc32c(crc);
      r.set_accuracy(eval.accuracy);
      r.set_loss(eval.loss);
      ORBITFL_RETURN_IF_ERROR(checkpoint_->RecordEvaluation(r));
    }
  }
  summary_.eval_wall_s += absl::ToDoubleSeconds(env_->WallNow() - wall0);
  MetricsRow row;
  row.utc = loop_.now();
  row.sim_hours = absl::ToDoubleHours(loop_.now() - start_);
  row.model_version = model.version();
  row.accuracy = eval.accuracy;
  row.loss = eval.loss;
  row.updates_applied = tick_.updates_applied();
  row.bytes_up = summary_.bytes_up;
  row.bytes_down = summary_.bytes_down;
  ORBITFL_RETURN_IF_ERROR(run_dir_->AppendMetrics(row));
  if (model.version() == 0) summary_.initial_accuracy = eval.accuracy;
  summary_.best_accuracy = std::max(summary_.best_accuracy, eval.accuracy);
  if (eval.accuracy >= scenario_.evaluation().target_accuracy() &&
      target_reached_ == absl::InfiniteFuture()) {
    target_reached_ = loop_.now();
  }
  summary_.final_accuracy = eval.accuracy;
  summary_.model_version = model.version();
  evaluated_version_ = model.version();
  last_eval_ = loop_.now();
  global_model_ = std::move(model);
  summary_.updates_applied = tick_.updates_applied();
  accuracy_ = eval.accuracy;
  Progress(/*force=*/true);
  return absl::OkStatus();
}

void EmbeddedRun::CaughtUp() {
  resuming_ = false;
  summary_.trainings_replayed = checkpoint_->trainings_replayed();
  summary_.evaluations_replayed = checkpoint_->evaluations_replayed();
  summary_.calls_replayed = checkpoint_->calls_replayed();
  if (options_.progress == nullptr) return;
  const bool distributed = !options_.aggregator_address.empty();
  *options_.progress << absl::StrFormat(
      "%s[orbitfl] resumed at %s: %d %s and %d evaluations replayed in %s; "
      "%s from here\n",
      options_.progress_tty ? "\r\033[K" : "", FormatUtc(loop_.now()),
      distributed ? summary_.calls_replayed : summary_.trainings_replayed,
      distributed ? "answers to calls" : "trainings",
      summary_.evaluations_replayed,
      FormatDuration(absl::ToDoubleSeconds(env_->WallNow() - wall_start_)),
      distributed ? "calling the services" : "training");
}

void EmbeddedRun::Progress(bool force) {
  if (options_.progress == nullptr) return;
  const absl::Time wall = env_->WallNow();
  if (!force && wall - last_progress_ < options_.progress_interval) return;
  last_progress_ = wall;
  const double total_h = absl::ToDoubleHours(stop_ - start_);
  const double sim_h = absl::ToDoubleHours(loop_.now() - start_);
  const double fraction = total_h > 0 ? std::min(1.0, sim_h / total_h) : 1;
  const double wall_s = absl::ToDoubleSeconds(wall - wall_start_);
  // The rest at the pace so far (simulated hours per wall second).
  const std::string eta =
      fraction > 0.01 ? FormatDuration(wall_s * (1 - fraction) / fraction)
                      : std::string("--");
  constexpr int kBar = 20;
  const int filled = static_cast<int>(fraction * kBar);
  const std::string line = absl::StrFormat(
      "[orbitfl] [%s%s] %3.0f%%  sim %s (%.1f/%.1f h)  wall %s  ETA %s  "
      "model v%d  accuracy %.1f%%  up %.2f MB  down %.2f MB",
      std::string(filled, '#'), std::string(kBar - filled, '-'),
      100 * fraction, FormatUtc(loop_.now()).substr(0, 19), sim_h, total_h,
      FormatDuration(wall_s), eta, tick_.model_version(), 100.0 * accuracy_,
      summary_.bytes_up / 1e6, summary_.bytes_down / 1e6);
  // On a terminal the bar redraws in place; otherwise one line each time.
  *options_.progress << (options_.progress_tty ? "\r" + line + "\033[K" : line + "\n");
  options_.progress->flush();
}

absl::Status EmbeddedRun::WriteTables() {
  summary_.mean_staleness =
      staleness_count_ > 0
          ? static_cast<double>(staleness_sum_) / staleness_count_
          : 0;
  summary_.time_to_target_h =
      target_reached_ == absl::InfiniteFuture()
          ? -1
          : absl::ToDoubleHours(target_reached_ - start_);
  summary_.dp_epsilon = tick_.dp_epsilon();
  std::string links = "kind,windows,open_s,busy_s,bytes,utilisation\n";
  for (const auto& [kind, use] :
       {std::pair<const char*, const LinkUse*>{"downlink", &downlink_},
        {"uplink", &uplink_},
        {"isl", &isl_}}) {
    const double open_s = absl::ToDoubleSeconds(use->open);
    const double busy_s = absl::ToDoubleSeconds(use->busy);
    absl::StrAppendFormat(&links, "%s,%d,%.3f,%.3f,%d,%.6f\n", kind,
                          use->windows, open_s, busy_s, use->bytes,
                          open_s > 0 ? busy_s / open_s : 0.0);
  }
  ORBITFL_RETURN_IF_ERROR(run_dir_->WriteFile("links.csv", links));
  std::string participation =
      "satellite,trainings,updates_sent,updates_applied,bytes_up,bytes_down,"
      "idle_h\n";
  absl::Duration idle;
  for (size_t i = 0; i < sats_.size(); ++i) {
    const SatelliteState& st = sats_[i];
    idle += st.idle;
    absl::StrAppendFormat(&participation, "%s,%d,%d,%d,%d,%d,%.4f\n",
                          w_.plan.satellite_names[i], st.trainings,
                          st.updates_sent, st.updates_applied, st.bytes_up,
                          st.bytes_down, absl::ToDoubleHours(st.idle));
  }
  summary_.idle_fraction =
      sats_.empty() ? 0
                    : absl::ToDoubleSeconds(idle) /
                          (absl::ToDoubleSeconds(stop_ - start_) * sats_.size());
  return run_dir_->WriteFile("participation.csv", participation);
}

absl::StatusOr<RunSummary> EmbeddedRun::Run() {
  node::SetComputeThreads(std::max(1, options_.threads));
  wall_start_ = env_->WallNow();
  last_progress_ = wall_start_;
  ORBITFL_RETURN_IF_ERROR(SetUp());
  summary_.setup_wall_s = absl::ToDoubleSeconds(env_->WallNow() - wall_start_);
  {
    JsonObject e = Event("run_start");
    e.Add("scenario", scenario_.name())
        .Add("seed", static_cast<int64_t>(scenario_.seed()))
        .Add("satellites", static_cast<int64_t>(sats_.size()))
        .Add("stations", static_cast<int64_t>(w_.plan.stations.size()))
        .Add("contacts", summary_.contacts)
        .Add("test_tiles", w_.test_set.size());
    ORBITFL_RETURN_IF_ERROR(run_dir_->AppendEvent(e));
  }
  ORBITFL_RETURN_IF_ERROR(Tick());
  ORBITFL_RETURN_IF_ERROR(EvaluateGlobal());
  for (int w = 0; w < static_cast<int>(w_.plan.windows.size()); ++w) {
    const orbit::ContactWindow& win = w_.plan.windows[w];
    if (window_lost_[w]) {
      ++passes_lost_;
      continue;
    }
    ++downlink_.windows;
    ++uplink_.windows;
    downlink_.open += win.end - win.start;
    uplink_.open += win.end - win.start;
    loop_.Schedule(win.start,
                   [this, w, sat = win.satellite] { OnPassOpen(sat, w); });
  }
  for (const orbit::IslWindow& win : w_.plan.isl_windows) {
    ++isl_.windows;
    isl_.open += win.end - win.start;
  }
  loop_.RunUntil(stop_, [this] {
    if (resuming_ && !checkpoint_->replaying()) CaughtUp();
    Progress(/*force=*/false);
  });
  ORBITFL_RETURN_IF_ERROR(error_);
  // With evaluation.interval_s the newest model may not have been
  // evaluated yet: the summary's final accuracy is always the final model's.
  if (tick_.model_version() != evaluated_version_) {
    ORBITFL_RETURN_IF_ERROR(EvaluateGlobal());
  }

  Progress(/*force=*/true);
  if (options_.progress != nullptr && options_.progress_tty) {
    *options_.progress << "\n";
  }
  summary_.sim_hours = absl::ToDoubleHours(stop_ - start_);
  for (int sat = 0; sat < static_cast<int>(sats_.size()); ++sat) MarkBusy(sat);
  ORBITFL_RETURN_IF_ERROR(WriteTables());
  summary_.wall_s = absl::ToDoubleSeconds(env_->WallNow() - wall_start_);
  JsonObject e = Event("run_end");
  e.Add("model_version", summary_.model_version)
      .Add("final_accuracy", summary_.final_accuracy);
  ORBITFL_RETURN_IF_ERROR(run_dir_->AppendEvent(e));
  JsonObject s;
  s.Add("scenario", scenario_.name())
      .Add("seed", static_cast<int64_t>(scenario_.seed()))
      .Add("initial_accuracy", summary_.initial_accuracy)
      .Add("final_accuracy", summary_.final_accuracy)
      .Add("best_accuracy", summary_.best_accuracy)
      .Add("model_version", summary_.model_version)
      .Add("updates_applied", summary_.updates_applied)
      .Add("bytes_up", summary_.bytes_up)
      .Add("bytes_down", summary_.bytes_down)
      .Add("transfers", summary_.transfers)
      .Add("contacts", summary_.contacts)
      .Add("satellites", static_cast<int64_t>(sats_.size()))
      .Add("sim_hours", summary_.sim_hours)
      .Add("wall_s", summary_.wall_s)
      .Add("train_wall_s", summary_.train_wall_s)
      .Add("setup_wall_s", summary_.setup_wall_s)
      .Add("eval_wall_s", summary_.eval_wall_s)
      .Add("model", w_.spec.architecture)
      .Add("parameters", node::ParameterCount(w_.spec))
      .Add("trainable_parameters", node::TrainableParameterCount(w_.spec))
      .Add("training_steps", summary_.training_steps)
      .Add("power_deferrals", summary_.power_deferrals)
      .Add("min_battery_soc", summary_.min_battery_soc)
      .Add("upsets", summary_.upsets)
      .Add("tensors_repaired", summary_.tensors_repaired)
      .Add("strategy", scenario_.federation().strategy())
      .Add("mean_staleness", summary_.mean_staleness)
      .Add("max_staleness", staleness_max_)
      .Add("target_accuracy", scenario_.evaluation().target_accuracy());
  if (summary_.time_to_target_h >= 0) {
    s.Add("time_to_target_h", summary_.time_to_target_h);
  }
  s.Add("idle_fraction", summary_.idle_fraction)
      .Add("passes_lost", passes_lost_)
      .Add("on_board_merges", merges_)
      .Add("dp_epsilon", summary_.dp_epsilon);
  ORBITFL_RETURN_IF_ERROR(run_dir_->WriteSummary(s));
  ORBITFL_ASSIGN_OR_RETURN(std::string pt,
                           node::SerializeModelFile(w_.spec, global_model_));
  ORBITFL_RETURN_IF_ERROR(run_dir_->WriteModel(pt));
  ORBITFL_RETURN_IF_ERROR(run_dir_->Close());
  if (options_.report) {
    ORBITFL_RETURN_IF_ERROR(WriteRunReport(
        scenario_, {{"", options_.out_dir}}, options_.out_dir, env_));
  }
  if (checkpoint_ != nullptr) {
    if (resuming_) CaughtUp();  // it stopped after its last training
    ORBITFL_RETURN_IF_ERROR(checkpoint_->Finish(!options_.keep_checkpoint));
  }
  return summary_;
}

}  // namespace

absl::StatusOr<RunSummary> RunEmbedded(const proto::Scenario& scenario,
                                       const RunOptions& options) {
  if (!ParseUtc(scenario.epoch_utc()).ok()) {
    return absl::InvalidArgumentError(
        "RunEmbedded needs a validated scenario (see sim/scenario.h)");
  }
  EmbeddedRun run(scenario, options);
  return run.Run();
}

}  // namespace orbitfl::sim
