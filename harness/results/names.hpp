// Verdicts, grades, case shapes and defaults, expanded from names.def (their one declaration,
// shared with the Python side). Pure C++, no Python.
#pragma once
#include <string>

namespace pyrace {

enum class Verdict {
#define PYRACE_VERDICT(id, name, graded, meaning) id,
#include "results/names.def"
};

enum class Grade {
#define PYRACE_GRADE(id, name, is_default, meaning) id,
#include "results/names.def"
};

enum class Shape {
#define PYRACE_SHAPE(id, name, is_default, meaning) id,
#include "results/names.def"
};

#define PYRACE_DEFAULT(cxx_name, py_name, value, meaning) inline constexpr auto cxx_name = value;
#include "results/names.def"

constexpr const char* to_string(Verdict v) {
  switch (v) {
#define PYRACE_VERDICT(id, name, graded, meaning) \
  case Verdict::id:                               \
    return name;
#include "results/names.def"
  }
  return "?";
}

constexpr const char* to_string(Grade g) {
  switch (g) {
#define PYRACE_GRADE(id, name, is_default, meaning) \
  case Grade::id:                                   \
    return name;
#include "results/names.def"
  }
  return "?";
}

constexpr const char* to_string(Shape s) {
  switch (s) {
#define PYRACE_SHAPE(id, name, is_default, meaning) \
  case Shape::id:                                   \
    return name;
#include "results/names.def"
  }
  return "?";
}

// SAFE or RACY: the run completed and its outcomes decided (else it ended in an error-like verdict).
constexpr bool is_graded(Verdict v) {
  switch (v) {
#define PYRACE_VERDICT(id, name, graded, meaning) \
  case Verdict::id:                               \
    return graded;
#include "results/names.def"
  }
  return false;
}

inline bool parse_verdict(const std::string& s, Verdict& out) {
#define PYRACE_VERDICT(id, name, graded, meaning) \
  if (s == name) {                                \
    out = Verdict::id;                            \
    return true;                                  \
  }
#include "results/names.def"
  return false;
}

}  // namespace pyrace
