// The running frame's operands at a scheduling point, read from the interpreter's frame (its
// internal layout: frame_peek.c is the one file built against CPython's internal headers).
// Borrowed references, valid while the calling thread holds its turn at the point.
#pragma once
#include <Python.h>

#ifdef __cplusplus
extern "C" {
#endif

// The value `depth` slots below the top of the current frame's value stack (0: the top), or NULL
// when the frame is not `code`'s, the stack is shallower, or the slot holds no object.
PyObject* pyrace_frame_stack(PyObject* code, int depth);
// The current frame's globals and builtins (NULL when the frame is not `code`'s).
PyObject* pyrace_frame_globals(PyObject* code);
PyObject* pyrace_frame_builtins(PyObject* code);
// Slot i of the frame's locals, cells and free variables (NULL: out of range or empty).
PyObject* pyrace_frame_local(PyObject* code, int i);

#ifdef __cplusplus
}
#endif
