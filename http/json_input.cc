#include "http/json_input.h"

#include <simdjson.h>

#include <set>

namespace kaiin::http {

struct JsonObjectReader::Impl {
  std::shared_ptr<simdjson::dom::parser> parser;  // owns the document; shared with children
  simdjson::dom::object object;
  std::string prefix;  // "" for the body, "name." for a nested object
  std::set<std::string, std::less<>> known;
  std::shared_ptr<std::vector<FieldError>> errors;  // shared with children

  void Error(std::string_view field, std::string message) {
    errors->push_back({prefix + std::string(field), std::move(message)});
  }

  // The field's element if present and not null.
  std::optional<simdjson::dom::element> Find(std::string_view field, bool required) {
    known.emplace(field);
    simdjson::dom::element e;
    if (object.at_key(field).get(e) != simdjson::SUCCESS || e.is_null()) {
      if (required) Error(field, "is required");
      return std::nullopt;
    }
    return e;
  }

  std::unique_ptr<JsonObjectReader> Child(simdjson::dom::object o, std::string child_prefix) {
    auto impl = std::make_unique<Impl>();
    impl->parser = parser;
    impl->object = o;
    impl->prefix = std::move(child_prefix);
    impl->errors = errors;
    return std::unique_ptr<JsonObjectReader>(new JsonObjectReader(std::move(impl)));
  }
};

JsonObjectReader::JsonObjectReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonObjectReader::~JsonObjectReader() = default;

Result<std::unique_ptr<JsonObjectReader>> JsonObjectReader::Parse(std::string_view body) {
  auto impl = std::make_unique<Impl>();
  impl->parser = std::make_shared<simdjson::dom::parser>();
  impl->errors = std::make_shared<std::vector<FieldError>>();
  simdjson::dom::element root;
  // simdjson validates UTF-8 and refuses numbers that overflow 64 bits.
  simdjson::padded_string padded(body);
  if (auto err = impl->parser->parse(padded).get(root); err != simdjson::SUCCESS) {
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
    impl_->Error(field, "must be a string");
    return std::nullopt;
  }
  if (v.size() > bytes_max) {
    impl_->Error(field, "must be at most " + std::to_string(bytes_max) + " bytes");
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
    impl_->Error(field, "must be an integer");
    return std::nullopt;
  }
  if (v < min || v > max) {
    impl_->Error(field, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> JsonObjectReader::Bool(std::string_view field, bool required) {
  auto e = impl_->Find(field, required);
  if (!e) return std::nullopt;
  bool v = false;
  if (e->get_bool().get(v) != simdjson::SUCCESS) {
    impl_->Error(field, "must be true or false");
    return std::nullopt;
  }
  return v;
}

std::optional<Date> JsonObjectReader::DateField(std::string_view field, bool required) {
  auto text = String(field, required, 10);
  if (!text) return std::nullopt;
  auto date = ParseDate(*text);
  if (!date) impl_->Error(field, "must be a date YYYY-MM-DD");
  return date;
}

bool JsonObjectReader::Has(std::string_view field) const {
  simdjson::dom::element e;
  return impl_->object.at_key(field).get(e) == simdjson::SUCCESS && !e.is_null();
}

std::unique_ptr<JsonObjectReader> JsonObjectReader::Object(std::string_view field, bool required) {
  auto e = impl_->Find(field, required);
  if (!e) return nullptr;
  simdjson::dom::object o;
  if (e->get_object().get(o) != simdjson::SUCCESS) {
    impl_->Error(field, "must be an object");
    return nullptr;
  }
  return impl_->Child(o, impl_->prefix + std::string(field) + ".");
}

std::optional<std::vector<std::unique_ptr<JsonObjectReader>>> JsonObjectReader::ObjectArray(
    std::string_view field, bool required, size_t items_max) {
  auto e = impl_->Find(field, required);
  if (!e) return std::nullopt;
  simdjson::dom::array a;
  if (e->get_array().get(a) != simdjson::SUCCESS) {
    impl_->Error(field, "must be an array");
    return std::nullopt;
  }
  if (a.size() > items_max) {
    impl_->Error(field, "must have at most " + std::to_string(items_max) + " items");
    return std::nullopt;
  }
  std::vector<std::unique_ptr<JsonObjectReader>> items;
  size_t i = 0;
  for (simdjson::dom::element item : a) {
    const std::string name = std::string(field) + "[" + std::to_string(i++) + "]";
    simdjson::dom::object o;
    if (item.get_object().get(o) != simdjson::SUCCESS) {
      impl_->Error(name, "must be an object");
      return std::nullopt;
    }
    items.push_back(impl_->Child(o, impl_->prefix + name + "."));
  }
  return items;
}

std::optional<std::vector<std::string>> JsonObjectReader::StringArray(std::string_view field,
                                                                      bool required,
                                                                      size_t items_max,
                                                                      size_t bytes_max) {
  auto e = impl_->Find(field, required);
  if (!e) return std::nullopt;
  simdjson::dom::array a;
  if (e->get_array().get(a) != simdjson::SUCCESS) {
    impl_->Error(field, "must be an array of strings");
    return std::nullopt;
  }
  if (a.size() > items_max) {
    impl_->Error(field, "must have at most " + std::to_string(items_max) + " items");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (simdjson::dom::element item : a) {
    std::string_view v;
    if (item.get_string().get(v) != simdjson::SUCCESS || v.size() > bytes_max) {
      impl_->Error(field, "must be an array of strings of at most " + std::to_string(bytes_max) +
                              " bytes");
      return std::nullopt;
    }
    out.emplace_back(v);
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, int64_t>>> JsonObjectReader::IntMap(
    std::string_view field, bool required, int64_t min, int64_t max) {
  auto e = impl_->Find(field, required);
  if (!e) return std::nullopt;
  simdjson::dom::object o;
  if (e->get_object().get(o) != simdjson::SUCCESS) {
    impl_->Error(field, "must be an object of integers");
    return std::nullopt;
  }
  std::vector<std::pair<std::string, int64_t>> out;
  bool ok = true;
  for (auto [key, value] : o) {
    int64_t v = 0;
    if (!value.is_int64() || value.get_int64().get(v) != simdjson::SUCCESS || v < min || v > max) {
      impl_->Error(std::string(field) + "." + std::string(key),
                   "must be an integer between " + std::to_string(min) + " and " +
                       std::to_string(max));
      ok = false;
      continue;
    }
    out.emplace_back(std::string(key), v);
  }
  if (!ok) return std::nullopt;
  return out;
}

Status JsonObjectReader::Finish() {
  for (auto [key, value] : impl_->object) {
    if (!impl_->known.contains(key)) impl_->Error(key, "is not a known field");
  }
  if (!impl_->prefix.empty() || impl_->errors->empty()) return Status::Ok();
  return Status::InvalidArgument("validation_failed", "the request body has invalid fields",
                                 *impl_->errors);
}

}  // namespace kaiin::http
