// A map from ids to records for ids that are a prefix letter and nine digits of a sequence
// number counted from 1 (commands/billing.cc's Id: "p000000123"), as invoices and payments are.
// The records whose number comes next are kept in a vector by that number (one allocation each,
// so that growing the vector moves pointers, never records), so that a society's millions of
// payments cost no hash-map bucket, probe or rehash (memory, start-up, snapshots); an id of any
// other form, or one that would leave a gap, goes to an ordered map beside it. The interface is
// the part of std::map the write model uses; iteration runs through the vector in number order,
// then the map in key order (so in key order overall while all ids are numbered).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace kaiin::commands {

template <char kPrefix, typename Record>
class SequencedMap {
 public:
  using key_type = std::string;
  using mapped_type = Record;
  using value_type = std::pair<const std::string, Record>;

  template <bool kConst>
  class Iter {
    using Map = std::conditional_t<kConst, const SequencedMap, SequencedMap>;
    using Value = std::conditional_t<kConst, const value_type, value_type>;
    using Others = std::map<std::string, Record>;
    using MapIter = std::conditional_t<kConst, typename Others::const_iterator,
                                       typename Others::iterator>;

   public:
    Iter(Map* m, size_t i, MapIter it) : m_(m), i_(i), it_(it) {}
    Value& operator*() const { return i_ < m_->seq_.size() ? *m_->seq_[i_] : *it_; }
    Value* operator->() const { return &**this; }
    Iter& operator++() {
      if (i_ < m_->seq_.size()) {
        ++i_;
      } else {
        ++it_;
      }
      return *this;
    }
    bool operator==(const Iter& o) const { return i_ == o.i_ && it_ == o.it_; }

   private:
    Map* m_;
    size_t i_;  // seq_.size() once in the map part
    MapIter it_;
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
  void reserve(size_t n) { seq_.reserve(n); }

  iterator find(std::string_view id) {
    if (const uint64_t n = Number(id); n > 0 && n <= seq_.size()) {
      return {this, n - 1, other_.begin()};
    }
    auto it = other_.find(std::string(id));
    return it == other_.end() ? end() : iterator{this, seq_.size(), it};
  }
  const_iterator find(std::string_view id) const {
    if (const uint64_t n = Number(id); n > 0 && n <= seq_.size()) {
      return {this, n - 1, other_.begin()};
    }
    auto it = other_.find(std::string(id));
    return it == other_.end() ? end() : const_iterator{this, seq_.size(), it};
  }
  Record& at(std::string_view id) {
    auto it = find(id);
    if (it == end()) throw std::out_of_range("no record " + std::string(id));
    return it->second;
  }
  const Record& at(std::string_view id) const {
    auto it = find(id);
    if (it == end()) throw std::out_of_range("no record " + std::string(id));
    return it->second;
  }
  // The record of `id`, a default one added if there is none.
  Record& operator[](std::string_view id) {
    if (auto it = find(id); it != end()) return it->second;
    return emplace(std::string(id), Record{}).first->second;
  }
  std::pair<iterator, bool> emplace(std::string id, Record r) {
    if (auto it = find(id); it != end()) return {it, false};
    if (Number(id) == seq_.size() + 1) {
      seq_.push_back(std::make_unique<value_type>(std::move(id), std::move(r)));
      return {iterator{this, seq_.size() - 1, other_.begin()}, true};
    }
    auto [it, added] = other_.emplace(std::move(id), std::move(r));
    return {iterator{this, seq_.size(), it}, added};
  }

  bool operator==(const SequencedMap& o) const {
    if (seq_.size() != o.seq_.size() || other_ != o.other_) return false;
    for (size_t i = 0; i < seq_.size(); ++i) {
      if (*seq_[i] != *o.seq_[i]) return false;
    }
    return true;
  }

 private:
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

  std::vector<std::unique_ptr<value_type>> seq_;  // seq_[n - 1] holds number n
  std::map<std::string, Record> other_;
};

}  // namespace kaiin::commands
