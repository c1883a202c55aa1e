#include "catalogue/templates_file.hpp"

#include <algorithm>
#include <system_error>

#include "catalogue/reader.hpp"

namespace guichet::catalogue {

TemplateLoad LoadTemplateDefaults(const std::filesystem::path& dir) {
  TemplateLoad out;
  const std::string dir_name = dir.filename().string();
  for (const auto& event : domain::NotificationEvents()) {
    const std::string file = std::string(event.id) + ".toml";
    internal::Report report(out.problems, dir_name + "/" + file);
    toml::table doc;
    try {
      doc = toml::parse_file((dir / file).string());
    } catch (const toml::parse_error& e) {
      const bool missing = !std::filesystem::exists(dir / file);
      report.Add(missing ? 0 : static_cast<int>(e.source().begin.line), "",
                 missing ? "fichier absent : chaque notification a le sien"
                         : "TOML invalide : " + std::string(e.description()));
      continue;
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
      const std::string name(ToString(c));
      const auto* table = doc[name].as_table();
      if (!table) {
        report.Add(0, name, "table [" + name + "] absente");
        continue;
      }
      domain::TemplateText text;
      for (const auto& [key, node] : *table) {
        const auto* value = node.as_string();
        if ((key.str() != "subject" && key.str() != "body") || !value) {
          report.Add(internal::LineOf(node), internal::Child(name, key.str()),
                     "clé inattendue (attendu : subject, body, en chaînes)");
          continue;
        }
        (key.str() == "subject" ? text.subject : text.body) = value->get();
      }
      const std::string id = domain::TemplateId(event.id, c);
      for (const auto& e : domain::TemplateErrors(id, text)) {
        report.Add(internal::LineOf(*table), internal::Child(name, e.field), e.message);
      }
      out.defaults[id] = std::move(text);
    }
  }
  if (!out.problems.empty()) out.defaults.clear();
  return out;
}

}  // namespace guichet::catalogue
