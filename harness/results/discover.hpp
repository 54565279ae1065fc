// Finding case files: files named on the command line, or *.py below folders.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace pyrace {

struct CaseFile {
  std::string name;  // the file's stem, e.g. Counter_01_AugAssign_NoLock
  std::string path;
};

struct DiscoveryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Files are taken as given; folders are searched recursively for *.py files, skipping names
// that start with '_' or '.' (helpers, __pycache__). Sorted by path. Throws DiscoveryError for a
// path that does not exist.
std::vector<CaseFile> discover(const std::vector<std::string>& paths);

// pytest-like -k: keep cases whose name contains any of the keywords (case-insensitive); a
// keyword starting with "not " excludes instead. No keywords: keep all.
std::vector<CaseFile> filter_by_keywords(const std::vector<CaseFile>& cases, const std::vector<std::string>& keywords);

// A case file, or a case name (exact, else a unique case-insensitive part) under `paths`.
// On failure, err says why (no match, or the ambiguous matches).
bool resolve_case(const std::string& ref, const std::vector<std::string>& paths, CaseFile& out, std::string& err);

}  // namespace pyrace
