// The backups of a tenant's log that POST {T}/backups writes, by name: each a data folder of its
// own, BACKUP_DIR/<tenant>/<name>/tenants/<tenant>/log, named after the second it was taken
// (UTC) and the log's head it holds: 20261123T004512Z-p61, and 20261123T004512Z-p61-2 for a
// second copy of the same head in the same second. A copy being made sits under a
// `.partial-` name until it is whole, so a folder with a backup's name is a whole backup.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/status.h"

namespace kaiin::http {

struct BackupName {
  std::string stamp;      // 20261123T004512 (UTC)
  uint64_t log_head = 0;  // the position of its last event
  uint32_t n = 1;         // 2, 3 ...: another copy of the same head in the same second

  std::string Name() const;  // 20261123T004512Z-p61, 20261123T004512Z-p61-2
  // RFC 3339: 2026-11-23T00:45:12Z.
  std::string TakenAt() const;
  // The same second as seconds since 1970-01-01T00:00:00Z.
  int64_t TakenAtSeconds() const;
  // Newest first: by time, then head, then n.
  bool NewerThan(const BackupName& other) const;
};

// The name of a backup taken at `micros` (UTC) of a log whose head is `log_head`.
BackupName NameBackup(int64_t micros, uint64_t log_head, uint32_t n);
// The name back from its text; nullopt for anything else (a partial copy, a stray file).
std::optional<BackupName> ParseBackupName(std::string_view text);

// The backups in `root` (BACKUP_DIR/<tenant>), newest first, those older than `before` only
// when it is given. No folder: none. Reads names only: nothing is opened or checked.
Result<std::vector<BackupName>> ListBackups(const std::string& root,
                                            const std::optional<BackupName>& before);

}  // namespace kaiin::http
