#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "http/api_v1.hpp"

namespace guichet::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& OpenApiDocument();
}

namespace guichet::http {
namespace {

nlohmann::json FromYaml(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& kv : node) j[kv.first.as<std::string>()] = FromYaml(kv.second);
      return j;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& item : node) j.push_back(FromYaml(item));
      return j;
    }
    case YAML::NodeType::Scalar: {
      const std::string s = node.Scalar();
      // Quoted scalars are strings; plain ones may be booleans, null or numbers.
      if (node.Tag() == "!") return s;
      if (s == "true") return true;
      if (s == "false") return false;
      if (s == "null" || s == "~") return nullptr;
      char* end = nullptr;
      const long long i = std::strtoll(s.c_str(), &end, 10);
      if (!s.empty() && *end == '\0') return i;
      const double d = std::strtod(s.c_str(), &end);
      if (!s.empty() && *end == '\0') return d;
      return s;
    }
    default:
      return nullptr;
  }
}

}  // namespace

const std::string& OpenApiJson() {
  static const std::string json = [] {
    const auto& files = embedded::OpenApiDocument();
    return FromYaml(YAML::Load(std::string(files.front().second))).dump();
  }();
  return json;
}

}  // namespace guichet::http
