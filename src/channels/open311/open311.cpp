#include "channels/open311/open311.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <memory>

#include "core/digest.hpp"
#include "core/reference.hpp"
#include "domain/validation.hpp"

namespace guichet::channels::open311 {
namespace {

using domain::Field;
using domain::FieldType;
using domain::Procedure;
using domain::StatusCategory;
using nlohmann::json;

constexpr const char* kSpecification = "http://wiki.open311.org/GeoReport_v2";
constexpr Timestamp kDay = 86'400'000'000;  // µs
constexpr double kMetresPerDegreeLat = 111'320.0;
constexpr double kMaxRadiusMetres = 50'000.0;  // a town, not a country
constexpr int kMaxPage = 100'000;
constexpr std::size_t kMaxAddressString = domain::kMaxAddressLength;

// The first non-empty value of a parameter: an empty parameter is the same as
// an absent one (spec, "Optional Arguments").
std::string Get(const Params& p, std::string_view name) {
  for (const auto& [k, v] : p) {
    if (k == name && !v.empty()) return v;
  }
  return {};
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    std::string item = s.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(std::move(item));
    start = end + 1;
  }
  return out;
}

std::optional<double> ParseNumber(const std::string& s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<int> ParseCount(const std::string& s, int min, int max) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < min || v > max) return std::nullopt;
  return v;
}

bool IsClosed(StatusCategory c) { return domain::IsTerminal(c); }

// media_url: empty, or an http(s) address of reasonable length.
bool IsMediaUrl(const std::string& url) {
  return url.empty() || (url.size() <= kMaxMediaUrl &&
                         (url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0));
}
constexpr const char* kMediaUrlError =
    "media_url : une adresse http:// ou https:// de moins de 2 048 caractères est attendue.";

// Open311 has one datatype per attribute; nullopt for the field types it
// cannot carry (files: media_url is its way; repeated blocks).
std::optional<std::string_view> DatatypeOf(FieldType t) {
  switch (t) {
    case FieldType::kTextarea:
      return "text";
    case FieldType::kInteger:
    case FieldType::kDecimal:
      return "number";
    case FieldType::kDate:
    case FieldType::kDatetime:
      return "datetime";
    case FieldType::kYesNo:
    case FieldType::kCheckbox:
    case FieldType::kChoice:
      return "singlevaluelist";
    case FieldType::kMultipleChoice:
      return "multivaluelist";
    case FieldType::kFile:
    case FieldType::kRepeat:
      return std::nullopt;
    default:
      return "string";
  }
}

// The form fields published as attributes, in form order. The description
// field is Open311's own `description` parameter.
std::vector<const Field*> PublishedFields(const Procedure& p) {
  std::vector<const Field*> out;
  for (const auto& f : p.form.fields) {
    if (!DatatypeOf(f.type) || f.key == p.description_field) continue;
    out.push_back(&f);
  }
  return out;
}

const Field* FindPublished(const Procedure& p, const std::string& code) {
  for (const Field* f : PublishedFields(p)) {
    if (f->key == code) return f;
  }
  return nullptr;
}

// Shown as required only when it always is: Open311 has no conditions, and
// the title is derived from the description when not given.
bool AlwaysRequired(const Procedure& p, const Field& f) {
  return f.required && !f.visible_if && f.key != p.title_field;
}

std::string Datetime(Timestamp t) { return FormatIso8601(t); }

// The last day of a deadline: due instants are the midnight that ends it.
std::string FrenchDate(Timestamp t) {
  const Date d = ParisDateOf(t - 1);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", d.day, d.month, d.year);
  return buf;
}

// The title a report gets from its description: the first line, cut at a
// word before `max` code points.
std::string TitleFrom(const std::string& description, std::size_t max) {
  std::string line = description.substr(0, description.find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  if (domain::Utf8Length(line) <= max) return line;
  // Cut on a code point boundary, then back to the last space.
  std::size_t count = 0, cut = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) {
      if (count == max - 1) break;
      ++count;
    }
    cut = i + 1;
  }
  std::string out = line.substr(0, cut);
  const auto space = out.rfind(' ');
  if (space != std::string::npos && space > out.size() / 2) out.resize(space);
  return out + "…";
}

// Form-error paths of the domain ("data.nature", "contact.email") as the
// Open311 parameter the client sent.
std::string ParameterOf(const std::string& field, const Procedure* p, bool title_given) {
  if (field.rfind("data.", 0) == 0) {
    std::string key = field.substr(5);
    key = key.substr(0, key.find_first_of(".["));
    if (p && key == p->description_field) return "description";
    if (p && key == p->title_field && !title_given) return "description";
    return "attribute[" + key + "]";
  }
  static const std::map<std::string, std::string> kMap = {
      {"service", "service_code"},
      {"location", "lat/long"},
      {"location.lat", "lat"},
      {"location.lon", "long"},
      {"location.address", "address_string"},
      {"contact.email", "email"},
      {"contact.phone", "phone"},
      {"contact.name", "first_name/last_name"},
      {"description", "description"},
      {"title", "description"},
  };
  auto it = kMap.find(field);
  return it == kMap.end() ? field : it->second;
}

