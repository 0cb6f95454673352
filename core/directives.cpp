#include "core/directives.h"

namespace baton {

Result<std::vector<std::string>> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < text.size() &&
                 (text[i + 1] == '"' || text[i + 1] == '\\' || text[i + 1] == '$')) {
        cur += text[++i];
      } else {
        cur += c;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      cur += text[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else if (c == '#' && !in_word) {
      break;  // a comment after the options
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quote) return Status::error(std::string("unterminated ") + quote + " quote");
  if (in_word) words.push_back(std::move(cur));
  return words;
}

Result<std::vector<Directive>> parse_directives(std::string_view script, std::string_view prefix) {
  std::vector<Directive> out;
  int line_no = 0;
  while (!script.empty()) {
    auto nl = script.find('\n');
    std::string_view line = script.substr(0, nl);
    script = nl == std::string_view::npos ? std::string_view() : script.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 && line.rfind("#!", 0) == 0) continue;
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) continue;
    line = line.substr(start);
    const std::size_t n = prefix.size();
    if (line.substr(0, n) == prefix && (line.size() == n || line[n] == ' ' || line[n] == '\t')) {
      auto words = split_words(line.substr(n));
      if (!words) return Status::error("line " + std::to_string(line_no) + ": " + words.error());
      if (!words->empty()) out.push_back(Directive{line_no, std::move(*words)});
      continue;
    }
    if (line[0] == '#') continue;
    break;  // the first command ends the directives
  }
  return out;
}

}  // namespace baton
