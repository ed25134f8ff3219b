#include "http/auth.h"

#include <sodium.h>

#include <algorithm>

#include "events/hash.h"
#include "http/api_util.h"

namespace kaiin::http {
namespace {

constexpr uint32_t kSlowDownAfter = 5;
constexpr uint32_t kLockAfter = 10;
constexpr int64_t kLockMicros = 15LL * 60 * 1000000;

std::string HashHex(std::string_view token) { return events::HashToHex(events::Sha256(token)); }

}  // namespace

std::string SessionTable::Create(Principal p, TimestampMicros now, TimestampMicros* expires_at) {
  const std::string token = "ks_" + RandomHex(32);
  p.token_hash = HashHex(token);
  *expires_at = now + ttl_;
  std::lock_guard<std::mutex> lock(mu_);
  if (sessions_.size() >= max_) {
    std::erase_if(sessions_, [now](const auto& kv) { return kv.second.expires_at <= now; });
  }
  if (sessions_.size() >= max_) sessions_.erase(sessions_.begin());  // bounded: drop one
  sessions_[p.token_hash] = Entry{p, *expires_at};
  return token;
}

Result<Principal> SessionTable::Find(std::string_view token, TimestampMicros now) const {
  const std::string hash = HashHex(token);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(hash);
  if (it == sessions_.end()) {
    return Status::Unauthenticated("the bearer token is not valid");
  }
  if (it->second.expires_at <= now) {
    return Status::Unauthenticated("the session has expired; log in again", "token_expired");
  }
  return it->second.principal;
}

void SessionTable::Remove(const std::string& token_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(token_hash);
}

void SessionTable::RemoveSubject(const std::string& tenant, const std::string& subject) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(sessions_, [&](const auto& kv) {
    return kv.second.principal.tenant == tenant && kv.second.principal.subject == subject;
  });
}

Status LoginThrottle::Check(const std::string& key, TimestampMicros now,
                            int64_t* retry_after_seconds) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.until <= now) return Status::Ok();
  *retry_after_seconds = (it->second.until - now + 999999) / 1000000;
  return Status::Unavailable("too_many_attempts",
                             it->second.failures >= kLockAfter
                                 ? "too many failed logins: locked for a while"
                                 : "too many failed logins: wait before trying again");
}

void LoginThrottle::Failure(const std::string& key, TimestampMicros now) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = entries_[key];
  ++e.failures;
  if (e.failures >= kLockAfter) {
    e.until = now + kLockMicros;
  } else if (e.failures >= kSlowDownAfter) {
    e.until = now + (int64_t{1} << (e.failures - kSlowDownAfter)) * 1000000;
  }
}

void LoginThrottle::Success(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(key);
}

std::vector<LoginThrottle::Lock> LoginThrottle::Waiting(const std::string& prefix,
                                                        TimestampMicros now) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Lock> out;
  for (auto it = entries_.lower_bound(prefix); it != entries_.end() && it->first.starts_with(prefix);
       ++it) {
    if (it->second.until > now) out.push_back({it->first, it->second.failures, it->second.until});
  }
  return out;
}

WorkerPool::WorkerPool(int threads, size_t queue_max) : queue_max_(queue_max) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      for (;;) {
        std::function<void()> work;
        {
          std::unique_lock<std::mutex> lock(mu_);
          cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
          if (queue_.empty()) return;
          work = std::move(queue_.front());
          queue_.pop_front();
        }
        work();
      }
    });
  }
}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

bool WorkerPool::Post(std::function<void()> work) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ || queue_.size() >= queue_max_) return false;
    queue_.push_back(std::move(work));
  }
  cv_.notify_one();
  return true;
}

std::string HashPassword(std::string_view password, bool strict) {
  char out[crypto_pwhash_STRBYTES];
  const unsigned long long ops = strict ? crypto_pwhash_OPSLIMIT_INTERACTIVE : crypto_pwhash_OPSLIMIT_MIN;
  const size_t mem = strict ? crypto_pwhash_MEMLIMIT_INTERACTIVE : crypto_pwhash_MEMLIMIT_MIN;
  if (crypto_pwhash_str(out, password.data(), password.size(), ops, mem) != 0) return "";
  return out;
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  char buf[crypto_pwhash_STRBYTES] = {};
  std::copy(hash.begin(), hash.end(), buf);
  return crypto_pwhash_str_verify(buf, password.data(), password.size()) == 0;
}

}  // namespace kaiin::http
