#ifndef ORBITFL_SIM_FLAGS_H_
#define ORBITFL_SIM_FLAGS_H_

// Command-line flags of one subcommand: --name=value or --name. Read only
// in main(); every other layer receives options.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace orbitfl::sim {

class Flags {
 public:
  // InvalidArgument for an argument that is not a flag, or a flag not in
  // `known`, naming it and listing the known flags of `command`.
  static absl::StatusOr<Flags> Parse(const std::string& command,
                                     const std::vector<std::string>& args,
                                     const std::set<std::string>& known);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string Get(const std::string& name,
                  const std::string& fallback = "") const;
  // InvalidArgument naming the flag when it is missing or not a number.
  absl::StatusOr<std::string> Required(const std::string& name) const;
  absl::StatusOr<double> GetDouble(const std::string& name,
                                   double fallback) const;
  absl::StatusOr<uint64_t> GetUint64(const std::string& name,
                                     uint64_t fallback) const;

 private:
  std::string command_;
  std::map<std::string, std::string> values_;
};

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_FLAGS_H_
