#include "channels/sms/sms_channel.hpp"

#include <nlohmann/json.hpp>

#include "core/digest.hpp"
#include "domain/validation.hpp"

namespace guichet::channels::sms {
namespace {

constexpr size_t kTitleCodePoints = 60;

// The SMS's id as an idempotency key: a retried webhook is a replay.
domain::Idempotency KeyOf(const InboundSms& sms) {
  return {"sms:" + sms.message_sid, Sha256Hex(sms.from + '\n' + sms.body)};
}

// The first words of the text, for the title of a new request.
std::string TitleOf(const InboundSms& sms) {
  std::string title;
  size_t n = 0;
  for (size_t i = 0; i < sms.body.size() && n < kTitleCodePoints; ++n) {
    size_t len = 1;
    const auto b = static_cast<unsigned char>(sms.body[i]);
    if (b >= 0xF0)
      len = 4;
    else if (b >= 0xE0)
      len = 3;
    else if (b >= 0xC0)
      len = 2;
    const std::string cp = sms.body.substr(i, len);
    title += (cp == "\n" || cp == "\r") ? std::string(" ") : cp;
    i += len;
  }
  while (!title.empty() && title.back() == ' ') title.pop_back();
  return title.empty() ? "SMS de " + sms.from : "SMS : " + title;
}

}  // namespace

std::string_view ToString(SmsReceived::Action a) {
  switch (a) {
    case SmsReceived::Action::kOptedOut:
      return "opted_out";
    case SmsReceived::Action::kThreaded:
      return "threaded";
    case SmsReceived::Action::kCreated:
      return "created";
  }
  return "?";
}

SmsChannel::SmsChannel(domain::CaseService& cases, domain::Store& store, const Clock& clock,
                       std::string general_service)
    : cases_(cases), store_(store), clock_(clock), general_service_(std::move(general_service)) {}

void SmsChannel::Receive(InboundSms sms, domain::Done<SmsReceived> done) {
  const domain::Actor actor(domain::Actor::Kind::kSystem);
  if (IsStopKeyword(sms.body)) {
    const std::string phone = sms.from;
    const Timestamp now = clock_.Now();
    store_.Write([phone, now](domain::WriteTx& tx) { return tx.AddSmsOptOut(phone, now); },
                 [done](Status s) {
                   if (!s.ok()) return done(s.error());
                   done(SmsReceived{SmsReceived::Action::kOptedOut, {}, 0, false});
                 });
    return;
  }
  const nlohmann::json data = {
      {"from", sms.from}, {"to", sms.to}, {"message_sid", sms.message_sid}};
  auto open = store_.FindOpenRequestByPhone(sms.from);
  if (open.ok()) {
    // A webhook retried after this SMS opened or joined the request: a replay.
    if (auto events = store_.ListEvents(open->id); events.ok()) {
      for (const auto& e : *events) {
        const auto d = nlohmann::json::parse(e.data_json, nullptr, false);
        if (d.is_object() && d.value("message_sid", "") == sms.message_sid) {
          return done(SmsReceived{SmsReceived::Action::kThreaded, open->reference, e.id, true});
        }
      }
    }
    domain::NewEvent ev;
    ev.kind = domain::EventKind::kMessageIn;
    ev.channel = domain::Channel::kSms;
    ev.body = sms.body;
    ev.data_json = data.dump();
    const std::string reference = open->reference;
    cases_.AddEvent(
        open->id, std::move(ev), actor, std::nullopt, KeyOf(sms),
        [done, reference](Result<domain::EventAdded> r) {
          if (!r.ok()) return done(r.error());
          done(SmsReceived{SmsReceived::Action::kThreaded, reference, r->event.id, r->replayed});
        });
    return;
  }
  if (open.error().code() != ErrorCode::kNotFound) return done(open.error());
  domain::NewRequest in;
  in.service_id = general_service_;
  in.title = TitleOf(sms);
  in.description = sms.body.empty() ? "(SMS vide)" : sms.body;
  in.channel = domain::Channel::kSms;
  in.contact.phone = sms.from;
  in.intake_json = data.dump();
  cases_.Create(std::move(in), actor, KeyOf(sms), [done](Result<domain::Created> r) {
    if (!r.ok()) return done(r.error());
    done(SmsReceived{SmsReceived::Action::kCreated, r->request.reference, 0, r->replayed});
  });
}

}  // namespace guichet::channels::sms
