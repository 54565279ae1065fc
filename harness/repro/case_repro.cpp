#include "repro/case_repro.hpp"

#include <fmt/core.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "repro_source.hpp"  // generated from repro_driver.py

namespace pyrace {

std::string write_reproducer(const std::string& case_path, const std::string& out_path, const Record* found) {
  std::ifstream in(case_path, std::ios::binary);
  if (!in) return "cannot read " + case_path + ": " + std::strerror(errno);
  std::stringstream source;
  source << in.rdbuf();
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out) return "cannot write " + out_path + ": " + std::strerror(errno);
  out << "#!/usr/bin/env python3.14t\n";
  out << "# pyrace reproducer for " << case_path << "\n";
  if (found)
    out << fmt::format("# found: {} (expected {}), GIL {}, {} threads, with {}\n", to_string(found->verdict), found->expect,
                       found->config.gil, found->config.threads, found->python);
  out << "# run: python3.14t " << out_path << " [--max-seconds N]   exit 1: reproduced, 0: not seen\n";
  out << "# (a crash reproduces as death by its signal; the GIL setting comes from PYTHON_GIL)\n";
  out << kReproDriverSource << "\n# === pyrace: the case, embedded ===\n" << source.str();
  out.close();
  if (!out) return "cannot write " + out_path;
  ::chmod(out_path.c_str(), 0755);
  return "";
}

}  // namespace pyrace
