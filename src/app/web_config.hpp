// From the configuration to what the web routes need (issue #7).
#pragma once

#include <string>

#include "app/config.hpp"
#include "http/api_web.hpp"

namespace guichet::app {

http::PortalInfo PortalInfoOf(const Config& c);
// "https://tiles.example.org/{z}/{x}/{y}.png" → "https://tiles.example.org"; "" → "".
std::string OriginOf(const std::string& url);

}  // namespace guichet::app
