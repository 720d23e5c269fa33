// The same simulation as separate processes: `orbitfl aggregator` serves
// the Aggregator, `orbitfl node` hosts satellites behind a SatelliteNode
// service, and `orbitfl coordinator` owns the virtual clock and the contact
// plan and drives them over TCP (the embedded run with remote services).

#include "sim/distributed_command.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "aggregator/service.h"
#include "grpcpp/grpcpp.h"
#include "node/node_service.h"
#include "node/parallel.h"
#include "sim/embedded_run.h"
#include "sim/env.h"
#include "sim/flags.h"
#include "sim/net.h"
#include "sim/run_world.h"
#include "sim/scenario_commands.h"
#include "sim/time_format.h"
#include "third_party/status_macros.h"

namespace orbitfl::sim {
namespace {

// Scenario flags every process takes: each must load the same scenario.
std::set<std::string> ScenarioFlags(std::set<std::string> more) {
  more.insert({"scenario", "seed", "hours", "task", "model", "delta-codec",
               "set", "tle", "stations", "strategy", "quiet", "tls",
               "tls-name"});
  return more;
}

absl::StatusOr<absl::Time> Start(const proto::Scenario& scenario) {
  return ParseUtc(scenario.epoch_utc());
}

absl::Time Stop(const proto::Scenario& scenario, absl::Time start) {
  return start + absl::Seconds(std::round(scenario.duration_hours() * 3600.0));
}

// Serves until the process is stopped (SIGTERM, SIGINT).
void ServeForever(grpc::Server& server, const std::string& what,
                  const std::string& address) {
  std::cerr << "[orbitfl] " << what << " listening on " << address << "\n";
  server.Wait();
}

// --tls=DIR [--tls-name=NAME]: this process's certificate (sim/net.h).
absl::StatusOr<std::optional<TlsFiles>> Tls(const Flags& flags,
                                            const std::string& role) {
  if (!flags.Has("tls")) return std::optional<TlsFiles>();
  ORBITFL_ASSIGN_OR_RETURN(
      TlsFiles files,
      LoadTlsFiles(flags.Get("tls"), flags.Get("tls-name", role), Env::Default()));
  return std::optional<TlsFiles>(std::move(files));
}

absl::StatusOr<std::unique_ptr<grpc::Server>> Listen(
    grpc::Service* service, const std::string& address,
    const std::optional<TlsFiles>& tls, int* port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, ServerCredentials(tls), port);
  // A chunk (at most 4 MiB) and its framing; nothing larger is accepted.
  builder.SetMaxReceiveMessageSize(5 << 20);
  builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || *port == 0) {
    return absl::UnavailableError(
        absl::StrCat("--listen: cannot listen on \"", address, "\""));
  }
  return server;
}

// --nodes: a file, or the list itself when it holds an "="; the text and
// where it came from (for messages).
absl::StatusOr<std::pair<std::string, std::string>> NodesText(
    const Flags& flags) {
  ORBITFL_ASSIGN_OR_RETURN(std::string nodes, flags.Required("nodes"));
  if (absl::StrContains(nodes, '=')) return std::make_pair(nodes, std::string("--nodes"));
  ORBITFL_ASSIGN_OR_RETURN(std::string text, Env::Default()->ReadFile(nodes));
  return std::make_pair(text, nodes);
}

absl::StatusOr<std::map<std::string, std::string>> NodeAddresses(
    const Flags& flags, const std::vector<std::string>& satellites) {
  ORBITFL_ASSIGN_OR_RETURN(auto nodes, NodesText(flags));
  return ParseNodeAddresses(nodes.first, satellites, nodes.second);
}

}  // namespace

