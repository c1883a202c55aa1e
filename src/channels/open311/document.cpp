#include "channels/open311/document.hpp"

namespace guichet::channels::open311 {
namespace {

void WriteXml(const Node& n, std::string& out) {
  out += '<';
  out += n.name;
  if (n.kind == Node::Kind::kScalar) {
    if (n.value.is_null()) {
      out += "/>";
      return;
    }
    out += '>';
    out += XmlEscape(n.value.is_string() ? n.value.get<std::string>() : n.value.dump());
  } else {
    out += '>';
    for (const auto& c : n.children) WriteXml(c, out);
  }
  out += "</";
  out += n.name;
  out += '>';
}

// Ordered: members come out in the order of the spec's tables, as in XML.
nlohmann::ordered_json ToJson(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kScalar:
      return nlohmann::ordered_json(n.value);
    case Node::Kind::kList: {
      auto a = nlohmann::ordered_json::array();
      for (const auto& c : n.children) a.push_back(ToJson(c));
      return a;
    }
    case Node::Kind::kObject: {
      auto o = nlohmann::ordered_json::object();
      for (const auto& c : n.children) o[c.name] = ToJson(c);
      return o;
    }
  }
  return nullptr;
}

}  // namespace

Node Node::Scalar(std::string name, nlohmann::json value) {
  Node n;
  n.name = std::move(name);
  n.value = std::move(value);
  return n;
}

Node Node::TextOrNull(std::string name, const std::string& text) {
  return Scalar(std::move(name), text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text));
}

Node Node::Object(std::string name, std::vector<Node> children) {
  Node n;
  n.name = std::move(name);
  n.kind = Kind::kObject;
  n.children = std::move(children);
  return n;
}

Node Node::List(std::string name, std::vector<Node> children) {
  Node n = Object(std::move(name), std::move(children));
  n.kind = Kind::kList;
  return n;
}

Node& Node::Add(Node child) {
  children.push_back(std::move(child));
  return children.back();
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;  // a raw CR would be read back as LF
      default:
        // XML 1.0 has no way to carry these, not even as references.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') break;
        out += c;
    }
  }
  return out;
}

std::string RenderXml(const Node& root) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  WriteXml(root, out);
  out += '\n';
  return out;
}

std::string RenderJson(const Node& root) {
  // Text was checked to be UTF-8 on the way in; replace rather than throw if not.
  return ToJson(root).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace guichet::channels::open311
