// account_balances rows:
//   "d/" YYYY-MM-DD "/" account   -> I64(debits) I64(credits): the postings effective that day
//   "e/" fixed20(first position)  -> for each money event of the 32 positions from `first` (a
//                                    multiple of 32), in log order: U64(position)
//                                    I32(effective date) U64(n), then n times Str(account)
//                                    I64(debit) I64(credit)
//   "t/" fixed20(position)        -> the running totals of every event before `position` (a
//                                    multiple of 4,096, written when that position is applied):
//                                    U64(n), then n times Str(account) I64(debits) I64(credits),
//                                    accounts in order
//   "b/" fixed20(first)           -> the postings of the events from `first` (a multiple of
//                                    4,096) to before `end`, by day and account, written with
//                                    the totals at `end`: U64(end) U64(n), then n times
//                                    I64(effective date) Str(account) I64(debits) I64(credits),
//                                    by date, then account
// Accounts are kinds (events::AccountKind); dates sort as text (years 1900..9999, events/date.h).
// The events go 32 positions to a row because a row each cost the projector a memtable insert
// per payment (~10% more of its CPU under payments); a batch the projector writes rewrites only
// the few rows its positions fall in. Effective dates are written I64 and read I32 (the same
// encoding; a Date is 32 bits).
#include "projections/account_balances.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "events/postings.h"
#include "events/text.h"
#include "projections/row_codec.h"

namespace kaiin::projections {
namespace {

constexpr std::string_view kDayPrefix = "d/";
constexpr std::string_view kEventPrefix = "e/";
constexpr size_t kDateChars = 10;  // YYYY-MM-DD
constexpr uint64_t kEventsPerRow = 32;

constexpr std::string_view kTotalsPrefix = "t/";
constexpr std::string_view kBlockPrefix = "b/";

std::string Fixed20(std::string_view prefix, uint64_t n) {
  std::string key(prefix);
  AppendPadded(&key, n, 20);
  return key;
}

// The key of the row holding `position`'s postings.
std::string EventsKey(uint64_t position) {
  return Fixed20(kEventPrefix, position - position % kEventsPerRow);
}

bool ParseFixed20(std::string_view digits, uint64_t* n) {
  if (digits.size() != 20) return false;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *n);
  return ec == std::errc() && end == digits.data() + digits.size();
}

// The key of the running totals of the events before `position`.
std::string TotalsKey(uint64_t position) {
  return Fixed20(kTotalsPrefix, position);
}

// The key of the block of events from `first`.
std::string BlockKey(uint64_t first) {
  return Fixed20(kBlockPrefix, first);
}

using Totals = std::map<std::string, AccountBalance, std::less<>>;

void AddTo(Totals* totals, std::string_view account, int64_t debits, int64_t credits) {
  auto it = totals->find(account);
  if (it == totals->end())
    it = totals->emplace(account, AccountBalance{std::string(account)}).first;
  it->second.debits += debits;
  it->second.credits += credits;
}

bool DecodeTotals(std::string_view row, Totals* totals) {
  RowReader r(row);
  uint64_t n = 0;
  if (!r.U64(&n)) return false;
  std::string account;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t debits = 0, credits = 0;
    if (!(r.Str(&account) && r.I64(&debits) && r.I64(&credits))) return false;
    AddTo(totals, account, debits, credits);
  }
  return r.done();
}

std::string DayKey(Date date, std::string_view account) {
  return std::string(kDayPrefix) + FormatDate(date) + "/" + std::string(account);
}

Status Unreadable(std::string_view key) {
  return Status::Corruption("account_balances row unreadable: " + std::string(key));
}

// Calls add(date, account, debits, credits) for each posting in an "e/" row of an event at
// positions first..last effective on or before `as_of`. False when the row is malformed.
template <typename Add>
bool AddEvents(std::string_view row, uint64_t first, uint64_t last, std::optional<Date> as_of,
               const Add& add) {
  RowReader r(row);
  std::string account;
  while (r.ok() && !r.done()) {
    uint64_t position = 0, n = 0;
    Date date = 0;
    if (!(r.U64(&position) && r.I32(&date) && r.U64(&n))) break;
    const bool counted = position >= first && position <= last && (!as_of || date <= *as_of);
    for (uint64_t i = 0; i < n; ++i) {
      int64_t debits = 0, credits = 0;
      if (!(r.Str(&account) && r.I64(&debits) && r.I64(&credits))) break;
      if (counted) add(date, account, debits, credits);
    }
  }
  return r.done();
}

}  // namespace

AccountBalancesProjection::AccountBalancesProjection(uint64_t positions_per_total)
    : positions_per_total_(
          std::max(kEventsPerRow, positions_per_total - positions_per_total % kEventsPerRow)) {}

