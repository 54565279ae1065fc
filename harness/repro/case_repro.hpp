// Standalone reproducers: a case plus a driver in one file that runs with python3.14t alone,
// exits 1 when the failure shows, 0 when it does not (git bisect run ready).
// - forced (an explore witness exists): forced_driver.py forces the witness's interleaving with
//   sys.monitoring and threading; the same steps on every run, so it fires on the first one;
// - plain (no witness): repro_driver.py runs fresh threads until the outcome shows, or time is up.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "results/record.hpp"

namespace pyrace {

// Writes the plain-threading reproducer of the case at case_path to out_path, with a header
// saying what was found (verdict, interpreter) when `found` is given. Returns an error message, or "".
std::string write_reproducer(const std::string& case_path, const std::string& out_path, const Record* found);

// Writes the forced-interleaving reproducer of an explore witness: `explore` is the explore
// result of the case (Record::explore, with a witness object), python the interpreter it ran on.
// Returns an error message, or "".
std::string write_forced_reproducer(const std::string& case_path, const std::string& case_name,
                                    const std::string& out_path, const nlohmann::json& explore,
                                    const std::string& python);

}  // namespace pyrace
