#include "catalogue/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "catalogue/test_catalogue.hpp"

namespace guichet::catalogue {
namespace {

using domain::FieldType;
using testing::kServiceFields;
using testing::kServiceHead;
using testing::kWorkflowStatuses;
using testing::kWorkflowTransitions;
using testing::TempCatalogue;

const std::filesystem::path kDemo = std::filesystem::path(GUICHET_SOURCE_DIR) / "catalogue";

std::string Dump(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += "\n  " + p.ToString();
  return out;
}

// ---------------------------------------------------------------------------
// The shipped demo catalogue.

TEST(DemoCatalogue, LoadsWithoutProblems) {
  LoadResult r = LoadCatalogue(kDemo);
  ASSERT_TRUE(r.problems.empty()) << Dump(r.problems);
  ASSERT_NE(r.catalogue, nullptr);
  const domain::Catalogue& c = *r.catalogue;
  EXPECT_EQ(c.town, "Mairie de Villeneuve-sur-Exemple");
  EXPECT_EQ(c.holiday_region, HolidayRegion::kMetropole);

  std::vector<std::string> slugs;
  for (const auto& [slug, p] : c.procedures) slugs.push_back(slug);
  EXPECT_EQ(slugs, (std::vector<std::string>{"acte-naissance", "encombrants",
                                             "inscription-scolaire", "occupation-domaine-public",
                                             "question-generale", "rdv-titre-identite",
                                             "registre-canicule", "signalement-voirie"}));
  std::vector<std::string> workflows;
  for (const auto& [id, w] : c.workflows) workflows.push_back(id);
  EXPECT_EQ(workflows,
            (std::vector<std::string>{"demarches-simplifiees", "signalement", "simple"}));
  std::vector<std::string> teams;
  for (const auto& t : c.teams) teams.push_back(t.id);
  // The same teams as the demo seed (src/app/demo.cpp).
  EXPECT_EQ(teams, (std::vector<std::string>{"voirie", "proprete", "etat-civil", "education",
                                             "urbanisme", "ccas", "accueil"}));
}

void CollectTypes(const std::vector<domain::Field>& fields, std::set<std::string>& out) {
  for (const auto& f : fields) {
    out.insert(std::string(domain::ToString(f.type)));
    CollectTypes(f.fields, out);
  }
}

TEST(DemoCatalogue, UsesEveryFieldType) {
  LoadResult r = LoadCatalogue(kDemo);
  ASSERT_NE(r.catalogue, nullptr) << Dump(r.problems);
  std::set<std::string> used;
  for (const auto& [slug, p] : r.catalogue->procedures) CollectTypes(p.form.fields, used);
  for (const auto& type : Allowed(Vocabulary::kFieldType)) {
    EXPECT_TRUE(used.count(type)) << "no demo field of type " << type;
  }
}

TEST(DemoCatalogue, StreetReportsArePublishedOnOpen311WithAPhoto) {
  LoadResult r = LoadCatalogue(kDemo);
  ASSERT_NE(r.catalogue, nullptr) << Dump(r.problems);
  const domain::Procedure* p = r.catalogue->FindProcedure("signalement-voirie");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->location_based);
  EXPECT_TRUE(p->open311);
  EXPECT_EQ(p->team_id, "voirie");
  EXPECT_EQ(p->workflow_id, "signalement");
  auto photo = std::find_if(p->form.fields.begin(), p->form.fields.end(),
                            [](const auto& f) { return f.type == FieldType::kFile; });
  ASSERT_NE(photo, p->form.fields.end());
  EXPECT_EQ(photo->accept, std::vector<std::string>{"image/*"});
  EXPECT_EQ(photo->max_file_bytes, 5 * 1024 * 1024);
  EXPECT_EQ(r.catalogue->WorkflowOf("signalement-voirie").id(), "signalement");
}

TEST(DemoCatalogue, PublicDomainOccupationIsAcceptedBySilence) {
  LoadResult r = LoadCatalogue(kDemo);
  ASSERT_NE(r.catalogue, nullptr) << Dump(r.problems);
  const domain::Procedure* p = r.catalogue->FindProcedure("occupation-domaine-public");
  ASSERT_NE(p, nullptr);
  const domain::Deadline* d = p->LegalDeadline();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->name, "instruction");
  EXPECT_EQ(d->delay, (Delay{2, DelayUnit::kMonths}));
  EXPECT_EQ(d->on_expiry, "accepter_tacitement");
  const domain::Workflow& w = r.catalogue->WorkflowOf(p->slug);
  auto t = w.Find("en_instruction", "accepter_tacitement");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->to, "accepte");
  EXPECT_EQ((*t)->roles, std::vector<std::string>{"system"});
}

