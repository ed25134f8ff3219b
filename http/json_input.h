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

#include "events/date.h"
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
  // A "YYYY-MM-DD" string that is a real date.
  std::optional<Date> DateField(std::string_view field, bool required);
  // A nested object; its own unknown fields are reported by its Finish (call it before this
  // reader's Finish). Field errors are named "field.sub".
  std::unique_ptr<JsonObjectReader> Object(std::string_view field, bool required);
  // An array of objects, at most items_max; errors are named "field[i].sub".
  std::optional<std::vector<std::unique_ptr<JsonObjectReader>>> ObjectArray(
      std::string_view field, bool required, size_t items_max);
  std::optional<std::vector<std::string>> StringArray(std::string_view field, bool required,
                                                      size_t items_max, size_t bytes_max);
  // An object whose values are integers in [min, max]: {"regular": 15000, ...}.
  std::optional<std::vector<std::pair<std::string, int64_t>>> IntMap(std::string_view field,
                                                                     bool required, int64_t min,
                                                                     int64_t max);
  // Whether the field is present (null counts as absent).
  bool Has(std::string_view field) const;

  // OK, or InvalidArgument validation_failed with every field error, unknown fields included.
  Status Finish();

 private:
  struct Impl;
  explicit JsonObjectReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kaiin::http
