// Limits at the edge of the server: named here, in one place.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

namespace guichet::http {

// JSON bodies of the API; files travel through their own upload endpoints.
inline constexpr std::size_t kBodyLimit = 1 << 20;  // 1 MiB
// Files sent to POST /api/v1/uploads: the largest limit a form field may set
// (domain::kMaxUploadBytes, 10 MiB), checked again on the content.
inline constexpr std::size_t kUploadBodyLimit = 10 << 20;
inline constexpr const char* kUploadPath = "/api/v1/uploads";
// Raw mail posted by `guichet mailgate`: channels::mail::kMaxMessageBytes.
inline constexpr std::size_t kMailBodyLimit = 32 << 20;
inline constexpr const char* kMailInboundPath = "/api/v1/channels/mail/inbound";
// The largest body any route accepts: what Beast allows while reading headers.
inline constexpr std::size_t kLargestBodyLimit =
    kMailBodyLimit > kUploadBodyLimit ? kMailBodyLimit : kUploadBodyLimit;

// The body limit of a request target (path and query).
constexpr std::size_t BodyLimitFor(std::string_view target) {
  if (target.starts_with(kMailInboundPath)) return kMailBodyLimit;
  if (target.starts_with(kUploadPath)) return kUploadBodyLimit;
  return kBodyLimit;
}
// Browsers send a few KiB of headers; more is an attack or a bug.
inline constexpr std::size_t kHeaderLimit = 16 << 10;  // 16 KiB
// A client that sends nothing for this long is dropped, freeing its slot.
inline constexpr auto kReadTimeout = std::chrono::seconds(30);
// Time to write a response before the connection is abandoned.
inline constexpr auto kWriteTimeout = std::chrono::seconds(30);
// Past this many open connections new ones are closed at once (fd budget).
inline constexpr std::size_t kMaxConnections = 10'000;
// On shutdown, in-flight requests get this long to finish.
inline constexpr auto kDrainTimeout = std::chrono::seconds(10);
// Page sizes of list endpoints.
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 100;

}  // namespace guichet::http
