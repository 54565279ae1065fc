// ThreadSanitizer reports, parsed out of a worker's TSan log into a stable signature.
#pragma once
#include <string>
#include <vector>

namespace pyrace {

struct TsanReport {
  std::string type;                                // "data race", "heap-use-after-free", ...
  std::vector<std::vector<std::string>> accesses;  // per access (the racing pair): function names, top first
  std::string signature;                           // type: top frames of both accesses, sorted
  std::string text;                                // the whole report
};

// Every "WARNING: ThreadSanitizer: ..." block in a log.
std::vector<TsanReport> parse_tsan_log(const std::string& log);

}  // namespace pyrace
