// RAII for the embedded interpreter and for thread states of native threads.
#pragma once
#include <Python.h>

#include <string>

#include "py/ref.hpp"

namespace pyrace::py {

struct InterpreterOptions {
  std::string home;          // prefix holding lib/python3.14t (the stdlib)
  bool enable_gil = false;   // PyConfig.enable_gil: force the GIL back on (for comparison runs)
  bool import_site = true;   // site-packages of that interpreter (library authors test their packages)
};

// Initialises the interpreter from an isolated PyConfig (the environment, PYTHON_GIL included,
// has no say) and finalises it on destruction. Throws std::runtime_error with CPython's message.
class Interpreter {
 public:
  explicit Interpreter(const InterpreterOptions& opts);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;
  PyInterpreterState* state() const { return interp_; }

 private:
  PyInterpreterState* interp_ = nullptr;
};

// Gives the calling native thread its own thread state, attached, for its whole life.
class AttachedThread {
 public:
  explicit AttachedThread(PyInterpreterState* interp);
  ~AttachedThread();
  AttachedThread(const AttachedThread&) = delete;
  AttachedThread& operator=(const AttachedThread&) = delete;

 private:
  PyThreadState* ts_;
};

// Detaches the current thread state for a scope (so stop-the-world phases such as GC can
// proceed while this thread waits) and re-attaches it at scope exit.
class Detached {
 public:
  Detached() : ts_(PyEval_SaveThread()) {}
  ~Detached() { PyEval_RestoreThread(ts_); }
  Detached(const Detached&) = delete;
  Detached& operator=(const Detached&) = delete;

 private:
  PyThreadState* ts_;
};

// Compiles Python source text and imports it as `module` (the sources compiled into pyrace);
// a null Ref, with the Python error set, when that fails.
Ref import_source(const char* source, const char* filename, const char* module);

// sys._is_gil_enabled(); the caller must be attached.
bool gil_enabled();

}  // namespace pyrace::py