// The totals before `position` are those before the previous multiple (none before the first)
// with the events' rows in between added: positions_per_total_ / 32 reads, once in that many
// positions. Every position is applied, in order, so each multiple gets its row.
Status AccountBalancesProjection::WriteTotals(uint64_t position, Rows& rows) const {
  Totals totals;
  std::map<std::pair<Date, std::string>, AccountBalance, std::less<>> block;
  const uint64_t from = position - positions_per_total_;
  std::string bytes;
  if (from > 0) {
    const std::string key = TotalsKey(from);
    Result<bool> found = rows.Get(key, &bytes);
    if (!found.ok()) return found.status();
    if (!*found || !DecodeTotals(bytes, &totals)) return Unreadable(key);
  }
  auto add = [&](Date date, std::string_view account, int64_t debits, int64_t credits) {
    AddTo(&totals, account, debits, credits);
    AccountBalance& b = block[{date, std::string(account)}];
    b.debits += debits;
    b.credits += credits;
  };
  for (uint64_t first = from; first < position; first += kEventsPerRow) {
    const std::string key = EventsKey(first);
    Result<bool> found = rows.Get(key, &bytes);
    if (!found.ok()) return found.status();
    if (*found && !AddEvents(bytes, first, position - 1, std::nullopt, add)) {
      return Unreadable(key);
    }
  }
  RowWriter days;
  days.U64(position).U64(block.size());
  for (const auto& [day, b] : block) {
    days.I64(day.first).Str(day.second).I64(b.debits).I64(b.credits);
  }
  rows.Put(BlockKey(from), days.Take());
  RowWriter row;
  row.U64(totals.size());
  for (const auto& [account, t] : totals) row.Str(account).I64(t.debits).I64(t.credits);
  rows.Put(TotalsKey(position), row.Take());
  return Status::Ok();
}

Status AccountBalancesProjection::Apply(const events::Envelope& env, Rows& rows) {
  if (env.meta.position % positions_per_total_ == 0) {
    if (Status s = WriteTotals(env.meta.position, rows); !s.ok()) return s;
  }
  const std::vector<events::Posting> postings = events::PostingsFor(env.event);
  if (postings.empty()) return Status::Ok();
  std::vector<AccountBalance> kinds;  // in the order first posted: a handful at most
  for (const events::Posting& p : postings) {
    const std::string_view kind = events::AccountKind(p.account);
    auto it = std::find_if(kinds.begin(), kinds.end(),
                           [kind](const AccountBalance& k) { return k.account == kind; });
    if (it == kinds.end()) it = kinds.insert(kinds.end(), AccountBalance{std::string(kind)});
    it->debits += p.debit;
    it->credits += p.credit;
  }
  RowWriter event;
  event.U64(env.meta.position).I64(env.meta.effective_date).U64(kinds.size());
  std::string bytes;
  for (const AccountBalance& k : kinds) {
    event.Str(k.account).I64(k.debits).I64(k.credits);
    const std::string key = DayKey(env.meta.effective_date, k.account);
    Result<bool> found = rows.Get(key, &bytes);
    if (!found.ok()) return found.status();
    int64_t debits = 0, credits = 0;
    if (*found) {
      RowReader r(bytes);
      if (!(r.I64(&debits) && r.I64(&credits) && r.done())) return Unreadable(key);
    }
    rows.Put(key, RowWriter().I64(debits + k.debits).I64(credits + k.credits).Take());
  }
  const std::string key = EventsKey(env.meta.position);
  Result<bool> found = rows.Get(key, &bytes);
  if (!found.ok()) return found.status();
  if (!*found) bytes.clear();
  bytes += event.Take();
  rows.Put(key, bytes);
  return Status::Ok();
}

