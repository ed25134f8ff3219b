// A small deterministic binary format: varints, length-prefixed strings and, for fields patched
// in place, fixed 8-byte integers. Used for projection rows (deterministic on purpose: a rebuild
// must give byte-for-byte the same rows, A2) and for write-model snapshots.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/event.h"

namespace kaiin::events {

// What RowWriter::Fixed64 wrote at `p`, and writing it there again.
inline uint64_t LoadFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
inline void PatchFixed64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

class RowWriter {
 public:
  RowWriter& U64(uint64_t v) {
    if (v < 0x80) {  // most lengths, flags and enum values
      out_.push_back(static_cast<char>(v));
      return *this;
    }
    char buf[10];
    size_t n = 0;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    out_.append(buf, n);
    return *this;
  }
  RowWriter& I64(int64_t v) {  // zig-zag
    return U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  RowWriter& Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
    return *this;
  }
  RowWriter& Bool(bool b) { return U64(b ? 1 : 0); }
  // Eight bytes, little-endian: a field a reader may patch in place (PatchFixed64) without
  // decoding the fields before it.
  RowWriter& Fixed64(uint64_t v) {
    char buf[8];
    PatchFixed64(buf, v);
    out_.append(buf, 8);
    return *this;
  }
  RowWriter& Raw(std::string_view encoded) {  // fields another RowWriter wrote
    out_.append(encoded);
    return *this;
  }
  std::string Take() { return std::move(out_); }
  size_t size() const { return out_.size(); }
  std::string_view view() const { return out_; }
  void Clear() { out_.clear(); }  // keeps the memory
  // For a large encoding of known shape (a write-model snapshot): growing a string of a
  // gigabyte by doubling copies it again at each step and faults in fresh pages for each copy.
  void Reserve(size_t bytes) { out_.reserve(bytes); }

 private:
  std::string out_;
};

// Reads what RowWriter wrote. Every read fails (returns false, and ok() turns false) on
// malformed input instead of reading past the end.
class RowReader {
 public:
  explicit RowReader(std::string_view in) : in_(in) {}
  bool U64(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail();
      const auto b = static_cast<uint8_t>(in_[pos_++]);
      *v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return Fail();
  }
  bool I64(int64_t* v) {
    uint64_t u;
    if (!U64(&u)) return false;
    *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  bool I32(int32_t* v) {
    int64_t w;
    if (!I64(&w)) return false;
    *v = static_cast<int32_t>(w);
    return true;
  }
  bool Str(std::string* s) {
    uint64_t n;
    if (!U64(&n) || n > in_.size() - pos_) return Fail();
    s->assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  // The string's bytes where the input holds them (valid as long as the input is).
  bool StrView(std::string_view* s) {
    uint64_t n;
    if (!U64(&n) || n > in_.size() - pos_) return Fail();
    *s = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Fixed64(uint64_t* v) {
    if (in_.size() - pos_ < 8) return Fail();
    *v = LoadFixed64(in_.data() + pos_);
    pos_ += 8;
    return true;
  }
  bool Bool(bool* b) {
    uint64_t v;
    if (!U64(&v)) return false;
    *b = v != 0;
    return true;
  }
  bool SkipStr() {
    uint64_t n;
    if (!U64(&n) || n > in_.size() - pos_) return Fail();
    pos_ += n;
    return true;
  }
  size_t position() const { return pos_; }
  // The bytes read since `position` (an earlier position()).
  std::string_view Since(size_t position) const { return in_.substr(position, pos_ - position); }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  bool Fail() {
    ok_ = false;
    return false;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// The person and address values several projections keep, in one format: the five name parts;
// a flag, then the six address fields when there is an address.
inline void PutPersonName(RowWriter& w, const PersonName& n) {
  w.Str(n.family).Str(n.given).Str(n.family_kana).Str(n.given_kana).Str(n.romaji);
}

inline bool GetPersonName(RowReader& r, PersonName* n) {
  return r.Str(&n->family) && r.Str(&n->given) && r.Str(&n->family_kana) &&
         r.Str(&n->given_kana) && r.Str(&n->romaji);
}

// Steps over what PutPersonName wrote, checking it (no copies: for large snapshots).
inline bool SkipPersonName(RowReader& r) {
  return r.SkipStr() && r.SkipStr() && r.SkipStr() && r.SkipStr() && r.SkipStr();
}

inline void PutOptionalAddress(RowWriter& w, const std::optional<PostalAddress>& a) {
  w.Bool(a.has_value());
  if (a) w.Str(a->postal_code).Str(a->prefecture).Str(a->city).Str(a->line1).Str(a->line2).Str(a->country);
}

inline bool GetOptionalAddress(RowReader& r, std::optional<PostalAddress>* out) {
  bool present = false;
  if (!r.Bool(&present)) return false;
  if (!present) {
    out->reset();
    return true;
  }
  PostalAddress a;
  if (!(r.Str(&a.postal_code) && r.Str(&a.prefecture) && r.Str(&a.city) && r.Str(&a.line1) &&
        r.Str(&a.line2) && r.Str(&a.country))) {
    return false;
  }
  *out = std::move(a);
  return true;
}

// Steps over what PutOptionalAddress wrote, checking it.
inline bool SkipOptionalAddress(RowReader& r) {
  bool present = false;
  if (!r.Bool(&present)) return false;
  return !present || (r.SkipStr() && r.SkipStr() && r.SkipStr() && r.SkipStr() && r.SkipStr() &&
                      r.SkipStr());
}

}  // namespace kaiin::events
