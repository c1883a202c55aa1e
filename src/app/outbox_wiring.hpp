// Builds the outbox's policy and the senders of each channel from the
// configuration. A channel left unconfigured (no SMTP URL, no gateway URL)
// keeps its messages waiting (a transient failure) rather than dropping them.
#pragma once

#include <map>
#include <memory>

#include "app/outbox_config.hpp"
#include "domain/outbox_service.hpp"
#include "domain/store.hpp"

namespace guichet::app {

domain::OutboxPolicy OutboxPolicyOf(const OutboxConfig& c);

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
