#include "domain/store.hpp"

#include <future>

#include "core/digest.hpp"

namespace guichet::domain {

namespace {
constexpr std::size_t kUploadIdBytes = 16;  // 128 bits: unguessable upload ids
}  // namespace

Upload NewUpload(std::string filename, std::string content_type, std::string_view bytes,
                 Timestamp at) {
  Upload u;
  u.id = RandomToken(kUploadIdBytes);
  u.filename = std::move(filename);
  u.content_type = std::move(content_type);
  u.size = static_cast<std::int64_t>(bytes.size());
  u.sha256 = Sha256Hex(bytes);
  u.created_at = at;
  return u;
}

Status Store::WriteSync(WriteOp op) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  Write(std::move(op), [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

}  // namespace guichet::domain
