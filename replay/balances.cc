#include "replay/balances.h"

#include <filesystem>
#include <map>
#include <string_view>

#include "events/postings.h"
#include "ledger/data_layout.h"
#include "replay/ledger_check.h"

namespace kaiin::replay {

Status ComputeTrialBalance(events::EventReader& log, const BalanceCut& cut, TrialBalance* out) {
  *out = TrialBalance{};
  std::map<std::string, AccountTotals, std::less<>> accounts;
  Status walked =
      ForEachEnvelope(log, cut.position, [&](uint64_t position, const events::Envelope& env) {
        out->last_position = position;
        if (cut.date && env.meta.effective_date > *cut.date) return Status::Ok();
        const std::vector<events::Posting> postings = events::PostingsFor(env.event);
        if (postings.empty()) return Status::Ok();
        ++out->money_events;
        for (const events::Posting& p : postings) {
          auto it = accounts.find(p.account);
          if (it == accounts.end())
            it = accounts.emplace(p.account, AccountTotals{p.account}).first;
          it->second.debits += p.debit;
          it->second.credits += p.credit;
          out->total_debits += p.debit;
          out->total_credits += p.credit;
        }
        return Status::Ok();
      });
  if (!walked.ok()) return walked;
  out->accounts.reserve(accounts.size());
  for (auto& [name, totals] : accounts) out->accounts.push_back(std::move(totals));
  return Status::Ok();
}

Status TenantTrialBalance(const std::string& data_dir, const std::string& tenant,
                          const std::string& scratch_dir, const BalanceCut& cut,
                          ledger::ChainReport* chain, TrialBalance* out) {
  namespace fs = std::filesystem;
  *out = TrialBalance{};
  const std::string path = ledger::TenantLogPath(data_dir, tenant);
  if (!fs::exists(path)) return Status::NotFound("no tenant " + tenant + " under " + data_dir);
  std::error_code ec;
  fs::create_directories(scratch_dir, ec);
  if (ec) return Status::Unavailable("io_error", "cannot create " + scratch_dir);
  Status result = [&]() -> Status {
    auto log = ledger::RocksEventLog::OpenFollower(path, scratch_dir + "/log");
    if (!log.ok()) return log.status();
    if (Status s = (*log)->VerifyChain(chain); !s.ok()) return s;
    if (!chain->ok()) return Status::Ok();
    return ComputeTrialBalance(**log, cut, out);
  }();
  fs::remove_all(scratch_dir, ec);
  return result;
}

TrialBalance SummarizeByKind(const TrialBalance& balance) {
  TrialBalance out = balance;
  std::map<std::string_view, AccountTotals> kinds;
  for (const AccountTotals& a : balance.accounts) {
    const std::string_view kind = events::AccountKind(a.account);
    AccountTotals& k = kinds[kind];
    k.account = kind;
    k.debits += a.debits;
    k.credits += a.credits;
  }
  out.accounts.clear();
  for (auto& [kind, totals] : kinds) out.accounts.push_back(std::move(totals));
  return out;
}

std::vector<TrialBalanceLine> TrialBalanceLines(const TrialBalance& balance) {
  std::vector<TrialBalanceLine> lines;
  lines.reserve(balance.accounts.size() + 1);
  TrialBalanceLine total{"total", balance.total_debits, balance.total_credits};
  for (const AccountTotals& a : balance.accounts) {
    const int64_t net = a.debits - a.credits;
    lines.push_back({a.account, a.debits, a.credits, net > 0 ? net : 0, net < 0 ? -net : 0});
    total.debit_balance += lines.back().debit_balance;
    total.credit_balance += lines.back().credit_balance;
  }
  lines.push_back(total);
  return lines;
}

std::string FormatTrialBalanceCsv(const TrialBalance& balance, std::string_view eol) {
  std::string out = "account,debits,credits,debit_balance,credit_balance";
  out.append(eol);
  for (const TrialBalanceLine& line : TrialBalanceLines(balance)) {
    out.append(line.account);
    for (int64_t v : {line.debits, line.credits, line.debit_balance, line.credit_balance}) {
      out += ',';
      out += std::to_string(v);
    }
    out.append(eol);
  }
  return out;
}

}  // namespace kaiin::replay
