#include "app/outbox_wiring.hpp"

#include <filesystem>

#include "catalogue/templates_file.hpp"
#include "channels/outbound/letter_sender.hpp"
#include "channels/outbound/sms_sender.hpp"
#include "channels/outbound/smtp_sender.hpp"
#include "channels/sms/gsm7.hpp"

namespace guichet::app {
namespace {

class Unconfigured final : public domain::Sender {
 public:
  explicit Unconfigured(std::string why) : why_(std::move(why)) {}
  domain::Delivery Send(const domain::OutboxMessage&, const domain::Request*) override {
    return domain::Delivery::Transient(why_);
  }

 private:
  std::string why_;
};

constexpr Timestamp kMicrosPerMilli = 1000;

}  // namespace

domain::OutboxPolicy OutboxPolicyOf(const OutboxConfig& c) {
  domain::OutboxPolicy p;
  p.fallback = domain::SplitChannels(c.fallback);
  p.max_attempts = c.max_attempts;
  p.backoff_base = c.backoff_ms * kMicrosPerMilli;
  p.backoff_cap = c.backoff_cap_ms * kMicrosPerMilli;
  p.lease = c.lease_ms * kMicrosPerMilli;
  return p;
}

TemplateSource TemplateDefaultsOf(const OutboxConfig& c, const std::string& catalogue_dir) {
  TemplateSource out;
  std::filesystem::path dir = c.templates_dir;
  if (dir.empty()) dir = std::filesystem::path(catalogue_dir) / "templates";
  std::error_code ec;
  // An explicit directory must exist; the catalogue's may be left out.
  const bool read_dir = !c.templates_dir.empty() || std::filesystem::is_directory(dir, ec);
  auto load =
      read_dir ? catalogue::LoadTemplateDefaults(dir) : catalogue::ShippedTemplateDefaults();
  out.origin = read_dir ? dir.string() : "intégrés";
  out.defaults = std::move(load.defaults);
  for (const auto& p : load.problems) out.problems.push_back(p.ToString());
  return out;
}

domain::SmsSize MeasureSmsText(std::string_view text) {
  const auto n = channels::sms::MeasureSms(text);
  return {n.encoding == channels::sms::SmsEncoding::kGsm7 ? "GSM-7" : "UCS-2", n.units, n.segments};
}

OutboundSenders::OutboundSenders(const OutboxConfig& c, domain::Store& store) {
  if (c.smtp_url.empty()) {
    senders_[domain::Channel::kEmail] =
        std::make_unique<Unconfigured>("serveur SMTP non configuré ([mail] smtp_url)");
  } else {
    channels::outbound::SmtpOptions o;
    o.url = c.smtp_url;
    o.starttls = c.smtp_starttls;
    o.username = c.smtp_username;
    o.password = c.smtp_password;
    o.from = c.from;
    o.from_name = c.from_name;
    o.reply_local = c.reply_local;
    o.reply_domain = c.reply_domain;
    senders_[domain::Channel::kEmail] = std::make_unique<channels::outbound::SmtpSender>(o);
  }
  if (c.sms_gateway_url.empty()) {
    senders_[domain::Channel::kSms] =
        std::make_unique<Unconfigured>("passerelle SMS non configurée ([sms] gateway_url)");
  } else {
    channels::outbound::SmsGatewayOptions o;
    o.url = c.sms_gateway_url;
    o.format = c.sms_format;
    o.token = c.sms_token;
    o.sender = c.sms_sender;
    o.status_callback = c.sms_status_callback;
    senders_[domain::Channel::kSms] = std::make_unique<channels::outbound::SmsSender>(o, store);
  }
  senders_[domain::Channel::kPostal] =
      std::make_unique<channels::outbound::LetterSender>(channels::outbound::LetterOptions{
          c.postal_spool, c.postal_letterhead, c.postal_letterhead_address, c.postal_logo});
}

OutboundSenders::~OutboundSenders() = default;

std::map<domain::Channel, domain::Sender*> OutboundSenders::Map() const {
  std::map<domain::Channel, domain::Sender*> out;
  for (const auto& [c, s] : senders_) out[c] = s.get();
  return out;
}

}  // namespace guichet::app
