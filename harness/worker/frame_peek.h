// The operands of a step at its scheduling point, read from the interpreter's frame (its internal
// layout: frame_peek.c is the one file built against CPython's internal headers). A frame is the
// one of a thread parked at its point (its stack pointer saved, nothing running in it); the
// results are borrowed references, valid while that thread stays parked.
#pragma once
#include <Python.h>

#ifdef __cplusplus
extern "C" {
#endif

// The calling thread's running frame, if it runs `code` (else NULL).
void* pyrace_current_frame(PyObject* code);
// The value `depth` slots below the top of the frame's value stack (0: the top), or NULL when
// the stack is shallower or the slot holds no object.
PyObject* pyrace_frame_stack(void* frame, int depth);
PyObject* pyrace_frame_globals(void* frame);
PyObject* pyrace_frame_builtins(void* frame);
// Slot i of the frame's locals, cells and free variables (NULL: out of range or empty).
PyObject* pyrace_frame_local(void* frame, int i);
// The code of the Python frame that called this one, or NULL when C code called it (an entry
// frame: what the caller does after this frame returns is C, outside any scheduling point).
PyObject* pyrace_frame_caller_code(void* frame);
// A list or tuple iterator's sequence (NULL: exhausted); *known = 0 for any other object.
PyObject* pyrace_iterator_sequence(PyObject* it, int* known);

#ifdef __cplusplus
}
#endif
