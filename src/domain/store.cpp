#include "domain/store.hpp"

#include <future>

namespace guichet::domain {

Status Store::WriteSync(WriteOp op) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  Write(std::move(op), [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

}  // namespace guichet::domain