// What an attribute's values become among the form answers (the form
// validator then checks and normalises them like any other channel's).
json AnswerOf(const Field& f, const std::vector<std::string>& values,
              std::vector<std::string>& errs) {
  const std::string param = "attribute[" + f.key + "]";
  if (f.type == FieldType::kMultipleChoice) return values;
  if (values.size() > 1) {
    errs.push_back(param + " : une seule valeur est attendue.");
    return nullptr;
  }
  const std::string& v = values.front();
  switch (f.type) {
    case FieldType::kYesNo:
    case FieldType::kCheckbox:
      if (v == "true" || v == "1" || v == "oui") return true;
      if (v == "false" || v == "0" || v == "non") return false;
      return v;  // the validator says what is expected
    case FieldType::kAddress:
      return json{{"label", v}};
    case FieldType::kDate:
      // Open311 sends datetimes; the form wants the day.
      return v.size() > 10 && v[10] == 'T' ? v.substr(0, 10) : v;
    default:
      return v;
  }
}

// Two form fields can land on one parameter (the title and the description
// both come from `description`): say each thing once, in order.
std::vector<std::string> Unique(std::vector<std::string> v) {
  std::vector<std::string> out;
  for (auto& s : v) {
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  }
  return out;
}

Node ErrorsNode(int status, const std::vector<std::string>& descriptions) {
  Node errors = Node::List("errors");
  for (const auto& d : descriptions) {
    errors.Add(
        Node::Object("error", {Node::Scalar("code", status), Node::Scalar("description", d)}));
  }
  return errors;
}

Reply Render(Format f, int status, const Node& root) {
  return {status, f, f == Format::kXml ? RenderXml(root) : RenderJson(root), std::nullopt};
}

int StatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kForbidden:
      return 403;
    // The spec says 400 for every other failure; a client must still be able
    // to tell "try again later" from "your report is wrong".
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
    default:
      return 400;
  }
}

// FixMyStreet's status names, from the workflow category.
std::string_view FixMyStreetStatus(StatusCategory c) {
  switch (c) {
    case StatusCategory::kNew:
      return "OPEN";
    case StatusCategory::kOpen:
      return "IN_PROGRESS";
    case StatusCategory::kWaitingCitizen:
      return "INVESTIGATING";
    case StatusCategory::kResolved:
      return "FIXED";
    case StatusCategory::kRejected:
      return "NOT_COUNCILS_RESPONSIBILITY";
    case StatusCategory::kClosed:
      return "CLOSED";
  }
  return "OPEN";
}

// Start and end of a date-range search: both given, one, or none (the most
// recent 90 days), never spanning more than 90 days.
bool ParseRange(const Params& q, Timestamp now, Timestamp& from, Timestamp& to,
                std::vector<std::string>& errs) {
  const std::string start = Get(q, "start_date"), end = Get(q, "end_date");
  std::optional<Timestamp> s, e;
  if (!start.empty() && !(s = ParseIso8601(start))) {
    errs.push_back(
        "start_date : date attendue au format W3C avec fuseau (ex. 2026-01-01T00:00:00Z).");
  }
  if (!end.empty() && !(e = ParseIso8601(end))) {
    errs.push_back(
        "end_date : date attendue au format W3C avec fuseau (ex. 2026-01-31T23:59:59Z).");
  }
  if (!errs.empty()) return false;
  const Timestamp span = kMaxSpanDays * kDay;
  if (s && e) {
    if (*e < *s) {
      errs.push_back("end_date : la date de fin précède la date de début.");
    } else if (*e - *s > span) {
      errs.push_back("start_date/end_date : la période ne peut dépasser 90 jours.");
    }
    from = *s;
    to = *e;
  } else if (s) {
    from = *s;
    to = *s + span;
  } else if (e) {
    from = *e - span;
    to = *e;
  } else {
    from = now - span;
    to = now;
  }
  return errs.empty();
}

}  // namespace

std::optional<std::pair<std::string, Format>> SplitFormat(std::string_view file) {
  const auto dot = file.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const std::string_view ext = file.substr(dot + 1);
  const std::string name(file.substr(0, dot));
  if (ext == "xml") return std::pair{name, Format::kXml};
  if (ext == "json") return std::pair{name, Format::kJson};
  return std::nullopt;
}

std::string Reply::ContentType() const {
  return format == Format::kXml ? "text/xml; charset=utf-8" : "application/json; charset=utf-8";
}

Endpoint::Endpoint(domain::CaseService& cases, const domain::ApiKeyService& keys,
                   const Clock& clock, Options options)
    : cases_(cases), keys_(keys), clock_(clock), options_(std::move(options)) {}

Reply Endpoint::Errors(Format f, int status, std::vector<std::string> descriptions) {
  return Render(f, status, ErrorsNode(status, descriptions));
}

