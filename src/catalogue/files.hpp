// Internal to the catalogue module: one workflow file, one service file,
// read into domain values plus the source lines the checks between files
// (loader.cpp) need to point at.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalogue/reader.hpp"
#include "domain/procedure.hpp"

namespace guichet::catalogue::internal {

// An action of a workflow and where it was written.
struct ActionSite {
  std::string status;  // the status it runs on entering
  domain::Action action;
  int line = 0;
  std::string path;  // "statuses[1].actions[0]"
};

struct WorkflowFile {
  std::string id;
  std::string initial;
  std::vector<domain::WorkflowStatus> statuses;
  std::vector<domain::Transition> transitions;
  std::vector<ActionSite> actions;
};

// Reads and checks one workflow on its own (teams are checked later).
WorkflowFile ReadWorkflow(const toml::table& root, std::string id, Report& report);

struct ServiceFile {
  domain::Procedure procedure;
  int team_line = 0;
  int workflow_line = 0;
  // The line of each deadline's on_expiry (0 when it has none), by index.
  std::vector<int> on_expiry_lines;
};

// Reads and checks one procedure on its own (its team and workflow are
// checked later).
ServiceFile ReadService(const toml::table& root, std::string slug, Report& report);

}  // namespace guichet::catalogue::internal
