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
  // A traceback of a million frames (deep recursion under a raised limit) would take minutes to
  // format: only its first kTracebackFrames are, with a line saying how many were left out.
  Py_ssize_t depth = 0;
  Ref tb = Ref::steal(PyException_GetTraceback(e.exc.get()));
  for (PyObject* t = tb.get(); t && t != Py_None && depth <= kTracebackFrames;
       t = reinterpret_cast<PyObject*>(reinterpret_cast<PyTracebackObject*>(t)->tb_next))
    ++depth;
  Ref tb_mod = Ref::steal(PyImport_ImportModule("traceback"));
  Ref lines;
  if (tb_mod && depth <= kTracebackFrames) {
    lines = Ref::steal(PyObject_CallMethod(tb_mod.get(), "format_exception", "O", e.exc.get()));
  } else if (tb_mod) {
    Ref args = Ref::steal(Py_BuildValue("(O)", e.exc.get()));
    Ref kwargs = Ref::steal(Py_BuildValue("{s:n}", "limit", kTracebackFrames));
    Ref func = Ref::steal(PyObject_GetAttrString(tb_mod.get(), "format_exception"));
    Ref only = Ref::steal(PyObject_CallMethod(tb_mod.get(), "format_exception_only", "O", e.exc.get()));
    if (args && kwargs && func && only) lines = Ref::steal(PyObject_Call(func.get(), args.get(), kwargs.get()));
    Ref note = Ref::steal(
        PyUnicode_FromFormat("  [... more frames not shown: the traceback is over %zd deep ...]\n", kTracebackFrames));
    // The note goes between the frames and the exception's own lines, at the end of the list.
    if (lines && note && PyList_Check(lines.get()) &&
        PyList_Insert(lines.get(), PyList_GET_SIZE(lines.get()) - PyList_GET_SIZE(only.get()), note.get()) != 0)
      lines = Ref();
  }
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
