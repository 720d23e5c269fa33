// orbitfl: the command-line front end. Flags are read here and in the
// command functions it calls, nowhere else; everything below receives
// validated options.
//
// `run` needs LibTorch, whose start-up alone takes about a second; it lives
// in the orbitfl_sim binary beside this one, which this front end execs, so
// that every other command starts in milliseconds.

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "sim/orbit_commands.h"
#include "sim/scenario_commands.h"

namespace orbitfl::sim {
namespace {

constexpr char kUsage[] = R"(orbitfl: federated learning across satellite constellations

usage: orbitfl COMMAND [--flag=value ...]

commands:
  run       --scenario=FILE --out=DIR [--seed=N] [--hours=H] [--quiet]
            [--strategy=fedavg|fedprox|fedasync|fedbuff|fedspace]
            [--task=landcover|cloud] [--model=small_cnn|resnet|encoder_head]
            [--delta-codec=fp32|fp16|int8|topk] [--set='a.b=V;c.d=W']
            [--tle=FILE] [--stations=CSV] [--threads=N]
            Simulates the scenario and writes the run directory to DIR:
            contacts.csv, events.jsonl, metrics.csv, updates.csv, links.csv,
            participation.csv, summary.json, model.pt and report.html.
            --seed, --hours, --strategy, --task, --model and --delta-codec
            override the scenario's; --tle replaces its satellites (2- or
            3-line TLEs), --stations its ground stations (CSV
            name,lat_deg,lon_deg,alt_m,min_elevation_deg[,antennas]);
            --set any field, by path, with a textproto value:
            --set='radiation.upsets_per_bit_per_day=1e-5;compute.device="mcu"'.
            --threads: training threads (default: every core; the files are
            the same for any count). Progress goes to stderr unless --quiet.
            While it runs, DIR/checkpoint.log records every training and
            evaluation (--checkpoint=off: not); it is removed at the end.
  run       --resume=DIR [--threads=N] [--quiet]
            Resumes a run that stopped (killed, crashed) from
            DIR/checkpoint.log: it re-runs from the epoch with the recorded
            results instead of training, then trains on. The files are the
            same as an uninterrupted run's. A bare --resume with the usual
            flags resumes --out's run if it stopped with exactly these
            settings, else starts afresh (for scripts).
  compare   --scenario=FILE --strategies=a,b,... --out=DIR [run flags]
            Runs the scenario once per strategy, on the same world and
            contact plan, into DIR/STRATEGY, then writes DIR/report.html
            (one line per strategy) and DIR/compare.csv. Stopped, the same
            command again picks up where it was (checkpoints).
  aggregator --scenario=FILE --listen=HOST:PORT [--journal=FILE]
            [--snapshot-every-ticks=N] [--max-uploads-per-second=R]
            [scenario flags]
  node      --scenario=FILE --listen=HOST:PORT --aggregator=HOST:PORT
            --nodes=FILE|SAT=HOST:PORT,... [--satellites=a,b] [--threads=N]
            [--journal=FILE]
  coordinator --scenario=FILE --aggregator=HOST:PORT
            --nodes=FILE|SAT=HOST:PORT,... --out=DIR [--quiet]
            [--connect-timeout=S] [--checkpoint=on|off]
  coordinator --resume=DIR --aggregator=HOST:PORT --nodes=...
            The same run as separate processes over TCP: the aggregator,
            nodes hosting satellites ("*=HOST:PORT" for every satellite not
            named), and the coordinator, which owns the virtual clock and
            writes the run directory (the same files as `run`). With
            --journal, the aggregator and a node write down what they
            acknowledge, and restarted on the same file replay it: a
            killed one is restarted and the run goes on unchanged. The
            aggregator also snapshots its whole state to FILE.snapshot
            every N ticks (default 20; 0: never), then starts the journal
            afresh, and replays only what follows it. The coordinator records the answer to every call
            in DIR/checkpoint.log; a coordinator that stopped resumes with
            --resume=DIR, replaying them, against the same services. It
            waits up to --connect-timeout
            (default 120 s) for a service that does not answer. All three
            take --tls=DIR [--tls-name=NAME] for mutual TLS. Fault
            injection (tests): aggregator --exit-after-ticks=N, node
            --kill-after-upload-chunks=N.
  dataset   --scenario=FILE [--out=DIR] [--task=landcover|cloud]
            [--satellite=NAME] [--stats] [--preview[=FILE.png]]
            [--steps=N] [--seed=N] [--hours=H] [--quiet]
            Runs every satellite's sensor over the scenario (no federation)
            and exports what they kept: DIR/x.npy (uint8 N x H x W x C,
            bands B,G,R,NIR, reflectance x 255), y.npy (int64 N),
            meta.csv (satellite,utc,lat_deg,lon_deg,cloud_fraction,
            sun_elevation_deg,split) and classes.txt. --stats prints the
            class mix per satellite and the difficulty: a nearest-class-
            mean baseline on per-band means and small_cnn trained centrally
            for --steps (default 4000) on the train split. --preview writes
            a PNG with a row of tiles per class (default DIR/preview.png).
  train     --dataset=DIR [--model=small_cnn|resnet|encoder_head]
            [--steps=N] [--batch-size=N] [--lr=X] [--seed=N]
            [--pretrain-steps=N] [--save=FILE.pt]
            Centralised training on an exported dataset (as `dataset`
            writes it; meta.csv's `split` column says train or test):
            prints the test accuracy, the parameter count (trainable and
            total), FLOPs per image and training images/s on this host.
            Defaults: small_cnn, 500 steps of 32 tiles, lr 0.05, seed 1.
            encoder_head first pre-trains its VAE encoder on the unlabelled
            train tiles (--pretrain-steps, default 500), then freezes it
            and trains only the head. --save writes the whole model as a
            LibTorch archive (.pt). Progress lines go to stderr.
  validate  --scenario=FILE
            Parses and validates a scenario and prints it with every
            default filled in.
  propagate --tle=FILE --start=ISO --stop=ISO [--step=SECONDS] [--checksum]
            SGP4/SDP4 states as CSV satellite,utc,x_km,y_km,z_km,vx_km_s,
            vy_km_s,vz_km_s (TEME), each satellite at start, start+step, ...
            <= stop (step 60 s by default). --checksum prints only
            states=N checksum=S (S = sum of x+y+z over all states).
  contacts  --tle=FILE [--stations=CSV] [--isl-max-range-km=R] --start=ISO
            --stop=ISO [--downlink-rate-bps=B] [--isl-rate-bps=B]
            [--threads=N]
            Ground and inter-satellite windows in the contacts.csv format,
            searched on N threads (default: every core; same result).
            Stations CSV: name,lat_deg,lon_deg,alt_m,min_elevation_deg.
  constellation --walker=T/P/F --altitude-km=A --inclination-deg=I|sso
            [--pattern=delta|star] [--epoch=ISO] [--name-prefix=S]
            A designed shell as 3-line TLEs on stdout.
  help      This text.
)";

// The orbitfl_sim binary: beside this one (bazel-bin/sim, an installed
// bin/), or in this binary's Bazel runfiles.
std::string SimBinary() {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "orbitfl_sim";
  self[n] = 0;
  std::string path(self);
  const std::string dir = path.substr(0, path.find_last_of('/') + 1);
  for (const std::string& candidate :
       {dir + "orbitfl_sim", path + ".runfiles/orbitfl/sim/orbitfl_sim"}) {
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return dir + "orbitfl_sim";
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  // `orbitfl COMMAND --help`: every command's flags are in the usage.
  if (std::find(args.begin(), args.end(), "--help") != args.end() ||
      std::find(args.begin(), args.end(), "-h") != args.end()) {
    std::cout << kUsage;
    return 0;
  }
  absl::Status status;
  if (command == "run" || command == "compare" || command == "dataset" ||
      command == "train" || command == "aggregator" || command == "node" ||
      command == "coordinator") {
    const std::string sim = SimBinary();
    std::vector<char*> sim_argv(argv, argv + argc + 1);
    sim_argv[0] = const_cast<char*>(sim.c_str());
    execv(sim.c_str(), sim_argv.data());
    std::cerr << "orbitfl: error: cannot start " << sim << ": "
              << std::strerror(errno) << " (build //sim:orbitfl_sim)\n";
    return 1;
  } else if (command == "validate") {
    status = ValidateCommand(args);
  } else if (command == "propagate") {
    status = PropagateCommand(args, std::cout, std::cerr);
  } else if (command == "contacts") {
    status = ContactsCommand(args, std::cout, std::cerr);
  } else if (command == "constellation") {
    status = ConstellationCommand(args, std::cout, std::cerr);
  } else if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  } else {
    std::cerr << "orbitfl: unknown command \"" << command << "\"\n\n" << kUsage;
    return 2;
  }
  if (!status.ok()) {
    std::cerr << "orbitfl: error: " << status.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace orbitfl::sim

int main(int argc, char** argv) { return orbitfl::sim::Main(argc, argv); }
