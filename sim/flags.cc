#include "sim/flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/match.h"

namespace orbitfl::sim {

absl::StatusOr<Flags> Flags::Parse(const std::string& command,
                                   const std::vector<std::string>& args,
                                   const std::set<std::string>& known) {
  Flags flags;
  flags.command_ = command;
  for (const std::string& arg : args) {
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "orbitfl ", command, ": unexpected argument \"", arg,
          "\" (flags look like --name=value)"));
    }
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
    if (known.count(name) == 0) {
      std::vector<std::string> list;
      for (const std::string& k : known) list.push_back("--" + k);
      return absl::InvalidArgumentError(absl::StrCat(
          "orbitfl ", command, ": unknown flag --", name, " (expected one of ",
          absl::StrJoin(list, ", "), ")"));
    }
    flags.values_[name] = eq == std::string::npos ? "" : arg.substr(eq + 1);
  }
  return flags;
}

std::string Flags::Get(const std::string& name,
                       const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

absl::StatusOr<std::string> Flags::Required(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("orbitfl ", command_, ": --", name, "=... is required"));
  }
  return it->second;
}

absl::StatusOr<double> Flags::GetDouble(const std::string& name,
                                        double fallback) const {
  if (!Has(name)) return fallback;
  double v = 0;
  if (!absl::SimpleAtod(Get(name), &v)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "orbitfl ", command_, ": --", name, ": expected a number, got \"",
        Get(name), "\""));
  }
  return v;
}

absl::StatusOr<uint64_t> Flags::GetUint64(const std::string& name,
                                          uint64_t fallback) const {
  if (!Has(name)) return fallback;
  uint64_t v = 0;
  if (!absl::SimpleAtoi(Get(name), &v)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "orbitfl ", command_, ": --", name,
        ": expected a non-negative integer, got \"", Get(name), "\""));
  }
  return v;
}

}  // namespace orbitfl::sim
