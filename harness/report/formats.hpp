// The reporters, one file each; chosen by name in registry.cpp.
#pragma once
#include <cstdio>
#include <memory>

#include "report/reporter.hpp"

namespace pyrace {

std::unique_ptr<Reporter> make_console_reporter(FILE* out, bool color, bool allow_inconclusive);
std::unique_ptr<Reporter> make_json_reporter(FILE* out);
std::unique_ptr<Reporter> make_junit_reporter(FILE* out, bool allow_inconclusive);
std::unique_ptr<Reporter> make_markdown_reporter(FILE* out);
std::unique_ptr<Reporter> make_html_reporter(FILE* out);
std::unique_ptr<Reporter> make_catalog_reporter(FILE* out);

}  // namespace pyrace
