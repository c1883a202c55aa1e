#include "catalogue/templates_file.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "catalogue/reader.hpp"

namespace guichet::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& TemplateDefaultFiles();
}  // namespace guichet::embedded

namespace guichet::catalogue {

namespace {

// `text` is the file of `event` named `name`, or nullopt when it is absent.
void ParseEventFile(const domain::NotificationEvent& event, const std::string& name,
                    const std::optional<std::string>& text, TemplateLoad& out) {
  internal::Report report(out.problems, name);
  if (!text) {
    report.Add(0, "", "fichier absent : chaque notification a le sien");
    return;
  }
  toml::table doc;
  try {
    doc = toml::parse(*text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    report.Add(static_cast<int>(e.source().begin.line), "",
               "TOML invalide : " + std::string(e.description()));
    return;
  }
  const auto channels = domain::TemplateChannels(event.id);
  for (const auto& [key, node] : doc) {
    const auto channel = domain::ParseChannel(key.str());
    if (!channel || std::find(channels.begin(), channels.end(), *channel) == channels.end()) {
      report.Add(internal::LineOf(node), std::string(key.str()),
                 "canal inattendu (attendu : " +
                     std::string(event.about_request ? "email, sms, postal" : "email") + ")");
    }
  }
  for (domain::Channel c : channels) {
    const std::string channel_name(ToString(c));
    const auto* table = doc[channel_name].as_table();
    if (!table) {
      report.Add(0, channel_name, "table [" + channel_name + "] absente");
      continue;
    }
    domain::TemplateText t;
    for (const auto& [key, node] : *table) {
      const auto* value = node.as_string();
      if ((key.str() != "subject" && key.str() != "body") || !value) {
        report.Add(internal::LineOf(node), internal::Child(channel_name, key.str()),
                   "clé inattendue (attendu : subject, body, en chaînes)");
        continue;
      }
      (key.str() == "subject" ? t.subject : t.body) = value->get();
    }
    const std::string id = domain::TemplateId(event.id, c);
    for (const auto& e : domain::TemplateErrors(id, t)) {
      report.Add(internal::LineOf(*table), internal::Child(channel_name, e.field), e.message);
    }
    out.defaults[id] = std::move(t);
  }
}

}  // namespace

TemplateLoad ParseTemplateFiles(const std::map<std::string, std::string>& files,
                                const std::string& prefix) {
  TemplateLoad out;
  for (const auto& event : domain::NotificationEvents()) {
    const std::string file = std::string(event.id) + ".toml";
    auto it = files.find(file);
    ParseEventFile(event, prefix + file,
                   it == files.end() ? std::nullopt : std::optional(it->second), out);
  }
  if (!out.problems.empty()) out.defaults.clear();
  return out;
}

TemplateLoad LoadTemplateDefaults(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& event : domain::NotificationEvents()) {
    const std::string file = std::string(event.id) + ".toml";
    std::ifstream in(dir / file, std::ios::binary);
    if (!in) continue;
    std::ostringstream text;
    text << in.rdbuf();
    files[file] = text.str();
  }
  return ParseTemplateFiles(files, dir.filename().string() + "/");
}

TemplateLoad ShippedTemplateDefaults() {
  std::map<std::string, std::string> files;
  for (const auto& [name, text] : embedded::TemplateDefaultFiles()) {
    files.emplace(std::string(name), std::string(text));
  }
  return ParseTemplateFiles(files, "templates/");
}

}  // namespace guichet::catalogue
