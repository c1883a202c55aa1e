#include "channels/mail/intake.hpp"

#include <algorithm>
#include <future>
#include <nlohmann/json.hpp>

#include "core/digest.hpp"
#include "core/reference.hpp"
#include "core/text.hpp"
#include "domain/outbox.hpp"
#include "domain/validation.hpp"

namespace guichet::channels::mail {
namespace {

using domain::Event;
using domain::EventKind;
using domain::WriteTx;
using nlohmann::json;

constexpr std::size_t kUploadIdBytes = 24;  // the raw message's upload: its SHA-256 is p->sha256
constexpr std::size_t kMaxFullTextBytes = 256 * 1024;  // kept on the event beyond the display text
constexpr const char* kNoText = "(message sans texte)";

// At most `max` code points of valid UTF-8 `s`.
std::string TruncateUtf8(const std::string& s, std::size_t max) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && count++ == max) return s.substr(0, i);
  }
  return s;
}

// The detail of a plus-address: "demarches+gu-2026-7kq4mx@x" → "gu-2026-7kq4mx".
std::string PlusDetail(const std::string& address) {
  const auto at = address.find('@');
  const auto plus = address.find('+');
  if (plus == std::string::npos || at == std::string::npos || plus > at) return "";
  return address.substr(plus + 1, at - plus - 1);
}

std::string WithoutPlus(const std::string& address) {
  const auto at = address.find('@');
  const auto plus = address.find('+');
  if (plus == std::string::npos || at == std::string::npos || plus > at) return address;
  return address.substr(0, plus) + address.substr(at);
}

}  // namespace

std::vector<std::string> ReferencesIn(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; };
    while (i < text.size() && !word(text[i])) ++i;
    std::size_t j = i;
    while (j < text.size() && word(text[j])) ++j;
    if (j > i) {
      const std::string ref = NormalizeReference(text.substr(i, j - i));
      if (LooksLikeReference(ref)) out.push_back(ref);
    }
    i = j;
  }
  return out;
}

// Everything worked out before the write, immutable once built: a write op
// that runs twice starts from the same values.
struct MailIntake::Prepared {
  std::string raw;
  std::string sha256;
  ParsedMail mail;
  Timestamp now = 0;
  domain::Upload raw_upload;
  std::vector<std::pair<domain::Upload, std::string>> files;
  std::vector<std::string> flags;
  std::string no_ack_reason;  // "" when an acknowledgement may go
  std::string body;           // the display text, within the timeline's limit
  std::string event_data;     // JSON of the message_in event
  std::optional<std::int64_t> citizen_id;
};

