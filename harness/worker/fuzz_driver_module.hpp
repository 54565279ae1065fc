// The fuzz driver (fuzz/fuzz_driver.py), compiled into the fuzz target and into pyrace.
#pragma once
#include "py/ref.hpp"

namespace pyrace {

// Imports the driver as _pyrace_fuzz and gives it its own source text (reproducers embed its
// runtime); a null Ref, with the Python error set, when that fails. The caller must be attached.
py::Ref load_fuzz_driver();

}  // namespace pyrace
