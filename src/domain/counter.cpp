#include "domain/counter.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

#include "domain/outbox.hpp"
#include "domain/validation.hpp"

namespace guichet::domain {
namespace {

using nlohmann::json;

// A failed extraction is retried after 30 s, then 60 s.
constexpr Timestamp kScanRetryBase = 30 * kMicrosPerSecond;

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string LowerAscii(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// At most `max` bytes of valid UTF-8 `s`, cut on a character boundary.
std::string CutUtf8(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string_view ChannelWord(Channel c) {
  switch (c) {
    case Channel::kPhone:
      return "appel";
    case Channel::kCounter:
      return "passage à l’accueil";
    default:
      return "courrier";
  }
}

// The outcome of a new request or of a message on one, as Recorded.
Done<Created> RecordCreated(Done<Recorded> done) {
  return [done = std::move(done)](Result<Created> c) {
    if (!c.ok()) return done(c.error());
    Recorded out;
    out.request = std::move(c->request);
    out.created = true;
    done(std::move(out));
  };
}
Done<EventAdded> RecordAdded(Done<Recorded> done) {
  return [done = std::move(done)](Result<EventAdded> a) {
    if (!a.ok()) return done(a.error());
    Recorded out;
    out.request = std::move(a->request);
    out.event = std::move(a->event);
    done(std::move(out));
  };
}

}  // namespace

bool IsScanType(std::string_view t) {
  return t == "application/pdf" || t == "image/jpeg" || t == "image/png";
}

std::string_view ToString(PostalScan::State s) {
  switch (s) {
    case PostalScan::State::kPending:
      return "pending";
    case PostalScan::State::kRunning:
      return "running";
    case PostalScan::State::kDone:
      return "done";
    case PostalScan::State::kFailed:
      return "failed";
  }
  return "failed";
}

std::optional<PostalScan::State> ParseScanState(std::string_view s) {
  for (auto st : {PostalScan::State::kPending, PostalScan::State::kRunning,
                  PostalScan::State::kDone, PostalScan::State::kFailed}) {
    if (ToString(st) == s) return st;
  }
  return std::nullopt;
}

Result<CitizenLookup> ParseCitizenLookup(std::string_view text, int limit) {
  const std::string t = Trim(text);
  auto invalid = [](std::string message) {
    return Error::Invalid("La recherche de citoyen est invalide.", {{"q", std::move(message)}});
  };
  if (t.empty()) return invalid("Indiquez un nom, une adresse électronique ou un téléphone.");
  if (t.size() > kMaxLookupLength) return invalid("La recherche est limitée à 200 caractères.");
  if (!IsValidUtf8(t)) return invalid("La recherche n’est pas un texte UTF-8 valide.");
  CitizenLookup q;
  q.limit = limit;
  if (t.find('@') != std::string::npos) {
    if (!IsValidEmail(t)) return invalid("L’adresse électronique n’est pas valide.");
    q.by = CitizenLookup::By::kEmail;
    q.value = LowerAscii(t);
    return q;
  }
  if (auto phone = NormalizePhone(t)) {
    q.by = CitizenLookup::By::kPhone;
    q.value = *phone;
    return q;
  }
  // Words of a name: ASCII letters and digits lower-cased, other ASCII as
  // separators, non-ASCII letters (é, ç…) kept for the store to fold.
  std::string words;
  bool digits_only = true;
  for (char ch : t) {
    const auto u = static_cast<unsigned char>(ch);
    if (u >= 0x80 || std::isalnum(u)) {
      words += static_cast<char>(std::tolower(u));
      if (!std::isdigit(u)) digits_only = false;
    } else if (!words.empty() && words.back() != ' ') {
      words += ' ';
    }
  }
  words = Trim(words);
  if (words.empty()) return invalid("Indiquez un nom, une adresse électronique ou un téléphone.");
  if (digits_only) {
    return invalid("Ce numéro de téléphone n’est pas complet (ex. : 06 12 34 56 78).");
  }
  q.by = CitizenLookup::By::kName;
  q.value = words;
  return q;
}

CounterService::CounterService(Store& store, CaseService& cases, const Clock& clock)
    : store_(store), cases_(cases), clock_(clock) {}

void CounterService::CreateCitizen(NewCitizen in, Done<CitizenCreated> done) {
  std::vector<FieldError> errs;
  in.name = Trim(in.name);
  in.email = LowerAscii(Trim(in.email));
  in.postal_address = Trim(in.postal_address);
  if (!IsValidUtf8(in.name) || in.name.empty()) {
    errs.push_back({"name", "Le nom est obligatoire."});
  } else if (Utf8Length(in.name) > kMaxNameLength) {
    errs.push_back({"name", "Le nom dépasse 200 caractères."});
  }
  if (!in.email.empty() && !IsValidEmail(in.email)) {
    errs.push_back({"email", "L’adresse électronique n’est pas valide."});
  }
  if (!Trim(in.phone).empty()) {
    if (auto p = NormalizePhone(in.phone)) {
      in.phone = *p;
    } else {
      errs.push_back(
          {"phone",
           "Le numéro de téléphone n’est pas valide (ex. : 06 12 34 56 78 ou +33612345678)."});
    }
  } else {
    in.phone.clear();
  }
  if (!IsValidUtf8(in.postal_address) || Utf8Length(in.postal_address) > kMaxAddressLength) {
    errs.push_back({"postal_address", "L’adresse postale dépasse 500 caractères."});
  }
  if (in.email.empty() && in.phone.empty() && in.postal_address.empty()) {
    errs.push_back({"email",
                    "Indiquez au moins un moyen de joindre la personne : courriel, téléphone ou "
                    "adresse postale."});
  }
  Channel preferred = !in.email.empty()   ? Channel::kEmail
                      : !in.phone.empty() ? Channel::kSms
                                          : Channel::kPostal;
  if (in.preferred_channel) {
    const Channel c = *in.preferred_channel;
    if (c != Channel::kEmail && c != Channel::kSms && c != Channel::kPostal) {
      errs.push_back({"preferred_channel", "Le canal préféré est email, sms ou postal."});
    } else if ((c == Channel::kEmail && in.email.empty()) ||
               (c == Channel::kSms && in.phone.empty()) ||
               (c == Channel::kPostal && in.postal_address.empty())) {
      errs.push_back(
          {"preferred_channel", "Le canal préféré demande le moyen de contact correspondant."});
    } else {
      preferred = c;
    }
  }
  if (!errs.empty()) {
    done(Error::Invalid("La fiche du citoyen contient des erreurs.", std::move(errs)));
    return;
  }
  Citizen c;
  c.name = in.name;
  c.email = in.email;
  c.phone = in.phone;
  c.postal_address = in.postal_address;
  c.preferred_channel = preferred;
  c.created_at = clock_.Now();
  auto out = std::make_shared<CitizenCreated>();
  store_.Write(
      [c, out](WriteTx& tx) -> Status {
        // Checked in the transaction: two agents creating one person make one record.
        if (auto existing = tx.FindCitizenByContact(c.email, c.phone)) {
          out->citizen = *existing;
          out->created = false;
          return Status::Ok();
        }
        auto id = tx.InsertCitizen(c);
        if (!id.ok()) return id.error();
        out->citizen = c;
        out->citizen.id = *id;
        out->created = true;
        return Status::Ok();
      },
      [out, done = std::move(done)](Status s) {
        if (!s.ok()) return done(s.error());
        done(std::move(*out));
      });
}

void CounterService::RecordContact(RecordedContact in, Actor actor, Done<Recorded> done) {
  if (in.channel != Channel::kPhone && in.channel != Channel::kCounter) {
    done(Error::Invalid("Le contact contient des erreurs.",
                        {{"channel", "Canal attendu : phone (appel) ou counter (accueil)."}}));
    return;
  }
  auto citizen = store_.GetCitizen(in.citizen_id);
  if (!citizen.ok()) {
    done(Error::Invalid("Le contact contient des erreurs.",
                        {{"citizen_id", "Ce citoyen n’existe pas."}}));
    return;
  }
  const json recorded = {{"recorded_by", actor.Label()}, {"citizen_id", in.citizen_id}};
  if (!in.request_id) {
    NewRequest r;
    r.service_id = std::move(in.service_id);
    r.title = std::move(in.title);
    r.description = std::move(in.description);
    r.channel = in.channel;
    r.citizen_id = in.citizen_id;
    r.location = std::move(in.location);
    r.intake_json = recorded.dump();
    // The workflow's first status acknowledges (notify), on the citizen's
    // preferred channel: Create copies their details onto the request.
    cases_.Create(std::move(r), actor, std::nullopt, RecordCreated(std::move(done)));
    return;
  }
  NewEvent e;
  e.kind = EventKind::kMessageIn;
  e.channel = in.channel;
  e.body = std::move(in.description);
  e.data_json = recorded.dump();
  const std::int64_t citizen_id = in.citizen_id;
  const Channel channel = in.channel;
  const Timestamp now = clock_.Now();
  // The caller is the request's citizen: they are told the call or visit is
  // on the file, on the channel they prefer (a message for the outbox).
  e.in_same_tx = [citizen_id, channel, now](WriteTx& tx, const Request& r,
                                            const Event& in_event) -> Status {
    if (r.citizen_id != citizen_id) return Status::Ok();
    const Channel to = PreferredChannel(tx, r);
    const auto citizen = RequesterOf(tx, r);
    const Citizen* who = citizen ? &*citizen : nullptr;
    if (AddressOn(to, r, who).empty()) return Status::Ok();
    Event ack;
    ack.request_id = r.id;
    ack.kind = EventKind::kMessageOut;
    ack.channel = to;
    ack.author = "system";
    ack.body = "Bonjour,\n\nVotre " + std::string(ChannelWord(channel)) +
               " a bien été enregistré dans votre demande " + r.reference +
               ". Nous vous tiendrons informé de sa suite.\n\nCeci est un accusé de réception "
               "automatique.";
    ack.data_json = PendingDeliveryData(
        to, r, "Votre demande " + r.reference,
        json{{"template", "accuse_contact"}, {"in_reply_to_event", in_event.id}}.dump(), who);
    ack.created_at = now;
    auto id = tx.AppendEvent(ack);
    return id.ok() ? Status::Ok() : Status(id.error());
  };
  cases_.AddEvent(*in.request_id, std::move(e), actor, std::nullopt, std::nullopt,
                  RecordAdded(std::move(done)));
}

void CounterService::ReceiveLetter(PostalLetter in, Actor actor, Done<Recorded> done) {
  auto upload = store_.GetUpload(in.upload_id);
  std::vector<FieldError> errs;
  if (!upload.ok()) {
    errs.push_back({"upload_id", "Ce fichier n’a pas été déposé."});
  } else if (upload->request_id) {
    errs.push_back({"upload_id", "Ce fichier est déjà joint à une demande."});
  } else if (!IsScanType(upload->content_type)) {
    errs.push_back(
        {"upload_id", "Le courrier numérisé doit être un PDF, un JPEG ou un PNG (reçu : " +
                          upload->content_type + ")."});
  }
  if (in.citizen_id && !store_.GetCitizen(*in.citizen_id).ok()) {
    errs.push_back({"citizen_id", "Ce citoyen n’existe pas."});
  }
  if (!errs.empty()) {
    done(Error::Invalid("Le courrier contient des erreurs.", std::move(errs)));
    return;
  }
  const std::string upload_id = in.upload_id;
  const Timestamp now = clock_.Now();
  const json recorded = {{"recorded_by", actor.Label()}, {"scan", upload_id}};
  // The scan joins the request and its OCR job is queued in the same transaction.
  auto attach = [upload_id, actor, now](WriteTx& tx, std::int64_t request_id) -> Status {
    GUICHET_TRY(AttachFiles(tx, request_id, {upload_id}, Channel::kPostal, actor, now));
    PostalScan s;
    s.request_id = request_id;
    s.upload_id = upload_id;
    s.due_at = s.created_at = s.updated_at = now;
    auto id = tx.InsertScan(s);
    return id.ok() ? Status::Ok() : Status(id.error());
  };
  if (!in.request_id) {
    NewRequest r;
    r.service_id = std::move(in.service_id);
    r.title = in.title.empty() ? "Courrier postal" : std::move(in.title);
    r.description = in.description.empty()
                        ? "Courrier postal numérisé : voir le document joint et son texte extrait."
                        : std::move(in.description);
    r.channel = Channel::kPostal;
    r.citizen_id = in.citizen_id;
    r.contact.name = std::move(in.contact_name);
    r.intake_json = recorded.dump();
    r.in_same_tx = [attach](WriteTx& tx, const Request& req, std::vector<Event>&) {
      return attach(tx, req.id);
    };
    cases_.Create(std::move(r), actor, std::nullopt, RecordCreated(std::move(done)));
    return;
  }
  NewEvent e;
  e.kind = EventKind::kMessageIn;
  e.channel = Channel::kPostal;
  e.body = in.description.empty() ? "Courrier postal reçu : voir le document joint."
                                  : std::move(in.description);
  e.data_json = recorded.dump();
  e.in_same_tx = [attach](WriteTx& tx, const Request& r, const Event&) { return attach(tx, r.id); };
  cases_.AddEvent(*in.request_id, std::move(e), actor, std::nullopt, std::nullopt,
                  RecordAdded(std::move(done)));
}

Result<std::vector<PostalScan>> CounterService::DueScans(int limit) const {
  return store_.ListDueScans(clock_.Now(), limit);
}

Result<bool> CounterService::ClaimScan(std::int64_t id, Timestamp lease) {
  const Timestamp now = clock_.Now();
  bool claimed = false;
  auto s = store_.WriteSync([id, now, lease, &claimed](WriteTx& tx) {
    claimed = tx.ClaimScan(id, now, now + lease);
    return Status::Ok();
  });
  if (!s.ok()) return s.error();
  return claimed;
}

Status CounterService::CompleteScan(const PostalScan& claimed, const Result<std::string>& outcome) {
  const Timestamp now = clock_.Now();
  PostalScan s = claimed;
  s.updated_at = now;
  s.lease_until.reset();
  Event note;
  note.request_id = s.request_id;
  note.kind = EventKind::kNote;
  note.author = "system";
  note.created_at = now;
  json data = {{"ocr", {{"upload", s.upload_id}, {"scan", s.id}}}};
  if (outcome.ok()) {
    s.state = PostalScan::State::kDone;
    s.text = CutUtf8(*outcome, kMaxScanTextBytes);
    s.error.clear();
    note.body =
        Trim(s.text).empty()
            ? "Aucun texte n’a été reconnu sur le courrier numérisé."
            : "Texte extrait du courrier numérisé (reconnaissance automatique) :\n\n" + s.text;
    data["ocr"]["state"] = "done";
  } else {
    // The tool's own words (its cause) tell an agent more than a generic message.
    const Error& why = outcome.error();
    s.error = CutUtf8(why.cause().empty() ? why.message() : why.cause(), 1000);
    if (s.attempts < kMaxScanAttempts) {
      // Retried later: nothing on the timeline yet.
      s.state = PostalScan::State::kPending;
      s.due_at = now + kScanRetryBase * (Timestamp{1} << (s.attempts - 1));
    } else {
      s.state = PostalScan::State::kFailed;
      note.body = "Le texte du courrier numérisé n’a pas pu être extrait (" + s.error +
                  "). Le document reste joint à la demande.";
      data["ocr"]["state"] = "failed";
    }
  }
  note.data_json = data.dump();
  const bool with_note = s.state != PostalScan::State::kPending;
  return store_.WriteSync([s, note, with_note](WriteTx& tx) -> Status {
    GUICHET_TRY(tx.UpdateScan(s, s.attempts));
    if (!with_note) return Status::Ok();
    auto id = tx.AppendEvent(note);
    return id.ok() ? Status::Ok() : Status(id.error());
  });
}

}  // namespace guichet::domain