namespace {

// The raw message, its attachments (each with a timeline event when the
// request is known) and the mail_messages row.
Status WriteRecords(WriteTx& tx, const MailIntake::Prepared& p, std::optional<std::int64_t> request,
                    const std::string& disposition, bool acknowledged,
                    const std::vector<std::string>& extra_flags) {
  domain::Upload raw = p.raw_upload;
  raw.request_id = request;
  GUICHET_TRY(tx.InsertUpload(raw, p.raw));
  for (const auto& [file, bytes] : p.files) {
    domain::Upload u = file;
    u.request_id = request;
    GUICHET_TRY(tx.InsertUpload(u, bytes));
    if (!request) continue;
    Event a;
    a.request_id = *request;
    a.kind = EventKind::kAttachment;
    a.channel = domain::Channel::kEmail;
    a.author = "system";
    a.data_json = json{{"upload", u.id}, {"filename", u.filename}}.dump();
    a.created_at = p.now;
    GUICHET_TRY(tx.AppendEvent(a));
  }
  domain::MailMessage m;
  m.sha256 = p.sha256;
  m.message_id = p.mail.message_id;
  m.sender = p.mail.from_address;
  m.subject = TruncateUtf8(p.mail.subject, 500);
  m.disposition = disposition;
  std::vector<std::string> flags = p.flags;
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  m.flags_json = json(flags).dump();
  m.request_id = request;
  m.raw_upload_id = p.raw_upload.id;
  m.acknowledged = acknowledged;
  m.received_at = p.now;
  return tx.InsertMailMessage(m);
}

// A DSN that reports delivery only: a receipt, not a bounce.
bool OnlyDelivered(const ParsedMail& m) {
  return !m.failures.empty() &&
         std::all_of(m.failures.begin(), m.failures.end(),
                     [](const DeliveryFailure& f) { return f.action == "delivered"; });
}

// The DSN's word on the outbox rows it reports on (Message-IDs of ours):
// delivered, or failed with the status and diagnostic.
Status RecordReceipts(WriteTx& tx, const ParsedMail& m, Timestamp now) {
  for (const auto& f : m.failures) {
    const bool delivered = f.action == "delivered";
    const bool failed = f.action == "failed" || (!f.status.empty() && f.status[0] == '5');
    if (!delivered && !failed) continue;  // "delayed", "relayed": not the last word
    std::string detail = f.status;
    if (!f.diagnostic.empty()) detail += (detail.empty() ? "" : " ") + f.diagnostic;
    for (const auto& id : m.original_message_ids) {
      if (auto outbox_id = domain::OutboxIdOfMessageId(id)) {
        GUICHET_TRY(
            domain::RecordReceipt(tx, *outbox_id, delivered, TruncateUtf8(detail, 500), now));
      }
    }
  }
  return Status::Ok();
}

Status MarkFailures(WriteTx& tx, const ParsedMail& m, Timestamp now) {
  GUICHET_TRY(RecordReceipts(tx, m, now));
  for (const auto& f : m.failures) {
    // "delayed" or "delivered" reports say nothing against the address.
    if (f.action != "failed" && (f.status.empty() || f.status[0] != '5')) continue;
    std::string reason = f.status;
    if (!f.diagnostic.empty()) reason += (reason.empty() ? "" : " ") + f.diagnostic;
    GUICHET_TRY(tx.MarkAddressFailing({f.recipient, TruncateUtf8(reason, 500), 1, now}));
  }
  return Status::Ok();
}

// An error the same message would meet again: retrying is pointless, keeping
// the message is not. The database being unavailable is not one of them.
bool Permanent(const Error& e) {
  return e.code() != ErrorCode::kUnavailable && e.code() != ErrorCode::kInternal;
}

template <typename T>
domain::Done<T> Once(std::shared_ptr<std::promise<Result<T>>> promise) {
  return [promise](Result<T> r) { promise->set_value(std::move(r)); };
}

}  // namespace

MailIntake::MailIntake(domain::CaseService& cases, domain::Store& store,
                       domain::ContentSniffer& sniffer, const Clock& clock, IntakeOptions options)
    : cases_(cases), store_(store), sniffer_(sniffer), clock_(clock), options_(std::move(options)) {
  for (auto& a : options_.own_addresses) a = AsciiLower(a);
}

bool MailIntake::IsOwnAddress(const std::string& address) const {
  const std::string bare = WithoutPlus(address);
  for (const auto& own : options_.own_addresses) {
    if (address == own || bare == own) return true;
  }
  return false;
}

Result<std::optional<domain::Request>> MailIntake::FindThread(const ParsedMail& m) const {
  std::vector<std::string> candidates;
  for (const auto& r : m.recipients) {
    for (auto& ref : ReferencesIn(PlusDetail(r))) candidates.push_back(std::move(ref));
  }
  for (auto& ref : ReferencesIn(m.in_reply_to)) candidates.push_back(std::move(ref));
  for (const auto& id : m.references) {
    for (auto& ref : ReferencesIn(id)) candidates.push_back(std::move(ref));
  }
  for (const auto& id : m.original_message_ids) {
    for (auto& ref : ReferencesIn(id)) candidates.push_back(std::move(ref));
  }
  for (auto& ref : ReferencesIn(m.subject)) candidates.push_back(std::move(ref));
  for (const auto& ref : candidates) {
    auto r = store_.GetRequestByReference(ref);
    if (r.ok()) return std::optional(std::move(*r));
    if (r.error().code() != ErrorCode::kNotFound) return r.error();
  }
  return std::optional<domain::Request>();
}

Result<IntakeResult> MailIntake::IngestSync(std::string raw) {
  auto promise = std::make_shared<std::promise<Result<IntakeResult>>>();
  auto future = promise->get_future();
  Ingest(std::move(raw), Once<IntakeResult>(promise));
  return future.get();
}

