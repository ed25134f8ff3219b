// AnswerCache: the rendered answers of a tenant's repeated list queries (the arrears page that
// every secretariat screen opens, a fiscal year's summary), kept while the tenant's projections
// stay at the position the answers were read at.
//
// Such an answer is a function of the query, the projections' rows and the tenant's date alone.
// The rows change only when the projections advance (or are rebuilt, which moves the position
// back), so a request that finds the projections at the position and date an answer was kept at
// gets those bytes instead of a new reading of the store: what it would have been read anew,
// "at least as new as" its X-Projection-Position. Every answer kept is of one position and one
// date: the first answer kept at a later position (or another date) drops the rest.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "events/date.h"
#include "http/message.h"

namespace kaiin::http {

class AnswerCache {
 public:
  // At most `entries_max` answers and `bytes_max` bytes of bodies; a larger body is not kept.
  explicit AnswerCache(size_t entries_max = 32, size_t bytes_max = 8u << 20)
      : entries_max_(entries_max), bytes_max_(bytes_max) {}

  // The answer kept for `key` if it was read at exactly `position` on `today`.
  std::optional<Response> Find(const std::string& key, uint64_t position, Date today);
  // Keeps `answer` (a 200 with a whole body) for `key`, read at `position` on `today` (both taken
  // before the reading began). An answer older than those kept is dropped.
  void Keep(const std::string& key, uint64_t position, Date today, const Response& answer);

  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct Entry {
    std::shared_ptr<const Response> answer;
    uint64_t last_used = 0;
  };
  const size_t entries_max_;
  const size_t bytes_max_;
  mutable std::mutex mu_;
  uint64_t position_ = 0;  // of every entry
  Date today_ = 0;         // of every entry
  size_t bytes_ = 0;
  uint64_t uses_ = 0;  // a clock for least-recently-used eviction
  uint64_t hits_ = 0, misses_ = 0;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace kaiin::http
