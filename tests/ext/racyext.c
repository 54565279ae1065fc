/* A deliberately racy extension for the ThreadSanitizer pipeline test: bump() increments a C
 * global without synchronisation (a data race TSan must report, naming bump), bump_atomic()
 * does the same with an atomic add (no report). It declares free-threading support, so the
 * GIL stays off. */
#include <Python.h>

static long counter;

static PyObject* bump(PyObject* self, PyObject* args) {
  (void)self;
  (void)args;
  counter++;
  return PyLong_FromLong(counter);
}

static PyObject* bump_atomic(PyObject* self, PyObject* args) {
  (void)self;
  (void)args;
  return PyLong_FromLong(__atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST));
}

static PyMethodDef methods[] = {{"bump", bump, METH_NOARGS, "racy increment"},
                                {"bump_atomic", bump_atomic, METH_NOARGS, "atomic increment"},
                                {NULL, NULL, 0, NULL}};

static PyModuleDef_Slot slots[] = {{Py_mod_gil, Py_MOD_GIL_NOT_USED}, {0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "pyrace_racyext", "TSan test extension", 0, methods, slots, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_pyrace_racyext(void) { return PyModuleDef_Init(&module); }