std::optional<Reply> Endpoint::CheckJurisdiction(Format f, const Params& q) const {
  const std::string j = Get(q, "jurisdiction_id");
  if (j.empty() || options_.jurisdiction_id.empty() || j == options_.jurisdiction_id) {
    return std::nullopt;
  }
  return Errors(f, 404, {"jurisdiction_id : la juridiction « " + j + " » n’est pas servie ici."});
}

std::optional<Reply> Endpoint::CheckKey(Format f, const Params& form, const std::string& bearer,
                                        std::int64_t& key_id) const {
  std::string secret = Get(form, "api_key");
  if (secret.empty()) secret = bearer;
  auto key = keys_.Verify(secret, domain::kScopeOpen311);
  if (!key.ok()) {
    if (key.error().code() == ErrorCode::kUnavailable) {
      return Errors(f, 503, {key.error().message()});
    }
    return Errors(f, 403, {"api_key : " + key.error().message()});
  }
  key_id = key->id;
  return std::nullopt;
}

std::vector<std::string> Endpoint::PublishedServices() const {
  std::vector<std::string> out;
  for (const auto& [slug, p] : cases_.catalogue()->procedures) {
    if (p.open311 && p.active) out.push_back(slug);
  }
  return out;
}

Reply Endpoint::Discovery(Format f, const Params& q, const std::string& base_url) const {
  if (auto bad = CheckJurisdiction(f, q)) return *bad;
  // Services and definitions change only when a catalogue is installed.
  const std::string changeset = Datetime(cases_.catalogue_installed_at().value_or(clock_.Now()));
  Node formats = Node::List(
      "formats", {Node::Scalar("format", "text/xml"), Node::Scalar("format", "application/json")});
  Node endpoint =
      Node::Object("endpoint", {Node::Scalar("specification", kSpecification),
                                Node::Scalar("url", base_url), Node::Scalar("changeset", changeset),
                                Node::Scalar("type", "production"), std::move(formats)});
  Node root = Node::Object(
      "discovery", {Node::Scalar("changeset", changeset), Node::Scalar("contact", options_.contact),
                    Node::Scalar("key_service", options_.key_service),
                    Node::List("endpoints", {std::move(endpoint)})});
  return Render(f, 200, root);
}

Reply Endpoint::Services(Format f, const Params& q) const {
  if (auto bad = CheckJurisdiction(f, q)) return *bad;
  const auto cat = cases_.catalogue();
  Node services = Node::List("services");
  for (const auto& code : PublishedServices()) {
    const Procedure& p = *cat->FindProcedure(code);
    std::string keywords;
    for (const auto& k : p.keywords) keywords += (keywords.empty() ? "" : ", ") + k;
    services.Add(Node::Object(
        "service",
        {Node::Scalar("service_code", p.slug), Node::Scalar("service_name", p.title),
         Node::Scalar("description", p.description),
         Node::Scalar("metadata", !PublishedFields(p).empty()), Node::Scalar("type", "realtime"),
         Node::TextOrNull("keywords", keywords), Node::TextOrNull("group", p.category)}));
  }
  return Render(f, 200, services);
}

Reply Endpoint::ServiceDefinition(Format f, const std::string& code, const Params& q) const {
  if (auto bad = CheckJurisdiction(f, q)) return *bad;
  const auto cat = cases_.catalogue();
  const Procedure* p = cat->FindProcedure(code);
  if (!p || !p->open311 || !p->active) {
    return Errors(f, 404, {"service_code : le service « " + code + " » n’existe pas."});
  }
  Node attributes = Node::List("attributes");
  int order = 0;
  for (const Field* field : PublishedFields(*p)) {
    const bool variable = !domain::IsInformational(field->type);
    Node a = Node::Object(
        "attribute", {Node::Scalar("variable", variable), Node::Scalar("code", field->key),
                      Node::Scalar("datatype", std::string(*DatatypeOf(field->type))),
                      Node::Scalar("required", variable && AlwaysRequired(*p, *field)),
                      Node::TextOrNull("datatype_description", field->hint),
                      Node::Scalar("order", ++order), Node::Scalar("description", field->label)});
    Node values = Node::List("values");
    if (field->type == FieldType::kYesNo || field->type == FieldType::kCheckbox) {
      values.Add(Node::Object("value", {Node::Scalar("key", "true"), Node::Scalar("name", "Oui")}));
      values.Add(
          Node::Object("value", {Node::Scalar("key", "false"), Node::Scalar("name", "Non")}));
    }
    for (const auto& o : field->options) {
      values.Add(
          Node::Object("value", {Node::Scalar("key", o.value), Node::Scalar("name", o.label)}));
    }
    if (!values.children.empty()) a.Add(std::move(values));
    attributes.Add(std::move(a));
  }
  Node root = Node::Object("service_definition",
                           {Node::Scalar("service_code", p->slug), std::move(attributes)});
  return Render(f, 200, root);
}

