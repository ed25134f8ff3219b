#include "http/router.h"

namespace kaiin::http {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t j = path.find('/', i);
    parts.push_back(path.substr(i, j == std::string_view::npos ? path.size() - i : j - i));
    if (j == std::string_view::npos) break;
    i = j;
  }
  return parts;
}

// A {name} segment, which captures the path's segment in its place.
bool IsCapture(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  Route r;
  r.method = std::move(method);
  for (std::string_view s : Split(pattern)) r.segments.emplace_back(s);
  r.pattern = std::move(pattern);
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

Router::Match Router::Find(std::string_view method, std::string_view path,
                           const Handler** handler, Params* params, std::string* pattern) const {
  const std::vector<std::string_view> parts = Split(path);
  bool path_matched = false;
  for (const Route& r : routes_) {
    if (r.segments.size() != parts.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      const std::string& seg = r.segments[i];
      ok = IsCapture(seg) || seg == parts[i];
    }
    if (!ok) continue;
    path_matched = true;
    if (r.method != method) continue;
    // The captures are made for the route that matched only (a map for every route tried was
    // most of the routing's cost).
    params->clear();
    for (size_t i = 0; i < parts.size(); ++i) {
      const std::string& seg = r.segments[i];
      if (IsCapture(seg)) (*params)[seg.substr(1, seg.size() - 2)] = std::string(parts[i]);
    }
    *handler = &r.handler;
    *pattern = r.pattern;
    return Match::kFound;
  }
  return path_matched ? Match::kNoMethod : Match::kNoPath;
}

}  // namespace kaiin::http
