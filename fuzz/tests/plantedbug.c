/* A planted concurrency bug for the fuzzer's end-to-end test, found only through the derived
 * vocabulary (the fuzzer is told the module's name, nothing about its methods): Gate.enter()
 * holds the gate open for a moment; Gate.trip() dereferences NULL if it finds the gate open,
 * which happens only while another thread is inside enter(). One thread alone never crashes.
 * Gate.bump() increments a C global without synchronisation: a data race for the TSan target. */
#include <Python.h>
#include <time.h>

typedef struct {
  PyObject_HEAD int open;  /* accessed with atomics: the bug is the planted NULL dereference, not a data race */
} Gate;

static PyObject* gate_enter(PyObject* self, PyObject* unused) {
  (void)unused;
  Gate* g = (Gate*)self;
  __atomic_add_fetch(&g->open, 1, __ATOMIC_SEQ_CST);
  struct timespec t = {0, 200000};  /* 0.2 ms: a window another thread can hit */
  nanosleep(&t, NULL);
  __atomic_sub_fetch(&g->open, 1, __ATOMIC_SEQ_CST);
  Py_RETURN_NONE;
}

static PyObject* gate_trip(PyObject* self, PyObject* unused) {
  (void)unused;
  Gate* g = (Gate*)self;
  if (__atomic_load_n(&g->open, __ATOMIC_SEQ_CST) > 0) {
    volatile int* p = NULL;
    return PyLong_FromLong(*p); /* the planted crash: pyrace_planted_trip in the stack */
  }
  Py_RETURN_NONE;
}

static long bumps;

static PyObject* gate_bump(PyObject* self, PyObject* unused) {
  (void)self;
  (void)unused;
  bumps++; /* the planted data race */
  return PyLong_FromLong(bumps);
}

static PyMethodDef gate_methods[] = {{"bump", gate_bump, METH_NOARGS, "racy increment of a C global"},
                                     {"enter", gate_enter, METH_NOARGS, "hold the gate open briefly"},
                                     {"trip", gate_trip, METH_NOARGS, "crash if the gate is open"},
                                     {NULL, NULL, 0, NULL}};

static PyType_Slot gate_slots[] = {{Py_tp_methods, gate_methods}, {Py_tp_new, PyType_GenericNew}, {0, NULL}};
static PyType_Spec gate_spec = {"pyrace_plantedbug.Gate", sizeof(Gate), 0, Py_TPFLAGS_DEFAULT, gate_slots};

static int exec_module(PyObject* m) {
  PyObject* t = PyType_FromSpec(&gate_spec);
  return t ? PyModule_Add(m, "Gate", t) : -1;
}

static PyModuleDef_Slot slots[] = {{Py_mod_exec, exec_module}, {Py_mod_gil, Py_MOD_GIL_NOT_USED}, {0, NULL}};
static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "pyrace_plantedbug", "planted fuzzer bug", 0, NULL, slots, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_pyrace_plantedbug(void) { return PyModuleDef_Init(&module); }
