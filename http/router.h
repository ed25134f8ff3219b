// A routing table: method + pattern ("/v1/tenants/{tenant}/events") -> handler. Patterns match
// whole path segments; a {name} segment captures one non-empty segment.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/message.h"

namespace kaiin::http {

using Params = std::unordered_map<std::string, std::string>;
using Handler = std::function<void(const Request&, const Params&, Responder)>;

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);

  enum class Match { kFound, kNoPath, kNoMethod };
  // On kFound sets *handler, *params and *pattern (the route's name for metrics).
  Match Find(std::string_view method, std::string_view path, const Handler** handler,
             Params* params, std::string* pattern) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace kaiin::http
