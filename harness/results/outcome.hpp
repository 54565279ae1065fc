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

// One kind of exception that escaped an actor during the run: each trial it ended is counted
// under the outcome "raised <type>"; the first traceback of each kind is kept for the report.
struct RaisedKind {
  std::string type;       // e.g. "KeyError"
  long count = 0;         // trials (or states) this kind ended
  int line = 0;           // innermost line of the case file in the first traceback
  std::string traceback;  // the first one, from the case file's first frame on
};

}  // namespace pyrace