void MailIntake::Ingest(std::string raw, domain::Done<IntakeResult> done) {
  if (raw.size() > kMaxMessageBytes) {
    done(Error::TooLarge("Le message dépasse " + std::to_string(kMaxMessageBytes >> 20) + " Mo."));
    return;
  }
  auto p = std::make_shared<Prepared>();
  p->sha256 = Sha256Hex(raw);
  if (auto prior = store_.GetMailMessage(p->sha256); prior.ok()) {
    IntakeResult r;
    r.disposition = prior->disposition;
    r.duplicate = true;
    r.acknowledged = prior->acknowledged;
    if (prior->request_id) {
      if (auto req = store_.GetRequest(*prior->request_id); req.ok()) r.reference = req->reference;
    }
    done(std::move(r));
    return;
  } else if (prior.error().code() != ErrorCode::kNotFound) {
    done(prior.error());
    return;
  }
  p->now = clock_.Now();
  p->mail = ParseMail(raw);
  p->raw = std::move(raw);
  const ParsedMail& m = p->mail;

  // Why this message must not be answered, if it must not.
  if (m.malformed) p->flags.push_back("malformed");
  if (!m.auto_submitted.empty() && m.auto_submitted != "no") p->flags.push_back("auto_submitted");
  if (m.precedence == "bulk" || m.precedence == "list" || m.precedence == "junk") {
    p->flags.push_back("bulk");
  }
  if (m.has_list_id) p->flags.push_back("mailing_list");
  if (m.is_dsn) p->flags.push_back("bounce");
  if (m.null_return_path) p->flags.push_back("null_return_path");
  if (!m.from_address.empty() && IsOwnAddress(m.from_address)) p->flags.push_back("own_address");
  const bool sender_usable = !m.from_address.empty() && domain::IsValidEmail(m.from_address);
  if (!sender_usable) {
    p->no_ack_reason = "adresse de l’expéditeur inutilisable";
  } else {
    for (const auto& f : p->flags) {
      if (f != "malformed") {
        p->no_ack_reason = "courriel automatique ou en boucle (" + f + ")";
        break;
      }
    }
  }

  p->raw_upload.id = RandomToken(kUploadIdBytes);
  p->raw_upload.filename = "message.eml";
  p->raw_upload.content_type = "message/rfc822";
  p->raw_upload.size = static_cast<std::int64_t>(p->raw.size());
  p->raw_upload.sha256 = p->sha256;
  p->raw_upload.created_at = p->now;
  json attachments = json::array();
  for (const auto& a : m.attachments) {
    std::string filename = a.filename.empty() ? "piece-jointe" : TruncateUtf8(a.filename, 200);
    for (auto& c : filename) {
      if (c == '/' || c == '\\' || c == '\r' || c == '\n') c = '_';
    }
    domain::Upload u = domain::NewUpload(
        std::move(filename),
        a.content_type == "message/rfc822" ? a.content_type : sniffer_.MimeType(a.bytes), a.bytes,
        p->now);
    attachments.push_back({{"upload", u.id},
                           {"filename", u.filename},
                           {"content_type", u.content_type},
                           {"declared_type", a.content_type},
                           {"size", u.size},
                           {"inline", a.inline_part}});
    p->files.emplace_back(std::move(u), a.bytes);
  }
  std::string display = DisplayText(m.text);
  p->body = TruncateUtf8(display.empty() ? kNoText : display, domain::kMaxMessageLength);
  json data = {{"from", m.from_address},
               {"from_name", m.from_name},
               {"to", m.recipients},
               {"subject", m.subject},
               {"message_id", m.message_id},
               {"raw", p->raw_upload.id},
               {"raw_url", "/api/v1/uploads/" + p->raw_upload.id + "/content"},
               {"attachments", attachments},
               {"flags", p->flags}};
  if (m.text != p->body) data["full_text"] = TruncateUtf8(m.text, kMaxFullTextBytes);
  if (m.text_from_html) data["text_from_html"] = true;
  if (!m.problems.empty()) data["problems"] = m.problems;
  p->event_data = data.dump(-1, ' ', false, json::error_handler_t::replace);

  auto thread = FindThread(m);
  if (!thread.ok()) return done(thread.error());
  if (m.is_dsn && OnlyDelivered(m)) {
    // A success DSN: the message's timeline says delivered, nothing else.
    return StoreOnly(p, "receipt", *thread ? std::optional((*thread)->id) : std::nullopt,
                     std::move(done));
  }
  if (m.is_dsn) return Bounce(p, *thread, std::move(done));
  if (*thread) return Reply(p, **thread, std::move(done));
  if (std::find(p->flags.begin(), p->flags.end(), "own_address") != p->flags.end()) {
    // Mail from ourselves that threads nowhere: a loop in the making.
    return StoreOnly(p, "ignored", std::nullopt, std::move(done));
  }
  if (options_.before_new_request) {
    if (auto s = options_.before_new_request(); !s.ok()) return done(s.error());
  }
  if (sender_usable) {
    auto citizen = store_.FindCitizenByEmail(m.from_address);
    if (!citizen.ok()) return done(citizen.error());
    p->citizen_id = *citizen;
  }
  NewRequest(p, std::move(done));
}

