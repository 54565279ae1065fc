#include "worker/fiber_pool.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "py/ref.hpp"  // py::ErrorAlreadySet

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define PYRACE_NO_FIBERS 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__) || !defined(__x86_64__) || \
    !defined(PYRACE_HAVE_STACK_PROTECTION)  // CMakeLists.txt: the interpreter can be told a fiber's stack
#define PYRACE_NO_FIBERS 1
#endif

#ifndef PYRACE_NO_FIBERS
// The switch (System V x86-64): push the callee-saved registers and the SSE/x87 control words on
// the old stack, save its pointer, load the new one, pop the same from it. A fresh stack is laid
// out (in the constructor) so that the pops land in pyrace_fiber_start, which calls entry(arg).
// Hand-written rather than swapcontext(3): that makes two sigprocmask system calls per switch.
extern "C" void pyrace_fiber_switch(void** save_sp, void* new_sp);
extern "C" void pyrace_fiber_start();
__asm__(
    ".text\n"
    ".globl pyrace_fiber_switch\n"
    ".hidden pyrace_fiber_switch\n"
    ".type pyrace_fiber_switch,@function\n"
    ".p2align 4\n"
    "pyrace_fiber_switch:\n"
    "  pushq %rbp\n"
    "  pushq %rbx\n"
    "  pushq %r12\n"
    "  pushq %r13\n"
    "  pushq %r14\n"
    "  pushq %r15\n"
    "  subq $8, %rsp\n"
    "  stmxcsr (%rsp)\n"
    "  fnstcw 4(%rsp)\n"
    "  movq %rsp, (%rdi)\n"
    "  movq %rsi, %rsp\n"
    "  ldmxcsr (%rsp)\n"
    "  fldcw 4(%rsp)\n"
    "  addq $8, %rsp\n"
    "  popq %r15\n"
    "  popq %r14\n"
    "  popq %r13\n"
    "  popq %r12\n"
    "  popq %rbx\n"
    "  popq %rbp\n"
    "  ret\n"
    ".size pyrace_fiber_switch, .-pyrace_fiber_switch\n"
    ".globl pyrace_fiber_start\n"
    ".hidden pyrace_fiber_start\n"
    ".type pyrace_fiber_start,@function\n"
    ".p2align 4\n"
    "pyrace_fiber_start:\n"
    "  movq %r12, %rdi\n"
    "  callq *%rbx\n"
    "  ud2\n"
    ".size pyrace_fiber_start, .-pyrace_fiber_start\n");
#endif

