#include "http/json_mapping.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "domain/workflow_engine.hpp"

namespace guichet::http {

using nlohmann::json;

namespace {

json OptTime(const std::optional<Timestamp>& t) {
  return t ? json(FormatIso8601(*t)) : json(nullptr);
}

// A JSON object stored as text by this server; "{}" is by far the most common.
json ParseStoredObject(const std::string& text) {
  if (text == "{}") return json::object();
  return json::parse(text, nullptr, false);
}

// Reads an optional string member; records a field error on a wrong type.
std::string GetString(const json& j, const char* key, const std::string& path,
                      std::vector<FieldError>& errs) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) {
    errs.push_back({path, "Ce champ doit être une chaîne de caractères."});
    return {};
  }
  return it->get<std::string>();
}

std::optional<double> GetNumber(const json& j, const char* key, const std::string& path,
                                std::vector<FieldError>& errs) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    errs.push_back({path, "Ce champ est obligatoire."});
    return std::nullopt;
  }
  if (!it->is_number()) {
    errs.push_back({path, "Ce champ doit être un nombre."});
    return std::nullopt;
  }
  return it->get<double>();
}

void CheckKnown(const json& j, std::initializer_list<const char*> known, const std::string& prefix,
                std::vector<FieldError>& errs) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool found = false;
    for (const char* k : known) found = found || it.key() == k;
    if (!found) errs.push_back({prefix + it.key(), "Ce champ n’est pas reconnu."});
  }
}

}  // namespace

// Members are emplaced into the object directly: the initializer-list form
// copied every value once more and made GET /requests/{id} twice as slow.
json ToJson(const domain::Request& r) {
  json j(json::value_t::object);
  auto& o = *j.get_ptr<json::object_t*>();
  o.emplace("id", r.id);
  o.emplace("reference", r.reference);
  o.emplace("service", r.service_id);
  o.emplace("title", r.title);
  o.emplace("description", r.description);
  o.emplace("citizen_id", r.citizen_id ? json(*r.citizen_id) : json(nullptr));
  json contact(json::value_t::object);
  auto& c = *contact.get_ptr<json::object_t*>();
  c.emplace("name", r.contact.name);
  c.emplace("email", r.contact.email);
  c.emplace("phone", r.contact.phone);
  o.emplace("contact", std::move(contact));
  o.emplace("channel", ToString(r.channel));
  o.emplace("status", r.status);
  o.emplace("category", ToString(r.category));
  o.emplace("priority", ToString(r.priority));
  if (r.location) {
    json loc(json::value_t::object);
    auto& l = *loc.get_ptr<json::object_t*>();
    l.emplace("lat", r.location->lat);
    l.emplace("lon", r.location->lon);
    l.emplace("address", r.location->address);
    o.emplace("location", std::move(loc));
  } else {
    o.emplace("location", nullptr);
  }
  o.emplace("data", ParseStoredObject(r.data_json));
  o.emplace("created_at", FormatIso8601(r.created_at));
  o.emplace("updated_at", FormatIso8601(r.updated_at));
  o.emplace("due_at", OptTime(r.due_at));
  o.emplace("closed_at", OptTime(r.closed_at));
  o.emplace("team", r.team_id);
  o.emplace("agent_id", r.agent_id ? json(*r.agent_id) : json(nullptr));
  o.emplace("version", r.version);
  return j;
}

