// Implementation of AwaitCallback (included by server.hpp).
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace guichet::http {

template <typename T, typename Start>
asio::awaitable<T> AwaitCallback(Start start) {
  auto ex = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(T)>(
      [ex, &start](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        start([ex, h](T value) mutable {
          asio::post(ex, [h, v = std::move(value)]() mutable { (*h)(std::move(v)); });
        });
      },
      asio::use_awaitable);
}

}  // namespace guichet::http
