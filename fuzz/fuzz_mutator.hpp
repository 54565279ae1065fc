// Program-level mutations of fuzzer inputs (the record layout of fuzz_driver.py, format 1):
// drop, duplicate, move and copy operations between threads, so that the same operation lands
// in two threads at once, which byte flips rarely achieve. No interpreter needed: unit-tested.
#pragma once
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "fuzz_layout.hpp"  // kHeader, kObjRecord, kOpRecord, kMaxObjects, ...: generated from fuzz_driver.py

namespace pyrace::fuzz {

constexpr size_t kMaxOps = kMaxThreads * kMaxOpsPerThread;

struct Layout {
  size_t objects_end;  // offset of the first operation record
  size_t ops;          // whole operation records
};
Layout layout_of(const uint8_t* data, size_t size);

// Applies one program-level mutation in place; returns the new size (<= max_size).
size_t mutate_program(uint8_t* data, size_t size, size_t max_size, std::minstd_rand& rng);

// Header and objects of one parent, operations interleaved from both.
size_t cross_over(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out, size_t max_out,
                  std::minstd_rand& rng);

}  // namespace pyrace::fuzz
