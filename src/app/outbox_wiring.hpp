// Builds the outbox's policy and the senders of each channel from the
// configuration. A channel left unconfigured (no SMTP URL, no gateway URL)
// keeps its messages waiting (a transient failure) rather than dropping them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/outbox_config.hpp"
#include "domain/outbox_service.hpp"
#include "domain/store.hpp"
#include "domain/templates.hpp"

namespace guichet::app {

domain::OutboxPolicy OutboxPolicyOf(const OutboxConfig& c);

// The notification templates' shipped texts: `[outbox] templates`, else
// <catalogue>/templates, else (no such directory) the ones compiled in.
// Problems (one line each, file:line: …) leave `defaults` empty.
struct TemplateSource {
  domain::TemplateDefaults defaults;
  std::string origin;  // the directory read, or "intégrés"
  std::vector<std::string> problems;
};
TemplateSource TemplateDefaultsOf(const OutboxConfig& c, const std::string& catalogue_dir);

// How many segments an SMS text costs, for the templates' preview.
domain::SmsSize MeasureSmsText(std::string_view text);

class OutboundSenders {
 public:
  OutboundSenders(const OutboxConfig& c, domain::Store& store);
  ~OutboundSenders();
  // For workers::OutboxWorker; valid while this object lives.
  std::map<domain::Channel, domain::Sender*> Map() const;

 private:
  std::map<domain::Channel, std::unique_ptr<domain::Sender>> senders_;
};

}  // namespace guichet::app
