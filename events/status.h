// Status and Result<T>: how fallible calls report failure across module boundaries.
//
// Codes follow absl's meaning (STYLE.md): InvalidArgument for a malformed request whatever the
// state, FailedPrecondition for a well-formed request refused by a rule in the current state,
// Aborted for a concurrency conflict, Unavailable for "retry the same call". Only http/ maps codes
// to HTTP statuses. `reason` is the stable machine-readable name (`email_in_use`,
// `version_conflict`, ...) that clients see as the problem+json `code`.
#pragma once

#include <cassert>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace kaiin {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kFailedPrecondition,
  kAborted,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kUnavailable,
  kCorruption,
  kInternal,
};

struct FieldError {
  std::string field;
  std::string message;
};

// An OK status is one null pointer (as LevelDB's): returned and dropped on every call of the
// hot paths, it costs nothing to make, copy or destroy; an error holds its parts on the heap.
class Status {
 public:
  Status() = default;  // OK
  Status(const Status& other) : error_(other.error_ ? new Error(*other.error_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) error_.reset(other.error_ ? new Error(*other.error_) : nullptr);
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string reason, std::string message,
                                std::vector<FieldError> errors = {}) {
    Status s(StatusCode::kInvalidArgument, std::move(reason), std::move(message));
    s.error_->field_errors = std::move(errors);
    return s;
  }
  static Status FailedPrecondition(std::string reason, std::string message) {
    return Status(StatusCode::kFailedPrecondition, std::move(reason), std::move(message));
  }
  static Status Aborted(std::string reason, std::string message) {
    return Status(StatusCode::kAborted, std::move(reason), std::move(message));
  }
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, "not_found", std::move(message));
  }
  static Status AlreadyExists(std::string reason, std::string message) {
    return Status(StatusCode::kAlreadyExists, std::move(reason), std::move(message));
  }
  static Status PermissionDenied(std::string message, std::string reason = "forbidden") {
    return Status(StatusCode::kPermissionDenied, std::move(reason), std::move(message));
  }
  static Status Unauthenticated(std::string message, std::string reason = "unauthenticated") {
    return Status(StatusCode::kUnauthenticated, std::move(reason), std::move(message));
  }
  static Status Unavailable(std::string reason, std::string message) {
    return Status(StatusCode::kUnavailable, std::move(reason), std::move(message));
  }
  static Status Corruption(std::string message) {
    return Status(StatusCode::kCorruption, "corruption", std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(StatusCode::kInternal, "internal", std::move(message));
  }

  // Attaches per-field (or per-item) details to an error, e.g. the members a bulk change
  // refused. An OK status has none: it stays as it is.
  Status&& WithFieldErrors(std::vector<FieldError> errors) && {
    if (error_) error_->field_errors = std::move(errors);
    return std::move(*this);
  }

  bool ok() const { return error_ == nullptr; }
  StatusCode code() const { return error_ ? error_->code : StatusCode::kOk; }
  const std::string& reason() const { return error_ ? error_->reason : Empty().reason; }
  const std::string& message() const { return error_ ? error_->message : Empty().message; }
  const std::vector<FieldError>& field_errors() const {
    return error_ ? error_->field_errors : Empty().field_errors;
  }
  std::string ToString() const;

 private:
  struct Error {
    StatusCode code;
    std::string reason;
    std::string message;
    std::vector<FieldError> field_errors;
  };
  // What an OK status answers for its parts.
  static const Error& Empty() {
    static const Error kEmpty{StatusCode::kOk, {}, {}, {}};
    return kEmpty;
  }

  Status(StatusCode code, std::string reason, std::string message)
      : error_(new Error{code, std::move(reason), std::move(message), {}}) {}

  std::unique_ptr<Error> error_;  // null: OK
};

const char* StatusCodeName(StatusCode code);

// A value or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose, like std::expected
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "a Result holding a Status must hold an error");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace kaiin
