// libFuzzer target: the inbound mail parser (GMime + libxml2) must return on
// any bytes — no crash, no leak, no undefined behaviour — and what it returns
// must be valid UTF-8 without NUL bytes (what the store accepts).
#include <glib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "channels/mail/message.hpp"

namespace {

void CheckText(const std::string& s) {
  if (!g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr)) std::abort();
  if (s.find('\0') != std::string::npos) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace guichet::channels::mail;
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  ParsedMail m = ParseMail(raw);
  CheckText(m.text);
  CheckText(m.subject);
  CheckText(m.from_name);
  for (const auto& a : m.attachments) CheckText(a.filename);
  CheckText(DisplayText(m.text));
  // HtmlToText takes UTF-8, as ParseMail gives it.
  gchar* html = g_utf8_make_valid(raw.data(), static_cast<gssize>(std::min<size_t>(size, 4096)));
  CheckText(HtmlToText(html));
  g_free(html);
  return 0;
}
