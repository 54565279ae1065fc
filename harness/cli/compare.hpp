// `pyrace compare BASELINE CANDIDATE`: what changed between two runs of the suite (two
// interpreter builds): verdict changes, crashes, known bugs fixed, and a reproducer for every
// regression. Exit 1 when the candidate regressed.
#pragma once
#include <string>

namespace pyrace {

int cmd_compare(const std::string& baseline, const std::string& candidate, const std::string& repro_dir);

}  // namespace pyrace
