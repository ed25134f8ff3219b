// The write model as bytes, for snapshots: start-up decodes the latest one and replays only the
// events after it instead of the whole log.
//
// The format (events/row_codec.h's varints and strings) is versioned by kModelFormat: a snapshot
// of another format is not read (the model is then replayed from the log, which is always
// possible). Maps are written in key order, so the same model always gives the same bytes.
#pragma once

#include <string>
#include <string_view>

#include "commands/model.h"
#include "events/status.h"

namespace kaiin::commands {

// Bump when TenantModel or its records change what they hold.
inline constexpr uint64_t kModelFormat = 1;

std::string EncodeModel(const TenantModel& model);
// Corruption for bytes that are not a whole model of this format (nothing is trusted: any
// input gives a result or an error, never a crash).
Status DecodeModel(std::string_view bytes, TenantModel* model);

}  // namespace kaiin::commands