void MailIntake::Unprocessed(std::shared_ptr<Prepared> p, const Error& why,
                             domain::Done<IntakeResult> done) {
  StoreOnly(p, "unprocessed", std::nullopt, std::move(done),
            {"unprocessed: " + why.message() + " " + why.cause()});
}

void MailIntake::StoreOnly(std::shared_ptr<Prepared> p, std::string disposition,
                           std::optional<std::int64_t> request_id, domain::Done<IntakeResult> done,
                           std::vector<std::string> extra_flags) {
  auto out = std::make_shared<IntakeResult>();
  out->disposition = disposition;
  out->flags = p->flags;
  out->flags.insert(out->flags.end(), extra_flags.begin(), extra_flags.end());
  store_.Write(
      [p, disposition, request_id, out, extra_flags](WriteTx& tx) -> Status {
        out->duplicate = tx.MailMessageStored(p->sha256);
        if (out->duplicate) return Status::Ok();
        if (p->mail.is_dsn) GUICHET_TRY(MarkFailures(tx, p->mail, p->now));
        return WriteRecords(tx, *p, request_id, disposition, false, extra_flags);
      },
      [out, done](Status s) {
        if (!s.ok()) return done(s.error());
        done(std::move(*out));
      });
}

void MailIntake::Bounce(std::shared_ptr<Prepared> p, std::optional<domain::Request> thread,
                        domain::Done<IntakeResult> done) {
  if (!thread) return StoreOnly(p, "bounce", std::nullopt, std::move(done));
  domain::NewEvent e;
  e.kind = EventKind::kMessageIn;
  e.channel = domain::Channel::kEmail;
  std::string who;
  for (const auto& f : p->mail.failures) who += (who.empty() ? "" : ", ") + f.recipient;
  e.body = "Le courriel n’a pas pu être remis" + (who.empty() ? "" : " à " + who) + ".";
  e.data_json = p->event_data;
  e.in_same_tx = [p](WriteTx& tx, const domain::Request& r, const Event&) -> Status {
    GUICHET_TRY(MarkFailures(tx, p->mail, p->now));
    return WriteRecords(tx, *p, r.id, "bounce", false, {});
  };
  auto out = std::make_shared<IntakeResult>();
  out->disposition = "bounce";
  out->flags = p->flags;
  out->reference = thread->reference;
  cases_.AddEvent(thread->id, std::move(e), domain::Actor(domain::Actor::Kind::kSystem),
                  std::nullopt, domain::Idempotency{"mail:" + p->sha256, p->sha256},
                  [this, p, out, done](Result<domain::EventAdded> r) {
                    if (!r.ok() && Permanent(r.error())) return Unprocessed(p, r.error(), done);
                    if (!r.ok()) return done(r.error());
                    out->duplicate = r->replayed;
                    done(std::move(*out));
                  });
}

void MailIntake::Reply(std::shared_ptr<Prepared> p, const domain::Request& thread,
                       domain::Done<IntakeResult> done) {
  domain::NewEvent e;
  e.kind = EventKind::kMessageIn;
  e.channel = domain::Channel::kEmail;
  e.body = p->body;
  e.data_json = p->event_data;
  e.in_same_tx = [p](WriteTx& tx, const domain::Request& r, const Event&) -> Status {
    return WriteRecords(tx, *p, r.id, "reply", false, {});
  };
  auto out = std::make_shared<IntakeResult>();
  out->disposition = "reply";
  out->flags = p->flags;
  out->reference = thread.reference;
  const domain::Actor actor = thread.citizen_id && thread.contact.email == p->mail.from_address
                                  ? domain::Actor(domain::Actor::Kind::kCitizen, *thread.citizen_id)
                                  : domain::Actor(domain::Actor::Kind::kSystem);
  cases_.AddEvent(thread.id, std::move(e), actor, std::nullopt,
                  domain::Idempotency{"mail:" + p->sha256, p->sha256},
                  [this, p, out, done](Result<domain::EventAdded> r) {
                    if (!r.ok() && Permanent(r.error())) return Unprocessed(p, r.error(), done);
                    if (!r.ok()) return done(r.error());
                    out->duplicate = r->replayed;
                    done(std::move(*out));
                  });
}

