#include "catalogue/templates_file.hpp"

#include <gtest/gtest.h>

namespace guichet::catalogue {
namespace {

TEST(ShippedTemplates, AreCompleteAndValid) {
  const auto load = ShippedTemplateDefaults();
  for (const auto& p : load.problems) ADD_FAILURE() << p.ToString();
  for (const auto& id : domain::TemplateIds()) EXPECT_TRUE(load.defaults.count(id)) << id;
  // An SMS that is only the agent's words costs what they cost.
  EXPECT_EQ(load.defaults.at("reply.sms").body, "{{ message }}");
}

TEST(TemplateFiles, ReportEveryProblemWithItsFileAndLine) {
  auto files = std::map<std::string, std::string>();
  for (const auto& event : domain::NotificationEvents()) {
    files[std::string(event.id) + ".toml"] =
        event.about_request
            ? "[email]\nsubject = \"{{ reference }}\"\nbody = \"{{ message }}\"\n"
              "[sms]\nbody = \"{{ message }}\"\n[postal]\nsubject = \"x\"\nbody = \"y\"\n"
            : "[email]\nsubject = \"x\"\nbody = \"{{ link }}\"\n";
  }
  EXPECT_TRUE(ParseTemplateFiles(files, "templates/").problems.empty());
  files["reply.toml"] =
      "[email]\nsubject = \"{{ reference }}\"\nbody = \"{{ lien }}\"\n[sms]\nbody = \"x\"\n"
      "[fax]\nbody = \"x\"\n";
  files.erase("account_verify.toml");
  const auto load = ParseTemplateFiles(files, "templates/");
  EXPECT_TRUE(load.defaults.empty());
  std::vector<std::string> lines;
  for (const auto& p : load.problems) lines.push_back(p.ToString());
  ASSERT_EQ(lines.size(), 4u) << ::testing::PrintToString(lines);
  const std::string all = ::testing::PrintToString(lines);
  EXPECT_NE(all.find("templates/account_verify.toml"), std::string::npos) << all;
  EXPECT_NE(all.find("lien"), std::string::npos) << all;
  EXPECT_NE(all.find("fax"), std::string::npos) << all;
  EXPECT_NE(all.find("[postal] absente"), std::string::npos) << all;
}

}  // namespace
}  // namespace guichet::catalogue
