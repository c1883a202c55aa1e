#include "app/demo.hpp"

#include <future>
#include <random>

#include "core/reference.hpp"

namespace guichet::app {

using namespace guichet::domain;

namespace {

const std::vector<Agent> kAgents = {
    {0, "Camille Martin", "camille.martin@mairie-exemple.fr", "voirie"},
    {0, "Karim Benali", "karim.benali@mairie-exemple.fr", "etat-civil"},
    {0, "Sophie Lefèvre", "sophie.lefevre@mairie-exemple.fr", "accueil"},
    // Propreté assigns its requests in turn (round_robin in catalogue.toml).
    {0, "Julien Moreau", "julien.moreau@mairie-exemple.fr", "proprete"},
    {0, "Inès Garcia", "ines.garcia@mairie-exemple.fr", "proprete"},
};

struct DemoRequest {
  const char* service;
  Channel channel;
  const char* title;
  const char* description;
  const char* name;
  const char* email;
  const char* phone;
  double lat, lon;
  const char* address;
};

const std::vector<DemoRequest> kDemoRequests = {
    {"signalement-voirie", Channel::kWeb, "Nid-de-poule rue de la République",
     "Un nid-de-poule profond s’est formé devant le numéro 12, dangereux pour les vélos.",
     "Jeanne Dupont", "jeanne.dupont@example.org", "", 45.7640, 4.8357, "12 rue de la République"},
    {"signalement-voirie", Channel::kOpen311, "Lampadaire éteint",
     "Le lampadaire à l’angle de la place est éteint depuis trois soirs.", "", "", "", 45.7652,
     4.8321, "Place des Terreaux"},
    {"encombrants", Channel::kPhone, "Enlèvement d’un canapé et d’un matelas",
     "Appel de Mme Petit : un canapé trois places et un matelas à enlever.", "Lucie Petit", "",
     "06 12 34 56 78", 0, 0, ""},
    {"acte-naissance", Channel::kEmail, "Copie intégrale d’acte de naissance",
     "Bonjour, je souhaite recevoir une copie intégrale de mon acte de naissance. Cordialement.",
     "Marc Girard", "marc.girard@example.org", "", 0, 0, ""},
    {"question-generale", Channel::kCounter, "Horaires d’ouverture pendant les fêtes",
     "Un usager demande les horaires de la mairie entre Noël et le jour de l’an.", "Paul Roux", "",
     "", 0, 0, ""},
    {"registre-canicule", Channel::kSms, "Inscription au registre canicule",
     "Bonjour je voudrais inscrire ma mère qui vit seule, 84 ans.", "", "", "+33698765432", 0, 0,
     ""},
    {"occupation-domaine-public", Channel::kPostal, "Terrasse du café de la Place",
     "Courrier reçu : demande d’autorisation de terrasse de 20 m² du 1er avril au 31 octobre.",
     "Café de la Place", "contact@cafedelaplace.example", "", 0, 0, ""},
    {"inscription-scolaire", Channel::kWeb, "Inscription en petite section",
     "Inscription de Léa pour la rentrée en petite section à l’école Jean-Jaurès.", "Nadia Haddad",
     "nadia.haddad@example.org", "07 11 22 33 44", 0, 0, ""},
};

}  // namespace

Status SeedDemo(Store& store, CaseService& cases) {
  auto agents = store.ListAgents();
  if (!agents.ok()) return agents.error();
  if (agents->empty()) {
    GUICHET_TRY(store.WriteSync([](WriteTx& tx) -> Status {
      for (const auto& a : kAgents) {
        auto id = tx.InsertAgent(a);
        if (!id.ok()) return id.error();
      }
      return Status::Ok();
    }));
  }
  auto count = store.CountRequests();
  if (!count.ok()) return count.error();
  if (*count > 0) return Status::Ok();
  for (const auto& d : kDemoRequests) {
    NewRequest in;
    in.service_id = d.service;
    in.channel = d.channel;
    in.title = d.title;
    in.description = d.description;
    in.contact = {d.name, d.email, d.phone};
    if (d.lat != 0) in.location = Location{d.lat, d.lon, d.address};
    std::promise<Result<Created>> p;
    cases.Create(in, Actor{Actor::Kind::kSystem}, std::nullopt,
                 [&p](Result<Created> r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    if (!r.ok()) return r.error();
  }
  return Status::Ok();
}

Status SeedBulk(Store& store, const Catalogue& catalogue, std::int64_t count, Timestamp now) {
  const std::vector<Service> services = catalogue.Services();
  if (services.empty()) return Error::Rule("Le catalogue ne contient aucune démarche.");
  static const char* kPlaces[] = {
      "rue de la République", "avenue Jean-Jaurès", "place de la Mairie", "boulevard Victor-Hugo",
      "chemin des Écoliers",  "impasse des Lilas",  "quai Saint-Vincent", "rue Pasteur"};
  static const char* kProblems[] = {"Nid-de-poule dangereux",
                                    "Lampadaire éteint depuis plusieurs jours",
                                    "Dépôt sauvage d’ordures",
                                    "Trottoir dégradé",
                                    "Panneau de signalisation tombé",
                                    "Arbre menaçant de tomber",
                                    "Graffiti sur la façade de l’école",
                                    "Fuite d’eau sur la chaussée",
                                    "Poubelles non ramassées depuis une semaine",
                                    "Bruit de voisinage la nuit",
                                    "Stationnement gênant devant le garage",
                                    "Éclairage public défaillant"};
  // Realistic French text for the full-text search benchmark: what agents
  // write in notes and to citizens.
  static const char* kNotes[] = {
      "Équipe d’intervention prévenue, passage prévu cette semaine.",
      "Le citoyen a rappelé : la situation s’aggrave, les enfants passent par là.",
      "Photos reçues par courriel ; transmis aux services techniques.",
      "Déjà signalé par un riverain, voir la demande précédente.",
      "Contrôle effectué sur place : dégradations confirmées."};
  static const char* kReplies[] = {
      "Bonjour, votre signalement a bien été pris en compte par nos services.",
      "Bonjour, l’intervention a été réalisée ce matin. Merci de votre vigilance.",
      "Bonjour, pourriez-vous nous préciser l’adresse exacte et joindre une photographie ?"};
  constexpr size_t kProblemCount = sizeof(kProblems) / sizeof(kProblems[0]);
  // Large writes: each op costs a savepoint, whose journal SQLite spills to a
  // temporary file; 5,000 rows per op keeps that cost small.
  constexpr std::int64_t kPerTransaction = 5000;
  constexpr size_t kMaxPending = 8;
  std::vector<std::future<Status>> pending;
  for (std::int64_t start = 0; start < count; start += kPerTransaction) {
    const std::int64_t n = std::min(kPerTransaction, count - start);
    auto promise = std::make_shared<std::promise<Status>>();
    pending.push_back(promise->get_future());
    store.Write(
        [start, n, now, count, &services, &catalogue](WriteTx& tx) -> Status {
          std::mt19937_64 rng(static_cast<std::uint64_t>(start) + 1);
          for (std::int64_t i = 0; i < n; ++i) {
            const std::int64_t k = start + i;
            Request r;
            const auto& svc = services[rng() % services.size()];
            r.service_id = svc.id;
            r.team_id = svc.team_id;
            const char* problem = kProblems[rng() % kProblemCount];
            const char* place = kPlaces[rng() % 8];
            r.title = std::string(problem) + " " + place;
            r.description = std::string(problem) + " au " + std::to_string(1 + rng() % 150) + " " +
                            place +
                            ". Merci d’intervenir rapidement, c’est dangereux pour les "
                            "piétons et les enfants qui vont à l’école.";
            r.channel = AllChannels()[rng() % AllChannels().size()];
            const auto& statuses = catalogue.WorkflowOf(svc.id).statuses();
            const auto& st = statuses[rng() % statuses.size()];
            r.status = st.code;
            r.category = st.category;
            r.contact = {"Habitant " + std::to_string(k),
                         "habitant" + std::to_string(k) + "@example.org", ""};
            // Whole hundred-thousandths divided once: the double nearest each
            // decimal, written back as typed (45.7088, not 45.708800000000007).
            r.location = Location{(4570000 + static_cast<double>(rng() % 10000)) / 100000.0,
                                  (480000 + static_cast<double>(rng() % 10000)) / 100000.0, place};
            // Spread over a year, oldest first so ids follow time.
            r.created_at = now - 365 * kMicrosPerDay + k * (365 * kMicrosPerDay / count);
            r.updated_at = r.created_at;
            r.due_at = r.created_at + svc.due_days * kMicrosPerDay;
            if (IsTerminal(r.category)) r.closed_at = r.created_at + 3 * kMicrosPerDay;
            for (int attempt = 0; attempt < 8; ++attempt) {
              r.reference = NewReference(DateOf(r.created_at).year);
              if (!tx.ReferenceExists(r.reference)) break;
            }
            auto id = tx.InsertRequest(r);
            if (!id.ok()) return id.error();
            Event e;
            e.request_id = *id;
            e.kind = EventKind::kMessageIn;
            e.channel = r.channel;
            e.author = "system";
            e.body = r.description;
            e.created_at = r.created_at;
            GUICHET_TRY(tx.AppendEvent(e));
            // One request in three has an agent's note, one in five a reply.
            if (k % 3 == 0) {
              Event note;
              note.request_id = *id;
              note.kind = EventKind::kNote;
              note.author = "agent:1";
              note.body = kNotes[rng() % 5];
              note.created_at = r.created_at + kMicrosPerDay;
              GUICHET_TRY(tx.AppendEvent(note));
            }
            if (k % 5 == 0) {
              Event reply;
              reply.request_id = *id;
              reply.kind = EventKind::kMessageOut;
              reply.channel = Channel::kEmail;
              reply.author = "agent:1";
              reply.body = kReplies[rng() % 3];
              reply.data_json = R"({"delivery":"sent"})";
              reply.created_at = r.created_at + 2 * kMicrosPerDay;
              GUICHET_TRY(tx.AppendEvent(reply));
            }
          }
          return Status::Ok();
        },
        [promise](Status s) { promise->set_value(std::move(s)); });
    // Bound the memory of queued work.
    if (pending.size() >= kMaxPending) {
      auto s = pending.front().get();
      pending.erase(pending.begin());
      if (!s.ok()) return s;
    }
  }
  for (auto& f : pending) {
    auto s = f.get();
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace guichet::app
