#include "py/ref.hpp"

namespace pyrace::py {

namespace {
std::string utf8(PyObject* s) {
  Py_ssize_t n = 0;
  const char* c = PyUnicode_AsUTF8AndSize(s, &n);
  if (!c) {  // lone surrogates: escape them rather than fail
    PyErr_Clear();
    Ref b = Ref::steal(PyUnicode_AsEncodedString(s, "utf-8", "backslashreplace"));
    if (!b) {
      PyErr_Clear();
      return "<undecodable>";
    }
    return std::string(PyBytes_AS_STRING(b.get()), PyBytes_GET_SIZE(b.get()));
  }
  return std::string(c, static_cast<size_t>(n));
}
}  // namespace

std::string to_string(PyObject* o) {
  Ref s = Ref::steal(PyObject_Str(o));
  if (!s) {
    PyErr_Clear();
    return "<unprintable>";
  }
  return utf8(s.get());
}

std::string to_repr(PyObject* o) {
  Ref s = Ref::steal(PyObject_Repr(o));
  if (!s) {
    PyErr_Clear();
    return "<unrepresentable>";
  }
  return utf8(s.get());
}

Error fetch_error() {
  Error e;
  e.exc = Ref::steal(PyErr_GetRaisedException());
  if (!e.exc) return Error{"SystemError", "no exception set", "", {}};
  e.type = _PyType_Name(Py_TYPE(e.exc.get()));
  e.message = to_string(e.exc.get());
  Ref tb_mod = Ref::steal(PyImport_ImportModule("traceback"));
  Ref lines = tb_mod ? Ref::steal(PyObject_CallMethod(tb_mod.get(), "format_exception", "O", e.exc.get())) : Ref();
  Ref empty = Ref::steal(PyUnicode_FromString(""));
  Ref text = lines && empty ? Ref::steal(PyUnicode_Join(empty.get(), lines.get())) : Ref();
  if (text) {
    e.traceback = utf8(text.get());
  } else {
    PyErr_Clear();
    e.traceback = e.type + ": " + e.message + "\n";
  }
  return e;
}

}  // namespace pyrace::py
