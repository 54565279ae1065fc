// The RAII layer over the C API (harness/py): reference ownership, errors, the interpreter and
// thread states of native threads.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <utility>

#include "embed_main.hpp"
#include "py/interp.hpp"
#include "py/ref.hpp"

using Catch::Matchers::ContainsSubstring;
using pyrace::py::Ref;

namespace {

// A fresh list (not immortal, so its count moves) with one reference held by the test.
struct Probe {
  PyObject* o = PyList_New(0);
  Probe() { REQUIRE(o != nullptr); }
  ~Probe() { Py_DECREF(o); }
  Py_ssize_t refs() const { return Py_REFCNT(o); }
};

}  // namespace

TEST_CASE("a stolen reference is released exactly once", "[py]") {
  Probe p;
  const Py_ssize_t base = p.refs();
  Py_INCREF(p.o);  // the new reference the Ref takes over
  {
    Ref r = Ref::steal(p.o);
    CHECK(r.get() == p.o);
    CHECK(p.refs() == base + 1);  // stealing adds nothing
  }
  CHECK(p.refs() == base);
}

TEST_CASE("a borrowed reference is increfed and released", "[py]") {
  Probe p;
  const Py_ssize_t base = p.refs();
  {
    Ref r = Ref::borrow(p.o);
    CHECK(r.get() == p.o);
    CHECK(p.refs() == base + 1);
  }
  CHECK(p.refs() == base);
}

TEST_CASE("null stays null, stolen or borrowed", "[py]") {
  Ref a;
  Ref b = Ref::steal(nullptr);
  Ref c = Ref::borrow(nullptr);
  CHECK_FALSE(a);
  CHECK_FALSE(b);
  CHECK_FALSE(c);
  CHECK(a.get() == nullptr);
  Ref d = c;  // copying and destroying null references touches nothing
  CHECK_FALSE(d);
}

TEST_CASE("copies add a reference, moves transfer it", "[py]") {
  Probe p;
  const Py_ssize_t base = p.refs();
  Ref a = Ref::borrow(p.o);
  {
    Ref copy = a;
    CHECK(copy.get() == p.o);
    CHECK(p.refs() == base + 2);
  }
  CHECK(p.refs() == base + 1);
  Ref moved = std::move(a);
  CHECK(moved.get() == p.o);
  CHECK_FALSE(a);  // NOLINT(bugprone-use-after-move): the moved-from state is what is tested
  CHECK(p.refs() == base + 1);
  moved = Ref();  // assigning over a reference releases the old one
  CHECK(p.refs() == base);
}

TEST_CASE("assignment releases the old object and keeps self-assignment intact", "[py]") {
  Probe p, q;
  const Py_ssize_t pbase = p.refs(), qbase = q.refs();
  Ref r = Ref::borrow(p.o);
  Ref s = Ref::borrow(q.o);
  r = s;  // copy assignment
  CHECK(r.get() == q.o);
  CHECK(p.refs() == pbase);
  CHECK(q.refs() == qbase + 2);
  Ref& alias = r;
  r = alias;  // self-assignment
  CHECK(r.get() == q.o);
  CHECK(q.refs() == qbase + 2);
  r = std::move(s);  // move assignment: the reference r held is released, s's is taken over
  CHECK(r.get() == q.o);
  CHECK(q.refs() == qbase + 1);
}

TEST_CASE("release() hands the reference over without touching the count", "[py]") {
  Probe p;
  const Py_ssize_t base = p.refs();
  Ref r = Ref::borrow(p.o);
  PyObject* raw = r.release();
  CHECK(raw == p.o);
  CHECK_FALSE(r);
  CHECK(p.refs() == base + 1);  // now owned by whoever took it
  Py_DECREF(raw);
  CHECK(p.refs() == base);
}

TEST_CASE("check() throws on null with the error left set, and steals otherwise", "[py]") {
  PyErr_SetString(PyExc_ValueError, "from the test");
  CHECK_THROWS_AS(pyrace::py::check(nullptr), pyrace::py::ErrorAlreadySet);
  REQUIRE(PyErr_Occurred() != nullptr);
  CHECK(PyErr_ExceptionMatches(PyExc_ValueError));
  PyErr_Clear();
  Probe p;
  const Py_ssize_t base = p.refs();
  Py_INCREF(p.o);
  {
    Ref r = pyrace::py::check(p.o);
    CHECK(p.refs() == base + 1);
  }
  CHECK(p.refs() == base);
}

TEST_CASE("to_string and to_repr, and their fallbacks leave no error set", "[py]") {
  Ref s = Ref::steal(PyUnicode_FromString("caf\xc3\xa9"));
  CHECK(pyrace::py::to_string(s.get()) == "caf\xc3\xa9");
  CHECK(pyrace::py::to_repr(s.get()) == "'caf\xc3\xa9'");
  Ref m = pyrace::py::import_source(
      "class Bad:\n    def __str__(self): raise RuntimeError\n    def __repr__(self): raise RuntimeError\n"
      "bad = Bad()\n",
      "<test bad str>", "_pyrace_test_bad_str");
  REQUIRE(m);
  Ref bad = Ref::steal(PyObject_GetAttrString(m.get(), "bad"));
  REQUIRE(bad);
  CHECK(pyrace::py::to_string(bad.get()) == "<unprintable>");
  CHECK(pyrace::py::to_repr(bad.get()) == "<unrepresentable>");
  CHECK(PyErr_Occurred() == nullptr);
}