namespace pyrace {

namespace {
// Like a thread's default stack (ulimit -s): a recursion in an actor ends where it would on a thread.
constexpr size_t kStackSize = size_t{8} << 20;
constexpr size_t kGuard = 64 << 10;  // unmapped below the stack: an overflow faults, never scribbles
}  // namespace

bool FiberPool::available() {
#ifdef PYRACE_NO_FIBERS
  return false;
#else
  return true;
#endif
}

FiberPool::FiberPool(PyInterpreterState* interp, int threads) : fibers_(static_cast<size_t>(threads)) {
#ifdef PYRACE_NO_FIBERS
  (void)interp;
  throw std::logic_error("fibers are not compiled into this build");
#else
  for (int t = 0; t < threads; ++t) {
    fibers_[static_cast<size_t>(t)].pool = this;
    fibers_[static_cast<size_t>(t)].index = t;
  }
  for (int t = 1; t < threads; ++t) {
    Fiber& f = fibers_[static_cast<size_t>(t)];
    void* m = mmap(nullptr, kStackSize + kGuard, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (m == MAP_FAILED) fail("cannot map a fiber's stack");
    f.stack = m;
    if (mprotect(m, kGuard, PROT_NONE) != 0) fail("cannot protect a fiber stack's guard region");
    char* base = static_cast<char*>(m) + kGuard;
    f.ts = PyThreadState_New(interp);
    if (!f.ts) fail("cannot make a fiber's thread state");
    // CPython's stack-overflow check reads the limits from the thread state: this stack, not the OS thread's.
    if (PyUnstable_ThreadState_SetStackProtection(f.ts, base, kStackSize) < 0) {
      PyErr_Clear();
      PyThreadState_Clear(f.ts);
      PyThreadState_Delete(f.ts);
      f.ts = nullptr;
      fail("cannot give a fiber's thread state its stack");
    }
    // The first frame: what pyrace_fiber_switch pops, in its order, then the return into pyrace_fiber_start.
    auto top = reinterpret_cast<std::uintptr_t>(base + kStackSize) & ~std::uintptr_t{15};
    auto* frame = reinterpret_cast<std::uint64_t*>(top - 80);
    std::uint32_t mxcsr;
    std::uint16_t fpucw;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(fpucw));
    frame[0] = mxcsr | (std::uint64_t{fpucw} << 32);
    frame[1] = frame[2] = frame[3] = 0;                           // r15 r14 r13
    frame[4] = reinterpret_cast<std::uint64_t>(&f);               // r12: entry's argument
    frame[5] = reinterpret_cast<std::uint64_t>(&FiberPool::entry);  // rbx: called by pyrace_fiber_start
    frame[6] = 0;                                                 // rbp
    frame[7] = reinterpret_cast<std::uint64_t>(&pyrace_fiber_start);
    f.sp = frame;
    switch_to(0, t);  // it attaches its thread state once and parks until the first round
  }
#endif
}

FiberPool::~FiberPool() { shutdown(); }

void FiberPool::fail(const char* what) {
  shutdown();  // the fibers made so far end as usual
  PyErr_Format(PyExc_OSError, "explore: %s (%s); --explore-engine threads does without fibers", what,
               std::strerror(errno));
  throw py::ErrorAlreadySet{};
}

void FiberPool::shutdown() {
#ifndef PYRACE_NO_FIBERS
  stop_ = true;
  for (size_t t = 1; t < fibers_.size(); ++t) {
    Fiber& f = fibers_[t];
    if (!f.stack) continue;
    if (f.ts) switch_to(0, static_cast<int>(t));  // it deletes its thread state and switches back for good
    munmap(f.stack, kStackSize + kGuard);
    f.stack = nullptr;
  }
#endif
}

void FiberPool::switch_to(int from, int to) {
#ifndef PYRACE_NO_FIBERS
  PyThreadState* ts = PyEval_SaveThread();  // detached while switched out: stop-the-world pauses need no word from it
  pyrace_fiber_switch(&fibers_[static_cast<size_t>(from)].sp, fibers_[static_cast<size_t>(to)].sp);
  PyEval_RestoreThread(ts);
#else
  (void)from;
  (void)to;
#endif
}

void FiberPool::park(int t) {
  int u = pick_ ? pick_(t) : -1;
  if (u < 0 || u == t) u = 0;
  switch_to(t, u);
}

void FiberPool::entry(void* fp) noexcept {
  (void)fp;
#ifndef PYRACE_NO_FIBERS
  Fiber& f = *static_cast<Fiber*>(fp);
  FiberPool& pool = *f.pool;
  PyEval_RestoreThread(f.ts);
  for (;;) {
    pool.park(f.index);  // back here when a round picks this actor, or at the end
    if (pool.stop_) break;
    (*pool.job_)(f.index);
    f.active = false;
  }
  PyThreadState_Clear(f.ts);
  PyThreadState_DeleteCurrent();  // detaches: nothing of this fiber is attached any more
  f.ts = nullptr;
  void* unused;
  pyrace_fiber_switch(&unused, pool.fibers_[0].sp);
#endif
  __builtin_unreachable();
}

void FiberPool::run(const std::function<void(int)>& job) {
  job_ = &job;
  for (Fiber& f : fibers_) f.active = true;
  job(0);
  fibers_[0].active = false;
  for (;;) {
    int u = pick_ ? pick_(0) : -1;
    if (u <= 0) {  // nobody holds the turn: an active actor runs, and its scheduler sees that
      u = -1;
      for (size_t t = 1; t < fibers_.size() && u < 0; ++t)
        if (fibers_[t].active) u = static_cast<int>(t);
      if (u < 0) break;  // every actor ended
    }
    switch_to(0, u);
  }
  job_ = nullptr;
}

}  // namespace pyrace
