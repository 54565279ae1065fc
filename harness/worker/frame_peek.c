// frame_peek.h's reads of the interpreter's frame. C, not C++: CPython's internal headers are C.
// Only this file defines Py_BUILD_CORE; it reads, never writes, and only the frame of the thread
// that holds the scheduler's turn (the interpreter saved its stack pointer before calling the
// INSTRUCTION callback).
#define Py_BUILD_CORE 1
#include "worker/frame_peek.h"

#include "internal/pycore_frame.h"
#include "internal/pycore_interpframe.h"
#include "internal/pycore_stackref.h"

static _PyInterpreterFrame* frame_of(PyObject* code) {
  _PyInterpreterFrame* f = PyThreadState_GET()->current_frame;
  if (f == NULL || f->stackpointer == NULL || (PyObject*)_PyFrame_GetCode(f) != code) return NULL;
  return f;
}

static PyObject* borrow(_PyStackRef ref) {
  if (PyStackRef_IsNull(ref) || PyStackRef_IsTaggedInt(ref)) return NULL;
  return PyStackRef_AsPyObjectBorrow(ref);
}

PyObject* pyrace_frame_stack(PyObject* code, int depth) {
  _PyInterpreterFrame* f = frame_of(code);
  if (f == NULL || depth < 0) return NULL;
  _PyStackRef* base = _PyFrame_Stackbase(f);
  if (f->stackpointer - base <= depth) return NULL;
  return borrow(f->stackpointer[-1 - depth]);
}

PyObject* pyrace_frame_globals(PyObject* code) {
  _PyInterpreterFrame* f = frame_of(code);
  return f ? f->f_globals : NULL;
}

PyObject* pyrace_frame_builtins(PyObject* code) {
  _PyInterpreterFrame* f = frame_of(code);
  return f ? f->f_builtins : NULL;
}

PyObject* pyrace_frame_local(PyObject* code, int i) {
  _PyInterpreterFrame* f = frame_of(code);
  if (f == NULL || i < 0 || i >= ((PyCodeObject*)code)->co_nlocalsplus) return NULL;
  return borrow(f->localsplus[i]);
}
