#ifndef ORBITFL_TESTS_SIM_WORLD_EARTH_H_
#define ORBITFL_TESTS_SIM_WORLD_EARTH_H_

// The real land-cover map (xplanet's day and night images), decoded once
// per test binary and shared by its suites.

#include <cstdlib>

#include "gtest/gtest.h"
#include "sim/world/land_cover.h"

namespace orbitfl::world {

inline const LandCoverMap& Earth() {
  static const LandCoverMap* map = [] {
    auto m = LandCoverMap::Create(kDefaultEarthImage);
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? m->release() : nullptr;
  }();
  if (map == nullptr) std::abort();
  return *map;
}

}  // namespace orbitfl::world

#endif  // ORBITFL_TESTS_SIM_WORLD_EARTH_H_
