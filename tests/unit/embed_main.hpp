// The one interpreter of the embed_tests binary (created in embed_main.cpp before any test runs).
#pragma once
#include <Python.h>

namespace pyrace_test {

// The interpreter every test shares; the main thread is attached to it while tests run.
PyInterpreterState* interp();

// How many thread states the interpreter has (read while no thread is starting or ending).
int thread_states();

}  // namespace pyrace_test