absl::Status AggregatorCommand(const std::vector<std::string>& args) {
  ORBITFL_ASSIGN_OR_RETURN(
      Flags flags,
      Flags::Parse("aggregator", args,
                   ScenarioFlags({"listen", "journal", "exit-after-ticks",
                                  "max-uploads-per-second",
                                  "snapshot-every-ticks"})));
  ORBITFL_ASSIGN_OR_RETURN(proto::Scenario scenario, LoadWithOverrides(flags));
  ORBITFL_ASSIGN_OR_RETURN(std::string listen, flags.Required("listen"));
  ORBITFL_ASSIGN_OR_RETURN(absl::Time start, Start(scenario));
  const absl::Time stop = Stop(scenario, start);
  ORBITFL_ASSIGN_OR_RETURN(
      RunWorld world, BuildRunWorld(scenario, start, stop, Env::Default(), nullptr));
  aggregator::AggregatorOptions options;
  options.journal_path = flags.Get("journal");
  ORBITFL_ASSIGN_OR_RETURN(
      const uint64_t snapshot_every,
      flags.GetUint64("snapshot-every-ticks",
                      static_cast<uint64_t>(options.snapshot_every_ticks)));
  options.snapshot_every_ticks = static_cast<int64_t>(snapshot_every);
  ORBITFL_ASSIGN_OR_RETURN(const uint64_t exit_after,
                           flags.GetUint64("exit-after-ticks", 0));
  if (exit_after > 0) {
    if (options.journal_path.empty()) {
      return absl::InvalidArgumentError(
          "--exit-after-ticks: only with --journal (it tests recovery)");
    }
    // Fault injection: die as a crash would, the tick journaled but not
    // applied or answered.
    options.after_journaled_tick = [exit_after](int64_t ticks) {
      if (ticks == static_cast<int64_t>(exit_after)) _exit(3);
    };
  }
  ORBITFL_ASSIGN_OR_RETURN(
      std::unique_ptr<aggregator::Aggregator> aggregator,
      MakeAggregator(scenario, world, start, stop, std::move(options)));
  if (aggregator->restored_tick() > 0 || aggregator->replayed() > 0) {
    std::cerr << "[orbitfl] aggregator: "
              << (aggregator->restored_tick() > 0
                      ? absl::StrCat("restored the snapshot of tick ",
                                     aggregator->restored_tick(), ", ")
                      : std::string())
              << "replayed " << aggregator->replayed()
              << " journal records from " << flags.Get("journal") << "\n";
  }
  aggregator::AggregatorService service(aggregator.get(),
                                        scenario.link().chunk_bytes());
  ORBITFL_ASSIGN_OR_RETURN(const double rate,
                           flags.GetDouble("max-uploads-per-second", 50));
  if (!(rate >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max-uploads-per-second: expected >= 0 (0: no limit), got ", rate));
  }
  service.SetUploadRateLimit(rate);
  ORBITFL_ASSIGN_OR_RETURN(std::optional<TlsFiles> tls, Tls(flags, "aggregator"));
  int port = 0;
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<grpc::Server> server,
                           Listen(&service, listen, tls, &port));
  ServeForever(*server, "aggregator", listen);
  return absl::OkStatus();
}

absl::Status NodeCommand(const std::vector<std::string>& args) {
  ORBITFL_ASSIGN_OR_RETURN(
      Flags flags,
      Flags::Parse("node", args,
                   ScenarioFlags({"satellites", "listen", "aggregator", "nodes",
                                  "threads", "journal",
                                  "kill-after-upload-chunks"})));
  ORBITFL_ASSIGN_OR_RETURN(proto::Scenario scenario, LoadWithOverrides(flags));
  ORBITFL_ASSIGN_OR_RETURN(std::string listen, flags.Required("listen"));
  ORBITFL_ASSIGN_OR_RETURN(std::string aggregator, flags.Required("aggregator"));
  ORBITFL_ASSIGN_OR_RETURN(
      const uint64_t threads,
      flags.GetUint64("threads", std::max(1u, std::thread::hardware_concurrency())));
  node::SetComputeThreads(static_cast<int>(std::clamp<uint64_t>(threads, 1, 256)));
  ORBITFL_ASSIGN_OR_RETURN(absl::Time start, Start(scenario));
  const absl::Time stop = Stop(scenario, start);
  ORBITFL_ASSIGN_OR_RETURN(
      RunWorld world, BuildRunWorld(scenario, start, stop, Env::Default(), nullptr));
  const std::vector<std::string>& names = world.plan.satellite_names;
  using Addresses = std::map<std::string, std::string>;
  ORBITFL_ASSIGN_OR_RETURN(Addresses addresses, NodeAddresses(flags, names));
  // The satellites hosted here: --satellites, else those --nodes gives
  // this node's --listen address.
  std::set<std::string> hosted;
  if (flags.Has("satellites")) {
    for (absl::string_view n :
         absl::StrSplit(flags.Get("satellites"), ',', absl::SkipEmpty())) {
      if (std::find(names.begin(), names.end(), n) == names.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--satellites: \"", n, "\" is not a satellite of the scenario"));
      }
      hosted.insert(std::string(n));
    }
  } else {
    for (const auto& [name, address] : addresses) {
      if (address == listen) hosted.insert(name);
    }
  }
  if (hosted.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "node: no satellites to host (give --satellites, or list this node's "
        "--listen address ", listen, " in --nodes)"));
  }
  ORBITFL_ASSIGN_OR_RETURN(std::optional<TlsFiles> tls, Tls(flags, "node"));
  node::NodeService service(Connect(aggregator, tls),
                            scenario.link().chunk_bytes());
  for (int i = 0; i < static_cast<int>(names.size()); ++i) {
    if (hosted.count(names[i]) == 0) continue;
    ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<node::Satellite> sat,
                             MakeSatellite(scenario, world, i, start));
    service.Host(std::move(sat));
  }
  // Peers over TCP, one channel per node address.
  auto channels =
      std::make_shared<std::map<std::string, std::shared_ptr<grpc::Channel>>>();
  for (const auto& [name, address] : addresses) {
    std::shared_ptr<grpc::Channel>& c = (*channels)[address];
    if (c == nullptr) c = Connect(address, tls);
  }
  service.SetPeerResolver(
      [addresses, channels](const std::string& peer) -> std::shared_ptr<grpc::Channel> {
        const auto it = addresses.find(peer);
        return it == addresses.end() ? nullptr : channels->at(it->second);
      });
  ORBITFL_ASSIGN_OR_RETURN(const uint64_t kill_after,
                           flags.GetUint64("kill-after-upload-chunks", 0));
  if (flags.Has("journal")) {
    const std::string journal = flags.Get("journal");
    if (journal.empty()) {
      return absl::InvalidArgumentError("--journal: expected a file path");
    }
    ORBITFL_RETURN_IF_ERROR(service.OpenJournal(journal));
    if (service.replayed() > 0) {
      std::cerr << "[orbitfl] node: replayed " << service.replayed()
                << " journaled calls from " << journal << "\n";
    }
  } else if (kill_after > 0) {
    return absl::InvalidArgumentError(
        "--kill-after-upload-chunks: only with --journal (it tests recovery)");
  }
  // Fault injection: SIGKILL mid-upload.
  service.KillAfterUploadChunks(static_cast<int64_t>(kill_after));
  int port = 0;
  ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<grpc::Server> server,
                           Listen(&service, listen, tls, &port));
  ServeForever(*server, absl::StrCat("node (", hosted.size(), " satellites)"),
               listen);
  return absl::OkStatus();
}

