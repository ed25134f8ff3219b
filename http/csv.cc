#include "http/csv.h"

namespace kaiin::http {

Result<std::vector<std::vector<std::string>>> ParseCsv(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  size_t line = 1;
  bool quoted = false, was_quoted = false;
  auto bad = [&line](const char* what) {
    return Status::InvalidArgument("malformed_csv",
                                   std::string(what) + " on line " + std::to_string(line));
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || was_quoted) return bad("a quote inside an unquoted field");
      quoted = was_quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      if (!(row.size() == 1 && row[0].empty())) rows.push_back(std::move(row));  // skip blank lines
      row.clear();
      ++line;
    } else {
      if (was_quoted) return bad("text after a closing quote");
      field.push_back(c);
    }
  }
  if (quoted) return bad("an unterminated quote");
  if (!field.empty() || !row.empty() || was_quoted) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace kaiin::http
