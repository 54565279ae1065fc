#include "results/discover.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>

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

// -k EXPR, pytest's grammar: expr := and ('or' and)*; and := not ('and' not)*;
// not := 'not' not | '(' expr ')' | NAME. A NAME matches a case whose name contains it
// (case-insensitive); the keywords are case-insensitive too.
struct KeywordExpr::Node {
  enum Kind { Name, Not, And, Or } kind = Name;
  std::string text;                        // Name: lower-cased
  std::vector<std::shared_ptr<Node>> kids;  // Not: one; And, Or: two or more
};

namespace {
struct Token {
  std::string text;  // "(", ")", a keyword (lower-cased) or a name; empty: the end
  size_t column = 0;  // 1-based
  bool keyword = false;
};

std::vector<Token> tokenize(const std::string& s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (c == '(' || c == ')') {
      out.push_back({std::string(1, static_cast<char>(c)), i + 1, false});
      ++i;
    } else {
      size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != '(' && s[j] != ')') ++j;
      std::string word = s.substr(i, j - i);
      std::string low = lower(word);
      bool kw = low == "and" || low == "or" || low == "not";
      out.push_back({kw ? low : word, i + 1, kw});
      i = j;
    }
  }
  out.push_back({"", s.size() + 1, false});
  return out;
}

class Parser {
 public:
  Parser(const std::string& text) : text_(text), toks_(tokenize(text)) {}

  std::shared_ptr<KeywordExpr::Node> parse() {
    if (toks_.size() == 1) fail(toks_[0], "an empty expression; give a part of a case name, e.g. -k counter");
    auto e = parse_or();
    const Token& t = peek();
    if (!t.text.empty()) {
      if (t.text == ")") fail(t, "')' without a matching '('");
      fail(t, "expected 'and', 'or' or the end, got '" + t.text + "' (two names need 'and' or 'or' between them)");
    }
    return e;
  }

 private:
  using NodeP = std::shared_ptr<KeywordExpr::Node>;
  const std::string& text_;
  std::vector<Token> toks_;
  size_t pos_ = 0;

  const Token& peek() const { return toks_[pos_]; }
  bool accept_keyword(const char* kw) {
    if (peek().keyword && peek().text == kw) {
      ++pos_;
      return true;
    }
    return false;
  }
  [[noreturn]] void fail(const Token& t, const std::string& what) const {
    throw KeywordError("-k '" + text_ + "' is not a valid expression: at column " + std::to_string(t.column) + ", " +
                       what + " (the syntax is pytest's: names, and, or, not, parentheses)");
  }
  NodeP combine(KeywordExpr::Node::Kind kind, NodeP first, auto&& next, const char* kw) {
    if (!(peek().keyword && peek().text == kw)) return first;
    auto n = std::make_shared<KeywordExpr::Node>();
    n->kind = kind;
    n->kids.push_back(std::move(first));
    while (accept_keyword(kw)) n->kids.push_back(next());
    return n;
  }
  NodeP parse_or() {
    return combine(KeywordExpr::Node::Or, parse_and(), [this] { return parse_and(); }, "or");
  }
  NodeP parse_and() {
    return combine(KeywordExpr::Node::And, parse_not(), [this] { return parse_not(); }, "and");
  }
  NodeP parse_not() {
    const Token& t = peek();
    if (accept_keyword("not")) {
      auto n = std::make_shared<KeywordExpr::Node>();
      n->kind = KeywordExpr::Node::Not;
      n->kids.push_back(parse_not());
      return n;
    }
    if (t.text == "(" && !t.keyword) {
      ++pos_;
      auto e = parse_or();
      if (peek().text != ")") {
        if (peek().text.empty())
          fail(toks_[pos_], "expected ')' to close the '(' at column " + std::to_string(t.column));
        fail(peek(), "expected 'and', 'or' or ')', got '" + peek().text + "'");
      }
      ++pos_;
      return e;
    }
    if (t.text.empty()) fail(t, "expected a name, 'not' or '(' but the expression ends");
    if (t.keyword || t.text == ")") fail(t, "expected a name, 'not' or '(', got '" + t.text + "'");
    ++pos_;
    auto n = std::make_shared<KeywordExpr::Node>();
    n->text = lower(t.text);
    return n;
  }
};

bool eval(const KeywordExpr::Node& n, const std::string& lowered_name) {
  switch (n.kind) {
    case KeywordExpr::Node::Name:
      return lowered_name.find(n.text) != std::string::npos;
    case KeywordExpr::Node::Not:
      return !eval(*n.kids[0], lowered_name);
    case KeywordExpr::Node::And:
      return std::all_of(n.kids.begin(), n.kids.end(), [&](const auto& k) { return eval(*k, lowered_name); });
    case KeywordExpr::Node::Or:
      return std::any_of(n.kids.begin(), n.kids.end(), [&](const auto& k) { return eval(*k, lowered_name); });
  }
  return false;
}
}  // namespace

KeywordExpr::KeywordExpr(const std::string& text) : text_(text), root_(Parser(text).parse()) {}

bool KeywordExpr::matches(const std::string& name) const { return eval(*root_, lower(name)); }

bool KeywordExpr::excludes_only() const { return eval(*root_, ""); }

std::vector<CaseFile> filter_by_keywords(const std::vector<CaseFile>& cases, const std::vector<std::string>& keywords) {
  // Several -k: a case must match one of those that select (`counter`) and every one that only
  // excludes (`not lock`: true for a name that contains nothing), as repeated -k always did.
  std::vector<KeywordExpr> select, exclude;
  for (const auto& k : keywords) {
    KeywordExpr e(k);
    (e.excludes_only() ? exclude : select).push_back(std::move(e));
  }
  std::vector<CaseFile> out;
  for (const auto& c : cases) {
    auto match = [&](const KeywordExpr& e) { return e.matches(c.name); };
    if (!select.empty() && std::none_of(select.begin(), select.end(), match)) continue;
    if (!std::all_of(exclude.begin(), exclude.end(), match)) continue;
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
