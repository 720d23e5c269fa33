#ifndef ORBITFL_SIM_TRAIN_COMMAND_H_
#define ORBITFL_SIM_TRAIN_COMMAND_H_

// `orbitfl train`: centralised training of one model architecture on an
// exported dataset directory, the baseline a federated run is compared
// with. It lives in the orbitfl_sim binary (LibTorch).
//
// A dataset directory holds
//   x.npy     uint8 N x H x W x C (reflectance x 255, rounded; float32
//             reflectance is accepted too), H == W
//   y.npy     int64 N, labels 0..K-1
//   meta.csv  a header line, then N rows in the order of x and y, with at
//             least a `split` column whose values are `train` or `test`
//             (the exporter writes satellite,utc,lat_deg,lon_deg,
//             cloud_fraction,sun_elevation_deg,split).

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "node/dataset.h"
#include "sim/env.h"

namespace orbitfl::sim {

struct ExportedDataset {
  node::TileDataset train;
  node::TileDataset test;
  int num_classes = 0;  // max label + 1, at least 2
};

// Reads DIR/x.npy, DIR/y.npy and DIR/meta.csv. Errors name the file and
// what was expected: NotFound for a missing file, InvalidArgument for a
// wrong dtype or shape, counts that disagree, a negative label, or a row
// without a valid split.
absl::StatusOr<ExportedDataset> LoadExportedDataset(Env* env,
                                                    const std::string& dir);

// orbitfl train --dataset=DIR [--model=small_cnn|resnet|encoder_head]
//   [--steps=N] [--batch-size=N] [--lr=X] [--seed=N] [--pretrain-steps=N]
//   [--save=FILE.pt]
// Results go to `out`, progress lines to `log`.
absl::Status TrainCommand(const std::vector<std::string>& args,
                          std::ostream& out, std::ostream& log);

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_TRAIN_COMMAND_H_
