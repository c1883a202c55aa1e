#include "http/log.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace guichet::http {

void InitLogging(spdlog::level::level_enum level) {
  // The access log must not slow requests down: a background thread writes.
  spdlog::init_thread_pool(32768, 1);
  auto logger = spdlog::create_async_nb<spdlog::sinks::stdout_sink_mt>("guichet");
  logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})",
                      spdlog::pattern_time_type::utc);
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

void LogEvent(spdlog::level::level_enum level, std::string_view msg, const nlohmann::json& fields) {
  auto logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  nlohmann::json line = fields;
  line["msg"] = msg;
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // Strip the outer braces: the pattern supplies them around ts and level.
  logger->log(level, "{}", std::string_view(text).substr(1, text.size() - 2));
}

}  // namespace guichet::http
