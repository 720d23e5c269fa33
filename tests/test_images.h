#ifndef ORBITFL_TESTS_TEST_IMAGES_H_
#define ORBITFL_TESTS_TEST_IMAGES_H_

// Images that tests write themselves, encoded straight through libjpeg so
// the decoders under test are checked against an independent encoder.

#include <cstdint>
#include <string>
#include <vector>

namespace orbitfl::testing {

// A baseline JPEG filled with one colour: `colour` holds 1 (grey), 3 (RGB)
// or 4 (CMYK) bytes.
std::string SolidJpeg(int width, int height, const std::vector<uint8_t>& colour,
                      int quality = 95);

}  // namespace orbitfl::testing

#endif  // ORBITFL_TESTS_TEST_IMAGES_H_
