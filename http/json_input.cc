#include "http/json_input.h"

#include <simdjson.h>

#include <set>

namespace kaiin::http {

struct JsonObjectReader::Impl {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  std::set<std::string, std::less<>> known;
  std::vector<FieldError> errors;

  // The field's element if present and not null.
  std::optional<simdjson::dom::element> Find(std::string_view field, bool required) {
    known.emplace(field);
    simdjson::dom::element e;
    if (object.at_key(field).get(e) != simdjson::SUCCESS || e.is_null()) {
      if (required) errors.push_back({std::string(field), "is required"});
      return std::nullopt;
    }
    return e;
  }
};

JsonObjectReader::JsonObjectReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonObjectReader::~JsonObjectReader() = default;

Result<std::unique_ptr<JsonObjectReader>> JsonObjectReader::Parse(std::string_view body) {
  auto impl = std::make_unique<Impl>();
  simdjson::dom::element root;
  // simdjson validates UTF-8 and refuses numbers that overflow 64 bits.
  simdjson::padded_string padded(body);
  if (auto err = impl->parser.parse(padded).get(root); err != simdjson::SUCCESS) {
    return Status::InvalidArgument("malformed_json",
                                   std::string("the body is not valid JSON: ") +
                                       simdjson::error_message(err));
  }
  if (root.get_object().get(impl->object) != simdjson::SUCCESS) {
    return Status::InvalidArgument("malformed_json", "the body must be a JSON object");
  }
  return std::unique_ptr<JsonObjectReader>(new JsonObjectReader(std::move(impl)));
}

std::optional<std::string> JsonObjectReader::String(std::string_view field, bool required,
                                                    size_t bytes_max) {
  auto e = impl_->Find(field, required);
  if (!e) return std::nullopt;
  std::string_view v;
  if (e->get_string().get(v) != simdjson::SUCCESS) {
    impl_->errors.push_back({std::string(field), "must be a string"});
    return std::nullopt;
  }
  if (v.size() > bytes_max) {
    impl_->errors.push_back(
        {std::string(field), "must be at most " + std::to_string(bytes_max) + " bytes"});
    return std::nullopt;
  }
  return std::string(v);
}

std::optional<int64_t> JsonObjectReader::Int(std::string_view field, bool required, int64_t min,
                                             int64_t max) {
  auto e = impl_->Find(field, required);
  if (!e) return std::nullopt;
  int64_t v = 0;
  if (!e->is_int64() || e->get_int64().get(v) != simdjson::SUCCESS) {
    impl_->errors.push_back({std::string(field), "must be an integer"});
    return std::nullopt;
  }
  if (v < min || v > max) {
    impl_->errors.push_back({std::string(field), "must be between " + std::to_string(min) +
                                                     " and " + std::to_string(max)});
    return std::nullopt;
  }
  return v;
}

std::optional<bool> JsonObjectReader::Bool(std::string_view field, bool required) {
  auto e = impl_->Find(field, required);
  if (!e) return std::nullopt;
  bool v = false;
  if (e->get_bool().get(v) != simdjson::SUCCESS) {
    impl_->errors.push_back({std::string(field), "must be true or false"});
    return std::nullopt;
  }
  return v;
}

Status JsonObjectReader::Finish() {
  for (auto [key, value] : impl_->object) {
    if (!impl_->known.contains(key)) {
      impl_->errors.push_back({std::string(key), "is not a known field"});
    }
  }
  if (impl_->errors.empty()) return Status::Ok();
  return Status::InvalidArgument("validation_failed", "the request body has invalid fields",
                                 std::move(impl_->errors));
}

}  // namespace kaiin::http
