// An id held in one word. The write model keeps millions of references to members and invoices
// (each payment's member, each allocation's invoice, each invoice's member and batch, each
// member's and batch's invoice list): as std::string they took 32 bytes each. The ids the
// service makes are a lower-case letter and nine digits ("m000000001", "i000000123",
// commands/billing.cc's Id): those are packed into the word itself, tagged by its low bit. Any
// other id (an event written by hand, a test's "m1") is kept in a string of its own on the heap,
// the word holding its pointer. Either way it reads, compares and copies as the id it holds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace kaiin::commands {

class CompactId {
 public:
  CompactId() = default;
  CompactId(std::string_view id) : word_(Pack(id)) {  // NOLINT: converts as a string would
    if (word_ == 0 && !id.empty()) word_ = reinterpret_cast<uintptr_t>(new std::string(id));
  }
  CompactId(const std::string& id) : CompactId(std::string_view(id)) {}  // NOLINT
  CompactId(const char* id) : CompactId(std::string_view(id)) {}         // NOLINT
  CompactId(const CompactId& o) : word_(o.word_) {
    if (o.heap()) word_ = reinterpret_cast<uintptr_t>(new std::string(*o.heap()));
  }
  CompactId(CompactId&& o) noexcept : word_(std::exchange(o.word_, 0)) {}
  CompactId& operator=(CompactId o) noexcept {
    std::swap(word_, o.word_);
    return *this;
  }
  ~CompactId() { delete heap(); }

  bool empty() const { return word_ == 0; }

  std::string str() const {
    if (const std::string* s = heap()) return *s;
    if (word_ == 0) return {};
    std::string id(10, '0');
    id[0] = static_cast<char>(word_ >> kLetterShift);
    uint64_t n = (word_ & kNumberMask) >> 1;
    for (size_t i = 9; n > 0; --i, n /= 10) id[i] = static_cast<char>('0' + n % 10);
    return id;
  }

  friend bool operator==(const CompactId& a, const CompactId& b) {
    // Packing is canonical (an id that packs is never kept on the heap): words that differ in
    // their tag hold different ids.
    if (a.heap() && b.heap()) return *a.heap() == *b.heap();
    return a.word_ == b.word_;
  }
  friend bool operator==(const CompactId& a, std::string_view b) {
    if (const std::string* s = a.heap()) return *s == b;
    return a.word_ == Pack(b) && (a.word_ != 0 || b.empty());
  }
  friend bool operator==(const CompactId& a, const std::string& b) {
    return a == std::string_view(b);
  }
  friend bool operator==(const CompactId& a, const char* b) { return a == std::string_view(b); }

 private:
  static constexpr int kLetterShift = 40;
  static constexpr uint64_t kNumberMask = (uint64_t{1} << kLetterShift) - 1;

  // The packed word of an id of the form (letter << 40 | number << 1 | 1), else 0.
  static uint64_t Pack(std::string_view id) {
    if (id.size() != 10 || id[0] < 'a' || id[0] > 'z') return 0;
    uint64_t n = 0;
    for (char c : id.substr(1)) {
      if (c < '0' || c > '9') return 0;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    return uint64_t{static_cast<unsigned char>(id[0])} << kLetterShift | n << 1 | 1;
  }

  const std::string* heap() const {
    return (word_ & 1) == 0 ? reinterpret_cast<const std::string*>(word_) : nullptr;
  }

  uintptr_t word_ = 0;  // 0: the empty id
};

}  // namespace kaiin::commands
