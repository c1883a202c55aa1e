// The libcurl write callback the channels share: appends the answer to the
// std::string given as CURLOPT_WRITEDATA, at most `kLimit` bytes; a longer
// answer aborts the transfer (CURLE_WRITE_ERROR).
#pragma once

#include <cstddef>
#include <string>

namespace guichet::channels {

template <std::size_t kLimit>
std::size_t CollectUpTo(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const std::size_t len = size * n;
  if (out->size() + len > kLimit) return 0;
  out->append(data, len);
  return len;
}

}  // namespace guichet::channels