TEST_CASE("fetch_error takes the raised exception out, formatted", "[py]") {
  PyErr_SetString(PyExc_KeyError, "missing");
  pyrace::py::Error e = pyrace::py::fetch_error();
  CHECK(PyErr_Occurred() == nullptr);
  CHECK(e.type == "KeyError");
  CHECK(e.message == "'missing'");
  CHECK_THAT(e.traceback, ContainsSubstring("KeyError: 'missing'"));
  REQUIRE(e.exc);
  CHECK(PyErr_GivenExceptionMatches(e.exc.get(), PyExc_KeyError));
  pyrace::py::Error none = pyrace::py::fetch_error();  // nothing raised: said so, not a crash
  CHECK(none.type == "SystemError");
  CHECK_FALSE(none.exc);
}

TEST_CASE("import_source imports good source as a module", "[py]") {
  Ref m = pyrace::py::import_source("answer = 6 * 7\n", "<test good>", "_pyrace_test_good");
  REQUIRE(m);
  CHECK(PyModule_Check(m.get()));
  CHECK(PyErr_Occurred() == nullptr);
  Ref answer = Ref::steal(PyObject_GetAttrString(m.get(), "answer"));
  REQUIRE(answer);
  CHECK(PyLong_AsLong(answer.get()) == 42);
  Ref name = Ref::steal(PyObject_GetAttrString(m.get(), "__name__"));
  CHECK(pyrace::py::to_string(name.get()) == "_pyrace_test_good");
  // Imported, so importable by name as well.
  Ref again = Ref::steal(PyImport_ImportModule("_pyrace_test_good"));
  CHECK(again.get() == m.get());
}

TEST_CASE("import_source on a syntax error returns null with SyntaxError set", "[py]") {
  Ref m = pyrace::py::import_source("def broken(:\n", "<test syntax>", "_pyrace_test_syntax");
  CHECK_FALSE(m);
  REQUIRE(PyErr_Occurred() != nullptr);
  CHECK(PyErr_ExceptionMatches(PyExc_SyntaxError));
  pyrace::py::Error e = pyrace::py::fetch_error();
  CHECK(e.type == "SyntaxError");
  CHECK_THAT(e.traceback, ContainsSubstring("<test syntax>"));
}

TEST_CASE("import_source on source that raises returns null with that error set", "[py]") {
  Ref m = pyrace::py::import_source("x = 1 / 0\n", "<test raises>", "_pyrace_test_raises");
  CHECK_FALSE(m);
  REQUIRE(PyErr_Occurred() != nullptr);
  CHECK(PyErr_ExceptionMatches(PyExc_ZeroDivisionError));
  PyErr_Clear();
}

TEST_CASE("the test interpreter is free-threaded with the GIL off", "[py]") {
  CHECK_FALSE(pyrace::py::gil_enabled());
  CHECK(PyInterpreterState_Get() == pyrace_test::interp());
}

TEST_CASE("Detached releases the thread state for its scope and restores the same one", "[py]") {
  PyThreadState* before = PyThreadState_GetUnchecked();
  REQUIRE(before != nullptr);
  {
    pyrace::py::Detached d;
    CHECK(PyThreadState_GetUnchecked() == nullptr);
  }
  CHECK(PyThreadState_GetUnchecked() == before);
}

TEST_CASE("AttachedThread lets a second native thread run Python, and removes its thread state", "[py]") {
  const int states_before = pyrace_test::thread_states();
  PyThreadState* main_ts = PyThreadState_GetUnchecked();
  std::atomic<long> result{-1};
  std::atomic<bool> own_state{false};
  std::atomic<bool> same_interp{false};
  {
    pyrace::py::Detached d;  // the new thread may need a stop-the-world phase: do not hold it up
    std::thread t([&] {
      pyrace::py::AttachedThread attached(pyrace_test::interp());
      PyThreadState* ts = PyThreadState_GetUnchecked();
      own_state = ts != nullptr && ts != main_ts;
      same_interp = PyInterpreterState_Get() == pyrace_test::interp();
      Ref m = pyrace::py::import_source("import threading\nvalue = sum(range(10))\n", "<test thread>",
                                        "_pyrace_test_thread");
      Ref v = m ? Ref::steal(PyObject_GetAttrString(m.get(), "value")) : Ref();
      if (v) {
        result = PyLong_AsLong(v.get());
      } else {
        PyErr_Clear();
      }
    });
    t.join();
  }
  CHECK(own_state);
  CHECK(same_interp);
  CHECK(result == 45);
  CHECK(pyrace_test::thread_states() == states_before);  // the thread state went with the thread
  CHECK(PyThreadState_GetUnchecked() == main_ts);
}

TEST_CASE("two native threads run Python at the same time, each with its own thread state", "[py]") {
  // Each thread builds and fills its own list: no shared state, so a failure is the RAII's.
  std::atomic<int> ok{0};
  auto work = [&] {
    pyrace::py::AttachedThread attached(pyrace_test::interp());
    Ref l = Ref::steal(PyList_New(0));
    for (int i = 0; l && i < 1000; ++i) {
      Ref n = Ref::steal(PyLong_FromLong(i));
      if (!n || PyList_Append(l.get(), n.get()) < 0) {
        PyErr_Clear();
        return;
      }
    }
    if (l && PyList_GET_SIZE(l.get()) == 1000) ++ok;
  };
  {
    pyrace::py::Detached d;
    std::thread a(work), b(work);
    a.join();
    b.join();
  }
  CHECK(ok == 2);
}
