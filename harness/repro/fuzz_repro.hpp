// `pyrace repro ARTIFACT`: a fuzzer artifact (input bytes, or a minimised program spec) turned
// into a standalone script for plain python3.14t, by the fuzz driver compiled into pyrace.
#pragma once
#include <string>

namespace pyrace {

// True when `arg` names a fuzzer artifact rather than a case (an existing file that is not .py).
bool is_fuzz_artifact(const std::string& arg);

// Writes the reproducer to out_path and prints the program; returns an error message or "".
std::string write_fuzz_reproducer(const std::string& artifact, const std::string& out_path);

}  // namespace pyrace
