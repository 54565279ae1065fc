/* A deliberately old-style extension: single-phase init and no Py_mod_gil declaration, so a
 * free-threaded interpreter re-enables the GIL when it is imported (and says so in a warning). */
#include <Python.h>

static PyObject* answer(PyObject* self, PyObject* args) {
  (void)self;
  (void)args;
  return PyLong_FromLong(42);
}

static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, "Returns 42."}, {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "pyrace_gilext", "GIL re-enabler for tests", -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_pyrace_gilext(void) { return PyModule_Create(&module); }
