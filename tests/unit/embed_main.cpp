// main() of embed_tests: one interpreter for the whole binary, since a free-threaded build
// cannot safely be finalised and initialised again.
#include <catch2/catch_session.hpp>

#include <cstdio>
#include <memory>

#include "embed_main.hpp"
#include "py/interp.hpp"

namespace {
pyrace::py::Interpreter* g_interp = nullptr;
}

namespace pyrace_test {

PyInterpreterState* interp() { return g_interp->state(); }

int thread_states() {
  int n = 0;
  for (PyThreadState* t = PyInterpreterState_ThreadHead(interp()); t; t = PyThreadState_Next(t)) ++n;
  return n;
}

}  // namespace pyrace_test

int main(int argc, char** argv) {
  std::unique_ptr<pyrace::py::Interpreter> interp;
  try {
    // No site-packages: the tests need the standard library only.
    interp =
        std::make_unique<pyrace::py::Interpreter>(pyrace::py::InterpreterOptions{PYRACE_PYTHON_HOME, false, false});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embed_tests: cannot start the interpreter (home %s): %s\n", PYRACE_PYTHON_HOME, e.what());
    return 3;
  }
  g_interp = interp.get();
  int rc = Catch::Session().run(argc, argv);
  g_interp = nullptr;
  return rc;  // the interpreter is finalised here, once, with every test's threads joined
}