TEST(DemoCatalogue, TransitionFromSeveralStatusesBecomesOnePerStatus) {
  LoadResult r = LoadCatalogue(kDemo);
  ASSERT_NE(r.catalogue, nullptr) << Dump(r.problems);
  const domain::Workflow& w = *r.catalogue->workflows.at("demarches-simplifiees");
  EXPECT_EQ(w.initial(), "en_construction");
  for (const char* from : {"accepte", "refuse", "sans_suite"}) {
    auto t = w.Find(from, "repasser_en_instruction");
    ASSERT_TRUE(t.ok()) << from;
    EXPECT_EQ((*t)->to, "en_instruction");
    EXPECT_EQ((*t)->roles, (std::vector<std::string>{"supervisor", "administrator"}));
  }
  const domain::WorkflowStatus* s = w.FindStatus("en_instruction");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->actions.size(), 2u);
  EXPECT_EQ(s->actions[0].kind, domain::Action::Kind::kSetDeadline);
  EXPECT_EQ(s->actions[0].name, "instruction");
}

TEST(DemoCatalogue, StreetReportStatusesNameTheirFixMyStreetStatus) {
  LoadResult r = LoadCatalogue(kDemo);
  ASSERT_NE(r.catalogue, nullptr) << Dump(r.problems);
  const domain::Workflow& w = *r.catalogue->workflows.at("signalement");
  const std::pair<const char*, const char*> kExpected[] = {
      {"nouveau", "OPEN"},
      {"pris_en_compte", "INVESTIGATING"},
      {"en_cours", "IN_PROGRESS"},
      {"resolu", "FIXED"},
      {"hors_competence", "NOT_COUNCILS_RESPONSIBILITY"},
      {"doublon", "DUPLICATE"},
      {"cloture", "CLOSED"},
  };
  for (const auto& [code, name] : kExpected) {
    const domain::WorkflowStatus* s = w.FindStatus(code);
    ASSERT_NE(s, nullptr) << code;
    EXPECT_EQ(s->open311_status, name) << code;
  }
  // Every status of every shipped workflow names one.
  for (const auto& [id, wf] : r.catalogue->workflows) {
    for (const auto& s : wf->statuses()) EXPECT_FALSE(s.open311_status.empty()) << id << s.code;
  }
}

TEST(LoadCatalogue, Open311StatusIsOptional) {
  TempCatalogue t;
  LoadResult r = LoadCatalogue(t.dir());
  ASSERT_NE(r.catalogue, nullptr) << Dump(r.problems);
  for (const auto& s : r.catalogue->workflows.at("w")->statuses()) {
    EXPECT_EQ(s.open311_status, "") << s.code;
  }
}

TEST(DemoCatalogue, ResolvedReportsCloseThemselves) {
  LoadResult r = LoadCatalogue(kDemo);
  ASSERT_NE(r.catalogue, nullptr) << Dump(r.problems);
  const domain::WorkflowStatus* s = r.catalogue->workflows.at("signalement")->FindStatus("resolu");
  ASSERT_NE(s, nullptr);
  ASSERT_FALSE(s->actions.empty());
  const domain::Action& last = s->actions.back();
  EXPECT_EQ(last.kind, domain::Action::Kind::kScheduleTransition);
  EXPECT_EQ(last.name, "cloturer");
  EXPECT_EQ(last.delay, (Delay{30, DelayUnit::kCalendarDays}));
}

TEST(DemoCatalogue, ConditionOnYesNoReadsBooleansAsText) {
  LoadResult r = LoadCatalogue(kDemo);
  ASSERT_NE(r.catalogue, nullptr) << Dump(r.problems);
  const domain::Procedure* p = r.catalogue->FindProcedure("inscription-scolaire");
  ASSERT_NE(p, nullptr);
  auto enfants = std::find_if(p->form.fields.begin(), p->form.fields.end(),
                              [](const auto& f) { return f.key == "enfants"; });
  ASSERT_NE(enfants, p->form.fields.end());
  EXPECT_EQ(enfants->type, FieldType::kRepeat);
  auto regime = std::find_if(enfants->fields.begin(), enfants->fields.end(),
                             [](const auto& f) { return f.key == "regime"; });
  ASSERT_NE(regime, enfants->fields.end());
  ASSERT_TRUE(regime->visible_if.has_value());
  EXPECT_EQ(regime->visible_if->field, "cantine");
  EXPECT_EQ(regime->visible_if->values, std::vector<std::string>{"true"});
}

