// `pyrace __flags-md`: the flag reference (docs/generated/flags.md), read off the same CLI11 app the
// parser uses, so the table in flags.hpp is the only place a flag, its range or its default is written.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <string>

#include "cli/flags.hpp"
#include "report/util.hpp"  // md_escape

namespace pyrace {

namespace {

bool repeatable(const CLI::Option* opt) { return opt->get_expected_max() == CLI::detail::expected_max_vector_size; }

// "-t, --threads" for a flag; "paths ..." for a positional argument.
std::string names_of(const CLI::Option* opt) {
  if (!opt->nonpositional()) return opt->get_name(true) + (repeatable(opt) ? " ..." : "");
  std::string names;
  for (char ch : opt->get_name(false, true)) names += ch == ',' ? std::string(", ") : std::string(1, ch);
  return names;
}

// One row: the names, the value's type (as --help shows it), its range or values (the check's
// description), the default and the help text.
std::string row(const CLI::Option* opt) {
  const bool flag = opt->nonpositional() && opt->get_items_expected_max() == 0;  // takes no value
  const std::string full = flag ? "" : opt->get_type_name();  // "INT:INT in [1 - 64]": type, then checks
  const auto colon = full.find(':');
  std::string type = full.substr(0, colon), range = colon == std::string::npos ? "" : full.substr(colon + 1);
  std::string def = opt->get_default_str();
  if (flag) {
    type = "flag";
    def = "off";
  } else if (repeatable(opt)) type += ", repeatable";
  else if (opt->get_expected_min() > 1) type += fmt::format(" x {}", opt->get_expected());  // as --help shows it
  std::string help = opt->get_description();
  if (opt->get_required()) help = "**required**; " + help;
  return fmt::format("| `{}` | {} | {} | {} | {} |\n", names_of(opt), md_escape(type), md_escape(range), md_escape(def),
                     md_escape(help));
}

// One subcommand's section: what it does, how it is called, its arguments and flags.
std::string section(const CLI::App* sub) {
  std::string usage = "pyrace " + sub->get_name() + " [FLAGS]", rows;
  for (const auto* opt : sub->get_options()) {
    if (opt == sub->get_help_ptr()) continue;  // every subcommand takes it: said once, above
    if (!opt->nonpositional())
      usage += " " + std::string(opt->get_required() ? "" : "[") + names_of(opt) + (opt->get_required() ? "" : "]");
    rows += row(opt);
  }
  return fmt::format(
      "## pyrace {}\n\n{}\n\n`{}`\n\n| Argument | Type | Range or values | Default | Description |\n"
      "|---|---|---|---|---|\n{}\n",
      sub->get_name(), sub->get_description(), usage, rows);
}

}  // namespace

std::string flags_markdown() {
  CLI::App app;
  Command unused;  // the options bind to its fields; nothing is parsed
  build_app(app, unused);
  const auto listed = app.get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); });
  std::string out = fmt::format(
      "# pyrace command-line reference\n\n"
      "<!-- Generated from the flag table (harness/cli/flags.hpp) by `pyrace __flags-md`; do not edit.\n"
      "     Regenerate: cmake --build build --target flags-md -->\n\n"
      "{}\n\n"
      "Every subcommand takes `-h, --help`; `pyrace --version` prints the version. A flag with a value takes it as\n"
      "`--flag VALUE` or `--flag=VALUE`; a repeatable one takes one value per occurrence (`-t` also a comma list).\n\n"
      "| Subcommand | What it does |\n|---|---|\n",
      app.get_description());
  for (const auto* sub : listed)
    out += fmt::format("| [`{0}`](#pyrace-{0}) | {1} |\n", sub->get_name(), md_escape(sub->get_description()));
  out += "\n";
  for (const auto* sub : listed) out += section(sub);
  out += "## Exit codes\n\n" + app.get_footer() + "\n";
  return out;
}

}  // namespace pyrace
