#include "events/timezone.h"

#include <algorithm>

namespace kaiin {
namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view b) : b_(b) {}
  bool Need(size_t n) const { return pos_ + n <= b_.size(); }
  uint64_t BE(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(b_[pos_ + i]);
    pos_ += n;
    return v;
  }
  void Skip(size_t n) { pos_ += n; }
  size_t pos() const { return pos_; }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

struct Counts {
  uint64_t isut, isstd, leap, time, type, chars;
};

bool ReadHeader(Cursor& c, char* version, Counts* k) {
  if (!c.Need(44)) return false;
  if (c.BE(4) != 0x545a6966) return false;  // "TZif"
  *version = static_cast<char>(c.BE(1));
  c.Skip(15);
  k->isut = c.BE(4);
  k->isstd = c.BE(4);
  k->leap = c.BE(4);
  k->time = c.BE(4);
  k->type = c.BE(4);
  k->chars = c.BE(4);
  return k->type > 0 && k->type < 256 && k->time < 100000;
}

size_t BlockBytes(const Counts& k, size_t time_size) {
  return k.time * time_size + k.time + k.type * 6 + k.chars + k.leap * (time_size + 4) + k.isstd +
         k.isut;
}

}  // namespace

TimeZone TimeZone::Fixed(int32_t offset_seconds) {
  TimeZone tz;
  tz.initial_offset_ = offset_seconds;
  return tz;
}

Result<TimeZone> TimeZone::FromTzif(std::string_view bytes) {
  const Status bad = Status::InvalidArgument("invalid_timezone", "not TZif data");
  Cursor c(bytes);
  char version = 0;
  Counts k{};
  if (!ReadHeader(c, &version, &k)) return bad;
  size_t time_size = 4;
  if (version >= '2') {  // skip the 32-bit block, read the 64-bit one
    if (!c.Need(BlockBytes(k, 4))) return bad;
    c.Skip(BlockBytes(k, 4));
    if (!ReadHeader(c, &version, &k)) return bad;
    time_size = 8;
  }
  if (!c.Need(BlockBytes(k, time_size))) return bad;
  std::vector<int64_t> times(k.time);
  for (auto& t : times) {
    const uint64_t raw = c.BE(time_size);
    t = time_size == 8 ? static_cast<int64_t>(raw) : static_cast<int32_t>(raw);
  }
  std::vector<uint8_t> idx(k.time);
  for (auto& i : idx) i = static_cast<uint8_t>(c.BE(1));
  std::vector<int32_t> utoff(k.type);
  std::vector<bool> isdst(k.type);
  for (uint64_t i = 0; i < k.type; ++i) {
    utoff[i] = static_cast<int32_t>(c.BE(4));
    isdst[i] = c.BE(1) != 0;
    c.Skip(1);
  }
  TimeZone tz;
  // RFC 8536: before the first transition, the first non-DST type (else type 0) is in force.
  tz.initial_offset_ = utoff[0];
  for (uint64_t i = 0; i < k.type; ++i) {
    if (!isdst[i]) {
      tz.initial_offset_ = utoff[i];
      break;
    }
  }
  for (uint64_t i = 0; i < k.time; ++i) {
    if (idx[i] >= k.type) return bad;
    if (i > 0 && times[i] <= times[i - 1]) return bad;
    tz.transitions_.push_back(times[i]);
    tz.offsets_.push_back(utoff[idx[i]]);
  }
  return tz;
}

int32_t TimeZone::OffsetAt(int64_t utc_seconds) const {
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds);
  if (it == transitions_.begin()) return initial_offset_;
  return offsets_[static_cast<size_t>(it - transitions_.begin()) - 1];
}

Date TimeZone::LocalDate(TimestampMicros utc) const {
  int64_t seconds = utc / 1000000;
  if (utc % 1000000 < 0) --seconds;
  const int64_t local = seconds + OffsetAt(seconds);
  return static_cast<Date>(local >= 0 ? local / 86400 : (local - 86399) / 86400);
}

}  // namespace kaiin