void Endpoint::PostRequest(Format f, const Params& form, const std::string& bearer,
                           std::function<void(Reply)> done) const {
  if (auto bad = CheckJurisdiction(f, form)) return done(*bad);
  // The key first: without a valid one nothing else is looked at (403).
  std::int64_t key_id = 0;
  if (auto bad = CheckKey(f, form, bearer, key_id)) return done(*bad);
  const std::string code = Get(form, "service_code");
  if (code.empty()) return done(Errors(f, 400, {"service_code : ce paramètre est obligatoire."}));
  const auto cat = cases_.catalogue();
  const Procedure* p = cat->FindProcedure(code);
  if (!p || !p->open311 || !p->active) {
    return done(Errors(f, 404, {"service_code : le service « " + code + " » n’existe pas."}));
  }

  std::vector<std::string> errs;
  domain::NewRequest in;
  in.service_id = p->slug;
  in.channel = domain::Channel::kOpen311;
  in.form_mode = domain::FormMode::kSubmit;

  // Location: lat and long together, else an address.
  const std::string lat = Get(form, "lat"), lon = Get(form, "long");
  const std::string address = Get(form, "address_string"), address_id = Get(form, "address_id");
  if (!lat.empty() || !lon.empty()) {
    auto la = ParseNumber(lat), lo = ParseNumber(lon);
    if (lat.empty() || lon.empty())
      errs.push_back("lat/long : les deux doivent être fournis ensemble.");
    if (!lat.empty() && !la)
      errs.push_back("lat : un nombre décimal est attendu (WGS84, ex. 48.8566).");
    if (!lon.empty() && !lo)
      errs.push_back("long : un nombre décimal est attendu (WGS84, ex. 2.3522).");
    if (la && lo) in.location = domain::Location{*la, *lo, address};
  } else if (address.empty() && address_id.empty()) {
    errs.push_back("lat/long : indiquez le lieu (lat et long, address_string ou address_id).");
  } else if (p->location_based) {
    // Without a geocoder an address cannot be placed on the map the agents use.
    errs.push_back(
        "lat/long : ce service a besoin de la position (lat et long) ; une adresse seule ne "
        "suffit pas encore.");
  }
  if (domain::Utf8Length(address) > kMaxAddressString) {
    errs.push_back("address_string : l’adresse dépasse 500 caractères.");
  }

  const std::string description = Get(form, "description");
  if (!domain::IsValidUtf8(description)) {
    errs.push_back("description : le texte n’est pas en UTF-8 valide.");
  } else if (domain::Utf8Length(description) > kMaxDescription) {
    errs.push_back("description : le texte dépasse 4 000 caractères.");
  }
  const std::string media_url = Get(form, "media_url");
  if (!IsMediaUrl(media_url)) errs.push_back(kMediaUrlError);

  // attribute[code]=v and attribute[code][]=v1&attribute[code][]=v2.
  std::map<std::string, std::vector<std::string>> attrs;
  for (const auto& [k, v] : form) {
    if (k.rfind("attribute[", 0) != 0) continue;
    const auto close = k.find(']');
    const std::string rest = close == std::string::npos ? "?" : k.substr(close + 1);
    if (close == std::string::npos || (rest != "" && rest != "[]")) {
      errs.push_back(k + " : paramètre mal formé (attribute[code] ou attribute[code][]).");
      continue;
    }
    auto& values = attrs[k.substr(10, close - 10)];
    if (!v.empty() && values.size() < kMaxAttributeValues) values.push_back(v);
  }
  json answers = json::object();
  for (const auto& [attr, values] : attrs) {
    const Field* field = FindPublished(*p, attr);
    if (!field) {
      errs.push_back("attribute[" + attr + "] : cet attribut n’existe pas pour ce service.");
      continue;
    }
    if (values.empty() || domain::IsInformational(field->type)) continue;
    json a = AnswerOf(*field, values, errs);
    if (!a.is_null()) answers[attr] = std::move(a);
  }
  const bool title_given = !p->title_field.empty() && answers.contains(p->title_field);
  if (!p->description_field.empty() && !description.empty()) {
    answers[p->description_field] = description;
  }
  if (!p->title_field.empty() && !title_given && !description.empty()) {
    const Field* tf = nullptr;
    for (const auto& fl : p->form.fields) {
      if (fl.key == p->title_field) tf = &fl;
    }
    answers[p->title_field] =
        TitleFrom(description, tf && tf->max_length ? *tf->max_length : domain::kMaxTitleLength);
  }
  in.data_json = answers.dump();
  in.description = description;

  std::string name = Get(form, "first_name");
  const std::string last = Get(form, "last_name");
  if (!last.empty()) name += (name.empty() ? "" : " ") + last;
  in.contact = {name, Get(form, "email"), Get(form, "phone")};
  json intake = json::object();
  if (!media_url.empty()) intake["media_url"] = media_url;
  for (const char* k : {"device_id", "account_id", "address_id"}) {
    const std::string v = Get(form, k);
    if (!v.empty() && v.size() <= domain::kMaxNameLength) intake[k] = v;
  }
  intake["api_key_id"] = key_id;
  in.intake_json = intake.dump();

  // Every problem at once: the domain's checks too, even when ours failed.
  if (!errs.empty()) {
    domain::NewRequest copy = in;
    const bool location_told = std::any_of(errs.begin(), errs.end(), [](const std::string& e) {
      return e.rfind("lat", 0) == 0 || e.rfind("long", 0) == 0;
    });
    for (const auto& e : cases_.Validate(copy)) {
      const std::string param = ParameterOf(e.field, p, title_given);
      if (param == "lat/long" && location_told) continue;
      errs.push_back(param + " : " + e.message);
    }
    return done(Errors(f, 400, Unique(std::move(errs))));
  }
  const domain::Actor actor{domain::Actor::Kind::kApi, key_id, {}};
  const std::string slug = p->slug;
  cases_.Create(std::move(in), actor, std::nullopt,
                [f, slug, title_given, cat, done = std::move(done)](Result<domain::Created> r) {
                  if (!r.ok()) {
                    const Error& e = r.error();
                    std::vector<std::string> out;
                    const Procedure* proc = cat->FindProcedure(slug);
                    for (const auto& fe : e.fields()) {
                      out.push_back(ParameterOf(fe.field, proc, title_given) + " : " + fe.message);
                    }
                    if (out.empty()) out.push_back(e.message());
                    return done(Errors(f, StatusOf(e.code()), Unique(std::move(out))));
                  }
                  const domain::Request& req = r->request;
                  std::string notice =
                      "Signalement enregistré sous la référence " + req.reference + ".";
                  if (req.due_at) {
                    notice += " Traitement prévu au plus tard le " + FrenchDate(*req.due_at) + ".";
                  }
                  Node root = Node::List(
                      "service_requests",
                      {Node::Object("request", {Node::Scalar("service_request_id", req.reference),
                                                Node::Scalar("service_notice", notice)})});
                  // 200 rather than 201: Open311 clients written against the spec expect it.
                  Reply reply = Render(f, 200, root);
                  reply.request = req;
                  done(std::move(reply));
                });
}

