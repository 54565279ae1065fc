#include "worker/fuzz_driver_module.hpp"

#include "fuzz_driver_source.hpp"  // generated from fuzz/fuzz_driver.py
#include "py/interp.hpp"

namespace pyrace {

py::Ref load_fuzz_driver() {
  py::Ref mod = py::import_source(kFuzzDriverSource, "<pyrace fuzz driver>", "_pyrace_fuzz");
  py::Ref own = mod ? py::Ref::steal(PyUnicode_FromString(kFuzzDriverSource)) : py::Ref();
  if (!own || PyObject_SetAttrString(mod.get(), "_OWN_SOURCE", own.get()) < 0) return py::Ref();
  return mod;
}

}  // namespace pyrace
