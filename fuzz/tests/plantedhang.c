/* A planted hang for the watchdog's end-to-end test: Wedge.hold() ignores the alarm signal that
 * libFuzzer's -timeout relies on and then waits forever, detached from the interpreter. To
 * libFuzzer this looks like the TSan-runtime deadlock of issue 13: a job that takes no signal and
 * never finishes its input. Only the watchdog (fuzz/watchdog.py) can end it. A module of its own,
 * so that the planted-bug tests never draw it into their vocabulary. */
#include <Python.h>
#include <signal.h>
#include <unistd.h>

__attribute__((noinline)) static void wedge_block_forever(void) {
  signal(SIGALRM, SIG_IGN);
  for (;;) pause();
}

static PyObject* wedge_hold(PyObject* self, PyObject* unused) {
  (void)self;
  (void)unused;
  Py_BEGIN_ALLOW_THREADS wedge_block_forever();
  Py_END_ALLOW_THREADS Py_RETURN_NONE;
}

static PyMethodDef wedge_methods[] = {{"hold", wedge_hold, METH_NOARGS, "block forever, deaf to the alarm"},
                                      {NULL, NULL, 0, NULL}};
static PyType_Slot wedge_slots[] = {{Py_tp_methods, wedge_methods}, {Py_tp_new, PyType_GenericNew}, {0, NULL}};
static PyType_Spec wedge_spec = {"pyrace_plantedhang.Wedge", sizeof(PyObject), 0, Py_TPFLAGS_DEFAULT, wedge_slots};

static int exec_module(PyObject* m) {
  PyObject* t = PyType_FromSpec(&wedge_spec);
  return t ? PyModule_Add(m, "Wedge", t) : -1;
}

static PyModuleDef_Slot slots[] = {{Py_mod_exec, exec_module}, {Py_mod_gil, Py_MOD_GIL_NOT_USED}, {0, NULL}};
static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "pyrace_plantedhang", "planted fuzzer hang", 0, NULL, slots, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_pyrace_plantedhang(void) { return PyModuleDef_Init(&module); }
