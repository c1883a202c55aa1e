// Structured JSON logs: one JSON object per line on stdout. The logger's
// pattern writes ts and level; LogEvent adds the message and fields. Secrets
// (passwords, tokens, keys) are never passed here.
#pragma once

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <string_view>

namespace guichet::http {

// Installs the default logger (asynchronous, UTC timestamps, JSON lines).
void InitLogging(spdlog::level::level_enum level);
void LogEvent(spdlog::level::level_enum level, std::string_view msg,
              const nlohmann::json& fields = nlohmann::json::object());

}  // namespace guichet::http