namespace {

// One request as GET requests shows it: no personal data — neither the
// contact nor the citizen, nor any form answer — only what the spec lists.
Node RequestNode(const domain::Request& r, const domain::Catalogue& cat,
                 const std::vector<domain::Event>& events, bool extensions) {
  const Procedure* p = cat.FindProcedure(r.service_id);
  std::string notes, media_url;
  for (const auto& e : events) {
    // The last message sent to the citizen is the public word on the request.
    if (e.kind == domain::EventKind::kMessageOut) notes = e.body;
    if (e.kind == domain::EventKind::kMessageIn && media_url.empty()) {
      const auto data = json::parse(e.data_json, nullptr, false);
      if (data.is_object() && data.contains("media_url") && data["media_url"].is_string()) {
        media_url = data["media_url"].get<std::string>();
      }
    }
  }
  std::string agency;
  for (const auto& t : cat.teams) {
    if (t.id == r.team_id) agency = t.name;
  }
  const bool closed = IsClosed(r.category);
  Node n = Node::Object(
      "request",
      {Node::Scalar("service_request_id", r.reference),
       Node::Scalar("status", closed ? "closed" : "open"), Node::TextOrNull("status_notes", notes),
       Node::Scalar("service_name", p ? p->title : r.service_id),
       Node::Scalar("service_code", r.service_id), Node::TextOrNull("description", r.description),
       Node::TextOrNull("agency_responsible", agency), Node::Scalar("service_notice", nullptr),
       Node::Scalar("requested_datetime", Datetime(r.created_at)),
       Node::Scalar("updated_datetime",
                    Datetime(closed && r.closed_at ? *r.closed_at : r.updated_at)),
       Node::Scalar("expected_datetime", r.due_at ? json(Datetime(*r.due_at)) : json(nullptr)),
       Node::TextOrNull("address", r.location ? r.location->address : ""),
       Node::Scalar("address_id", nullptr), Node::Scalar("zipcode", nullptr),
       Node::Scalar("lat", r.location ? json(r.location->lat) : json(nullptr)),
       Node::Scalar("long", r.location ? json(r.location->lon) : json(nullptr)),
       Node::TextOrNull("media_url", media_url)});
  if (extensions) {
    Node media = Node::List("media_urls");
    if (!media_url.empty()) media.Add(Node::Scalar("media_url", media_url));
    // The public history: each status the request went through, by its label.
    Node history = Node::List("notes");
    const domain::Workflow& wf = cat.WorkflowOf(r.service_id);
    for (const auto& e : events) {
      if (e.kind == domain::EventKind::kMessageIn && history.children.empty()) {
        history.Add(Node::Object("note", {Node::Scalar("datetime", Datetime(e.created_at)),
                                          Node::Scalar("description", "Demande reçue"),
                                          Node::Scalar("type", "submitted")}));
      }
      if (e.kind != domain::EventKind::kStatusChange) continue;
      const auto data = json::parse(e.data_json, nullptr, false);
      const std::string to = data.is_object() ? data.value("to", "") : "";
      const domain::WorkflowStatus* s = wf.FindStatus(to);
      history.Add(Node::Object(
          "note", {Node::Scalar("datetime", Datetime(e.created_at)),
                   Node::Scalar("description", s ? s->label : to),
                   Node::Scalar("type", s && IsClosed(s->category) ? "closed" : "status_change")}));
    }
    n.Add(Node::Object("extended_attributes",
                       {Node::Scalar("channel", std::string(ToString(r.channel))),
                        Node::Scalar("reference", r.reference), Node::Scalar("title", r.title),
                        std::move(media), std::move(history)}));
  }
  return n;
}

bool Extensions(const Params& q) { return Get(q, "extensions") == "true"; }

}  // namespace

