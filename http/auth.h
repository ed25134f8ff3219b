// Authentication state kept by the server: sessions (bearer tokens), login throttling, and a
// small worker pool for argon2id (crypto_pwhash), which is too slow for the I/O and writer
// threads. Nothing here is part of the book of record: a restart signs everyone out and clears
// the throttle. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "events/date.h"
#include "events/event.h"
#include "events/status.h"

namespace kaiin::http {

struct Principal {
  enum class Kind { kAdmin, kStaff, kMember };
  Kind kind = Kind::kAdmin;
  std::string tenant;  // empty for the admin
  std::string subject;  // staff login or member id
  events::StaffRole role = events::StaffRole::kSecretariat;
  std::string token_hash;  // of the session (empty for the admin)
  bool is_member() const { return kind == Kind::kMember; }
  bool is_secretariat() const {
    return kind == Kind::kAdmin || (kind == Kind::kStaff && role == events::StaffRole::kSecretariat);
  }
  bool is_staff() const { return kind != Kind::kMember; }
};

// Random tokens, stored only as their SHA-256.
class SessionTable {
 public:
  SessionTable(int64_t ttl_micros, size_t sessions_max) : ttl_(ttl_micros), max_(sessions_max) {}
  // Returns the new token and sets *expires_at.
  std::string Create(Principal p, TimestampMicros now, TimestampMicros* expires_at);
  // Unauthenticated (invalid_token or token_expired) unless the token is live.
  Result<Principal> Find(std::string_view token, TimestampMicros now) const;
  void Remove(const std::string& token_hash);
  void RemoveSubject(const std::string& tenant, const std::string& subject);

 private:
  struct Entry {
    Principal principal;
    TimestampMicros expires_at = 0;
  };
  int64_t ttl_;
  size_t max_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> sessions_;
};

// Repeated failures for one key (a login, an address) slow down, then lock: from the 5th
// failure each further attempt must wait 1, 2, 4, 8, 16 s; from the 10th the key is locked for
// 15 minutes. A success clears the key.
class LoginThrottle {
 public:
  struct Lock {
    std::string key;
    uint32_t failures = 0;
    TimestampMicros until = 0;
  };
  // OK, or an error with *retry_after_seconds set when the key must wait.
  Status Check(const std::string& key, TimestampMicros now, int64_t* retry_after_seconds) const;
  void Failure(const std::string& key, TimestampMicros now);
  void Success(const std::string& key);
  // Keys with that prefix that are waiting or locked now.
  std::vector<Lock> Waiting(const std::string& prefix, TimestampMicros now) const;

 private:
  struct Entry {
    uint32_t failures = 0;
    TimestampMicros until = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

// A fixed pool of threads for slow work (argon2id). Post answers false when the queue is full.
class WorkerPool {
 public:
  WorkerPool(int threads, size_t queue_max);
  ~WorkerPool();
  bool Post(std::function<void()> work);
  // Runs what is queued, then stops the threads; Post refuses from then on. Idempotent.
  void Stop();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  size_t queue_max_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// argon2id through libsodium. `strict` uses the interactive limits (production); otherwise the
// minimum ones (tests).
std::string HashPassword(std::string_view password, bool strict);
bool VerifyPassword(std::string_view hash, std::string_view password);

}  // namespace kaiin::http
