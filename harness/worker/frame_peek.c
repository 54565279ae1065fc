// frame_peek.h's reads of the interpreter's frames. C, not C++: CPython's internal headers are C.
// Only this file defines Py_BUILD_CORE; it reads, never writes, and only frames of threads parked
// at a scheduling point (the interpreter saved their stack pointer before the INSTRUCTION callback).
#define Py_BUILD_CORE 1
#include "worker/frame_peek.h"

#ifdef PYRACE_NO_INTERNAL_HEADERS
// An interpreter installed without its internal headers: no frame to read, every step "anything".
void* pyrace_current_frame(PyObject* code) { return NULL; }
PyObject* pyrace_frame_stack(void* frame, int depth) { return NULL; }
PyObject* pyrace_frame_globals(void* frame) { return NULL; }
PyObject* pyrace_frame_builtins(void* frame) { return NULL; }
PyObject* pyrace_frame_local(void* frame, int i) { return NULL; }
PyObject* pyrace_frame_caller_code(void* frame) { return NULL; }
PyObject* pyrace_iterator_sequence(PyObject* it, int* known) {
  *known = 0;
  return NULL;
}
#else

#include "internal/pycore_frame.h"
#include "internal/pycore_interpframe.h"
#include "internal/pycore_list.h"
#include "internal/pycore_stackref.h"
#include "internal/pycore_tuple.h"

static PyObject* borrow(_PyStackRef ref) {
  if (PyStackRef_IsNull(ref) || PyStackRef_IsTaggedInt(ref)) return NULL;
  return PyStackRef_AsPyObjectBorrow(ref);
}

void* pyrace_current_frame(PyObject* code) {
  _PyInterpreterFrame* f = PyThreadState_GET()->current_frame;
  if (f == NULL || f->stackpointer == NULL || (PyObject*)_PyFrame_GetCode(f) != code) return NULL;
  return f;
}

PyObject* pyrace_frame_stack(void* frame, int depth) {
  _PyInterpreterFrame* f = frame;
  if (f == NULL || depth < 0) return NULL;
  _PyStackRef* base = _PyFrame_Stackbase(f);
  if (f->stackpointer - base <= depth) return NULL;
  return borrow(f->stackpointer[-1 - depth]);
}

PyObject* pyrace_frame_globals(void* frame) { return frame ? ((_PyInterpreterFrame*)frame)->f_globals : NULL; }

PyObject* pyrace_frame_builtins(void* frame) { return frame ? ((_PyInterpreterFrame*)frame)->f_builtins : NULL; }

PyObject* pyrace_frame_local(void* frame, int i) {
  _PyInterpreterFrame* f = frame;
  if (f == NULL || i < 0 || i >= _PyFrame_GetCode(f)->co_nlocalsplus) return NULL;
  return borrow(f->localsplus[i]);
}

PyObject* pyrace_frame_caller_code(void* frame) {
  _PyInterpreterFrame* f = frame;
  if (f == NULL || f->previous == NULL) return NULL;
  _PyInterpreterFrame* caller = f->previous;
  if (caller->owner >= FRAME_OWNED_BY_INTERPRETER) return NULL;  // an entry frame: C called this one
  return (PyObject*)_PyFrame_GetCode(caller);
}

PyObject* pyrace_iterator_sequence(PyObject* it, int* known) {
  *known = 1;
  if (Py_IS_TYPE(it, &PyListIter_Type)) return (PyObject*)((_PyListIterObject*)it)->it_seq;
  if (Py_IS_TYPE(it, &PyTupleIter_Type)) return (PyObject*)((_PyTupleIterObject*)it)->it_seq;
  *known = 0;
  return NULL;
}
#endif
