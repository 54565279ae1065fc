"""Two real memory bugs, for capturing what the oracle targets report (the logs in logs/).

    PYRACE_FUZZ_MODULES=oracle_capture PYRACE_FUZZ_PATH=fuzz/tests build-fuzz-asan/fuzz/pyrace-fuzz -runs=20 SPEC
with SPEC a program calling Oops.use_after_free (caught by fuzz-asan: a PyMem_RawMalloc buffer is
plain malloc) or Oops.double_decref (caught by fuzz-debug's _Py_NegativeRefcount; the plain and
ASan targets ran it 20 times without noticing). Not part of any fuzzing vocabulary.
"""
import ctypes

_api = ctypes.pythonapi
_api.PyMem_RawMalloc.restype = ctypes.c_void_p
_api.PyMem_RawMalloc.argtypes = [ctypes.c_size_t]
_api.PyMem_RawFree.argtypes = [ctypes.c_void_p]
_api.Py_DecRef.argtypes = [ctypes.py_object]


class Oops:
    def use_after_free(self):
        p = _api.PyMem_RawMalloc(64)
        _api.PyMem_RawFree(p)
        return ctypes.string_at(p, 8)

    def double_decref(self):
        o = [object() for _ in range(3)]
        _api.Py_DecRef(o)
        _api.Py_DecRef(o)
        return len(o)
