#include "repro/fuzz_repro.hpp"

#include <fmt/core.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "worker/fuzz_driver_module.hpp"
#include "py/interp.hpp"
#include "py/ref.hpp"

namespace pyrace {

bool is_fuzz_artifact(const std::string& arg) {
  std::error_code ec;
  return std::filesystem::is_regular_file(arg, ec) && std::filesystem::path(arg).extension() != ".py";
}

namespace {
// What libFuzzer's file name says about the oracle that kept the input.
std::string oracle_of(const std::string& name) {
  if (name.rfind("crash-", 0) == 0) return "crash, sanitizer report or semantic oracle (libFuzzer crash-)";
  if (name.rfind("timeout-", 0) == 0) return "hang or deadlock (libFuzzer timeout-)";
  if (name.rfind("oom-", 0) == 0) return "out of memory (libFuzzer oom-)";
  return "unknown (not a libFuzzer artifact name)";
}

std::string py_error() {
  py::Error e = py::fetch_error();
  return e.type + ": " + e.message;
}
}  // namespace

std::string write_fuzz_reproducer(const std::string& artifact, const std::string& out_path) {
  std::ifstream in(artifact, std::ios::binary);
  if (!in) return "cannot read " + artifact + ": " + std::strerror(errno);
  std::stringstream raw;
  raw << in.rdbuf();
  std::string data = raw.str();
  py::InterpreterOptions opts;
  opts.home = PYRACE_PYTHON_HOME;
  opts.import_site = false;
  py::Interpreter interp(opts);
  py::Ref mod = load_fuzz_driver();
  if (!mod) return "the fuzz driver did not load: " + py_error();
  py::Ref digest = py::Ref::steal(PyObject_CallMethod(mod.get(), "vocabulary_digest", nullptr));
  if (!digest) return "the fuzz driver failed: " + py_error();
  std::string name = std::filesystem::path(artifact).filename();
  std::string found = fmt::format(
      "Artifact: {}\nOracle: {}\nRendered by pyrace with CPython {}; fuzz vocabulary {}.\n"
      "A fuzzer input means the same program only under the same vocabulary: the fuzz target prints\n"
      "its vocabulary when it starts; pyrace's nightly triage renders reproducers with the target itself.",
      artifact, oracle_of(name), Py_GetVersion(), PyUnicode_AsUTF8(digest.get()));
  py::Ref bytes = py::Ref::steal(PyBytes_FromStringAndSize(data.data(), static_cast<Py_ssize_t>(data.size())));
  py::Ref src = py::Ref::steal(PyObject_CallMethod(mod.get(), "render_input", "Os", bytes.get(), found.c_str()));
  if (!src) return "cannot decode " + artifact + ": " + py_error();
  py::Ref text = py::Ref::steal(PyObject_CallMethod(mod.get(), "describe_text", "O", bytes.get()));
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out) return "cannot write " + out_path + ": " + std::strerror(errno);
  out << PyUnicode_AsUTF8(src.get());
  out.close();
  if (!out) return "cannot write " + out_path;
  ::chmod(out_path.c_str(), 0755);
  if (text) fmt::print("{}", PyUnicode_AsUTF8(text.get()));
  return "";
}

}  // namespace pyrace
