// A map from ids to records for ids that are a prefix letter and nine digits of a sequence
// number counted from 1 (commands/billing.cc's Id: "p000000123"), as members, invoices and
// payments are.
// The records whose number comes next are kept in a deque by that number, the id itself not
// stored (it is the position): a society's millions of payments cost no hash-map bucket, key
// string, per-record allocation, probe or rehash (memory, start-up, snapshots), and a record
// never moves once added. An id of any other form, or one that would leave a gap, goes to an
// ordered map beside it. The interface is the part of std::map the write model uses; iteration
// is in key order over both parts, and yields {id, record} pairs by value (the id made from the
// number when it comes from the deque), so bind them as `const auto& [id, record]`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace kaiin::commands {

template <char kPrefix, typename Record>
class SequencedMap {
 public:
  using key_type = std::string;
  using mapped_type = Record;
  static constexpr bool kIteratesInKeyOrder = true;

  template <bool kConst>
  class Iter {
    using Map = std::conditional_t<kConst, const SequencedMap, SequencedMap>;
    using Value = std::conditional_t<kConst, const Record, Record>;
    using Others = std::map<std::string, Record>;
    using MapIter = std::conditional_t<kConst, typename Others::const_iterator,
                                       typename Others::iterator>;

   public:
    struct Entry {
      std::string first;
      Value& second;
    };
    struct Arrow {
      Entry entry;
      Entry* operator->() { return &entry; }
    };

    Iter(Map* m, size_t i, MapIter it) : m_(m), i_(i), it_(it) {}
    Entry operator*() const {
      if (FromSequence()) return {Key(i_ + 1), m_->seq_[i_]};
      return {it_->first, it_->second};
    }
    Arrow operator->() const { return {**this}; }
    Iter& operator++() {
      if (FromSequence()) {
        ++i_;
      } else {
        ++it_;
      }
      return *this;
    }
    bool operator==(const Iter& o) const { return i_ == o.i_ && it_ == o.it_; }

   private:
    // Whether the entry here is the deque's: the smaller of the two parts' next keys.
    bool FromSequence() const {
      if (i_ == m_->seq_.size()) return false;
      return it_ == m_->other_.end() || Key(i_ + 1) < it_->first;
    }

    Map* m_;
    size_t i_;    // the deque's entries before this one
    MapIter it_;  // the map's first entry not before this one
  };
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;

  iterator begin() { return {this, 0, other_.begin()}; }
  iterator end() { return {this, seq_.size(), other_.end()}; }
  const_iterator begin() const { return {this, 0, other_.begin()}; }
  const_iterator end() const { return {this, seq_.size(), other_.end()}; }

  size_t size() const { return seq_.size() + other_.size(); }
  bool empty() const { return size() == 0; }
  void clear() {
    seq_.clear();
    other_.clear();
  }

  iterator find(std::string_view id) { return Find<iterator>(this, id); }
  const_iterator find(std::string_view id) const { return Find<const_iterator>(this, id); }
  Record& at(std::string_view id) { return *At(this, id); }
  const Record& at(std::string_view id) const { return *At(this, id); }
  // The record of `id`, a default one added if there is none.
  Record& operator[](std::string_view id) {
    if (Record* r = Lookup(this, id)) return *r;
    return *Add(std::string(id), Record{}).first;
  }
  std::pair<iterator, bool> emplace(std::string id, Record r) {
    const bool added = Add(id, std::move(r)).second;
    return {find(id), added};
  }

  bool operator==(const SequencedMap& o) const { return seq_ == o.seq_ && other_ == o.other_; }

 private:
  // The id of number n.
  static std::string Key(uint64_t n) {
    std::string id(10, '0');
    id[0] = kPrefix;
    for (size_t i = 9; n > 0; --i, n /= 10) id[i] = static_cast<char>('0' + n % 10);
    return id;
  }
  // The sequence number of an id of the form, else 0.
  static uint64_t Number(std::string_view id) {
    if (id.size() != 10 || id[0] != kPrefix) return 0;
    uint64_t n = 0;
    for (char c : id.substr(1)) {
      if (c < '0' || c > '9') return 0;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    return n;
  }

  template <typename Self>
  static auto Lookup(Self* self, std::string_view id) -> decltype(&self->seq_[0]) {
    if (const uint64_t n = Number(id); n > 0 && n <= self->seq_.size()) return &self->seq_[n - 1];
    auto it = self->other_.find(std::string(id));
    return it == self->other_.end() ? nullptr : &it->second;
  }
  template <typename Self>
  static auto At(Self* self, std::string_view id) {
    auto* r = Lookup(self, id);
    if (!r) throw std::out_of_range("no record " + std::string(id));
    return r;
  }
  // An iterator at `id`, positioned in both parts as iteration from begin() would reach it.
  template <typename It, typename Self>
  static It Find(Self* self, std::string_view id) {
    const size_t n = self->seq_.size();
    if (const uint64_t k = Number(id); k > 0 && k <= n) {
      return It{self, static_cast<size_t>(k - 1), self->other_.upper_bound(std::string(id))};
    }
    auto it = self->other_.find(std::string(id));
    if (it == self->other_.end()) return self->end();
    // The deque's keys ascend with their number: count those before this one.
    size_t lo = 0, hi = n;
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (Key(mid + 1) < it->first) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return It{self, lo, it};
  }

  std::pair<Record*, bool> Add(std::string id, Record r) {
    if (Record* there = Lookup(this, id)) return {there, false};
    if (Number(id) == seq_.size() + 1) {
      seq_.push_back(std::move(r));
      return {&seq_.back(), true};
    }
    return {&other_.emplace(std::move(id), std::move(r)).first->second, true};
  }

  std::deque<Record> seq_;  // seq_[n - 1] holds number n
  std::map<std::string, Record> other_;
};

}  // namespace kaiin::commands
