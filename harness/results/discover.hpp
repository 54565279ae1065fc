// Finding case files: files named on the command line, or *.py below folders.
#pragma once
#include <memory>
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

// Thrown for a malformed -k expression; the message quotes it and says where and what is wrong.
struct KeywordError : DiscoveryError {
  using DiscoveryError::DiscoveryError;
};

// One -k expression, pytest's syntax: parts of case names (case-insensitive substrings) joined
// with and, or, not and parentheses: `Counter and not Lock`, `Dict or Set`, `not (a or b)`.
class KeywordExpr {
 public:
  struct Node;
  explicit KeywordExpr(const std::string& text);  // throws KeywordError
  bool matches(const std::string& name) const;
  // True when the expression holds for a name that contains nothing (`not lock`): it only
  // excludes, so several of these are all required, while selecting ones are alternatives.
  bool excludes_only() const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::shared_ptr<Node> root_;
};

// -k, repeatable: keep cases that match one of the selecting expressions (any, when there are
// none) and every excluding one (`not X`). No keywords: keep all. Throws KeywordError.
std::vector<CaseFile> filter_by_keywords(const std::vector<CaseFile>& cases, const std::vector<std::string>& keywords);

// A case file, or a case name (exact, else a unique case-insensitive part) under `paths`.
// On failure, err says why (no match, or the ambiguous matches).
bool resolve_case(const std::string& ref, const std::vector<std::string>& paths, CaseFile& out, std::string& err);

}  // namespace pyrace
