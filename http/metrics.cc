#include "http/metrics.h"

#include <cstdio>

namespace kaiin::http {

void RequestMetrics::Record(const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, status}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void RequestMetrics::Render(std::string* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  char buf[64];
  *out += "# HELP kaiin_http_requests_total HTTP requests by route and status.\n";
  *out += "# TYPE kaiin_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    *out += "kaiin_http_requests_total{route=\"" + key.first + "\",status=\"" +
            std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  *out += "# HELP kaiin_http_request_duration_seconds HTTP request latency by route.\n";
  *out += "# TYPE kaiin_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    const std::string labels = "route=\"" + route + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      std::snprintf(buf, sizeof(buf), "%g", kBuckets[i]);
      *out += "kaiin_http_request_duration_seconds_bucket{" + labels + ",le=\"" + buf + "\"} " +
              std::to_string(h.buckets[i]) + "\n";
    }
    *out += "kaiin_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
            std::to_string(h.count) + "\n";
    std::snprintf(buf, sizeof(buf), "%.6f", h.sum);
    *out += "kaiin_http_request_duration_seconds_sum{" + labels + "} " + buf + "\n";
    *out += "kaiin_http_request_duration_seconds_count{" + labels + "} " +
            std::to_string(h.count) + "\n";
  }
}

}  // namespace kaiin::http