absl::Status CoordinatorCommand(const std::vector<std::string>& args) {
  ORBITFL_ASSIGN_OR_RETURN(
      Flags flags,
      Flags::Parse("coordinator", args,
                   ScenarioFlags({"aggregator", "nodes", "out",
                                  "connect-timeout", "checkpoint",
                                  "resume"})));
  // --resume=DIR: a coordinator that stopped goes on from DIR's
  // checkpoint (sim/run_checkpoint.h), with the same services.
  ORBITFL_ASSIGN_OR_RETURN(proto::Scenario scenario,
                           flags.Has("resume") ? ResumedScenario(flags)
                                               : LoadWithOverrides(flags));
  RunOptions options;
  if (flags.Has("resume")) {
    options.out_dir = flags.Get("resume");
    options.resume = true;
  } else {
    ORBITFL_ASSIGN_OR_RETURN(options.out_dir, flags.Required("out"));
  }
  ORBITFL_ASSIGN_OR_RETURN(options.checkpoint, CheckpointFlag(flags));
  ORBITFL_ASSIGN_OR_RETURN(options.aggregator_address,
                           flags.Required("aggregator"));
  if (!flags.Has("quiet")) options.progress = &std::cerr;
  options.progress_tty = isatty(STDERR_FILENO) != 0;
  ORBITFL_ASSIGN_OR_RETURN(const double timeout,
                           flags.GetDouble("connect-timeout", 120));
  options.tls_dir = flags.Get("tls");
  options.tls_name = flags.Get("tls-name", "coordinator");
  options.connect_timeout = absl::Seconds(timeout);
  // The satellites' names come from the contact plan the run builds; the
  // addresses are checked against them there.
  ORBITFL_ASSIGN_OR_RETURN(auto nodes, NodesText(flags));
  options.node_addresses = nodes.first;
  options.node_addresses_source = nodes.second;
  ORBITFL_ASSIGN_OR_RETURN(RunSummary s, RunEmbedded(scenario, options));
  std::cout << absl::StrFormat(
      "scenario %s (distributed): accuracy %.1f%% -> %.1f%%, model v%d from "
      "%d updates, %d transfers, %d calls retried%s\nrun directory: %s\n",
      scenario.name(), 100 * s.initial_accuracy, 100 * s.final_accuracy,
      s.model_version, s.updates_applied, s.transfers, s.rpc_retries,
      options.resume ? absl::StrFormat(", resumed after %d answers",
                                       s.calls_replayed)
                     : std::string(),
      options.out_dir);
  return absl::OkStatus();
}

}  // namespace orbitfl::sim
