// One row of a run's outcome histogram: what the engine counts and the record keeps. Pure C++,
// so that results/ and report/ need no <Python.h>.
#pragma once
#include <string>

namespace pyrace {

struct OutcomeCount {
  std::string outcome;  // repr() of what the arbiter returned
  std::string grade;    // ACCEPTABLE / INTERESTING / FORBIDDEN
  long count = 0;
  bool listed = true;   // false: not a key of OUTCOMES, graded by DEFAULT_GRADE
};

}  // namespace pyrace
