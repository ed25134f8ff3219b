// Importing a member roster from CSV through the HTTP API (POST {T}/member-imports), in batches.
// Used by `kaiinctl import-members`. Columns: see docs/members.md ("Importing a roster").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/status.h"

namespace kaiin::http {

// The roster file's bytes as UTF-8 text. `encoding`: "utf-8", "cp932", or "auto": UTF-8 if the
// bytes are well-formed UTF-8, else CP932, which a Japanese Excel writes when it saves "CSV".
// `*used` says which was read. InvalidArgument (`not_utf8`, `not_cp932`) naming the line.
Result<std::string> RosterText(std::string bytes, std::string_view encoding, std::string* used);

// Turns CSV text into request bodies of at most `batch_members` members each. Fails with the
// row numbers of bad rows (missing required columns, unknown columns, ragged rows).
Result<std::vector<std::string>> MemberImportBodies(std::string_view csv, size_t batch_members);

struct ImportTarget {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string tenant;
  std::string token;
};

struct ImportReport {
  size_t batches_sent = 0;
  size_t members_imported = 0;
  std::string error;  // the server's problem+json for the batch that failed, if any
};

// Posts every body in order over one keep-alive connection; stops at the first refused batch.
// Each batch carries Idempotency-Key "<key_prefix>-<batch index>", so re-running an import that
// was cut off does not create anyone twice.
Status PostMemberImports(const ImportTarget& target, const std::vector<std::string>& bodies,
                         const std::string& key_prefix, ImportReport* report);

}  // namespace kaiin::http
