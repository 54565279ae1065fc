// JUnit XML, as CI systems display it: one testcase per case and configuration; a verdict
// other than EXPECT is a <failure> with the histogram, ERROR/CRASH/... an <error>, a known
// interpreter bug (XFAIL) <skipped>. INCONCLUSIVE (EXPECT safe, too little evidence) is a
// <failure type="INCONCLUSIVE"> saying what was reached and what to do, as the exit status 4 is a
// failure; with --allow-inconclusive it is <skipped> with the same message: not a pass (nothing
// was shown safe), not a failure either.
#include <fmt/core.h>

#include "report/formats.hpp"
#include "report/util.hpp"

namespace pyrace {

namespace {
class JunitReporter : public Reporter {
 public:
  JunitReporter(FILE* out, bool allow_inconclusive) : out_(out), allow_inconclusive_(allow_inconclusive) {}
  ~JunitReporter() override {
    if (out_ != stdout) std::fclose(out_);
  }
  void run_finished(const std::vector<Record>& records, bool) override {
    long failures = 0, errors = 0, skipped = 0;
    double time = 0;
    for (const auto& r : records) {
      time += r.wall_s;
      if (r.xfail || (r.inconclusive && allow_inconclusive_)) ++skipped;
      else if (r.as_expected) continue;
      else if (is_graded(r.verdict)) ++failures;
      else ++errors;
    }
    fmt::print(out_, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fmt::print(
        out_,
        "<testsuites name=\"pyrace\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n",
        records.size(), failures, errors, skipped, time);
    fmt::print(
        out_,
        "  <testsuite name=\"pyrace\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n",
        records.size(), failures, errors, skipped, time);
    for (const auto& r : records) {
      fmt::print(out_, "    <testcase classname=\"pyrace.{}\" name=\"{}[gil={},t={}]\" file=\"{}\" time=\"{:.3f}\">\n",
                 xml_escape(topic_of(r)), xml_escape(r.name), r.config.gil, r.config.threads, xml_escape(r.path),
                 r.wall_s);
      std::string summary = fmt::format("{} (expected {}), error rate {}, {} trials", to_string(r.verdict),
                                        r.expect.empty() ? "?" : r.expect, format_rate(r), r.trials);
      if (r.verdict == Verdict::Inconclusive) summary += ": " + inconclusive_reason(r);
      if (const std::string c = format_concurrency(r); !c.empty()) summary += "; " + c;
      if (r.xfail) {
        fmt::print(out_, "      <skipped message=\"{}\"/>\n", xml_escape(r.message));
      } else if (r.inconclusive && allow_inconclusive_) {
        fmt::print(out_, "      <skipped message=\"{}\"/>\n", xml_escape(summary + " (allowed: --allow-inconclusive)"));
      } else if (!r.as_expected) {
        const bool graded = is_graded(r.verdict);
        fmt::print(out_, "      <{} message=\"{}\" type=\"{}\">{}</{}>\n", graded ? "failure" : "error",
                   xml_escape(graded ? summary : r.message), to_string(r.verdict), xml_escape(details(r)),
                   graded ? "failure" : "error");
      }
      fmt::print(out_, "      <system-out>{}</system-out>\n", xml_escape(summary + "\n" + histogram_text(r)));
      fmt::print(out_, "    </testcase>\n");
    }
    fmt::print(out_, "  </testsuite>\n</testsuites>\n");
    std::fflush(out_);
  }

 private:
  static std::string histogram_text(const Record& r) {
    std::string s;
    for (const auto& o : r.outcomes) s += fmt::format("{:>12} {:<11} {}\n", o.count, o.grade, o.outcome);
    return s;
  }
  static std::string details(const Record& r) {
    std::string s = r.message + "\n" + histogram_text(r);
    for (const auto& k : r.raised)
      s += fmt::format("\nraised {} x{} (line {}):\n{}", k.type, k.count, k.line, k.traceback);
    if (!r.traceback.empty()) s += "\n" + r.traceback;
    if (!r.output_tail.empty()) s += "\n" + r.output_tail;
    return s;
  }
  FILE* out_;
  bool allow_inconclusive_;
};
}  // namespace

std::unique_ptr<Reporter> make_junit_reporter(FILE* out, bool allow_inconclusive) {
  return std::make_unique<JunitReporter>(out, allow_inconclusive);
}

}  // namespace pyrace
