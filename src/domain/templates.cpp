#include "domain/templates.hpp"

#include <algorithm>
#include <memory>

#include "domain/outbox.hpp"
#include "domain/validation.hpp"
#include "domain/workflow_engine.hpp"

namespace guichet::domain {
namespace {

const std::vector<std::string> kRequestVariables = {
    "citizen_name", "reference", "title",   "service",     "status",
    "deadline",     "message",   "subject", "portal_link", "town"};
const std::vector<std::string> kAccountVariables = {"link", "portal_link", "town"};

const NotificationEvent* FindEvent(std::string_view id) {
  for (const auto& e : NotificationEvents()) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

// A header must stay on one line whatever a variable holds.
std::string OneLine(std::string s) {
  for (auto& c : s) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  return s;
}

}  // namespace

const std::vector<NotificationEvent>& NotificationEvents() {
  static const std::vector<NotificationEvent> kEvents = {
      {"acknowledgement", "Accusé de réception d’une demande", true},
      {"reply", "Réponse d’un agent", true},
      {"status_change", "Changement de statut d’une demande", true},
      {"account_verify", "Compte : confirmation de l’adresse électronique", false},
      {"account_exists", "Compte : inscription avec une adresse déjà inscrite", false},
      {"account_magic_link", "Compte : lien de connexion", false},
      {"account_password_reset", "Compte : réinitialisation du mot de passe", false},
  };
  return kEvents;
}

std::vector<std::string> TemplateVariables(std::string_view event) {
  const auto* e = FindEvent(event);
  if (!e) return {};
  return e->about_request ? kRequestVariables : kAccountVariables;
}

std::vector<Channel> TemplateChannels(std::string_view event) {
  const auto* e = FindEvent(event);
  if (!e) return {};
  if (!e->about_request) return {Channel::kEmail};
  return {Channel::kEmail, Channel::kSms, Channel::kPostal};
}

std::string TemplateId(std::string_view event, Channel channel) {
  return std::string(event) + "." + std::string(ToString(channel));
}

std::optional<std::pair<std::string, Channel>> ParseTemplateId(std::string_view id) {
  const auto dot = id.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string event(id.substr(0, dot));
  const auto channel = ParseChannel(id.substr(dot + 1));
  if (!channel) return std::nullopt;
  const auto channels = TemplateChannels(event);
  if (std::find(channels.begin(), channels.end(), *channel) == channels.end()) return std::nullopt;
  return std::pair{event, *channel};
}

std::vector<std::string> TemplateIds() {
  std::vector<std::string> out;
  for (const auto& e : NotificationEvents()) {
    for (Channel c : TemplateChannels(e.id)) out.push_back(TemplateId(e.id, c));
  }
  return out;
}

std::vector<FieldError> TemplateErrors(std::string_view id, const TemplateText& t) {
  std::vector<FieldError> errs;
  const auto parsed = ParseTemplateId(id);
  if (!parsed) return {{"id", "Ce modèle n’existe pas."}};
  const auto vars = TemplateVariables(parsed->first);
  const bool sms = parsed->second == Channel::kSms;
  auto check = [&](const char* field, const std::string& text, size_t max, const char* what) {
    if (!IsValidUtf8(text)) {
      errs.push_back({field, std::string(what) + " n’est pas en UTF-8."});
      return;
    }
    if (Utf8Length(text) > max) {
      errs.push_back(
          {field, std::string(what) + " dépasse " + std::to_string(max) + " caractères."});
    }
    for (auto& p : PlaceholderProblems(text, vars)) errs.push_back({field, std::move(p)});
  };
  if (sms) {
    if (!t.subject.empty())
      errs.push_back({"subject", "Un SMS n’a pas d’objet : laissez-le vide."});
  } else if (t.subject.find_first_not_of(" \t") == std::string::npos) {
    errs.push_back({"subject", "L’objet est obligatoire."});
  } else if (t.subject.find_first_of("\r\n") != std::string::npos) {
    errs.push_back({"subject", "L’objet tient sur une ligne."});
  } else {
    check("subject", t.subject, kMaxTemplateSubject, "L’objet");
  }
  if (t.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    errs.push_back({"body", "Le texte est obligatoire."});
  } else {
    check("body", t.body, kMaxTemplateBody, "Le texte");
  }
  return errs;
}

PlaceholderValues SampleValues(std::string_view event) {
  const auto* e = FindEvent(event);
  if (e && !e->about_request) {
    return {{"link", "https://guichet.example.fr/connexion/lien?token=exemple"},
            {"portal_link", "https://guichet.example.fr"},
            {"town", "Mairie de Saint-Exemple"}};
  }
  return {{"citizen_name", "Camille Martin"},
          {"reference", "GU-2026-7KQ4M"},
          {"title", "Lampadaire éteint rue des Écoles"},
          {"service", "Éclairage public"},
          {"status", "En cours de traitement"},
          {"deadline", "12 janvier 2027"},
          {"message", "Nos équipes interviendront dans la semaine."},
          {"subject", "Votre demande GU-2026-7KQ4M"},
          {"portal_link", "https://guichet.example.fr/suivi?reference=GU-2026-7KQ4M"},
          {"town", "Mairie de Saint-Exemple"}};
}

TemplateService::TemplateService(Store& store, CaseService& cases, const Clock& clock,
                                 TemplateDefaults defaults, SmsMeasure measure,
                                 std::string public_url)
    : store_(store),
      cases_(cases),
      clock_(clock),
      defaults_(std::move(defaults)),
      measure_(std::move(measure)),
      public_url_(std::move(public_url)) {}

Result<NotificationTemplate> TemplateService::Build(
    const std::string& id, const std::optional<TemplateOverride>& o) const {
  const auto parsed = ParseTemplateId(id);
  if (!parsed) return Error::NotFound("Ce modèle de message n’existe pas.");
  NotificationTemplate t;
  t.id = id;
  t.event = parsed->first;
  t.channel = parsed->second;
  if (const auto* e = FindEvent(t.event)) {
    t.label = std::string(e->label) + " (" + ChannelLabel(t.channel) + ")";
  }
  if (auto it = defaults_.find(id); it != defaults_.end()) t.defaults = it->second;
  t.text = t.defaults;
  if (o) {
    t.text = {o->subject, o->body};
    t.customised = true;
    t.updated_at = o->updated_at;
    t.updated_by = o->updated_by;
  }
  t.variables = TemplateVariables(t.event);
  return t;
}

Result<std::vector<NotificationTemplate>> TemplateService::List() const {
  auto overrides = store_.ListTemplateOverrides();
  if (!overrides.ok()) return overrides.error();
  std::vector<NotificationTemplate> out;
  for (const auto& id : TemplateIds()) {
    std::optional<TemplateOverride> o;
    for (const auto& x : *overrides) {
      if (x.id == id) o = x;
    }
    auto t = Build(id, o);
    if (!t.ok()) return t.error();
    out.push_back(std::move(*t));
  }
  return out;
}

Result<NotificationTemplate> TemplateService::Get(const std::string& id) const {
  if (!ParseTemplateId(id)) return Error::NotFound("Ce modèle de message n’existe pas.");
  auto overrides = store_.ListTemplateOverrides();
  if (!overrides.ok()) return overrides.error();
  std::optional<TemplateOverride> o;
  for (const auto& x : *overrides) {
    if (x.id == id) o = x;
  }
  return Build(id, o);
}

void TemplateService::Put(const std::string& id, TemplateText text, Actor actor,
                          Done<NotificationTemplate> done) {
  if (!ParseTemplateId(id)) return done(Error::NotFound("Ce modèle de message n’existe pas."));
  auto errs = TemplateErrors(id, text);
  if (!errs.empty()) {
    return done(Error::Invalid("Le modèle contient des erreurs.", std::move(errs)));
  }
  TemplateOverride o{id, std::move(text.subject), std::move(text.body), clock_.Now(),
                     actor.Label()};
  auto built = Build(id, o);
  store_.Write([o](WriteTx& tx) { return tx.SaveTemplateOverride(o); },
               [built, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(s.error());
                 done(built);
               });
}

void TemplateService::Reset(const std::string& id, Done<NotificationTemplate> done) {
  if (!ParseTemplateId(id)) return done(Error::NotFound("Ce modèle de message n’existe pas."));
  auto built = Build(id, std::nullopt);
  store_.Write([id](WriteTx& tx) { return tx.DeleteTemplateOverride(id); },
               [built, done = std::move(done)](Status s) {
                 if (!s.ok()) return done(s.error());
                 done(built);
               });
}

RenderedMessage TemplateService::Fill(std::string_view id, Channel channel, const TemplateText& t,
                                      const PlaceholderValues& values) const {
  (void)id;
  RenderedMessage out;
  PlaceholderValues one_line;
  for (const auto& [k, v] : values) one_line.emplace(k, OneLine(v));
  if (channel != Channel::kSms) out.subject = FillPlaceholders(t.subject, one_line);
  out.body = FillPlaceholders(t.body, values);
  if (channel == Channel::kSms && measure_) out.sms = measure_(out.body);
  return out;
}

Result<RenderedMessage> TemplateService::Preview(const std::string& id,
                                                 const std::optional<TemplateText>& draft,
                                                 const PlaceholderValues& given) const {
  auto t = Get(id);
  if (!t.ok()) return t.error();
  std::vector<FieldError> errs;
  if (draft) {
    for (auto& e : TemplateErrors(id, *draft)) errs.push_back(std::move(e));
  }
  PlaceholderValues values = SampleValues(t->event);
  for (const auto& [k, v] : given) {
    if (std::find(t->variables.begin(), t->variables.end(), k) == t->variables.end()) {
      errs.push_back({"variables." + k, "Cette variable n’existe pas pour ce modèle."});
    } else if (!IsValidUtf8(v) || Utf8Length(v) > kMaxPreviewValue) {
      errs.push_back({"variables." + k,
                      "La valeur dépasse 20000 caractères ou n’est pas en "
                      "UTF-8."});
    } else {
      values[k] = v;
    }
  }
  if (!errs.empty()) return Error::Invalid("L’aperçu contient des erreurs.", std::move(errs));
  return Fill(id, t->channel, draft ? *draft : t->text, values);
}

RenderedMessage TemplateService::Render(std::string_view event, Channel channel,
                                        const PlaceholderValues& values) const {
  const std::string id = TemplateId(event, channel);
  auto t = Get(id);
  TemplateText text;
  if (t.ok()) {
    text = t->text;
  } else if (auto it = defaults_.find(id); it != defaults_.end()) {
    text = it->second;  // the store is unreachable: the shipped text still goes out
  }
  return Fill(id, channel, text, values);
}

PlaceholderValues TemplateService::RequestValues(const Request& r, const std::string& message,
                                                 const std::string& subject) const {
  const auto cat = cases_.catalogue();
  const EngineContext ctx{cat->FindProcedure(r.service_id), cat->WorkflowOf(r.service_id),
                          cat->holiday_region, clock_.Now()};
  PlaceholderValues v = TemplateValues(r, ctx, "", "");
  std::string name = r.contact.name;
  if (r.citizen_id) {
    auto c = store_.GetCitizen(*r.citizen_id);
    if (c.ok() && !c->name.empty()) name = c->name;
  }
  v["citizen_name"] = name.empty() ? "Madame, Monsieur" : name;
  v["message"] = message;
  v["subject"] = subject.empty() ? "Votre demande " + r.reference : subject;
  v["portal_link"] = public_url_ + "/suivi?reference=" + r.reference;
  v["town"] = cat->town.empty() ? "La mairie" : cat->town;
  return v;
}

PlaceholderValues TemplateService::AccountValues(const std::string& link) const {
  const auto cat = cases_.catalogue();
  return {{"link", link},
          {"portal_link", public_url_},
          {"town", !cat || cat->town.empty() ? "La mairie" : cat->town}};
}

}  // namespace guichet::domain