Reply Endpoint::GetRequests(Format f, const Params& q) const {
  if (auto bad = CheckJurisdiction(f, q)) return *bad;
  const std::vector<std::string> published = PublishedServices();
  std::vector<std::string> errs;
  domain::RequestQuery rq;
  rq.service_ids = published;
  rq.limit = kDefaultQueryLimit;
  std::optional<std::pair<double, double>> centre;
  double radius = 0;
  const std::string ids = Get(q, "service_request_id");
  if (!ids.empty()) {
    // The list overrides every other argument (spec).
    for (const auto& id : SplitList(ids)) rq.references.push_back(NormalizeReference(id));
    if (rq.references.size() > kMaxIdsPerQuery) {
      errs.push_back("service_request_id : au plus 200 identifiants à la fois.");
    }
  } else {
    const std::string codes = Get(q, "service_code");
    if (!codes.empty()) {
      rq.service_ids.clear();
      for (const auto& c : SplitList(codes)) {
        if (std::find(published.begin(), published.end(), c) != published.end()) {
          rq.service_ids.push_back(c);
        }
      }
    }
    Timestamp from = 0, to = 0;
    if (ParseRange(q, clock_.Now(), from, to, errs)) {
      rq.created_from = from;
      rq.created_to = to;
    }
    for (const auto& s : SplitList(Get(q, "status"))) {
      if (s == "open") {
        for (auto c :
             {StatusCategory::kNew, StatusCategory::kOpen, StatusCategory::kWaitingCitizen}) {
          rq.categories.push_back(c);
        }
      } else if (s == "closed") {
        for (auto c :
             {StatusCategory::kResolved, StatusCategory::kRejected, StatusCategory::kClosed}) {
          rq.categories.push_back(c);
        }
      } else {
        errs.push_back("status : « " + s + " » n’est pas un statut (open ou closed).");
      }
    }
    // Paging (extension): page numbers from 1.
    const std::string page = Get(q, "page"), size = Get(q, "page_size");
    int page_no = 1;
    if (!size.empty()) {
      if (auto n = ParseCount(size, 1, kDefaultQueryLimit)) {
        rq.limit = *n;
      } else {
        errs.push_back("page_size : un entier entre 1 et 1000 est attendu.");
      }
    }
    if (!page.empty()) {
      if (auto n = ParseCount(page, 1, kMaxPage)) {
        page_no = *n;
      } else {
        errs.push_back("page : un entier positif est attendu.");
      }
    }
    rq.offset = (page_no - 1) * rq.limit;
    // Location (extension): bbox=min_long,min_lat,max_long,max_lat, or lat+long+radius.
    const std::string bbox = Get(q, "bbox");
    if (!bbox.empty()) {
      const auto parts = SplitList(bbox);
      std::vector<double> v;
      for (const auto& part : parts) {
        if (auto d = ParseNumber(part)) v.push_back(*d);
      }
      if (parts.size() != 4 || v.size() != 4 || v[0] > v[2] || v[1] > v[3]) {
        errs.push_back("bbox : quatre nombres attendus : long_min,lat_min,long_max,lat_max.");
      } else {
        rq.bbox = domain::RequestQuery::BoundingBox{v[1], v[0], v[3], v[2]};
      }
    } else if (!Get(q, "radius").empty()) {
      auto la = ParseNumber(Get(q, "lat")), lo = ParseNumber(Get(q, "long"));
      auto ra = ParseNumber(Get(q, "radius"));
      if (!la || !lo || !ra || *ra <= 0 || *ra > kMaxRadiusMetres || std::abs(*la) > 89) {
        errs.push_back(
            "lat/long/radius : une position et un rayon en mètres (50 000 au plus) sont attendus.");
      } else {
        centre = {*la, *lo};
        radius = *ra;
        const double dlat = *ra / kMetresPerDegreeLat;
        const double dlon = *ra / (kMetresPerDegreeLat * std::cos(*la * M_PI / 180));
        rq.bbox = domain::RequestQuery::BoundingBox{*la - dlat, *lo - dlon, *la + dlat, *lo + dlon};
      }
    }
  }
  if (!errs.empty()) return Errors(f, 400, std::move(errs));
  Node list = Node::List("service_requests");
  if (rq.service_ids.empty()) return Render(f, 200, list);
  auto page = cases_.List(rq);
  if (!page.ok()) return Errors(f, StatusOf(page.error().code()), {page.error().message()});
  const auto cat = cases_.catalogue();
  const bool ext = Extensions(q);
  auto timelines = cases_.Timelines(page->items);
  if (!timelines.ok()) {
    return Errors(f, StatusOf(timelines.error().code()), {timelines.error().message()});
  }
  const std::vector<domain::Event> none;
  for (const auto& r : page->items) {
    if (centre) {
      // The index gave the circle's box; keep what is inside the circle.
      const double x = (r.location->lon - centre->second) * std::cos(centre->first * M_PI / 180);
      const double y = r.location->lat - centre->first;
      if (std::hypot(x, y) * kMetresPerDegreeLat > radius) continue;
    }
    const auto events = timelines->find(r.id);
    list.Add(RequestNode(r, *cat, events == timelines->end() ? none : events->second, ext));
  }
  return Render(f, 200, list);
}

