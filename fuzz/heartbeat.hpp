// The fuzz target's heartbeat: a small file, shared-mapped, that says which input the process is
// running and since when. fuzz/watchdog.py reads it from outside to end a job that stopped making
// progress even when libFuzzer's own -timeout cannot fire (a deadlock in the TSan runtime defers
// the alarm signal forever: issue 13), and keeps the input that hung.
// Enabled by PYRACE_FUZZ_HEARTBEAT=DIR (one file per process: DIR/hb.<pid>); otherwise free.
#pragma once
#include <cstddef>
#include <cstdint>

namespace pyrace::fuzz {

// The file's layout; fuzz/watchdog.py reads it with struct format "<8s6Q" then the input bytes.
struct HeartbeatRecord {
  char magic[8];         // "PYRHB01" and a NUL
  uint64_t pid;
  uint64_t execs;        // inputs finished
  uint64_t started_ns;   // CLOCK_MONOTONIC when initialisation began
  uint64_t ready;        // 1 once LLVMFuzzerInitialize is done
  uint64_t input_ns;     // CLOCK_MONOTONIC when the current input began; 0 between inputs
  uint64_t input_len;    // bytes of the current input kept below (it is cut at kMaxInput)
};
constexpr size_t kHeartbeatSize = 64 * 1024;
constexpr size_t kMaxInput = kHeartbeatSize - sizeof(HeartbeatRecord);

// Opens DIR/hb.<pid> when PYRACE_FUZZ_HEARTBEAT is set; the calls below do nothing otherwise.
void heartbeat_open();
void heartbeat_ready();
void heartbeat_input_begin(const uint8_t* data, size_t size);
void heartbeat_input_end();

}  // namespace pyrace::fuzz
