// A libFuzzer-compatible driver for the regular (GCC) build: every fuzz target links against it
// as `<target>_replay`, and ctest runs each one (fuzz.<name>) in `make test`.
//
//   fuzz_x_replay [--runs N] [--seed S] [--max-len BYTES] DIR_OR_FILE...
//
// It feeds the target every file of the seed corpus, then N inputs derived from those seeds by
// deterministic mutations (byte flips, inserts, deletes, duplicated and spliced chunks, and
// tokens that parsers trip on: quotes, brackets, NUL, 0xFF, huge numbers, deep nesting). The
// same seed gives the same inputs, so a failure reproduces; the failing input is written to
// `crash-<target>` in the working directory before the target is called, and left there if the
// process dies. This is a regression smoke run, not coverage-guided fuzzing: `make fuzz` builds
// the same targets with clang's libFuzzer and sanitizers for that.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using Bytes = std::string;

std::vector<Bytes> ReadSeeds(const std::vector<std::string>& paths) {
  std::vector<std::filesystem::path> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p, ec))
        if (e.is_regular_file()) files.push_back(e.path());
    } else if (std::filesystem::is_regular_file(p, ec)) {
      files.emplace_back(p);
    } else {
      std::fprintf(stderr, "replay: no such file or directory: %s\n", p.c_str());
      std::exit(2);
    }
  }
  std::sort(files.begin(), files.end());  // a stable order: the same seed gives the same inputs
  std::vector<Bytes> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

const char* const kTokens[] = {"\"", "\\", "{", "}", "[", "]", ":", ",", "\n", "\r\n", "\t", " ",
                               std::string_view("\0", 1).data(), "\xff", "\xc3\x28", "-", "null", "true",
                               "1e999", "-9223372036854775809", "18446744073709551616", "0x",
                               "NaN", "%s", "{{", "}}", "<*>", "=", "~", "*", "&", "'", "#", "---",
                               "- ", ": |", "!!binary", "&a", "*a", "<<:", "1970-01-01T00:00:00Z"};

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  Bytes Mutate(Bytes in, const std::vector<Bytes>& seeds, size_t max_len) {
    int n = 1 + static_cast<int>(Pick(4));
    for (int i = 0; i < n; ++i) Step(in, seeds);
    if (in.size() > max_len) in.resize(max_len);
    return in;
  }

 private:
  size_t Pick(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  void Step(Bytes& s, const std::vector<Bytes>& seeds) {
    switch (Pick(8)) {
      case 0:  // flip a bit
        if (!s.empty()) s[Pick(s.size())] ^= static_cast<char>(1u << Pick(8));
        break;
      case 1:  // random byte
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(Pick(s.size() + 1)), static_cast<char>(Pick(256)));
        break;
      case 2: {  // delete a range
        if (s.empty()) break;
        size_t at = Pick(s.size());
        s.erase(at, 1 + Pick(std::min<size_t>(s.size() - at, 64)));
        break;
      }
      case 3: {  // duplicate a chunk
        if (s.empty()) break;
        size_t at = Pick(s.size()), len = 1 + Pick(std::min<size_t>(s.size() - at, 256));
        s.insert(Pick(s.size() + 1), s.substr(at, len));
        break;
      }
      case 4: {  // splice another seed
        if (seeds.empty()) break;
        const Bytes& o = seeds[Pick(seeds.size())];
        if (o.empty()) break;
        size_t at = Pick(o.size());
        s.insert(Pick(s.size() + 1), o.substr(at, 1 + Pick(o.size() - at)));
        break;
      }
      case 5: {  // a token parsers trip on
        const char* t = kTokens[Pick(std::size(kTokens))];
        Bytes tok = t[0] == '\0' ? Bytes(1, '\0') : Bytes(t);
        s.insert(Pick(s.size() + 1), tok);
        break;
      }
      case 6: {  // deep nesting
        size_t depth = 1 + Pick(2000);
        Bytes open(depth, "[{"[Pick(2)]);
        s.insert(Pick(s.size() + 1), open);
        break;
      }
      default:  // truncate
        if (!s.empty()) s.resize(Pick(s.size()));
        break;
    }
  }

  std::mt19937_64 rng_;
};

void Run(const Bytes& input, const std::string& crash_file) {
  {
    std::ofstream out(crash_file, std::ios::binary | std::ios::trunc);
    out.write(input.data(), static_cast<std::streamsize>(input.size()));
  }
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  long runs = 2000;
  uint64_t seed = 1;
  size_t max_len = 65536;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "replay: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--runs") runs = std::strtol(next(), nullptr, 10);
    else if (a == "--seed") seed = std::strtoull(next(), nullptr, 10);
    else if (a == "--max-len") max_len = std::strtoull(next(), nullptr, 10);
    else paths.push_back(a);
  }
  std::string name = std::filesystem::path(argv[0]).filename().string();
  std::string crash_file = "crash-" + name;
  auto seeds = ReadSeeds(paths);
  for (const auto& s : seeds) Run(s, crash_file);
  Mutator m(seed);
  for (long i = 0; i < runs; ++i) {
    Bytes base = seeds.empty() ? Bytes() : seeds[static_cast<size_t>(i) % seeds.size()];
    Run(m.Mutate(std::move(base), seeds, max_len), crash_file);
  }
  std::remove(crash_file.c_str());
  std::printf("%s: %zu seeds and %ld mutated inputs, no crash\n", name.c_str(), seeds.size(), runs);
  return 0;
}
