#include "http/answer_cache.h"

#include <algorithm>

namespace kaiin::http {

std::optional<Response> AnswerCache::Find(const std::string& key, uint64_t position, Date today) {
  std::shared_ptr<const Response> answer;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || position != position_ || today != today_) {
      ++misses_;
      return std::nullopt;
    }
    ++hits_;
    it->second.last_used = ++uses_;
    answer = it->second.answer;
  }
  return *answer;  // the copy outside the lock
}

void AnswerCache::Keep(const std::string& key, uint64_t position, Date today,
                       const Response& answer) {
  if (answer.status != 200 || answer.stream || answer.body.size() > bytes_max_ / 4) return;
  auto kept = std::make_shared<const Response>(answer);
  std::lock_guard<std::mutex> lock(mu_);
  if (position < position_ || (position == position_ && today < today_)) return;  // older
  if (position != position_ || today != today_) {
    entries_.clear();
    bytes_ = 0;
    position_ = position;
    today_ = today;
  }
  if (auto it = entries_.find(key); it != entries_.end()) {  // kept meanwhile by another reader
    bytes_ -= it->second.answer->body.size();
    entries_.erase(it);
  }
  while (!entries_.empty() &&
         (entries_.size() >= entries_max_ || bytes_ + answer.body.size() > bytes_max_)) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    bytes_ -= oldest->second.answer->body.size();
    entries_.erase(oldest);
  }
  bytes_ += answer.body.size();
  entries_.emplace(key, Entry{std::move(kept), ++uses_});
}

uint64_t AnswerCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

uint64_t AnswerCache::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}

}  // namespace kaiin::http
