// The libcurl write callback the channels share: appends the answer to the
// std::string given as CURLOPT_WRITEDATA, at most `kLimit` bytes; a longer
// answer aborts the transfer (CURLE_WRITE_ERROR).
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <string>

namespace guichet::channels {

// What a failed transfer says to an agent (the outbox's last error, the
// timeline): French for the failures a town hall meets, libcurl's English
// text in brackets otherwise.
inline std::string CurlFailure(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      return "serveur injoignable (connexion refusée)";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "nom du serveur inconnu (DNS)";
    case CURLE_OPERATION_TIMEDOUT:
      return "le serveur n’a pas répondu à temps";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return "connexion chiffrée (TLS) impossible";
    case CURLE_LOGIN_DENIED:
      return "identifiants refusés par le serveur";
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
      return "connexion interrompue par le serveur";
    default:
      return std::string("échec de la connexion (") + curl_easy_strerror(rc) + ")";
  }
}

template <std::size_t kLimit>
std::size_t CollectUpTo(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const std::size_t len = size * n;
  if (out->size() + len > kLimit) return 0;
  out->append(data, len);
  return len;
}

}  // namespace guichet::channels
