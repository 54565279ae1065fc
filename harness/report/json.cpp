// The json reporter: every record as one JSON line (docs/results-schema.md), the raw results of a run.
#include <unistd.h>

#include <cstdio>

#include "report/formats.hpp"

namespace pyrace {

namespace {

// Raw results, one JSON line per case and configuration, flushed as each arrives so that an
// interrupted run keeps everything it finished.
class JsonReporter : public Reporter {
 public:
  explicit JsonReporter(FILE* out) : out_(out) {}
  ~JsonReporter() override {
    if (out_ != stdout) std::fclose(out_);
  }
  void case_finished(const Record& r) override {
    std::string line = to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fputs(line.c_str(), out_);
    std::fputc('\n', out_);
    std::fflush(out_);
    if (out_ != stdout) ::fsync(fileno(out_));
  }

 private:
  FILE* out_;
};

}  // namespace

std::unique_ptr<Reporter> make_json_reporter(FILE* out) { return std::make_unique<JsonReporter>(out); }

}  // namespace pyrace
