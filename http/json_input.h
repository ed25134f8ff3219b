// Reading a JSON request body into a command struct, strictly: the body must be one object;
// fields have the expected types; integers are integers (15000, never 15000.0 or "15000");
// unknown fields are refused (they are usually typos). Every problem becomes a FieldError, so a
// client sees all of them at once. simdjson stays behind this interface (one TU includes it).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/status.h"

namespace kaiin::http {

class JsonObjectReader {
 public:
  // Parses `body`. A body that is not valid JSON (or not UTF-8) or not an object gives
  // InvalidArgument malformed_json.
  static Result<std::unique_ptr<JsonObjectReader>> Parse(std::string_view body);
  ~JsonObjectReader();

  // Each accessor marks the field as known and records a field error when it is missing
  // (required) or of the wrong type or range.
  std::optional<std::string> String(std::string_view field, bool required, size_t bytes_max);
  std::optional<int64_t> Int(std::string_view field, bool required, int64_t min, int64_t max);
  std::optional<bool> Bool(std::string_view field, bool required);

  // OK, or InvalidArgument validation_failed with every field error, unknown fields included.
  Status Finish();

 private:
  struct Impl;
  explicit JsonObjectReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kaiin::http
