#include "py/interp.hpp"

#include <stdexcept>

#include "py/ref.hpp"

namespace pyrace::py {

namespace {
void check_status(PyStatus st, PyConfig* cfg, const char* what) {
  if (PyStatus_Exception(st)) {
    std::string msg = std::string(what) + ": " + (st.err_msg ? st.err_msg : "unknown error");
    if (st.func) msg += std::string(" (in ") + st.func + ")";
    PyConfig_Clear(cfg);
    throw std::runtime_error(msg);
  }
}
}  // namespace

Interpreter::Interpreter(const InterpreterOptions& opts) {
  PyConfig cfg;
  PyConfig_InitIsolatedConfig(&cfg);
  // 1 forces the GIL on. Otherwise keep the default (-1) rather than 0: 0 would also stop an
  // extension import from re-enabling the GIL, and pyrace must see (and report) when one does.
  cfg.enable_gil = opts.enable_gil ? 1 : -1;
  cfg.site_import = opts.import_site ? 1 : 0;
  cfg.install_signal_handlers = 0;  // the worker's signals belong to faulthandler and pyrace
  cfg.write_bytecode = 1;
  check_status(PyConfig_SetBytesString(&cfg, &cfg.home, opts.home.c_str()), &cfg, "setting PyConfig.home");
  check_status(PyConfig_SetBytesString(&cfg, &cfg.program_name, "pyrace"), &cfg, "setting PyConfig.program_name");
  check_status(Py_InitializeFromConfig(&cfg), &cfg, "initialising the interpreter");
  PyConfig_Clear(&cfg);
  interp_ = PyInterpreterState_Get();
}

Interpreter::~Interpreter() { Py_FinalizeEx(); }

AttachedThread::AttachedThread(PyInterpreterState* interp) : ts_(PyThreadState_New(interp)) {
  PyEval_RestoreThread(ts_);
}

AttachedThread::~AttachedThread() {
  PyThreadState_Clear(ts_);
  PyThreadState_DeleteCurrent();
}

Ref import_source(const char* source, const char* filename, const char* module) {
  Ref code = Ref::steal(Py_CompileString(source, filename, Py_file_input));
  return code ? Ref::steal(PyImport_ExecCodeModule(module, code.get())) : Ref();
}

bool gil_enabled() {
  Ref sys = Ref::steal(PyImport_ImportModule("sys"));
  Ref r = sys ? Ref::steal(PyObject_CallMethod(sys.get(), "_is_gil_enabled", nullptr)) : Ref();
  if (!r) {
    PyErr_Clear();
    return true;  // cannot tell: treat as enabled, results would be invalid
  }
  return PyObject_IsTrue(r.get()) == 1;
}

}  // namespace pyrace::py
