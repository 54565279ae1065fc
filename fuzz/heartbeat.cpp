#include "heartbeat.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace pyrace::fuzz {

namespace {
HeartbeatRecord* g_hb = nullptr;

uint64_t now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);  // system-wide: the watchdog compares it with its own clock
  return static_cast<uint64_t>(t.tv_sec) * 1000000000u + static_cast<uint64_t>(t.tv_nsec);
}

// Stores the watchdog reads while the process runs: ordered, so it never sees a new start time
// beside the previous input's bytes.
void store(uint64_t& field, uint64_t value) {
  std::atomic_ref<uint64_t>(field).store(value, std::memory_order_release);
}
}  // namespace

void heartbeat_open() {
  const char* dir = std::getenv("PYRACE_FUZZ_HEARTBEAT");
  if (!dir || !*dir) return;
  const std::string path = std::string(dir) + "/hb." + std::to_string(::getpid());
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::ftruncate(fd, kHeartbeatSize) != 0) {
    std::fprintf(stderr, "==pyrace-fuzz== cannot create the heartbeat %s: the watchdog cannot see this job\n",
                 path.c_str());
    if (fd >= 0) ::close(fd);
    return;
  }
  void* p = ::mmap(nullptr, kHeartbeatSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return;
  g_hb = static_cast<HeartbeatRecord*>(p);
  g_hb->pid = static_cast<uint64_t>(::getpid());
  g_hb->started_ns = now_ns();
  std::memcpy(g_hb->magic, "PYRHB01", 8);  // last: the record is complete once the magic is there
}

void heartbeat_ready() {
  if (g_hb) store(g_hb->ready, 1);
}

void heartbeat_input_begin(const uint8_t* data, size_t size) {
  if (!g_hb) return;
  const size_t n = size < kMaxInput ? size : kMaxInput;
  std::memcpy(reinterpret_cast<uint8_t*>(g_hb + 1), data, n);
  store(g_hb->input_len, n);
  store(g_hb->input_ns, now_ns());
}

void heartbeat_input_end() {
  if (!g_hb) return;
  store(g_hb->input_ns, 0);
  store(g_hb->execs, g_hb->execs + 1);
}

}  // namespace pyrace::fuzz