void MailIntake::NewRequest(std::shared_ptr<Prepared> p, domain::Done<IntakeResult> done) {
  const ParsedMail& m = p->mail;
  domain::NewRequest in;
  in.service_id = options_.general_service;
  in.title =
      TruncateUtf8(m.subject.empty() ? "Courriel sans objet" : m.subject, domain::kMaxTitleLength);
  in.description = p->body;
  in.channel = domain::Channel::kEmail;
  if (!m.from_address.empty() && domain::IsValidEmail(m.from_address)) {
    in.contact.email = m.from_address;
    in.contact.name = TruncateUtf8(m.from_name, domain::kMaxNameLength);
  }
  in.citizen_id = p->citizen_id;
  in.intake_json = p->event_data;
  const std::string sender = m.from_address;
  const auto window = std::chrono::duration_cast<std::chrono::microseconds>(options_.ack_window);
  const int limit = options_.ack_limit;
  auto out = std::make_shared<IntakeResult>();
  out->disposition = "request";
  in.in_same_tx = [p, sender, window, limit, out](WriteTx& tx, const domain::Request& r,
                                                  std::vector<Event>& workflow_events) -> Status {
    std::string no_ack = p->no_ack_reason;
    std::vector<std::string> extra;
    if (no_ack.empty() && tx.CountMailAcks(sender, p->now - window.count()) >= limit) {
      no_ack = "limite d’accusés de réception atteinte pour cet expéditeur";
      extra.push_back("rate_limited");
    }
    // The procedure may acknowledge on its own (a notify on its first status):
    // that message is the acknowledgement, answering this mail.
    bool acknowledged = false;
    // Not answering means on no channel: a letter to an unknown sender is no better.
    for (auto& e : workflow_events) {
      if (e.kind != EventKind::kMessageOut) continue;
      json d = json::parse(e.data_json, nullptr, false);
      if (!d.is_object() || d.value("delivery", "") != "pending") continue;
      if (no_ack.empty() && e.channel != domain::Channel::kEmail) continue;
      if (no_ack.empty()) {
        d["in_reply_to"] = p->mail.message_id;
        acknowledged = true;
      } else {
        d["delivery"] = "suppressed";
        d["suppressed_reason"] = no_ack;
      }
      e.data_json = d.dump();
    }
    if (no_ack.empty() && !acknowledged) {
      Event ack;
      ack.request_id = r.id;
      ack.kind = EventKind::kMessageOut;
      ack.channel = domain::Channel::kEmail;
      ack.author = "system";
      const std::string about =
          p->mail.subject.empty() ? "" : " « " + TruncateUtf8(p->mail.subject, 120) + " »";
      ack.body = "Bonjour,\n\nNous avons bien reçu votre message" + about +
                 ". Il est enregistré sous la référence " + r.reference +
                 " : rappelez-la dans vos échanges avec la mairie, ou répondez simplement à ce "
                 "courriel.\n\nCeci est un accusé de réception automatique.";
      ack.data_json = json{
          {"template", "accuse_reception_courriel"},
          {"notification", "acknowledgement"},
          {"subject", "Votre message est bien reçu (" + r.reference + ")"},
          {"to", sender},
          {"in_reply_to", p->mail.message_id},
          {"delivery",
           "pending"}}.dump();
      ack.created_at = p->now;
      workflow_events.push_back(std::move(ack));
      acknowledged = true;
    }
    out->acknowledged = acknowledged;
    out->flags = p->flags;
    out->flags.insert(out->flags.end(), extra.begin(), extra.end());
    return WriteRecords(tx, *p, r.id, "request", acknowledged, extra);
  };
  const domain::Actor actor = p->citizen_id
                                  ? domain::Actor(domain::Actor::Kind::kCitizen, *p->citizen_id)
                                  : domain::Actor(domain::Actor::Kind::kSystem);
  cases_.Create(std::move(in), actor, domain::Idempotency{"mail:" + p->sha256, p->sha256},
                [this, out, p, done](Result<domain::Created> r) {
                  if (!r.ok() && Permanent(r.error())) return Unprocessed(p, r.error(), done);
                  if (!r.ok()) return done(r.error());
                  out->duplicate = r->replayed;
                  out->reference = r->request.reference;
                  done(std::move(*out));
                });
}

}  // namespace guichet::channels::mail
