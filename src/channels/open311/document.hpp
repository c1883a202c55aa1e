// One answer of the Open311 endpoint as a tree, written out as XML or as
// JSON by the GeoReport v2 convention (the "Spark" mapping): JSON drops the
// root element, and a list element becomes an array of its children. Writing
// both formats from one tree keeps them from drifting apart.
//
// Output only: nothing here reads XML. Value types; thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace guichet::channels::open311 {

struct Node {
  enum class Kind { kScalar, kObject, kList };
  std::string name;
  Kind kind = Kind::kScalar;
  nlohmann::json value;  // kScalar: string, number, boolean or null
  std::vector<Node> children;

  static Node Scalar(std::string name, nlohmann::json value);
  // Text, or null when empty (an empty element in XML).
  static Node TextOrNull(std::string name, const std::string& text);
  static Node Object(std::string name, std::vector<Node> children = {});
  static Node List(std::string name, std::vector<Node> children = {});
  Node& Add(Node child);
};

// `<?xml version="1.0" encoding="UTF-8"?>` then the tree, escaped. Control
// characters XML 1.0 cannot carry are dropped.
std::string RenderXml(const Node& root);
// The root's value: an array for a list, an object otherwise.
std::string RenderJson(const Node& root);

// Escapes text for element content and attribute values.
std::string XmlEscape(std::string_view text);

}  // namespace guichet::channels::open311
