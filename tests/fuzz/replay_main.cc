// Runs a libFuzzer target over files without libFuzzer (any compiler):
// every file named on the command line, or in the directories named, is
// one input. The tests replay each target's seed corpus this way; the
// fuzzing itself is tests/fuzz/run.sh. As under libFuzzer (whose
// -rss_limit_mb is 2048), an input may not make the target use more than
// 2 GiB: the address space is capped there, so an input that asks for
// more fails with std::bad_alloc instead of passing on a big machine.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <sys/resource.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional in a target, as with libFuzzer.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
    __attribute__((weak));

namespace {

constexpr rlim_t kMaxAddressSpace = rlim_t{2} << 30;

int RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: cannot open\n", path.c_str());
    return 1;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                         bytes.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const rlimit cap{kMaxAddressSpace, kMaxAddressSpace};
  if (setrlimit(RLIMIT_AS, &cap) != 0) {
    std::perror("setrlimit(RLIMIT_AS, 2 GiB)");
    return 1;
  }
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  int inputs = 0, errors = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::directory_iterator(path)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        errors += RunFile(f);
        ++inputs;
      }
    } else {
      errors += RunFile(path);
      ++inputs;
    }
  }
  std::printf("%d inputs replayed\n", inputs);
  return errors > 0 || inputs == 0 ? 1 : 0;
}