Reply Endpoint::GetRequest(Format f, const std::string& id, const Params& q) const {
  if (auto bad = CheckJurisdiction(f, q)) return *bad;
  const std::string ref = NormalizeReference(id);
  const auto published = PublishedServices();
  auto r = LooksLikeReference(ref) ? cases_.Get(ref) : Result<domain::Request>(Error::NotFound(""));
  if (!r.ok() && r.error().code() != ErrorCode::kNotFound) {
    return Errors(f, StatusOf(r.error().code()), {r.error().message()});
  }
  if (!r.ok() || std::find(published.begin(), published.end(), r->service_id) == published.end()) {
    return Errors(f, 404, {"service_request_id : la demande « " + id + " » n’existe pas."});
  }
  auto events = cases_.Timeline(r->id);
  if (!events.ok()) return Errors(f, StatusOf(events.error().code()), {events.error().message()});
  Node list = Node::List("service_requests");
  list.Add(RequestNode(*r, *cases_.catalogue(), *events, Extensions(q)));
  return Render(f, 200, list);
}

Reply Endpoint::GetToken(Format f, const std::string& token, const Params& q) const {
  if (auto bad = CheckJurisdiction(f, q)) return *bad;
  // Requests are realtime: the service_request_id is returned at once, so a
  // token is only ever that id.
  const std::string ref = NormalizeReference(token);
  const auto published = PublishedServices();
  auto r = LooksLikeReference(ref) ? cases_.Get(ref) : Result<domain::Request>(Error::NotFound(""));
  if (!r.ok() || std::find(published.begin(), published.end(), r->service_id) == published.end()) {
    return Errors(f, 404, {"token : le jeton « " + token + " » n’existe pas."});
  }
  Node list = Node::List("service_requests");
  list.Add(Node::Object(
      "request", {Node::Scalar("service_request_id", r->reference), Node::Scalar("token", token)}));
  return Render(f, 200, list);
}

Reply Endpoint::GetUpdates(Format f, const Params& q) const {
  if (auto bad = CheckJurisdiction(f, q)) return *bad;
  std::vector<std::string> errs;
  Timestamp from = 0, to = 0;
  if (!ParseRange(q, clock_.Now(), from, to, errs)) return Errors(f, 400, std::move(errs));
  const auto published = PublishedServices();
  Node list = Node::List("service_requests_updates");
  auto events = cases_.StatusChangesSince(published, from - 1, to, kDefaultQueryLimit);
  if (!events.ok()) return Errors(f, StatusOf(events.error().code()), {events.error().message()});
  const auto cat = cases_.catalogue();
  std::map<std::int64_t, domain::Request> requests;
  for (const auto& e : *events) {
    auto it = requests.find(e.request_id);
    if (it == requests.end()) {
      auto r = cases_.Get(std::to_string(e.request_id));
      if (!r.ok()) continue;
      it = requests.emplace(e.request_id, std::move(*r)).first;
    }
    const auto data = json::parse(e.data_json, nullptr, false);
    const std::string status = data.is_object() ? data.value("to", "") : "";
    const domain::WorkflowStatus* s = cat->WorkflowOf(it->second.service_id).FindStatus(status);
    const StatusCategory category = s ? s->category : StatusCategory::kOpen;
    // The workflow names its FixMyStreet status; the category is the fallback.
    const std::string fms = s && !s->open311_status.empty()
                                ? s->open311_status
                                : std::string(FixMyStreetStatus(category));
    list.Add(Node::Object(
        "request_update",
        {Node::Scalar("update_id", std::to_string(e.id)),
         Node::Scalar("service_request_id", it->second.reference), Node::Scalar("status", fms),
         Node::Scalar("updated_datetime", Datetime(e.created_at)),
         Node::Scalar("description", e.body.empty() && s ? s->label : e.body),
         Node::Scalar("media_url", nullptr)}));
  }
  return Render(f, 200, list);
}

