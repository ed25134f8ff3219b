// A projection: a read model built by applying events in log order. Apply must be deterministic
// (A2: a rebuild from position 0 gives byte-for-byte the same rows): no clock, no randomness.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "events/event.h"
#include "events/status.h"

namespace kaiin::projections {

// A projection's rows while it applies a batch: reads see the batch's own earlier writes.
class Rows {
 public:
  virtual ~Rows() = default;
  // Sets *value and returns true if the row exists.
  virtual Result<bool> Get(std::string_view key, std::string* value) = 0;
  virtual void Put(std::string_view key, std::string_view value) = 0;
  virtual void Delete(std::string_view key) = 0;
  // Put for the first write of a key that nothing holds yet, named by something new (the
  // event's position, a new member's or payment's id): the key is not looked up, saving a
  // rebuild the hash lookup of a key it does not hold. Get does not see the row until the
  // batch is stored; later writes of the key go through Put or Delete.
  virtual void Insert(std::string_view key, std::string_view value) { Put(key, value); }
};

class Projection {
 public:
  virtual ~Projection() = default;
  // Stable name; also the name of its column family. [a-z_]+.
  virtual std::string_view Name() const = 0;
  // Bump when Apply's output changes: a stored projection of another schema version is dropped
  // and rebuilt from position 0 when the store opens.
  virtual uint32_t SchemaVersion() const = 0;
  // Applies one event. Fails only when a read of its rows fails.
  virtual Status Apply(const events::Envelope& event, Rows& rows) = 0;
};

}  // namespace kaiin::projections
