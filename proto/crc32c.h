#ifndef ORBITFL_PROTO_CRC32C_H_
#define ORBITFL_PROTO_CRC32C_H_

// CRC32C (Castagnoli, reflected polynomial 0x82F63B78) of a chunk's data, as
// carried in UpdateChunk.crc32c and ModelChunk.crc32c. Part of the wire
// contract, so it lives beside the protos.

#include <cstdint>

#include "absl/strings/string_view.h"

namespace orbitfl::proto {

// With SSE4.2's crc32 instruction where the CPU has it (about 20x the
// table's speed); the same value either way.
uint32_t Crc32c(absl::string_view data);
// The table-driven computation, byte by byte, on any CPU.
uint32_t Crc32cPortable(absl::string_view data);

}  // namespace orbitfl::proto

#endif  // ORBITFL_PROTO_CRC32C_H_
