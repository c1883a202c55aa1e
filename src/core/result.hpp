// Result<T>: the value of an operation that can fail in an expected way.
//
// Expected failures (bad input, missing record, stale version, business rule)
// are values of type Error with a code from a closed set; exceptions are kept
// for broken infrastructure and are caught once per request / worker loop.
// The HTTP layer owns the single table that maps ErrorCode to a status.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace guichet {

enum class ErrorCode {
  kInvalidArgument,     // malformed input, per-field details attached
  kNotFound,            // the record does not exist (or is not visible)
  kConflict,            // uniqueness or idempotency-key reuse with another payload
  kPreconditionFailed,  // optimistic concurrency: the version moved on
  kBusinessRule,        // well-formed but refused by a rule (illegal transition…)
  kTooLarge,            // a size limit was exceeded
  kUnauthenticated,
  kForbidden,
  kRateLimited,
  kUnavailable,  // a dependency (database…) cannot be reached now
  kInternal,     // a bug or broken infrastructure
};

// A problem with one input field; `field` is a JSON-pointer-like path
// ("contact.email", "children[1].birthdate").
struct FieldError {
  std::string field;
  std::string message;  // French, shown to the user
  bool operator==(const FieldError&) const = default;
};

// `message` is French and safe to show to a client; `cause` is for the log
// only (it may name tables, hosts or SQL) and is never sent to a client.
class Error {
 public:
  Error(ErrorCode code, std::string message, std::string cause = {})
      : code_(code), message_(std::move(message)), cause_(std::move(cause)) {}

  static Error Invalid(std::string message, std::vector<FieldError> fields = {}) {
    Error e(ErrorCode::kInvalidArgument, std::move(message));
    e.fields_ = std::move(fields);
    return e;
  }
  static Error NotFound(std::string message) { return {ErrorCode::kNotFound, std::move(message)}; }
  static Error Conflict(std::string message) { return {ErrorCode::kConflict, std::move(message)}; }
  static Error Stale(std::string message) {
    return {ErrorCode::kPreconditionFailed, std::move(message)};
  }
  static Error Rule(std::string message) { return {ErrorCode::kBusinessRule, std::move(message)}; }
  static Error Forbidden(std::string message) {
    return {ErrorCode::kForbidden, std::move(message)};
  }
  static Error TooLarge(std::string message) { return {ErrorCode::kTooLarge, std::move(message)}; }
  static Error Unavailable(std::string cause) {
    return {ErrorCode::kUnavailable, "Le service est momentanément indisponible.",
            std::move(cause)};
  }
  static Error Internal(std::string cause) {
    return {ErrorCode::kInternal, "Une erreur interne est survenue.", std::move(cause)};
  }

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& cause() const { return cause_; }
  // For logs: the cause when there is one (what the database or a tool
  // said), else the message the client got.
  const std::string& cause_or_message() const { return cause_.empty() ? message_ : cause_; }
  const std::vector<FieldError>& fields() const { return fields_; }
  // Extra machine-readable data for the client (e.g. the allowed transitions).
  const std::vector<std::string>& allowed() const { return allowed_; }
  Error& WithAllowed(std::vector<std::string> allowed) {
    allowed_ = std::move(allowed);
    return *this;
  }

 private:
  ErrorCode code_;
  std::string message_;
  std::string cause_;
  std::vector<FieldError> fields_;
  std::vector<std::string> allowed_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& take_error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

// Result<void>
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
  static Status Ok() { return {}; }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool ok_ = true;
};

}  // namespace guichet

// Propagate an error from an expression yielding Result<T> or Status.
#define GUICHET_TRY(expr)                                \
  do {                                                   \
    auto&& guichet_try_ = (expr);                        \
    if (!guichet_try_.ok()) return guichet_try_.error(); \
  } while (false)
