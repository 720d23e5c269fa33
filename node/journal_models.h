#ifndef ORBITFL_NODE_JOURNAL_MODELS_H_
#define ORBITFL_NODE_JOURNAL_MODELS_H_

// Model bytes a node journal has already written, so that a model fetched
// by many satellites (or shared between them) is journaled once. Before a
// record is written, a model chunk whose bytes an earlier record holds
// loses its data, and ModelChunk.journaled_bytes says how many bytes were
// left out; on replay they are filled in again (and the chunk's CRC32C
// still checks them). The writer and the replay keep the same newest few
// versions, each as the bytes from offset 0 the journal holds, and evolve
// them from the same records in the same order: a chunk is left out only
// where the replay can fill it in.

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "proto/services.pb.h"

namespace orbitfl::node {

class JournalModels {
 public:
  explicit JournalModels(int versions_kept = 4);

  // Before `chunk` is written: leaves its data out when held; otherwise
  // learns it (and clears any journaled_bytes it came with).
  void Elide(proto::ModelChunk& chunk);
  // On replay of a written chunk: fills in data left out; otherwise learns
  // it. DataLoss when the left-out bytes are not held (the journal is not
  // the one this replay wrote).
  absl::Status Restore(proto::ModelChunk& chunk);

  // Bytes of `version` held from offset 0 (0 when none).
  int64_t held_bytes(int64_t version) const;

 private:
  // Extends the version's bytes with the chunk's when it continues or
  // overlaps them and agrees where it overlaps; then keeps the newest
  // versions_kept_ versions.
  void Learn(const proto::ModelChunk& chunk);

  const int versions_kept_;
  std::map<int64_t, std::string> bytes_;  // by version
};

}  // namespace orbitfl::node

#endif  // ORBITFL_NODE_JOURNAL_MODELS_H_