// ---------------------------------------------------------------------------
// Small catalogues in a temporary directory.

TEST(LoadCatalogue, SmallValidCatalogueLoads) {
  TempCatalogue t;
  LoadResult r = LoadCatalogue(t.dir());
  ASSERT_TRUE(r.problems.empty()) << Dump(r.problems);
  ASSERT_NE(r.catalogue, nullptr);
  const domain::Procedure& p = r.catalogue->procedures.at("s");
  EXPECT_EQ(p.team_id, "voirie");
  EXPECT_EQ(p.identity, domain::IdentityLevel::kNone);
  EXPECT_EQ(p.retention_days, 730);
  ASSERT_EQ(p.form.fields.size(), 2u);
  ASSERT_EQ(p.form.fields[0].options.size(), 2u);
  EXPECT_EQ(p.form.fields[0].options[1].label, "B");
  EXPECT_EQ(r.catalogue->teams.at(0).email, "voirie@example.org");
}

TEST(LoadCatalogue, MissingDirectoryIsAProblemNotAnException) {
  LoadResult r = LoadCatalogue("/nonexistent/guichet/catalogue");
  EXPECT_EQ(r.catalogue, nullptr);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].message.find("introuvable"), std::string::npos);
}

TEST(LoadCatalogue, ProblemPrintsFileLinePathAndMessage) {
  Problem p{{"services/voirie.toml", 12}, "fields[2].type", "type de champ inconnu « foo »"};
  EXPECT_EQ(p.ToString(), "services/voirie.toml:12: fields[2].type: type de champ inconnu « foo »");
  Problem whole{{"catalogue.toml", 0}, "", "fichier absent"};
  EXPECT_EQ(whole.ToString(), "catalogue.toml: fichier absent");
}

TEST(LoadCatalogue, ReportsEveryProblemOfAFileInLineOrder) {
  TempCatalogue t;
  t.Write("services/s.toml", "identity = \"forte\"\nlocation_baesd = true\n" + kServiceHead +
                                 R"toml(
[[fields]]
key = "nom"
type = "text"
label = "Nom"
min_length = 10
max_length = 2

[[fields]]
key = "nom"
type = "nombre"
label = "Nom"
)toml");
  LoadResult r = LoadCatalogue(t.dir());
  EXPECT_EQ(r.catalogue, nullptr);
  std::vector<std::pair<int, std::string>> got;
  for (const auto& p : r.problems) {
    EXPECT_EQ(p.where.file, "services/s.toml");
    got.emplace_back(p.where.line, p.path);
  }
  EXPECT_EQ(got, (std::vector<std::pair<int, std::string>>{
                     {1, "identity"},
                     {2, "location_baesd"},
                     {25, "fields[0].min_length"},
                     {29, "fields[1].key"},
                     {30, "fields[1].type"},
                 }))
      << Dump(r.problems);
}

TEST(LoadCatalogue, ReportsProblemsOfEveryFile) {
  TempCatalogue t;
  t.Write("catalogue.toml", "town = \"\"\n" + testing::kCatalogueToml.substr(
                                                  testing::kCatalogueToml.find("\n[[teams]]")));
  t.Write("workflows/w.toml", kWorkflowStatuses + kWorkflowTransitions + "couleur = 1\n");
  t.Write("services/s.toml", "titel = \"x\"\n" + kServiceHead + kServiceFields);
  t.Write("services/autre.toml", "title = \n");
  LoadResult r = LoadCatalogue(t.dir());
  std::set<std::string> files;
  for (const auto& p : r.problems) files.insert(p.where.file);
  EXPECT_EQ(files, (std::set<std::string>{"catalogue.toml", "workflows/w.toml", "services/s.toml",
                                          "services/autre.toml"}))
      << Dump(r.problems);
}

// ---------------------------------------------------------------------------
// One problem per case: the file written, where the problem must be reported,
// and nothing else reported. "# ici" marks the expected line.

