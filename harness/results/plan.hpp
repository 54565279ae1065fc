// The plan of a run: every (case, GIL mode, thread count) unit in a fixed order, which
// sharding splits and resuming skips, so that shards or a resumed run merge into the report
// of one uninterrupted run.
#pragma once
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "results/discover.hpp"
#include "results/record.hpp"

namespace pyrace {

struct Unit {
  CaseFile file;
  std::string gil;  // off / on
  int threads = 0;  // requested (0: the case's default)
  long seq = 0;     // position in the whole plan
  std::string key;  // identifies the unit across runs: path|gil|threads (explore: path|explore|threads)
  std::string mode = "stress";  // stress / explore
};

// modes: "stress" and/or "explore", in that order per case; explore units are GIL-off only.
std::vector<Unit> make_plan(const std::vector<CaseFile>& cases, const std::vector<std::string>& gils,
                            const std::vector<int>& threads, const std::vector<std::string>& modes = {"stress"});

struct ShardError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// "i/n" with 1 <= i <= n; throws ShardError otherwise.
std::pair<int, int> parse_shard(const std::string& spec);
// Units whose seq % n == i - 1: deterministic, balanced, and independent of timing.
std::vector<Unit> select_shard(const std::vector<Unit>& plan, int i, int n);

struct ResultsFile {
  std::vector<Record> records;
  long torn_bytes = 0;  // bytes of a partial last line (a run killed mid-write)
};
struct ResultsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Reads a results file. A torn last line is counted (and cut off when repair is set, so that
// appending continues on a line boundary); any other bad line throws ResultsError naming it.
ResultsFile load_results(const std::string& path, bool repair);

// Records in plan order (seq, then name), for reports merged from several files.
void sort_by_plan(std::vector<Record>& records);

}  // namespace pyrace