Result<std::vector<AccountBalance>> ReadTrialBalance(const ProjectionStore& store,
                                                     std::optional<Date> as_of,
                                                     std::optional<uint64_t> as_of_position,
                                                     uint64_t position_hint) {
  auto reader = store.NewOrderedReader(AccountBalancesProjection::kName);
  if (!reader.ok()) return reader.status();
  Totals totals;
  auto add = [&totals](std::string_view account, int64_t debits, int64_t credits) {
    AddTo(&totals, account, debits, credits);
  };
  const std::string last_day = as_of ? FormatDate(*as_of) : std::string();
  Status bad = Status::Ok();

  // Every day's totals up to the date.
  auto add_days = [&]() -> Status {
    Status s = (*reader)->Scan(kDayPrefix, "", [&](std::string_view key, std::string_view value) {
      if (key.size() <= kDayPrefix.size() + kDateChars + 1) {
        bad = Unreadable(key);
        return false;
      }
      if (as_of && key.substr(kDayPrefix.size(), kDateChars) > last_day) return false;
      RowReader r(value);
      int64_t debits = 0, credits = 0;
      if (!(r.I64(&debits) && r.I64(&credits) && r.done())) {
        bad = Unreadable(key);
        return false;
      }
      add(key.substr(kDayPrefix.size() + kDateChars + 1), debits, credits);
      return true;
    });
    return s.ok() ? bad : s;
  };
  // The events from position `first` to `last` (inclusive) effective on or before the date,
  // added with `sign`.
  auto add_events = [&](uint64_t first, uint64_t last, int64_t sign) -> Status {
    const std::string last_key = EventsKey(last);
    auto add_signed = [&](Date, std::string_view account, int64_t debits, int64_t credits) {
      add(account, sign * debits, sign * credits);
    };
    Status s = (*reader)->Scan(kEventPrefix, EventsKey(first),
                               [&](std::string_view key, std::string_view value) {
                                 if (key > last_key) return false;
                                 if (AddEvents(value, first, last, as_of, add_signed)) return true;
                                 bad = Unreadable(key);
                                 return false;
                               });
    return s.ok() ? bad : s;
  };

  // The running totals at or before the position, then the events from there up to it.
  auto add_totals_and_events = [&](uint64_t last) -> Status {
    std::string key, value;
    Result<bool> found = (*reader)->Floor(
        kTotalsPrefix, TotalsKey(last == ~uint64_t{0} ? last : last + 1), &key, &value);
    if (!found.ok()) return found.status();
    uint64_t first = 1;
    if (*found) {
      if (!DecodeTotals(value, &totals) ||
          !ParseFixed20(std::string_view(key).substr(kTotalsPrefix.size()), &first)) {
        return Unreadable(key);
      }
    }
    return first <= last ? add_events(first, last, 1) : Status::Ok();
  };

  // The blocks that follow each other from the first one at or after `from`, as long as they end
  // by `last`: their postings effective on or before the date, added with `sign`. Sets *first
  // and *end to the first position of the first block and the position after the last (both 0:
  // none); the events outside them are the caller's to walk.
  auto add_blocks = [&](uint64_t from, uint64_t last, int64_t sign, uint64_t* first,
                        uint64_t* end) -> Status {
    *first = *end = 0;
    std::string account;
    Status s = (*reader)->Scan(
        kBlockPrefix, BlockKey(from), [&](std::string_view key, std::string_view value) {
          uint64_t start = 0, stop = 0, n = 0;
          RowReader r(value);
          if (!ParseFixed20(key.substr(kBlockPrefix.size()), &start) || !r.U64(&stop) ||
              !r.U64(&n) || stop <= start) {
            bad = Unreadable(key);
            return false;
          }
          if ((*end != 0 && start != *end) || stop - 1 > last) return false;
          for (uint64_t i = 0; i < n; ++i) {
            Date date = 0;
            int64_t debits = 0, credits = 0;
            if (!(r.I32(&date) && r.Str(&account) && r.I64(&debits) && r.I64(&credits))) break;
            if (!as_of || date <= *as_of) add(account, sign * debits, sign * credits);
          }
          if (!r.done()) {
            bad = Unreadable(key);
            return false;
          }
          if (*end == 0) *first = start;
          *end = stop;
          return true;
        });
    return s.ok() ? bad : s;
  };
  // The events from `first` to `last` with `sign`, through the blocks wholly inside and the
  // events' rows around them.
  auto add_range = [&](uint64_t first, uint64_t last, int64_t sign) -> Status {
    uint64_t block_first = 0, block_end = 0;
    if (Status s = add_blocks(first, last, sign, &block_first, &block_end); !s.ok()) return s;
    if (block_end == 0) return add_events(first, last, sign);
    if (block_first > first) {
      if (Status s = add_events(first, block_first - 1, sign); !s.ok()) return s;
    }
    return block_end <= last ? add_events(block_end, last, sign) : Status::Ok();
  };

  Status s = Status::Ok();
  if (!as_of_position) {
    s = add_days();
  } else if (!as_of) {
    if (*as_of_position > 0) s = add_totals_and_events(*as_of_position);
  } else if (*as_of_position <= position_hint / 2) {
    if (*as_of_position > 0) s = add_range(0, *as_of_position, 1);
  } else {
    s = add_days();
    if (s.ok() && *as_of_position < ~uint64_t{0})
      s = add_range(*as_of_position + 1, ~uint64_t{0}, -1);
  }
  if (!s.ok()) return s;
  std::vector<AccountBalance> out;
  for (auto& [account, balance] : totals) {
    if (balance.debits != 0 || balance.credits != 0) out.push_back(std::move(balance));
  }
  return out;
}

}  // namespace kaiin::projections
