#include "results/discover.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace fs = std::filesystem;

namespace pyrace {

namespace {
bool hidden(const fs::path& p) {
  auto n = p.filename().string();
  return !n.empty() && (n[0] == '_' || n[0] == '.');
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
}  // namespace

std::vector<CaseFile> discover(const std::vector<std::string>& paths) {
  std::vector<CaseFile> out;
  for (const auto& arg : paths) {
    fs::path p(arg);
    std::error_code ec;
    auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) throw DiscoveryError("no such file or folder: " + arg);
    if (fs::is_directory(st)) {
      std::vector<CaseFile> found;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (hidden(it->path())) {
          if (it->is_directory()) it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file() && it->path().extension() == ".py")
          found.push_back({it->path().stem().string(), it->path().string()});
      }
      std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back({p.stem().string(), p.string()});
    }
  }
  return out;
}

std::vector<CaseFile> filter_by_keywords(const std::vector<CaseFile>& cases, const std::vector<std::string>& keywords) {
  std::vector<std::string> include, exclude;
  for (const auto& raw : keywords) {
    std::string k = lower(raw);
    if (k.rfind("not ", 0) == 0) {
      size_t start = k.find_first_not_of(' ', 4);
      exclude.push_back(start == std::string::npos ? "" : k.substr(start));
    } else {
      include.push_back(k);
    }
  }
  std::vector<CaseFile> out;
  for (const auto& c : cases) {
    const std::string n = lower(c.name);
    auto has = [&](const std::string& k) { return n.find(k) != std::string::npos; };
    if (!include.empty() && std::none_of(include.begin(), include.end(), has)) continue;
    if (std::any_of(exclude.begin(), exclude.end(), has)) continue;
    out.push_back(c);
  }
  return out;
}

// A file, or a case name (exact, else a unique case-insensitive part) under the search paths.
bool resolve_case(const std::string& ref, const std::vector<std::string>& paths, CaseFile& out, std::string& err) {
  std::vector<CaseFile> direct;
  try {
    direct = discover({ref});
  } catch (const DiscoveryError&) {
  }
  if (direct.size() == 1) {
    out = direct[0];
    return true;
  }
  std::vector<CaseFile> all;
  try {
    all = discover(paths);
  } catch (const DiscoveryError& e) {
    err = e.what();
    return false;
  }
  std::vector<CaseFile> hits;
  for (const auto& c : all) {
    if (c.name == ref) {
      out = c;
      return true;
    }
    if (lower(c.name).find(lower(ref)) != std::string::npos) hits.push_back(c);
  }
  if (hits.size() == 1) {
    out = hits[0];
    return true;
  }
  if (hits.empty()) {
    err = "no case named like '" + ref + "' (searched: a file of that name, then cases in the given folders)";
  } else {
    err = "'" + ref + "' matches " + std::to_string(hits.size()) + " cases:";
    for (size_t i = 0; i < hits.size() && i < 12; ++i) err += "\n  " + hits[i].name;
  }
  return false;
}

}  // namespace pyrace
