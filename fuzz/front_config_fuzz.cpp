// libFuzzer, differential: the front's own reader of the configuration
// (src/front/front_config.c, three keys of a TOML file, plain forms only)
// against toml++, which the full program uses. Whatever both read must be
// read alike: same server, same secret, same timeout. A file the front's
// reader refuses goes to the full program, so only agreement matters.
#define TOML_HEADER_ONLY 1
#include <toml++/toml.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "front/front.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  gf_config front;
  gf_config_init(&front);
  if (gf_read_config_text(text.data(), text.size(), &front) != 1) return 0;
  toml::table table;
  try {
    table = toml::parse(text);
  } catch (const toml::parse_error&) {
    return 0;  // the full program refuses the file: no server reads it either
  }
  gf_config expected;
  gf_config_init(&expected);
  if (auto node = table["server"]["listen"]) {
    const auto* s = node.as_string();
    if (!s || !gf_parse_listen(s->get().data(), s->get().size(), &expected)) std::abort();
  }
  if (auto node = table["mail"]["ingest_secret"]) {
    const auto* s = node.as_string();
    if (!s || s->get().size() >= sizeof expected.secret) std::abort();
    std::memcpy(expected.secret, s->get().c_str(), s->get().size() + 1);
  }
  if (auto node = table["mail"]["ingest_timeout_seconds"]) {
    const auto* i = node.as_integer();
    if (!i) std::abort();
    expected.timeout_seconds = static_cast<int>(i->get());
  }
  if (std::strcmp(front.host, expected.host) != 0 || front.port != expected.port ||
      std::strcmp(front.secret, expected.secret) != 0 ||
      front.timeout_seconds != expected.timeout_seconds) {
    std::abort();
  }
  return 0;
}
