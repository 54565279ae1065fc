// `pyrace explain CASE`: the teaching view of one case, readable in an 80-column terminal.
#pragma once
#include <string>
#include <vector>

#include "cli/flags.hpp"
#include "supervise/supervisor.hpp"

namespace pyrace {

int cmd_explain(const std::string& case_ref, const RunOptions& o, const SuperviseOptions& sup, bool color, bool run);

}  // namespace pyrace