struct Case {
  std::string name;
  std::string file;     // written over the small valid catalogue; "" content removes it
  std::string content;  // the expected line is the one holding "# ici", unless `line` is set
  std::string path;     // expected problem path; empty message: no problem at all
  std::string message;  // a substring of the expected message
  std::string expect_file = {};  // where the problem is reported, when not `file`
  int line = -1;
};

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  std::size_t pos = text.find(from);
  if (pos == std::string::npos) {
    std::fprintf(stderr, "test case error: « %s » not found\n", std::string(from).c_str());
    std::abort();
  }
  return text.replace(pos, from.size(), to);
}

const std::string kService = "services/s.toml";
const std::string kWorkflow = "workflows/w.toml";

std::string Service(const std::string& fields) { return kServiceHead + fields; }
std::string ServiceReplacing(std::string_view from, std::string_view to) {
  return Replace(kServiceHead + kServiceFields, from, to);
}
std::string WorkflowReplacing(std::string_view from, std::string_view to) {
  return Replace(kWorkflowStatuses + kWorkflowTransitions, from, to);
}
std::string WorkflowWithTransition(const std::string& transition) {
  return kWorkflowStatuses + kWorkflowTransitions + transition;
}
constexpr std::string_view kNouveauActions =
    R"(actions = [{ set_deadline = "reponse" }, { notify = "recu" }])";
std::string WorkflowWithAction(const std::string& action) {
  return WorkflowReplacing(
      kNouveauActions,
      R"(actions = [{ set_deadline = "reponse" }, { notify = "recu" }, )" + action + "]  # ici");
}

