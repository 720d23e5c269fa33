#ifndef ORBITFL_NODE_RADIATION_H_
#define ORBITFL_NODE_RADIATION_H_

// Single-event upsets in the memory holding a satellite's model: where they
// are more likely (the South Atlantic Anomaly, the polar horns of the
// radiation belts), how many strike over an interval, which bits they
// flip, and a checksum scrubber that repairs them from a golden copy.

#include <cstdint>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proto/tensor.pb.h"

namespace orbitfl::node {

// Whether a sub-satellite point lies in the South Atlantic Anomaly at LEO
// altitudes (about 400-800 km); radiation.cc gives the region and its basis.
bool InSouthAtlanticAnomaly(double lat_deg, double lon_deg);

// Geomagnetic latitude in the centred-dipole approximation (IGRF-13 dipole
// axis at epoch 2020), degrees.
double GeomagneticLatitudeDeg(double lat_deg, double lon_deg);

enum class SeuProtection {
  kNone,      // upsets stay in the model
  kChecksum,  // CRC32C per tensor; a mismatch reloads it from a good copy
};

// "none" or "checksum"; InvalidArgument listing them otherwise.
absl::StatusOr<SeuProtection> ParseSeuProtection(absl::string_view name);

struct SeuOptions {
  // Upsets per bit per day away from the SAA and the polar horns (>= 0).
  // Default 3e-8: with the multipliers below a LEO orbit averages about
  // 1e-7 per bit-day, the order flight experiments reported for commercial
  // SRAM. Modern DRAM is orders of magnitude less sensitive per bit.
  double upsets_per_bit_per_day = 3e-8;
  // Rate multiplier inside the SAA (>= 1). Default 30.
  double saa_multiplier = 30;
  // Rate multiplier beyond polar_geomagnetic_latitude_deg (>= 1). Default 4.
  double polar_multiplier = 4;
  // Where the polar horns start, |geomagnetic latitude| in degrees.
  // Default 55.
  double polar_geomagnetic_latitude_deg = 55;
  SeuProtection protection = SeuProtection::kNone;
};

// InvalidArgument naming the field when an option is out of range.
absl::Status ValidateSeuOptions(const SeuOptions& options);

// The upset rate at a sub-satellite point relative to the base rate: the
// SAA multiplier inside the SAA, the polar multiplier at high geomagnetic
// latitude, the larger of the two where both apply, 1 elsewhere.
double UpsetRateMultiplier(double lat_deg, double lon_deg,
                           const SeuOptions& options = SeuOptions());

// Bits in the tensors' data: the memory upsets can hit.
int64_t ModelBits(const proto::Model& model);

// Mean number of upsets in `bits` over `interval` at `mean_multiplier`
// (the multiplier averaged along the ground track over the interval).
double ExpectedUpsets(int64_t bits, absl::Duration interval,
                      double mean_multiplier, const SeuOptions& options);

// Draws a Poisson number of upsets with that mean over all the model's
// tensor bits and flips that many, each uniformly chosen (one bit may flip
// twice). Returns the count. InvalidArgument for a negative interval or
// multiplier, or invalid options. Deterministic for a given generator state.
absl::StatusOr<int64_t> InjectUpsets(absl::Duration interval,
                                     double mean_multiplier,
                                     const SeuOptions& options,
                                     absl::BitGenRef gen, proto::Model& model);

// Flips one bit of the model's tensor data. Bits count through the tensors
// in order, byte by byte, least significant bit first; with little-endian
// float32 data, bit 32 * i + k is bit k of value i (31 the sign, 23-30 the
// exponent). OutOfRange past ModelBits(model).
absl::Status FlipBit(int64_t bit, proto::Model& model);

// A model in upset-prone memory, with (under kChecksum) a golden copy in
// protected storage (EDAC or rad-hard memory, which upsets do not reach)
// and the CRC32C of every tensor's data.
class ProtectedModel {
 public:
  ProtectedModel(proto::Model model, SeuProtection protection);

  // The working copy: what upsets hit and training reads.
  proto::Model& model() { return model_; }
  const proto::Model& model() const { return model_; }
  SeuProtection protection() const { return protection_; }

  // Checks every tensor against its checksum and reloads each one that no
  // longer matches (or whose name or shape changed) from the golden copy.
  // Returns how many tensors were repaired; always 0 under kNone.
  int Scrub();
  // Takes the working copy, as it is now, as the good state: after
  // training or a new global model, once the change is known to be good.
  void Commit();

 private:
  SeuProtection protection_;
  proto::Model model_;
  proto::Model golden_;
  std::vector<uint32_t> checksums_;
};

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_RADIATION_H_
