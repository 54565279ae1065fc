// What one step of explore reads and writes, from the instruction at its scheduling point and the
// objects on the frame's stack: the dependence relation behind the state cache (trace_hash.hpp).
// Conservative by construction: an instruction not understood here, or one that may run code
// outside the case file (a call, an operator on an object of a user class, a property), touches
// "anything" and is ordered against every other step.
#pragma once
#include <Python.h>

#include <array>
#include <cstdint>
#include <vector>

namespace pyrace {

struct Access {
  enum class Kind : std::uint8_t {
    Local,     // touches nothing another thread can see (arithmetic on ints, building a tuple...)
    Precise,   // reads or writes the locations below, nothing else
    Anything,  // may touch anything
  };
  struct Loc {
    std::uintptr_t object = 0;  // the object's address (within one schedule: its identity)
    std::uintptr_t key = 0;     // an attribute or global name (interned str's address); 0: its items
    bool write = false;
  };
  static constexpr int kMaxLocs = 8;

  Kind kind = Kind::Anything;
  int count = 0;
  std::array<Loc, kMaxLocs> locs{};

  static Access anything() { return {}; }
  static Access local() {
    Access a;
    a.kind = Kind::Local;
    return a;
  }
  // Adds a location; past kMaxLocs the access turns into Anything (still sound).
  void add(const void* object, const void* key, bool write);
};

// Where a thread is parked: its point's instruction and frame (frame_peek.h).
struct StepSite {
  PyObject* code = nullptr;
  const char* bytecode = nullptr;  // the code's co_code (kept alive by the scheduler's code cache)
  Py_ssize_t size = 0;
  int offset = -1;
  void* frame = nullptr;
};

// The access of the step a thread parked at `site` would take: the instruction there, with the
// operands on its frame's stack as they are now. Called by the thread holding the turn, attached.
Access classify_access(const StepSite& site);

// explore_model.py's stand-ins whose methods touch their own object only (Lock, RLock,
// Semaphore, BoundedSemaphore, Event): their types, by identity.
void set_own_state_standins(std::vector<PyObject*> types);

}  // namespace pyrace
