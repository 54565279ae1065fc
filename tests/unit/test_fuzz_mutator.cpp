// The program-level mutator: it must keep inputs well-formed programs (header and object
// records intact, whole operation records), stay within max_size and be deterministic per seed.
#include <catch2/catch_test_macros.hpp>

#include <set>
#include <vector>

#include "fuzz_mutator.hpp"

using namespace pyrace::fuzz;

namespace {
// 2 objects (byte 1 = 1 -> 1 + 1 % 4), 3 operation records.
std::vector<uint8_t> program() {
  return {0x01, 0x01, 10, 0, 0, 20, 1, 0,  // header, two object records
          0,    0,    1,  2, 3, 1,  0, 4, 5, 6, 2, 1, 7, 8, 9};
}
}  // namespace

TEST_CASE("layout of a program input", "[fuzz]") {
  auto p = program();
  Layout l = layout_of(p.data(), p.size());
  CHECK(l.objects_end == 8);
  CHECK(l.ops == 3);
  std::vector<uint8_t> tiny{7};
  CHECK(layout_of(tiny.data(), tiny.size()).ops == 0);
}

TEST_CASE("mutations keep whole records, the objects, and the size limit", "[fuzz]") {
  std::set<size_t> sizes;
  for (unsigned seed = 0; seed < 2000; ++seed) {
    auto p = program();
    p.resize(64);
    std::minstd_rand rng(seed);
    size_t n = mutate_program(p.data(), 23, 64, rng);
    REQUIRE(n <= 64);
    Layout l = layout_of(p.data(), n);
    REQUIRE((n - l.objects_end) % kOpRecord == 0);
    sizes.insert(n);
  }
  // Some mutations add an operation, some drop one, most keep the count.
  CHECK(sizes.count(23 - kOpRecord));
  CHECK(sizes.count(23));
  CHECK(sizes.count(23 + kOpRecord));
}

TEST_CASE("copying an operation to another thread keeps its object, method and arguments", "[fuzz]") {
  bool seen = false;
  for (unsigned seed = 0; seed < 500 && !seen; ++seed) {
    auto p = program();
    p.resize(64);
    std::minstd_rand rng(seed);
    size_t n = mutate_program(p.data(), 23, 64, rng);
    if (n != 28) continue;
    auto base = program();
    for (size_t i = 8; i + kOpRecord <= n; i += kOpRecord)
      for (size_t j = 8; j + kOpRecord <= base.size(); j += kOpRecord)
        if (p[i + 1] == base[j + 1] && p[i + 2] == base[j + 2] && p[i + 3] == base[j + 3] && p[i + 4] == base[j + 4] &&
            (p[i] & 0x7F) != (base[j] & 0x7F))
          seen = true;
  }
  CHECK(seen);
}

TEST_CASE("mutation is deterministic for a seed", "[fuzz]") {
  auto a = program(), b = program();
  a.resize(64);
  b.resize(64);
  std::minstd_rand r1(42), r2(42);
  size_t na = mutate_program(a.data(), 23, 64, r1), nb = mutate_program(b.data(), 23, 64, r2);
  CHECK(na == nb);
  CHECK(std::vector<uint8_t>(a.begin(), a.begin() + na) == std::vector<uint8_t>(b.begin(), b.begin() + nb));
}

TEST_CASE("too short an input becomes the smallest program", "[fuzz]") {
  std::vector<uint8_t> p(64, 0);
  std::minstd_rand rng(1);
  size_t n = mutate_program(p.data(), 1, 64, rng);
  Layout l = layout_of(p.data(), n);
  CHECK(l.ops == 2);
}

TEST_CASE("cross-over takes one parent's objects and both parents' operations", "[fuzz]") {
  auto a = program(), b = program();
  for (size_t i = 8; i < b.size(); ++i) b[i] = static_cast<uint8_t>(b[i] + 100);
  std::vector<uint8_t> out(128);
  std::minstd_rand rng(3);
  size_t n = cross_over(a.data(), a.size(), b.data(), b.size(), out.data(), out.size(), rng);
  CHECK(n == 8 + 6 * kOpRecord);
  CHECK(std::vector<uint8_t>(out.begin(), out.begin() + 8) == std::vector<uint8_t>(a.begin(), a.begin() + 8));
  std::vector<uint8_t> small(20);
  CHECK(cross_over(a.data(), a.size(), b.data(), b.size(), small.data(), small.size(), rng) <= 20);
}
