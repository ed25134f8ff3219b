#include "http/backups.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <tuple>

#include "events/date.h"

namespace kaiin::http {

namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

// A decimal written as the name writes it: digits, no leading zero (but "0"), within T.
template <typename T>
std::optional<T> Canonical(std::string_view s) {
  if (!AllDigits(s) || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::string BackupName::Name() const {
  std::string name = stamp + "Z-p" + std::to_string(log_head);
  if (n > 1) name += "-" + std::to_string(n);
  return name;
}

std::string BackupName::TakenAt() const {
  // 20261123T004512 → 2026-11-23T00:45:12Z
  return stamp.substr(0, 4) + "-" + stamp.substr(4, 2) + "-" + stamp.substr(6, 2) + "T" +
         stamp.substr(9, 2) + ":" + stamp.substr(11, 2) + ":" + stamp.substr(13, 2) + "Z";
}

int64_t BackupName::TakenAtSeconds() const {
  auto number = [this](size_t at, size_t size) {
    int v = 0;
    std::from_chars(stamp.data() + at, stamp.data() + at + size, v);
    return v;
  };
  const int64_t days = DaysFromCivil(number(0, 4), static_cast<unsigned>(number(4, 2)),
                                     static_cast<unsigned>(number(6, 2)));
  return days * 86400 + number(9, 2) * 3600 + number(11, 2) * 60 + number(13, 2);
}

bool BackupName::NewerThan(const BackupName& other) const {
  // The stamp has a fixed width: its text order is its time order.
  return std::tie(stamp, log_head, n) > std::tie(other.stamp, other.log_head, other.n);
}

BackupName NameBackup(int64_t micros, uint64_t log_head, uint32_t n) {
  const std::string text = FormatTimestamp(micros);  // 2026-11-23T00:45:12.123456Z
  BackupName b;
  for (char c : std::string_view(text).substr(0, 19)) {
    if (c != '-' && c != ':') b.stamp.push_back(c);
  }
  b.log_head = log_head;
  b.n = n;
  return b;
}

std::optional<BackupName> ParseBackupName(std::string_view text) {
  // 20261123T004512Z-p61[-2]
  if (text.size() < 19 || text[8] != 'T' || text.substr(15, 3) != "Z-p") return std::nullopt;
  const std::string_view date = text.substr(0, 8), time = text.substr(9, 6);
  if (!AllDigits(date) || !AllDigits(time)) return std::nullopt;
  const std::string iso = std::string(date.substr(0, 4)) + "-" + std::string(date.substr(4, 2)) +
                          "-" + std::string(date.substr(6, 2));
  if (!ParseDate(iso)) return std::nullopt;
  if (time.substr(0, 2) > "23" || time.substr(2, 2) > "59" || time.substr(4, 2) > "59") {
    return std::nullopt;
  }
  BackupName b;
  b.stamp = std::string(text.substr(0, 15));
  std::string_view rest = text.substr(18);
  const size_t dash = rest.find('-');
  const std::optional<uint64_t> head = Canonical<uint64_t>(rest.substr(0, dash));
  if (!head) return std::nullopt;
  b.log_head = *head;
  if (dash != std::string_view::npos) {
    const std::optional<uint32_t> n = Canonical<uint32_t>(rest.substr(dash + 1));
    if (!n || *n < 2) return std::nullopt;
    b.n = *n;
  }
  return b;
}

Result<std::vector<BackupName>> ListBackups(const std::string& root,
                                            const std::optional<BackupName>& before) {
  namespace fs = std::filesystem;
  std::vector<BackupName> found;
  std::error_code ec;
  fs::directory_iterator it(root, ec);
  if (ec == std::errc::no_such_file_or_directory) return found;  // none taken yet
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::optional<BackupName> b = ParseBackupName(it->path().filename().string());
    if (!b || (before && !before->NewerThan(*b))) continue;
    std::error_code kind;
    if (!it->is_directory(kind)) continue;  // a stray file with a backup's name
    found.push_back(std::move(*b));
  }
  if (ec) {
    return Status::Unavailable("storage_unavailable", "cannot list " + root + ": " + ec.message());
  }
  std::ranges::sort(found, [](const BackupName& a, const BackupName& b) { return a.NewerThan(b); });
  return found;
}

}  // namespace kaiin::http
