// Standalone reproducers: a case plus the plain-threading driver in one file that runs with
// python3.14t alone, exits 1 when the failure shows, 0 when it does not (git bisect run ready).
#pragma once
#include <string>

#include "results/record.hpp"

namespace pyrace {

// Writes the reproducer of the case at case_path to out_path, with a header saying what was
// found (verdict, interpreter) when `found` is given. Returns an error message, or "".
std::string write_reproducer(const std::string& case_path, const std::string& out_path, const Record* found);

}  // namespace pyrace