namespace {

using TextWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(TextWriter& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
void Text(TextWriter& w, std::string_view v) {
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}
void OptTime(TextWriter& w, const std::optional<Timestamp>& t) {
  if (t) {
    Text(w, FormatIso8601(*t));
  } else {
    w.Null();
  }
}
void OptId(TextWriter& w, const std::optional<std::int64_t>& id) {
  if (id) {
    w.Int64(*id);
  } else {
    w.Null();
  }
}

void WriteRequest(TextWriter& w, const domain::Request& r) {
  // Keys in the order nlohmann::json (a sorted map) writes them, so that
  // both writers give the same bytes.
  w.StartObject();
  Key(w, "agent_id");
  OptId(w, r.agent_id);
  Key(w, "category");
  Text(w, ToString(r.category));
  Key(w, "channel");
  Text(w, ToString(r.channel));
  Key(w, "citizen_id");
  OptId(w, r.citizen_id);
  Key(w, "closed_at");
  OptTime(w, r.closed_at);
  Key(w, "contact");
  w.StartObject();
  Key(w, "email");
  Text(w, r.contact.email);
  Key(w, "name");
  Text(w, r.contact.name);
  Key(w, "phone");
  Text(w, r.contact.phone);
  w.EndObject();
  Key(w, "created_at");
  Text(w, FormatIso8601(r.created_at));
  Key(w, "data");
  // Stored by this server as the dump of a JSON object: copied as it is.
  if (r.data_json.empty()) {
    w.RawValue("{}", 2, rapidjson::kObjectType);
  } else {
    w.RawValue(r.data_json.data(), r.data_json.size(), rapidjson::kObjectType);
  }
  Key(w, "description");
  Text(w, r.description);
  Key(w, "due_at");
  OptTime(w, r.due_at);
  Key(w, "id");
  w.Int64(r.id);
  Key(w, "location");
  if (r.location) {
    w.StartObject();
    Key(w, "address");
    Text(w, r.location->address);
    Key(w, "lat");
    w.Double(r.location->lat);
    Key(w, "lon");
    w.Double(r.location->lon);
    w.EndObject();
  } else {
    w.Null();
  }
  Key(w, "priority");
  Text(w, ToString(r.priority));
  Key(w, "reference");
  Text(w, r.reference);
  Key(w, "service");
  Text(w, r.service_id);
  Key(w, "status");
  Text(w, r.status);
  Key(w, "team");
  Text(w, r.team_id);
  Key(w, "title");
  Text(w, r.title);
  Key(w, "updated_at");
  Text(w, FormatIso8601(r.updated_at));
  Key(w, "version");
  w.Int64(r.version);
  w.EndObject();
}

}  // namespace

std::string ToJsonText(const domain::Request& r) {
  rapidjson::StringBuffer buf;
  TextWriter w(buf);
  WriteRequest(w, r);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string ToJsonText(const std::vector<domain::Request>& items,
                       const std::optional<std::string>& next_cursor) {
  rapidjson::StringBuffer buf;
  TextWriter w(buf);
  w.StartObject();
  Key(w, "items");
  w.StartArray();
  for (const auto& r : items) WriteRequest(w, r);
  w.EndArray();
  Key(w, "next_cursor");
  if (next_cursor) {
    Text(w, *next_cursor);
  } else {
    w.Null();
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

json ToJson(const domain::Event& e) {
  return {
      {"id", e.id},
      {"request_id", e.request_id},
      {"kind", ToString(e.kind)},
      {"channel", e.channel ? json(ToString(*e.channel)) : json(nullptr)},
      {"author", e.author},
      {"body", e.body},
      {"data", ParseStoredObject(e.data_json)},
      {"created_at", FormatIso8601(e.created_at)},
  };
}

json ToJson(const domain::Service& s) {
  return {{"id", s.id},        {"name", s.name},         {"description", s.description},
          {"team", s.team_id}, {"due_days", s.due_days}, {"active", s.active}};
}

json ToJson(const domain::Team& t) {
  return {{"id", t.id}, {"name", t.name}, {"email", t.email}, {"round_robin", t.round_robin}};
}

std::vector<std::string> RolesOf(const domain::Transition& t) {
  if (!t.roles.empty()) return t.roles;
  return {std::string(domain::kRoleAgent), std::string(domain::kRoleSupervisor),
          std::string(domain::kRoleAdministrator)};
}

json ToJson(const domain::Action& a) {
  using K = domain::Action::Kind;
  json j = {{"kind", ToString(a.kind)}};
  if (a.kind == K::kRequestCorrection) {
    j["reason"] = ToString(a.reason);
  } else if (a.kind != K::kUnassignAgent) {
    j["name"] = a.name;
  }
  if (a.kind == K::kScheduleTransition) j["after"] = ToJson(a.delay);
  return j;
}

json ToJson(const Delay& d) { return {{"amount", d.amount}, {"unit", ToString(d.unit)}}; }

json ToJson(const domain::Workflow& w) {
  json statuses = json::array();
  for (const auto& s : w.statuses()) {
    json actions = json::array();
    for (const auto& a : s.actions) actions.push_back(ToJson(a));
    statuses.push_back({{"code", s.code},
                        {"category", ToString(s.category)},
                        {"label", s.label},
                        {"actions", actions}});
  }
  json transitions = json::array();
  for (const auto& t : w.transitions()) {
    transitions.push_back({{"name", t.name},
                           {"label", t.label.empty() ? t.name : t.label},
                           {"from", t.from},
                           {"to", t.to},
                           {"roles", RolesOf(t)},
                           {"comment_required", t.comment_required}});
  }
  return {{"id", w.id()},
          {"initial", w.initial()},
          {"statuses", statuses},
          {"transitions", transitions}};
}

json ToJson(const domain::Procedure& p, const domain::Catalogue& cat) {
  json deadlines = json::array();
  for (const auto& d : p.deadlines) {
    deadlines.push_back({{"name", d.name},
                         {"label", d.label},
                         {"delay", ToJson(d.delay)},
                         {"legal", d.legal},
                         {"on_expiry", d.on_expiry.empty() ? json(nullptr) : json(d.on_expiry)},
                         {"on_correction", ToString(d.on_correction)}});
  }
  return {{"slug", p.slug},
          {"title", p.title},
          {"description", p.description},
          {"category", p.category},
          {"keywords", p.keywords},
          {"team", p.team_id},
          {"identity", ToString(p.identity)},
          {"location_based", p.location_based},
          {"open311", p.open311},
          {"active", p.active},
          {"retention_days", p.retention_days},
          {"form", domain::FormToJson(p.form)},
          {"deadlines", deadlines},
          {"workflow", ToJson(cat.WorkflowOf(p.slug))}};
}

namespace {

// The path ("contact.name", "items[2]") of the first string or key of `j`
// that holds a NUL byte (\u0000 in JSON), if any.
std::optional<std::string> FindNul(const json& j, const std::string& path) {
  if (j.is_string()) {
    if (j.get_ref<const std::string&>().find('\0') != std::string::npos) return path;
  } else if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      const std::string p = path.empty() ? k : path + "." + k;
      if (k.find('\0') != std::string::npos) return p;
      if (auto found = FindNul(v, p)) return found;
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      if (auto found = FindNul(j[i], path + "[" + std::to_string(i) + "]")) return found;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<json> ParseBody(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    return Error::Invalid("Le corps de la requête n’est pas un JSON valide.");
  }
  if (!j.is_object()) return Error::Invalid("Le corps de la requête doit être un objet JSON.");
  // Refused for both stores alike: PostgreSQL's text cannot hold a NUL byte
  // (libpq would cut the string there, silently) where SQLite would keep it.
  if (auto path = FindNul(j, "")) {
    return Error::Invalid("Le corps de la requête contient un caractère nul (\\u0000).",
                          {{*path, "Le caractère nul (\\u0000) n’est pas accepté."}});
  }
  return j;
}

domain::NewRequest ParseNewRequest(const json& j, std::vector<FieldError>& errs) {
  CheckKnown(j,
             {"service", "title", "description", "channel", "priority", "contact", "citizen_id",
              "location", "data"},
             "", errs);
  domain::NewRequest in;
  in.service_id = GetString(j, "service", "service", errs);
  in.title = GetString(j, "title", "title", errs);
  in.description = GetString(j, "description", "description", errs);
  if (auto c = GetString(j, "channel", "channel", errs); !c.empty()) {
    if (auto ch = domain::ParseChannel(c)) {
      in.channel = *ch;
    } else {
      errs.push_back(
          {"channel", "Canal inconnu : « " + c +
                          " » (web, api, email, sms, phone, counter, postal, open311)."});
    }
  }
  if (auto p = GetString(j, "priority", "priority", errs); !p.empty()) {
    if (auto pr = domain::ParsePriority(p)) {
      in.priority = *pr;
    } else {
      errs.push_back(
          {"priority", "Priorité inconnue : « " + p + " » (low, normal, high, urgent)."});
    }
  }
  if (auto it = j.find("contact"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      errs.push_back({"contact", "Ce champ doit être un objet."});
    } else {
      CheckKnown(*it, {"name", "email", "phone"}, "contact.", errs);
      in.contact.name = GetString(*it, "name", "contact.name", errs);
      in.contact.email = GetString(*it, "email", "contact.email", errs);
      in.contact.phone = GetString(*it, "phone", "contact.phone", errs);
    }
  }
  if (auto it = j.find("citizen_id"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
      errs.push_back({"citizen_id", "Ce champ doit être un identifiant entier positif."});
    } else {
      in.citizen_id = it->get<std::int64_t>();
    }
  }
  if (auto it = j.find("location"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      errs.push_back({"location", "Ce champ doit être un objet."});
    } else {
      CheckKnown(*it, {"lat", "lon", "address"}, "location.", errs);
      auto lat = GetNumber(*it, "lat", "location.lat", errs);
      auto lon = GetNumber(*it, "lon", "location.lon", errs);
      auto address = GetString(*it, "address", "location.address", errs);
      if (lat && lon) in.location = domain::Location{*lat, *lon, address};
    }
  }
  if (auto it = j.find("data"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      errs.push_back({"data", "Ce champ doit être un objet."});
    } else {
      in.data_json = it->dump();
    }
  }
  return in;
}

Result<domain::Correction> ParseCorrection(const json& j) {
  std::vector<FieldError> errs;
  CheckKnown(j, {"email", "phone", "data", "message"}, "", errs);
  domain::Correction c;
  c.email = GetString(j, "email", "email", errs);
  c.phone = GetString(j, "phone", "phone", errs);
  c.message = GetString(j, "message", "message", errs);
  if (auto it = j.find("data"); it != j.end() && !it->is_null()) {
    if (it->is_object()) {
      c.data_json = it->dump();
    } else {
      errs.push_back({"data", "Les réponses corrigées doivent être un objet."});
    }
  }
  if (c.email.empty() && c.phone.empty()) {
    errs.push_back({"email", "Indiquez l’adresse électronique ou le téléphone de la demande."});
  }
  if (!errs.empty()) return Error::Invalid("La correction contient des erreurs.", std::move(errs));
  return c;
}

Result<domain::NewEvent> ParseNewEvent(const json& j) {
  std::vector<FieldError> errs;
  CheckKnown(j, {"kind", "channel", "body"}, "", errs);
  domain::NewEvent in;
  const std::string kind = GetString(j, "kind", "kind", errs);
  if (kind.empty()) {
    errs.push_back({"kind", "Ce champ est obligatoire (message_in, message_out ou note)."});
  } else if (auto k = domain::ParseEventKind(kind)) {
    in.kind = *k;
  } else {
    errs.push_back({"kind", "Type inconnu : « " + kind + " » (message_in, message_out, note)."});
  }
  if (auto c = GetString(j, "channel", "channel", errs); !c.empty()) {
    if (auto ch = domain::ParseChannel(c)) {
      in.channel = *ch;
    } else {
      errs.push_back({"channel", "Canal inconnu : « " + c + " »."});
    }
  }
  in.body = GetString(j, "body", "body", errs);
  if (!errs.empty()) return Error::Invalid("L’événement contient des erreurs.", std::move(errs));
  return in;
}

Result<domain::Assignment> ParseAssignment(const json& j) {
  std::vector<FieldError> errs;
  CheckKnown(j, {"team", "agent_id"}, "", errs);
  domain::Assignment a;
  if (auto it = j.find("team"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>().empty()) {
      errs.push_back({"team", "Ce champ doit être l’identifiant d’une équipe."});
    } else {
      a.team_id = it->get<std::string>();
    }
  }
  if (auto it = j.find("agent_id"); it != j.end()) {
    if (it->is_null()) {
      a.agent_id = std::optional<std::int64_t>();
    } else if (it->is_number_integer() && it->get<std::int64_t>() > 0) {
      a.agent_id = std::optional<std::int64_t>(it->get<std::int64_t>());
    } else {
      errs.push_back({"agent_id", "Ce champ doit être un identifiant entier positif ou null."});
    }
  }
  if (!errs.empty()) return Error::Invalid("L’affectation contient des erreurs.", std::move(errs));
  return a;
}

nlohmann::json ToJson(const domain::RequestDeadline& d) {
  using nlohmann::json;
  return {{"name", d.name},
          {"label", d.label},
          {"legal", d.legal},
          {"state", ToString(d.state)},
          {"due_at", d.due_at ? json(FormatIso8601(*d.due_at)) : json(nullptr)},
          {"last_day", d.due_at ? json(domain::FrenchLastDay(*d.due_at)) : json(nullptr)}};
}

}  // namespace guichet::http
