// The only place that touches CPython reference counts: an owning reference type with the
// ownership transfer spelled out at every construction (steal vs. borrow), as in pybind11.
#pragma once
#include <Python.h>

#include <string>
#include <utility>

#ifndef Py_GIL_DISABLED
#error "pyrace must be built against a free-threaded CPython (Py_GIL_DISABLED); see README.md"
#endif

namespace pyrace::py {

class Ref {
 public:
  Ref() = default;
  // Takes over a new reference (the result of most C API calls); null stays null.
  static Ref steal(PyObject* o) { return Ref(o); }
  // Adds a reference to an object we do not own (a borrowed result).
  static Ref borrow(PyObject* o) {
    Py_XINCREF(o);
    return Ref(o);
  }
  Ref(const Ref& other) : p_(other.p_) { Py_XINCREF(p_); }
  Ref(Ref&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  Ref& operator=(Ref other) noexcept {
    std::swap(p_, other.p_);
    return *this;
  }
  ~Ref() { Py_XDECREF(p_); }

  PyObject* get() const { return p_; }
  // Hands the reference to a C API that steals it.
  PyObject* release() { return std::exchange(p_, nullptr); }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  explicit Ref(PyObject* o) : p_(o) {}
  PyObject* p_ = nullptr;
};

// Thrown when a C API call failed and left a Python exception set; the exception stays set
// for the catcher to fetch with fetch_error().
struct ErrorAlreadySet {};

// Returns o, or throws ErrorAlreadySet when o is null (the C API's error convention).
inline Ref check(PyObject* o) {
  if (!o) throw ErrorAlreadySet{};
  return Ref::steal(o);
}

// str(o) as UTF-8 (surrogates escaped); "<unprintable>" if str() itself fails.
std::string to_string(PyObject* o);
// repr(o) as UTF-8; "<unrepresentable>" if repr() fails.
std::string to_repr(PyObject* o);

// A raised exception taken out of the thread's error indicator, formatted.
struct Error {
  std::string type;       // e.g. "ZeroDivisionError"
  std::string message;    // str(exc)
  std::string traceback;  // full "Traceback (most recent call last): ..." text
  Ref exc;                // the exception object itself
};
// Tracebacks deeper than this are formatted only this far (with a line saying so).
inline constexpr Py_ssize_t kTracebackFrames = 200;
// Clears the error indicator and returns what it held (requires an error to be set).
Error fetch_error();
// Clears the error indicator and returns the exception object alone, unformatted (cheap: for
// exceptions that are outcomes, counted by the thousand).
inline Ref take_raised() { return Ref::steal(PyErr_GetRaisedException()); }

}  // namespace pyrace::py