std::vector<Case> Cases() {
  return {
      // The TOML itself.
      {"SyntaxError", kService, Service("\n[[fields]]\nkey = # ici\n"), "",
       "syntaxe TOML invalide"},
      {"MissingCatalogueFile", "catalogue.toml", "", "", "fichier absent", {}, 0},
      {"WorkflowSyntaxErrorDoesNotCascade", kWorkflow,
       "initial = \"nouveau\"\nstatuses = [ # ici\n", "", "syntaxe TOML invalide"},

      // Keys and types.
      {"UnknownKeySuggestsTheClosest", kService,
       "titel = \"Autre\"  # ici\n" + kServiceHead + kServiceFields, "titel",
       "clé inconnue « titel » : vouliez-vous dire « title » ?"},
      {"UnknownFieldKeyListsTheAllowedOnes", kService,
       Service(
           "[[fields]]\nkey = \"x\"\ntype = \"text\"\nlabel = \"X\"\ncouleur = \"bleu\"  # ici\n"),
       "fields[0].couleur", "clé inconnue « couleur » (clés permises : key, type, label"},
      {"SlugIsTheFileName", kService, "slug = \"s\"  # ici\n" + kServiceHead + kServiceFields,
       "slug", "l’identifiant est le nom du fichier"},
      {"WrongType", kService, "location_based = \"oui\"  # ici\n" + kServiceHead + kServiceFields,
       "location_based", "doit être un booléen (true ou false), pas une chaîne"},
      {"MissingRequiredKey",
       kService,
       ServiceReplacing("team = \"voirie\"\n", ""),
       "team",
       "clé obligatoire absente",
       {},
       1},
      {"MissingFieldLabel", kService,
       Service("\n[[fields]]  # ici\nkey = \"x\"\ntype = \"text\"\n"), "fields[0].label",
       "clé obligatoire absente"},
      {"UnknownIdentityLevel", kService,
       "identity = \"forte\"  # ici\n" + kServiceHead + kServiceFields, "identity",
       "niveau d’identité inconnu « forte » (attendu : none, account, substantial, high)"},
      {"UnknownHolidayRegion", "catalogue.toml",
       "holiday_region = \"corse\"  # ici\n" + testing::kCatalogueToml, "holiday_region",
       "région inconnue « corse » (attendu : metropole, alsace-moselle)"},
      {"DuplicateTeam", "catalogue.toml",
       testing::kCatalogueToml +
           "\n[[teams]]\nid = \"voirie\"  # ici\nname = \"Bis\"\nemail = \"bis@example.org\"\n",
       "teams[1].id", "équipe « voirie » déjà déclarée ligne 4"},
      {"BadTeamEmail", "catalogue.toml",
       Replace(testing::kCatalogueToml, "email = \"voirie@example.org\"",
               "email = \"voirie\"  # ici"),
       "teams[0].email", "adresse électronique invalide"},

      // The form.
      {"UnknownFieldType", kService,
       Service("\n[[fields]]\nkey = \"x\"\ntype = \"foo\"  # ici\nlabel = \"X\"\n"),
       "fields[0].type",
       "type de champ inconnu « foo » (attendu : text, textarea, email, phone, integer, decimal, "
       "date, datetime, yes_no, checkbox, choice, multiple_choice, address, commune, file, siret, "
       "iban, section, explanation, repeat)"},
      {"DuplicateFieldKey", kService,
       kServiceHead + kServiceFields +
           "\n[[fields]]\nkey = \"nature\"  # ici\ntype = \"text\"\nlabel = \"Encore\"\n",
       "fields[2].key", "clé « nature » déjà employée à ce niveau (ligne 20)"},
      {"DuplicateKeyInsideARepeat", kService, Service(R"toml(
[[fields]]
key = "enfants"
type = "repeat"
label = "Enfants"

[[fields.fields]]
key = "nom"
type = "text"
label = "Nom"

[[fields.fields]]
key = "nom"  # ici
type = "text"
label = "Nom encore"
)toml"),
       "fields[0].fields[1].key", "clé « nom » déjà employée à ce niveau"},
      {"SameKeyAtTwoLevelsIsFine", kService, Service(R"toml(
[[fields]]
key = "nom"
type = "text"
label = "Nom"

[[fields]]
key = "enfants"
type = "repeat"
label = "Enfants"

[[fields.fields]]
key = "nom"
type = "text"
label = "Nom de l’enfant"
)toml"),
       "", ""},
      {"ChoiceWithoutOptions", kService,
       Service("\n[[fields]]  # ici\nkey = \"x\"\ntype = \"choice\"\nlabel = \"X\"\n"),
       "fields[0].options", "doit proposer des options"},
      {"DuplicateOptionValue", kService,
       Service(
           "\n[[fields]]\nkey = \"x\"\ntype = \"choice\"\nlabel = \"X\"\noptions = [\n  { "
           "value = \"a\", label = \"A\" },\n  { value = \"a\", label = \"A bis\" },  # ici\n]\n"),
       "fields[0].options[1].value", "valeur « a » déjà proposée"},
      {"RepeatWithoutFields", kService,
       Service("\n[[fields]]  # ici\nkey = \"x\"\ntype = \"repeat\"\nlabel = \"X\"\n"),
       "fields[0].fields", "un bloc répété doit déclarer ses champs"},
      {"PatternThatDoesNotCompile", kService,
       Service("\n[[fields]]\nkey = \"x\"\ntype = \"text\"\nlabel = \"X\"\npattern = \"[a-z\"  # "
               "ici\n"),
       "fields[0].pattern", "expression régulière invalide « [a-z »"},
      {"MinLengthAboveMaxLength", kService,
       Service("\n[[fields]]\nkey = \"x\"\ntype = \"text\"\nlabel = \"X\"\nmin_length = 10  # ici\n"
               "max_length = 5\n"),
       "fields[0].min_length", "min_length (10) dépasse max_length (5)"},
      {"MinAboveMax", kService,
       Service("\n[[fields]]\nkey = \"x\"\ntype = \"integer\"\nlabel = \"X\"\nmin = 3.5  # ici\n"
               "max = 1\n"),
       "fields[0].min", "min dépasse max"},
      {"MinItemsAboveMaxItems", kService,
       Service("\n[[fields]]\nkey = \"x\"\ntype = \"file\"\nlabel = \"X\"\nmin_items = 3  # ici\n"
               "max_items = 1\n"),
       "fields[0].min_items", "min_items (3) dépasse max_items (1)"},
      {"MinDateAfterMaxDate", kService,
       Service("\n[[fields]]\nkey = \"x\"\ntype = \"date\"\nlabel = \"X\"\n"
               "min_date = \"2030-01-01\"  # ici\nmax_date = \"2020-01-01\"\n"),
       "fields[0].min_date", "est après max_date"},
      {"UnquotedDate", kService,
       Service("\n[[fields]]\nkey = \"x\"\ntype = \"date\"\nlabel = \"X\"\n"
               "max_date = 2020-01-01  # ici\n"),
       "fields[0].max_date", "écrivez la date entre guillemets"},
      {"KeyThatDoesNotApplyToTheType", kService,
       Service(
           "\n[[fields]]\nkey = \"x\"\ntype = \"date\"\nlabel = \"X\"\nmin_length = 3  # ici\n"),
       "fields[0].min_length",
       "« min_length » ne s’applique pas au type « date » (seulement : text, "
       "textarea)"},
      {"RequiredOnASection", kService,
       Service("\n[[fields]]\nkey = \"x\"\ntype = \"section\"\nlabel = \"X\"\nrequired = true  # "
               "ici\n"),
       "fields[0].required", "ne s’applique pas au type « section »"},
      {"FileSizeWithAnEnglishUnit", kService,
       Service("\n[[fields]]\nkey = \"x\"\ntype = \"file\"\nlabel = \"X\"\n"
               "max_file_size = \"5 MB\"  # ici\n"),
       "fields[0].max_file_size", "taille invalide « 5 MB »"},
      {"AcceptThatIsNotAMimeType", kService,
       Service("\n[[fields]]\nkey = \"x\"\ntype = \"file\"\nlabel = \"X\"\naccept = [\"pdf\"]  # "
               "ici\n"),
       "fields[0].accept", "type de fichier invalide « pdf »"},

      // Conditions.
      {"ConditionOnAnUnknownField",
       kService,
       ServiceReplacing("visible_if = { field = \"nature\"", "visible_if = { field = \"natur\""),
       "fields[1].visible_if.field",
       "champ inconnu « natur » : vouliez-vous dire « nature » ?",
       {},
       29},
      {"ConditionOnALaterField", kService, Service(R"toml(
[[fields]]
key = "detail"
type = "text"
label = "Détail"
visible_if = { field = "nature" }  # ici

[[fields]]
key = "nature"
type = "text"
label = "Nature"
)toml"),
       "fields[0].visible_if.field", "le champ « nature » est déclaré après ce champ"},
      {"ConditionOnAnEnclosingLevelIsFine", kService, kServiceHead + kServiceFields + R"toml(
[[fields]]
key = "enfants"
type = "repeat"
label = "Enfants"

[[fields.fields]]
key = "precision"
type = "text"
label = "Précision"
visible_if = { field = "nature", values = ["b"] }
)toml",
       "", ""},
      {"ConditionOnAFieldOfAnotherRepeat", kService, Service(R"toml(
[[fields]]
key = "enfants"
type = "repeat"
label = "Enfants"

[[fields.fields]]
key = "age"
type = "integer"
label = "Âge"

[[fields]]
key = "cantine"
type = "yes_no"
label = "Cantine"
visible_if = { field = "age" }  # ici
)toml"),
       "fields[1].visible_if.field", "champ inconnu « age »"},
      {"ConditionValueThatIsNotAnOption", kService,
       ServiceReplacing("values = [\"a\"] }", "values = [\"c\"] }  # ici"),
       "fields[1].visible_if.values", "valeur « c » impossible pour « nature » (valeurs : a, b)"},

      // Deadlines and templates.
      {"NegativeDelay", kService,
       ServiceReplacing("delay = \"2 months\"", "delay = \"-3 calendar_days\"  # ici"),
       "deadlines[0].delay", "délai négatif « -3 calendar_days »"},
      {"DelayInAnUnknownUnit", kService,
       ServiceReplacing("delay = \"2 months\"", "delay = \"2 mois\"  # ici"), "deadlines[0].delay",
       "unité de délai inconnue « mois » (attendu : calendar_days, calendar_day, working_days"},
      {"TwoLegalDeadlines", kService,
       Replace(kServiceHead, "\n[[templates]]",
               "\n[[deadlines]]\nname = \"autre\"\nlabel = \"Autre\"\ndelay = \"1 month\"\n"
               "legal = true  # ici\n\n[[templates]]") +
           kServiceFields,
       "deadlines[1].legal", "une seule échéance peut être légale (déjà : « reponse »)"},
      {"UnknownPlaceholder", kService, ServiceReplacing("{{reference}}", "{{referense}}  # ici"),
       "templates[0].subject", "variable inconnue {{referense}}"},
      {"TitleFieldNotInTheForm", kService,
       "title_field = \"sujet\"  # ici\n" + kServiceHead + kServiceFields, "title_field",
       "« sujet » n’est pas un champ du premier niveau du formulaire (champs : nature, detail)"},

      // References between files.
      {"UnknownTeamInAProcedure", kService,
       ServiceReplacing("team = \"voirie\"", "team = \"voiries\"  # ici"), "team",
       "équipe inconnue « voiries » (équipes de catalogue.toml : voirie)"},
      {"UnknownWorkflow", kService, ServiceReplacing("workflow = \"w\"", "workflow = \"x\"  # ici"),
       "workflow", "workflow inconnu « x » (workflows/ : w)"},
      {"TemplateTheWorkflowSendsIsMissing",
       kService,
       ServiceReplacing("name = \"recu\"", "name = \"recu_autre\""),
       "workflow",
       "le workflow « w » envoie le modèle « recu » (statut « nouveau », workflows/w.toml:7)",
       {},
       5},
      {"DeadlineTheWorkflowStartsIsMissing",
       kService,
       ServiceReplacing("name = \"reponse\"", "name = \"delai\""),
       "workflow",
       "démarre l’échéance « reponse »",
       {},
       5},
      {"OnExpiryNamesNoTransition", kService,
       ServiceReplacing("on_expiry = \"accord_tacite\"", "on_expiry = \"accord\"  # ici"),
       "deadlines[0].on_expiry",
       "transition inconnue « accord » dans le workflow « w » (transitions : finir, "
       "accord_tacite)"},
      {"OnExpiryTransitionTheEngineMayNotFire", kService,
       ServiceReplacing("on_expiry = \"accord_tacite\"", "on_expiry = \"finir\"  # ici"),
       "deadlines[0].on_expiry", "doit permettre le rôle « system »"},
      {"MisplacedFile",
       "service/t.toml",
       kServiceHead + kServiceFields,
       "",
       "fichier ignoré : les démarches vont dans services/",
       {},
       0},
      {"EditorLockFilesAreSkipped", "services/.#s.toml", "titel = ", "", ""},
      {"DuplicateSlug", "services/autre/s.toml", kServiceHead + kServiceFields, "",
       "démarche « s » déjà définie par services/autre/s.toml", kService, 0},

      // Workflows.
      {"DuplicateStatusCode", kWorkflow,
       kWorkflowStatuses +
           "\n[[statuses]]\ncode = \"fini\"  # ici\ncategory = \"closed\"\nlabel = \"Bis\"\n" +
           kWorkflowTransitions,
       "statuses[2].code", "statut « fini » déjà déclaré ligne 10"},
      {"UnknownStatusCategory", kWorkflow,
       WorkflowReplacing("category = \"new\"", "category = \"ouvert\"  # ici"),
       "statuses[0].category",
       "catégorie inconnue « ouvert » (attendu : new, open, waiting_citizen, resolved, rejected, "
       "closed)"},
      {"NoTerminalStatus",
       kWorkflow,
       WorkflowReplacing("category = \"resolved\"", "category = \"open\""),
       "statuses",
       "aucun statut final",
       {},
       3},
      {"UnknownOpen311Status", kWorkflow,
       WorkflowReplacing("label = \"Reçue\"",
                         "label = \"Reçue\"\nopen311_status = \"EN_COURS\"  # ici"),
       "statuses[0].open311_status",
       "statut Open311 inconnu « EN_COURS » (attendu : OPEN, INVESTIGATING, IN_PROGRESS, "
       "ACTION_SCHEDULED, FIXED, CLOSED, DUPLICATE, NOT_COUNCILS_RESPONSIBILITY, "
       "NO_FURTHER_ACTION, INTERNAL_REFERRAL)"},
      {"Open311StatusIsUppercase", kWorkflow,
       WorkflowReplacing("label = \"Reçue\"",
                         "label = \"Reçue\"\nopen311_status = \"open\"  # ici"),
       "statuses[0].open311_status", "statut Open311 inconnu « open »"},
      {"UnknownInitialStatus", kWorkflow,
       WorkflowReplacing("initial = \"nouveau\"", "initial = \"debut\"  # ici"), "initial",
       "statut inconnu « debut » (statuts : nouveau, fini)"},
      {"TransitionToAnUnknownStatus", kWorkflow,
       WorkflowWithTransition(
           "\n[[transitions]]\nname = \"perdre\"\nfrom = \"nouveau\"\nto = \"perdu\"  # ici\n"),
       "transitions[2].to", "statut inconnu « perdu »"},
      {"TransitionFromAnUnknownStatusInAList", kWorkflow,
       WorkflowWithTransition("\n[[transitions]]\nname = \"clore\"\nfrom = [\n  \"nouveau\",\n  "
                              "\"perdu\",  # ici\n]\nto = \"fini\"\n"),
       "transitions[2].from", "statut inconnu « perdu »"},
      {"SameTransitionTwiceFromAStatus", kWorkflow,
       WorkflowWithTransition(
           "\n[[transitions]]\nname = \"finir\"\nfrom = \"nouveau\"  # ici\nto = \"fini\"\n"),
       "transitions[2].from", "la transition « finir » part déjà du statut « nouveau » (ligne 16)"},
      {"UnknownRole", kWorkflow,
       WorkflowWithTransition("\n[[transitions]]\nname = \"valider\"\nfrom = \"nouveau\"\nto = "
                              "\"fini\"\nroles = [\"maire\"]  # ici\n"),
       "transitions[2].roles",
       "rôle inconnu « maire » (attendu : citizen, agent, supervisor, administrator, system)"},
      {"UnknownTeamInAnAction", kWorkflow,
       WorkflowWithAction("{ assign_team = \"espaces-verts\" }"),
       "statuses[0].actions[2].assign_team", "équipe inconnue « espaces-verts »"},
      {"TwoActionsInOneTable", kWorkflow,
       WorkflowReplacing(kNouveauActions,
                         "actions = [{ set_deadline = \"reponse\", notify = \"recu\" }]  # ici"),
       "statuses[0].actions[0]", "une seule action par table"},
      {"UnknownCorrectionReason", kWorkflow,
       WorkflowWithAction("{ request_correction = \"flou\" }"),
       "statuses[0].actions[2].request_correction",
       "motif de correction inconnu « flou » (attendu : incomplete, incorrect, outdated)"},
      {"UnassignAgentFalse", kWorkflow, WorkflowWithAction("{ unassign_agent = false }"),
       "statuses[0].actions[2].unassign_agent", "écrivez « unassign_agent = true »"},
      {"NegativeScheduleDelay", kWorkflow,
       WorkflowWithAction(
           "{ schedule_transition = \"accord_tacite\", after = \"-1 calendar_days\" }"),
       "statuses[0].actions[2].after", "délai négatif"},
      {"ScheduleWithoutAfter", kWorkflow,
       WorkflowWithAction("{ schedule_transition = \"accord_tacite\" }"),
       "statuses[0].actions[2].after", "clé obligatoire absente"},
      {"ScheduledTransitionMustLeaveTheStatus", kWorkflow,
       WorkflowWithAction("{ schedule_transition = \"rouvrir\", after = \"3 calendar_days\" }"),
       "statuses[0].actions[2].schedule_transition",
       "aucune transition « rouvrir » ne part du statut « nouveau »"},
      {"ScheduledTransitionNeedsTheSystemRole", kWorkflow,
       WorkflowWithAction("{ schedule_transition = \"finir\", after = \"3 calendar_days\" }"),
       "statuses[0].actions[2].schedule_transition", "doit permettre le rôle « system »"},
  };
}

