#include "channels/outbound/smtp_sender.hpp"

#include <curl/curl.h>
#include <gmime/gmime.h>

#include <cstring>
#include <mutex>

#include "channels/curl_body.hpp"

namespace guichet::channels::outbound {
namespace {

void InitLibraries() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    g_mime_init();
  });
}

// Unreferences a GObject when it goes out of scope.
template <typename T>
struct GRef {
  T* p;
  ~GRef() {
    if (p) g_object_unref(p);
  }
};

struct Upload {
  const std::string& text;
  size_t offset = 0;
};

size_t ReadChunk(char* buf, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t len = std::min(size * n, up->text.size() - up->offset);
  std::memcpy(buf, up->text.data() + up->offset, len);
  up->offset += len;
  return len;
}

bool LooksLikeAddress(const std::string& a) {
  const auto at = a.find('@');
  return at != std::string::npos && at > 0 && at + 1 < a.size() &&
         a.find_first_of(" <>\r\n\",;") == std::string::npos;
}

std::string MessageIdFor(const domain::OutboxMessage& m, const domain::Request* request,
                         const SmtpOptions& options) {
  return domain::MessageIdOf(m, request ? std::string_view(request->reference) : "",
                             options.reply_domain);
}

}  // namespace

std::string BuildEmail(const domain::OutboxMessage& m, const domain::Request* request,
                       const SmtpOptions& options) {
  InitLibraries();
  GRef<GMimeMessage> message{g_mime_message_new(TRUE)};
  g_mime_message_add_mailbox(message.p, GMIME_ADDRESS_TYPE_FROM, options.from_name.c_str(),
                             options.from.c_str());
  g_mime_message_add_mailbox(message.p, GMIME_ADDRESS_TYPE_TO, nullptr, m.recipient.c_str());
  if (request) {
    const std::string reply =
        options.reply_local + "+" + request->reference + "@" + options.reply_domain;
    g_mime_message_add_mailbox(message.p, GMIME_ADDRESS_TYPE_REPLY_TO, options.from_name.c_str(),
                               reply.c_str());
  }
  const std::string subject =
      m.subject.empty() && request ? "Votre demande " + request->reference : m.subject;
  g_mime_message_set_subject(message.p, subject.c_str(), "utf-8");
  g_mime_message_set_message_id(message.p, MessageIdFor(m, request, options).c_str());
  if (!m.in_reply_to.empty()) {
    // RFC 5322 §3.6.4: the citizen's mail client threads the answer under theirs.
    const std::string id = "<" + m.in_reply_to + ">";
    g_mime_object_set_header(GMIME_OBJECT(message.p), "In-Reply-To", id.c_str(), nullptr);
    g_mime_object_set_header(GMIME_OBJECT(message.p), "References", id.c_str(), nullptr);
  }
  GDateTime* date = g_date_time_new_from_unix_utc(m.created_at / 1'000'000);
  g_mime_message_set_date(message.p, date);
  g_date_time_unref(date);
  // RFC 3834: an automatic message; well-behaved responders do not answer it.
  g_mime_object_set_header(GMIME_OBJECT(message.p), "Auto-Submitted", "auto-generated", nullptr);
  if (request) {
    g_mime_object_set_header(GMIME_OBJECT(message.p), "X-Guichet-Reference",
                             request->reference.c_str(), nullptr);
  }
  GRef<GMimeTextPart> part{g_mime_text_part_new_with_subtype("plain")};
  // The body stays UTF-8 (set_text would pick the "best" charset, often Latin-1).
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(m.body.data(), m.body.size());
  GMimeDataWrapper* content =
      g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_object_unref(stream);
  g_mime_part_set_content(GMIME_PART(part.p), content);
  g_object_unref(content);
  g_mime_text_part_set_charset(part.p, "utf-8");
  g_mime_part_set_content_encoding(GMIME_PART(part.p), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_mime_message_set_mime_part(message.p, GMIME_OBJECT(part.p));

  GMimeFormatOptions* format = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
  char* text = g_mime_object_to_string(GMIME_OBJECT(message.p), format);
  g_mime_format_options_free(format);
  std::string out(text ? text : "");
  g_free(text);
  return out;
}

SmtpSender::SmtpSender(SmtpOptions options) : options_(std::move(options)), curl_(nullptr) {
  InitLibraries();
}

SmtpSender::~SmtpSender() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

domain::Delivery SmtpSender::Send(const domain::OutboxMessage& m, const domain::Request* request) {
  if (!LooksLikeAddress(m.recipient)) {
    return domain::Delivery::Permanent("adresse électronique invalide");
  }
  const std::string text = BuildEmail(m, request, options_);
  if (!curl_) curl_ = curl_easy_init();
  CURL* h = static_cast<CURL*>(curl_);
  if (!h) return domain::Delivery::Transient("libcurl indisponible");
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  if (options_.starttls) curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!options_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, options_.password.c_str());
  }
  const std::string from = "<" + options_.from + ">";
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_slist* rcpt = curl_slist_append(nullptr, ("<" + m.recipient + ">").c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
  Upload up{text};
  curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadChunk);
  curl_easy_setopt(h, CURLOPT_READDATA, &up);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout.count()));
  const CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(rcpt);
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  if (rc == CURLE_OK) return domain::Delivery::Sent(MessageIdFor(m, request, options_));
  const std::string why = code >= 400
                              ? "refusé par le serveur SMTP (code " + std::to_string(code) + ")"
                              : "serveur SMTP : " + CurlFailure(rc);
  // A refused login is our configuration's fault, not the recipient's.
  if (rc == CURLE_LOGIN_DENIED) return domain::Delivery::Transient(why);
  // 5xx: the server refuses this recipient for good (hard bounce).
  if (code >= 500 && code < 600) return domain::Delivery::Permanent(why);
  return domain::Delivery::Transient(why);
}

}  // namespace guichet::channels::outbound
