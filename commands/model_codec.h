// The write model as bytes, for snapshots: start-up decodes the latest one and replays only the
// events after it instead of the whole log.
//
// The format (events/row_codec.h's varints and strings) is versioned by kModelFormat: a snapshot
// of another format is not read (the model is then replayed from the log, which is always
// possible). Maps are written in key order, so the same model always gives the same bytes.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "commands/model.h"
#include "events/status.h"

namespace kaiin::commands {

// Bump when TenantModel or its records change what they hold.
// 2: receipts (InvoiceRecord, TenantModel); 3: a receipt voided by a later change of what the
// invoice was paid or asks (the same fields, held differently: a format 2 snapshot is not read).
inline constexpr uint64_t kModelFormat = 3;

std::string EncodeModel(const TenantModel& model);

// Takes one piece of an encoding; false stops it.
using ModelSink = std::function<bool(std::string_view piece)>;
// The same bytes as EncodeModel, handed to `sink` in pieces of about `piece_bytes` (cut at the
// end of a map's entry, so a piece may run past that by one entry; never an empty one) without
// ever holding the whole: a snapshot of a gigabyte costs the encoder a piece's memory. Whether
// the sink took every piece (encoding stops at the first it refuses).
bool EncodeModelInPieces(const TenantModel& model, size_t piece_bytes, const ModelSink& sink);

// Corruption for bytes that are not a whole model of this format (nothing is trusted: any
// input gives a result or an error, never a crash).
Status DecodeModel(std::string_view bytes, TenantModel* model);

}  // namespace kaiin::commands