int MarkedLine(const std::string& text) {
  int line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 5, "# ici") == 0) return line;
    if (text[i] == '\n') ++line;
  }
  return -1;
}

class OneProblem : public ::testing::TestWithParam<Case> {};

TEST_P(OneProblem, IsReportedWhereItIs) {
  const Case& c = GetParam();
  TempCatalogue t;
  if (c.content.empty()) {
    t.Remove(c.file);
  } else {
    t.Write(c.file, c.content);
  }
  LoadResult r = LoadCatalogue(t.dir());
  if (c.message.empty()) {
    EXPECT_TRUE(r.problems.empty()) << Dump(r.problems);
    EXPECT_NE(r.catalogue, nullptr);
    return;
  }
  EXPECT_EQ(r.catalogue, nullptr);
  ASSERT_EQ(r.problems.size(), 1u) << Dump(r.problems);
  const Problem& p = r.problems[0];
  EXPECT_EQ(p.where.file, c.expect_file.empty() ? c.file : c.expect_file);
  EXPECT_EQ(p.where.line, c.line >= 0 ? c.line : MarkedLine(c.content)) << p.ToString();
  EXPECT_EQ(p.path, c.path) << p.ToString();
  EXPECT_NE(p.message.find(c.message), std::string::npos)
      << p.ToString() << "\n  expected: " << c.message;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, OneProblem, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace guichet::catalogue
