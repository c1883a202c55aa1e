#include "channels/outbound/sms_sender.hpp"

#include <curl/curl.h>

#include <nlohmann/json.hpp>

#include "channels/curl_body.hpp"
#include "channels/sms/gsm7.hpp"

namespace guichet::channels::outbound {
namespace {

constexpr size_t kMaxAnswer = 64 * 1024;  // a gateway's answer is a small JSON object

std::string Escape(CURL* h, const std::string& s) {
  char* e = curl_easy_escape(h, s.c_str(), static_cast<int>(s.size()));
  std::string out(e ? e : "");
  curl_free(e);
  return out;
}

}  // namespace

SmsSender::SmsSender(SmsGatewayOptions options, domain::Store& store)
    : options_(std::move(options)), store_(store), curl_(nullptr) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

SmsSender::~SmsSender() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

domain::Delivery SmsSender::Send(const domain::OutboxMessage& m, const domain::Request*) {
  if (m.recipient.empty() || m.recipient[0] != '+') {
    return domain::Delivery::Permanent("numéro de téléphone invalide");
  }
  auto opted_out = store_.IsSmsOptedOut(m.recipient);
  if (!opted_out.ok()) return domain::Delivery::Transient(opted_out.error().message());
  if (*opted_out) return domain::Delivery::Permanent("numéro désinscrit des SMS (STOP)");
  if (options_.url.empty()) return domain::Delivery::Transient("passerelle SMS non configurée");

  if (!curl_) curl_ = curl_easy_init();
  CURL* h = static_cast<CURL*>(curl_);
  if (!h) return domain::Delivery::Transient("libcurl indisponible");
  curl_easy_reset(h);
  const auto length = sms::MeasureSms(m.body);
  std::string body;
  curl_slist* headers = nullptr;
  if (options_.format == "json") {
    nlohmann::json json_body{
        {"from", options_.sender},
        {"to", m.recipient},
        {"body", m.body},
        {"encoding", length.encoding == sms::SmsEncoding::kGsm7 ? "GSM-7" : "UCS-2"},
        {"segments", length.segments}};
    if (!options_.status_callback.empty()) json_body["status_callback"] = options_.status_callback;
    body = json_body.dump();
    headers = curl_slist_append(headers, "Content-Type: application/json");
  } else {
    body = "From=" + Escape(h, options_.sender) + "&To=" + Escape(h, m.recipient) +
           "&Body=" + Escape(h, m.body);
    if (!options_.status_callback.empty()) {
      body += "&StatusCallback=" + Escape(h, options_.status_callback);
    }
    headers = curl_slist_append(headers, "Content-Type: application/x-www-form-urlencoded");
  }
  headers = curl_slist_append(headers, ("Idempotency-Key: guichet-" + std::to_string(m.id) + "-" +
                                        std::to_string(m.created_at))
                                           .c_str());
  if (!options_.token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + options_.token).c_str());
  }
  std::string answer;
  curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &CollectUpTo<kMaxAnswer>);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout.count()));
  const CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK) return domain::Delivery::Transient("passerelle SMS : " + CurlFailure(rc));
  const auto json = nlohmann::json::parse(answer, nullptr, false);
  if (status >= 200 && status < 300) {
    std::string sid;
    if (json.is_object() && json.contains("sid") && json["sid"].is_string()) sid = json["sid"];
    return domain::Delivery::Sent(sid);
  }
  std::string why = "passerelle SMS : HTTP " + std::to_string(status);
  if (json.is_object() && json.contains("message") && json["message"].is_string()) {
    why += " — " + json["message"].get<std::string>();
  }
  if (status == 400 || status == 404 || status == 410 || status == 422) {
    return domain::Delivery::Permanent(why);
  }
  return domain::Delivery::Transient(why);
}

}  // namespace guichet::channels::outbound
