// Reporters by name: NAME[::out=FILE] to the reporter, its output opened up front.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "report/formats.hpp"

namespace pyrace {

namespace {

// Opens the output of a reporter: stdout when path is empty.
FILE* open_out(const std::string& path, bool append = false) {
  if (path.empty()) return stdout;
  FILE* f = std::fopen(path.c_str(), append ? "a" : "w");
  if (!f) throw ReporterError("cannot write " + path + ": " + std::strerror(errno));
  return f;
}

}  // namespace

std::unique_ptr<Reporter> make_reporter(const std::string& spec, bool color, bool append, bool allow_inconclusive) {
  std::string name = spec, out;
  auto sep = spec.find("::");
  if (sep != std::string::npos) {
    name = spec.substr(0, sep);
    std::string opt = spec.substr(sep + 2);
    if (opt.rfind("out=", 0) != 0) throw ReporterError("reporter option must be out=FILE, got '" + opt + "'");
    out = opt.substr(4);
    if (out.empty()) throw ReporterError("reporter '" + name + "': out= needs a file name");
  }
  if (name == "console") return make_console_reporter(open_out(out), color && out.empty(), allow_inconclusive);
  if (name == "json") return make_json_reporter(open_out(out, append));
  if (name == "junit") return make_junit_reporter(open_out(out), allow_inconclusive);
  if (name == "markdown") return make_markdown_reporter(open_out(out));
  if (name == "html") return make_html_reporter(open_out(out));
  if (name == "catalog") return make_catalog_reporter(open_out(out));
  throw ReporterError("unknown reporter '" + name + "' (known: console, json, junit, markdown, html, catalog)");
}

}  // namespace pyrace
