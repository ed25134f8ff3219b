// The outbox projection: the mail the server has sent (送信済みメール), searchable by address and
// purpose, so the secretariat can tell a member whether and when a link went out. (Delivery over
// SMTP is a later step; the messages and their links are real now.)
#pragma once

#include <string>
#include <vector>

#include "projections/projection.h"
#include "projections/projection_store.h"

namespace kaiin::projections {

class OutboxProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "outbox";
  std::string_view Name() const override { return kName; }
  uint32_t SchemaVersion() const override { return 1; }
  Status Apply(const events::Envelope& event, Rows& rows) override;
};

// Messages to `to` (any case; empty: everyone) with `purpose` (empty: any), oldest first, after
// the message id `after`, at most `limit`.
Result<std::vector<events::OutboxMessageQueued>> ReadOutbox(const ProjectionStore& store,
                                                            std::string_view to,
                                                            std::string_view purpose,
                                                            std::string_view after, size_t limit);

}  // namespace kaiin::projections