void Endpoint::PostUpdate(Format f, const Params& form, const std::string& bearer,
                          std::function<void(Reply)> done) const {
  if (auto bad = CheckJurisdiction(f, form)) return done(*bad);
  std::int64_t key_id = 0;
  if (auto bad = CheckKey(f, form, bearer, key_id)) return done(*bad);

  std::vector<std::string> errs;
  const std::string id = Get(form, "service_request_id");
  std::optional<domain::Request> request;
  if (id.empty()) {
    errs.push_back("service_request_id : ce paramètre est obligatoire.");
  } else {
    const std::string ref = NormalizeReference(id);
    const auto published = PublishedServices();
    auto r =
        LooksLikeReference(ref) ? cases_.Get(ref) : Result<domain::Request>(Error::NotFound(""));
    if (!r.ok() && r.error().code() != ErrorCode::kNotFound) {
      return done(Errors(f, StatusOf(r.error().code()), {r.error().message()}));
    }
    if (!r.ok() ||
        std::find(published.begin(), published.end(), r->service_id) == published.end()) {
      return done(Errors(f, 404, {"service_request_id : la demande « " + id + " » n’existe pas."}));
    }
    request = std::move(*r);
  }
  const std::string updated = Get(form, "updated_datetime");
  if (updated.empty()) {
    errs.push_back("updated_datetime : ce paramètre est obligatoire.");
  } else if (!ParseIso8601(updated)) {
    errs.push_back(
        "updated_datetime : date attendue au format W3C avec fuseau (ex. "
        "2026-01-01T12:00:00Z).");
  }
  // FixMyStreet sends its names in upper case; GeoReport's own open/closed too.
  std::string status = Get(form, "status");
  for (char& c : status) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (status.empty()) {
    errs.push_back("status : ce paramètre est obligatoire.");
  } else if (!domain::IsOpen311Status(status)) {
    std::string names;
    for (auto n : domain::kOpen311Statuses) names += (names.empty() ? "" : ", ") + std::string(n);
    errs.push_back("status : « " + Get(form, "status") + " » n’est pas un statut (" + names + ").");
  }
  const std::string description = Get(form, "description");
  if (description.empty()) {
    errs.push_back("description : ce paramètre est obligatoire.");
  } else if (!domain::IsValidUtf8(description)) {
    errs.push_back("description : le texte n’est pas en UTF-8 valide.");
  } else if (domain::Utf8Length(description) > kMaxDescription) {
    errs.push_back("description : le texte dépasse 4 000 caractères.");
  }
  const std::string media_url = Get(form, "media_url");
  if (!IsMediaUrl(media_url)) errs.push_back(kMediaUrlError);
  const std::string email = Get(form, "email");
  if (!email.empty() && !domain::IsValidEmail(email)) {
    errs.push_back("email : adresse électronique invalide.");
  }
  for (const char* k : {"first_name", "last_name"}) {
    const std::string v = Get(form, k);
    if (!domain::IsValidUtf8(v) || domain::Utf8Length(v) > domain::kMaxNameLength) {
      errs.push_back(std::string(k) + " : 200 caractères au plus, en UTF-8.");
    }
  }
  const std::string update_id = Get(form, "update_id");
  if (update_id.size() > kMaxUpdateId) {
    errs.push_back("update_id : 200 caractères au plus.");
  }
  if (!errs.empty()) return done(Errors(f, 400, std::move(errs)));

  // Kept for the agents (back-office only, never in a public answer).
  json data = json::object();
  data["open311_status"] = status;
  data["updated_datetime"] = updated;
  if (!media_url.empty()) data["media_url"] = media_url;
  if (!update_id.empty()) data["update_id"] = update_id;
  for (const char* k : {"email", "first_name", "last_name", "account_id"}) {
    const std::string v = Get(form, k);
    if (!v.empty() && v.size() <= domain::kMaxNameLength) data[k] = v;
  }
  data["api_key_id"] = key_id;
  domain::NewEvent in;
  in.kind = domain::EventKind::kMessageIn;
  in.channel = domain::Channel::kOpen311;
  in.body = description;
  in.data_json = data.dump();
  // The client's own id makes a retry land once: scoped to the key, the
  // same id with another content is refused.
  std::optional<domain::Idempotency> idem;
  if (!update_id.empty()) {
    idem = domain::Idempotency{
        "open311:" + std::to_string(key_id) + ":" + update_id,
        Sha256Hex(status + "\n" + updated + "\n" + media_url + "\n" + description)};
  }
  const domain::Actor actor{domain::Actor::Kind::kApi, key_id, {}};
  cases_.AddEvent(
      request->id, std::move(in), actor, std::nullopt, std::move(idem),
      [f, req = *request, done = std::move(done)](Result<domain::EventAdded> r) {
        if (!r.ok()) {
          const Error& e = r.error();
          std::vector<std::string> out;
          for (const auto& fe : e.fields()) {
            out.push_back((fe.field == "body" ? "description" : fe.field) + " : " + fe.message);
          }
          if (out.empty()) out.push_back(e.message());
          return done(Errors(f, StatusOf(e.code()), std::move(out)));
        }
        Node root =
            Node::List("service_request_updates",
                       {Node::Object("request_update",
                                     {Node::Scalar("update_id", std::to_string(r->event.id))})});
        Reply reply = Render(f, 200, root);
        reply.request = req;
        done(std::move(reply));
      });
}

}  // namespace guichet::channels::open311
