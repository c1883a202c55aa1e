// Notification templates: the text of every message Guichet sends a
// citizen, per event (acknowledgement, agent's reply, status change, account
// mails) and channel (email: subject + text; SMS: text; letter: subject +
// text). Shipped defaults are files (catalogue/templates/, read by
// src/catalogue/templates_file.cpp); a platform administrator overrides
// them through the API, the override being stored (notification_templates).
// Templates are text with `{{ variable }}` holes (domain/placeholders.hpp);
// a template naming a variable its event does not have is refused.
//
// The outbox renders a message through the template of its event and of the
// channel it goes out on at the moment it is sent, so that a message falling
// back from email to SMS or to a letter gets that channel's text.
//
// Thread-safe: the defaults are immutable, overrides are read from the store.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "domain/case_service.hpp"
#include "domain/placeholders.hpp"
#include "domain/store.hpp"

namespace guichet::domain {

// One kind of notification and what its templates may use.
struct NotificationEvent {
  std::string_view id;     // "reply"
  std::string_view label;  // French, for the administrator
  bool about_request;      // request events go out on every channel; account mails by email only
};
const std::vector<NotificationEvent>& NotificationEvents();
// The variables of an event's templates (empty for an unknown event).
std::vector<std::string> TemplateVariables(std::string_view event);
// The channels an event's templates exist for.
std::vector<Channel> TemplateChannels(std::string_view event);
// "reply.sms" ⇄ (event, channel); nullopt for an id no template has.
std::string TemplateId(std::string_view event, Channel channel);
std::optional<std::pair<std::string, Channel>> ParseTemplateId(std::string_view id);
// Every template id, in a stable order (events, then email, sms, postal).
std::vector<std::string> TemplateIds();

struct TemplateText {
  std::string subject;  // empty for SMS
  std::string body;
};
using TemplateDefaults = std::map<std::string, TemplateText>;  // by template id

// Field errors (`subject`, `body`) of a template text for `id`, in French.
std::vector<FieldError> TemplateErrors(std::string_view id, const TemplateText& t);

// The size of an SMS, measured by the SMS channel (channels/sms/gsm7.hpp),
// which the domain does not include: the app passes it in.
struct SmsSize {
  std::string encoding;  // "GSM-7" or "UCS-2"
  int units = 0;
  int segments = 0;
};
using SmsMeasure = std::function<SmsSize(std::string_view)>;

struct NotificationTemplate {
  std::string id;
  std::string event;
  Channel channel = Channel::kEmail;
  std::string label;
  TemplateText text;      // in use: the override, else the default
  TemplateText defaults;  // shipped
  bool customised = false;
  std::optional<Timestamp> updated_at;
  std::string updated_by;
  std::vector<std::string> variables;
};

struct RenderedMessage {
  std::string subject;
  std::string body;
  std::optional<SmsSize> sms;  // SMS templates only
};

// Values the templates of `event` are previewed with when none are given.
PlaceholderValues SampleValues(std::string_view event);

inline constexpr size_t kMaxTemplateSubject = 300;  // characters
inline constexpr size_t kMaxTemplateBody = 20'000;  // characters, like a message
inline constexpr size_t kMaxPreviewValue = 20'000;  // characters of one given variable

class TemplateService {
 public:
  // `defaults` must hold every id of TemplateIds() (the loader checks it).
  TemplateService(Store& store, CaseService& cases, const Clock& clock, TemplateDefaults defaults,
                  SmsMeasure measure, std::string public_url);

  Result<std::vector<NotificationTemplate>> List() const;
  Result<NotificationTemplate> Get(const std::string& id) const;
  // Stores the administrator's version; kInvalidArgument with field errors
  // (unknown variable, syntax, length), kNotFound for an unknown id.
  void Put(const std::string& id, TemplateText text, Actor actor, Done<NotificationTemplate> done);
  // Drops the administrator's version: the shipped default is used again
  // (also when there was no override). kNotFound for an unknown id.
  void Reset(const std::string& id, Done<NotificationTemplate> done);
  // Renders `id` (or `draft` when given, checked like Put) with the sample
  // values of its event overlaid with `given`; kInvalidArgument for a given
  // variable the event does not have.
  Result<RenderedMessage> Preview(const std::string& id, const std::optional<TemplateText>& draft,
                                  const PlaceholderValues& given) const;

  // What the outbox sends: the template in use for (event, channel) filled
  // with `values`; the default when the stored override cannot be read.
  RenderedMessage Render(std::string_view event, Channel channel,
                         const PlaceholderValues& values) const;
  // The variables of a message about `r`: `message` is the text the event
  // carries (the agent's reply, the procedure's notification), `subject`
  // its subject.
  PlaceholderValues RequestValues(const Request& r, const std::string& message,
                                  const std::string& subject) const;
  // The variables of an account mail: the link to open.
  PlaceholderValues AccountValues(const std::string& link) const;

 private:
  RenderedMessage Fill(std::string_view id, Channel channel, const TemplateText& t,
                       const PlaceholderValues& values) const;
  Result<NotificationTemplate> Build(const std::string& id,
                                     const std::optional<TemplateOverride>& o) const;

  Store& store_;
  CaseService& cases_;
  const Clock& clock_;
  const TemplateDefaults defaults_;
  const SmsMeasure measure_;
  const std::string public_url_;
};

}  // namespace guichet::domain
