#include "domain/form.hpp"

#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

namespace guichet::domain {
namespace {

using nlohmann::json;

constexpr std::string_view kToday = "2025-11-28";

Field MakeField(std::string key, FieldType type, bool required = false) {
  Field f;
  f.key = std::move(key);
  f.type = type;
  f.label = "Libellé";
  f.required = required;
  return f;
}

Field Choices(std::string key, FieldType type, std::vector<std::string> values) {
  Field f = MakeField(std::move(key), type);
  for (auto& v : values) f.options.push_back({v, "Option " + v});
  return f;
}

// Uploads known to the tests' lookup; anything else is unknown.
FileLookup TestFiles() {
  static const std::map<std::string, FileInfo> kFiles = {
      {"up-pdf", {"up-pdf", "justificatif.pdf", "application/pdf", 200 * 1024}},
      {"up-png", {"up-png", "photo.png", "image/png", 2 * 1024 * 1024}},
      {"up-jpeg", {"up-jpeg", "scan.jpg", "image/jpeg; charset=binary", 3 * 1024 * 1024}},
      {"up-big", {"up-big", "video.pdf", "application/pdf", 12 * 1024 * 1024}},
  };
  return [](const std::string& id) -> std::optional<FileInfo> {
    const auto it = kFiles.find(id);
    if (it == kFiles.end()) return std::nullopt;
    return it->second;
  };
}

FormCheck Check(const Form& form, const json& answers, FormMode mode = FormMode::kSubmit) {
  return ValidateForm(form, answers.dump(), mode, kToday, TestFiles());
}

// Validates {"v": answer} against a form of the one field `f` (whose key becomes "v").
FormCheck CheckOne(Field f, const json& answer, FormMode mode = FormMode::kSubmit) {
  f.key = "v";
  return Check(Form{{f}}, json{{"v", answer}}, mode);
}

json Normalized(const FormCheck& c) { return json::parse(c.normalized_json); }

std::string Messages(const FormCheck& c) {
  std::string out;
  for (const auto& e : c.errors) out += e.field + ": " + e.message + "\n";
  return out;
}

// --- One table of accepted answers and one of refused answers per type ---

struct Accepted {
  FieldType type;
  json answer;
  json normalized;
};

TEST(FormValidation, AcceptsAndNormalisesValidAnswersOfEveryType) {
  const Accepted cases[] = {
      {FieldType::kText, "  Nid-de-poule  ", "Nid-de-poule"},
      {FieldType::kText, std::string(500, 'a'), std::string(500, 'a')},
      {FieldType::kTextarea, "Ligne 1\nLigne 2", "Ligne 1\nLigne 2"},
      {FieldType::kEmail, " Marie.Curie@Exemple.FR ", "Marie.Curie@exemple.fr"},
      {FieldType::kPhone, "06 12 34 56 78", "+33612345678"},
      {FieldType::kPhone, "+33 1 23 45 67 89", "+33123456789"},
      {FieldType::kInteger, 42, 42},
      {FieldType::kInteger, "-7", -7},
      {FieldType::kInteger, " +12 ", 12},
      {FieldType::kInteger, 3.0, 3},
      {FieldType::kDecimal, 12.5, 12.5},
      {FieldType::kDecimal, "12,5", 12.5},
      {FieldType::kDecimal, "-0.25", -0.25},
      {FieldType::kDecimal, "0,5", 0.5},
      {FieldType::kDecimal, 3, 3.0},
      {FieldType::kDate, "2024-02-29", "2024-02-29"},
      {FieldType::kDatetime, "2025-11-28T14:30:00+01:00", "2025-11-28T13:30:00Z"},
      {FieldType::kDatetime, "2025-11-28T23:30Z", "2025-11-28T23:30:00Z"},
      {FieldType::kYesNo, false, false},
      {FieldType::kYesNo, true, true},
      {FieldType::kCheckbox, true, true},
      {FieldType::kAddress, "1 place de la Mairie", {{"label", "1 place de la Mairie"}}},
      {FieldType::kAddress,
       {{"label", " 5 rue de Rivoli "}, {"lat", 48.85}, {"lon", 2.35}},
       {{"label", "5 rue de Rivoli"}, {"lat", 48.85}, {"lon", 2.35}}},
      {FieldType::kCommune, "75056", "75056"},
      {FieldType::kCommune, "2A004", "2A004"},
      {FieldType::kCommune, "2a004", "2A004"},
      {FieldType::kCommune, "97411", "97411"},
      {FieldType::kSiret, "732 829 320 00074", "73282932000074"},
      {FieldType::kSiret, "35600000000048", "35600000000048"},
      {FieldType::kIban, "FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"},
      {FieldType::kIban, "gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"},
  };
  for (const Accepted& c : cases) {
    SCOPED_TRACE(std::string(ToString(c.type)) + " " + c.answer.dump());
    const FormCheck r = CheckOne(MakeField("v", c.type, true), c.answer);
    EXPECT_TRUE(r.errors.empty()) << Messages(r);
    EXPECT_EQ(Normalized(r), json({{"v", c.normalized}}));
  }
}

struct Refused {
  FieldType type;
  json answer;
  std::string message;  // the error's message, exactly
};

TEST(FormValidation, RejectsInvalidAnswersOfEveryType) {
  const std::string kEmail =
      "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.";
  const std::string kPhone =
      "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78.";
  const std::string kInteger = "Saisissez un nombre entier, par exemple 12.";
  const std::string kDecimal = "Saisissez un nombre, par exemple 12,5.";
  const std::string kDate =
      "Saisissez une date valide au format AAAA-MM-JJ, par exemple 2025-11-28.";
  const std::string kDatetime =
      "Saisissez une date et une heure valides avec leur fuseau horaire, par exemple "
      "2025-11-28T14:30:00+01:00.";
  const std::string kAddress = "Saisissez une adresse, par exemple 1 place de la Mairie.";
  const std::string kCoordinates = "Les coordonnées de l’adresse ne sont pas valides.";
  const std::string kCommune =
      "Choisissez une commune (code INSEE à 5 caractères, par exemple 75056).";
  const std::string kSiret = "Le numéro SIRET n’est pas valide (14 chiffres, clé de contrôle).";
  const std::string kIban =
      "L’IBAN n’est pas valide, par exemple FR76 3000 6000 0112 3456 7890 189.";
  const Refused cases[] = {
      {FieldType::kText, 12, "Saisissez du texte."},
      {FieldType::kText, "deux\nlignes", "Ce champ doit tenir sur une seule ligne."},
      {FieldType::kText, "nul\x01", "Le texte contient des caractères non autorisés."},
      {FieldType::kText, std::string(501, 'a'), "Saisissez au plus 500 caractères (501 saisis)."},
      {FieldType::kTextarea, std::string(10001, 'a'),
       "Saisissez au plus 10000 caractères (10001 saisis)."},
      {FieldType::kEmail, "marie.curie", kEmail},
      {FieldType::kEmail, "marie @exemple.fr", kEmail},
      {FieldType::kPhone, "12345", kPhone},
      {FieldType::kPhone, "06 12 34 56 7a", kPhone},
      {FieldType::kInteger, "12.0", kInteger},
      {FieldType::kInteger, "1 000", kInteger},
      {FieldType::kInteger, "+-5", kInteger},
      {FieldType::kInteger, 2.5, kInteger},
      {FieldType::kInteger, "99999999999999999999", kInteger},
      {FieldType::kInteger, true, kInteger},
      {FieldType::kDecimal, "12,5,0", kDecimal},
      {FieldType::kDecimal, "1e3", kDecimal},
      {FieldType::kDecimal, "douze", kDecimal},
      {FieldType::kDecimal, "-", kDecimal},
      {FieldType::kDecimal, ",", kDecimal},
      {FieldType::kDate, "2025-02-29", kDate},
      {FieldType::kDate, "28/11/2025", kDate},
      {FieldType::kDatetime, "2025-11-28T14:30:00", kDatetime},
      {FieldType::kDatetime, "2025-11-28", kDatetime},
      {FieldType::kYesNo, "oui", "Répondez par oui ou par non."},
      {FieldType::kCheckbox, "true", "Cochez ou décochez la case."},
      {FieldType::kAddress, 12, kAddress},
      {FieldType::kAddress, {{"lat", 48.85}, {"lon", 2.35}}, kAddress},
      {FieldType::kAddress, {{"label", "Mairie"}, {"lat", 48.85}}, kCoordinates},
      {FieldType::kAddress, {{"label", "Mairie"}, {"lat", 91.0}, {"lon", 2.35}}, kCoordinates},
      {FieldType::kAddress, {{"label", "Mairie"}, {"lat", 48.85}, {"lon", -180.5}}, kCoordinates},
      {FieldType::kAddress, {{"label", "Mairie"}, {"lat", "48.85"}, {"lon", 2.35}}, kCoordinates},
      {FieldType::kAddress, std::string(501, 'a'),
       "L’adresse est trop longue (500 caractères au plus)."},
      {FieldType::kCommune, "75O56", kCommune},
      {FieldType::kCommune, "00123", kCommune},
      {FieldType::kCommune, "2C004", kCommune},
      {FieldType::kCommune, 75056, kCommune},
      {FieldType::kSiret, "73282932000047", kSiret},
      {FieldType::kSiret, "7328293200007", kSiret},
      {FieldType::kIban, "FR7630006000011234567890188", kIban},
      {FieldType::kIban, "FR763000600001123456789018", kIban},
      {FieldType::kIban, "GB82WEST12345698765423", kIban},
  };
  for (const Refused& c : cases) {
    SCOPED_TRACE(std::string(ToString(c.type)) + " " + c.answer.dump());
    const FormCheck r = CheckOne(MakeField("v", c.type), c.answer);
    ASSERT_EQ(r.errors.size(), 1u) << Messages(r);
    EXPECT_EQ(r.errors[0], (FieldError{"v", c.message}));
  }
}

// --- Identifiers ---

TEST(FormValidation, RejectsSiretWithWrongKey) {
  EXPECT_TRUE(IsValidSiret("73282932000074"));
  EXPECT_FALSE(IsValidSiret("73282932000075"));  // last digit changed
  EXPECT_FALSE(IsValidSiret("73282932000047"));  // key digits swapped
  EXPECT_FALSE(IsValidSiret("73282932000077"));  // digits sum to a multiple of 5, not La Poste
  EXPECT_FALSE(IsValidSiret("00000000000000"));
  EXPECT_FALSE(IsValidSiret("7328293200007A"));
  EXPECT_FALSE(IsValidSiret("732829320000744"));
}

TEST(FormValidation, AcceptsLaPosteSiretWhoseDigitsSumToAMultipleOfFive) {
  EXPECT_TRUE(IsValidSiret("35600000000048"));     // the head office, Luhn-valid too
  EXPECT_TRUE(IsValidSiret("356 000 000 00001"));  // Luhn-invalid, digit sum 15
  EXPECT_FALSE(IsValidSiret("35600000000005"));    // digit sum 19
}

TEST(FormValidation, ChecksIbanLengthPerCountryAndMod97) {
  const std::pair<std::string_view, bool> cases[] = {
      {"FR7630006000011234567890189", true},
      {"GB82WEST12345698765432", true},
      {"DE89370400440532013000", true},
      {"BE68539007547034", true},
      {"MC5811222000010123456789030", true},
      {"CH9300762011623852957", true},
      {"NL91ABNA0417164300", true},
      {"IT60X0542811101000000123456", true},
      {"ES9121000418450200051332", true},
      {"LU280019400644750000", true},
      {"PT50000201231234567890154", true},
      {"SA0380000000608010167519", true},       // not in the table: generic length
      {"FR7630006000011234567890198", false},   // digits swapped
      {"FR76300060000112345678901890", false},  // valid mod 97 would not save the length
      {"DE8937040044053201300", false},
      {"FR76-3000-6000-0112-3456-7890-189", false},
      {"7630006000011234567890189", false},
      {"FRXX30006000011234567890189", false},
      {"", false},
  };
  for (const auto& [iban, valid] : cases) {
    SCOPED_TRACE(iban);
    EXPECT_EQ(NormalizeIban(iban).has_value(), valid);
  }
  EXPECT_EQ(NormalizeIban(" fr76 3000 6000 0112 3456 7890 189 "), "FR7630006000011234567890189");
}

TEST(FormValidation, ChecksInseeCodes) {
  const std::pair<std::string_view, bool> cases[] = {
      {"75056", true},   {"2A004", true},  {"2B033", true},  {"97411", true},
      {"98735", true},   {"01001", true},  {"00123", false}, {"20004", false},
      {"99100", false},  {"97911", false}, {"2a004", false}, {"7505", false},
      {"750566", false}, {"75000", false}, {"2C004", false}, {"7505A", false},
  };
  for (const auto& [code, valid] : cases) {
    SCOPED_TRACE(code);
    EXPECT_EQ(IsValidInseeCode(code), valid);
  }
}

// --- Rules of single types ---

TEST(FormValidation, CountsTextLengthInCodePoints) {
  Field f = MakeField("v", FieldType::kText);
  f.max_length = 5;
  EXPECT_TRUE(CheckOne(f, "éééé€").errors.empty());
  EXPECT_EQ(CheckOne(f, "éééééé").errors.size(), 1u);
  f.min_length = 3;
  EXPECT_EQ(CheckOne(f, "ab").errors,
            (std::vector<FieldError>{{"v", "Saisissez au moins 3 caractères."}}));
}

TEST(FormValidation, MatchesThePatternOnTheWholeValue) {
  Field f = MakeField("v", FieldType::kText);
  f.pattern = "[A-Z]{2}-[0-9]{3}-[A-Z]{2}";
  f.pattern_message = "Saisissez une immatriculation, par exemple AB-123-CD.";
  EXPECT_TRUE(CheckOne(f, " AB-123-CD ").errors.empty());
  EXPECT_EQ(CheckOne(f, "xAB-123-CD").errors, (std::vector<FieldError>{{"v", f.pattern_message}}));
  f.pattern_message.clear();
  EXPECT_EQ(CheckOne(f, "AB-123").errors[0].message, "Le format de ce champ n’est pas valide.");
}

TEST(FormValidation, RunsPatternsOnBoundedInputOnly) {
  Field f = MakeField("v", FieldType::kTextarea);
  f.pattern = "(a|b)*";
  f.pattern_message = "Seulement a et b.";
  EXPECT_TRUE(CheckOne(f, std::string(1000, 'a')).errors.empty());
  EXPECT_EQ(CheckOne(f, std::string(1001, 'a')).errors,
            (std::vector<FieldError>{{"v", "Seulement a et b."}}));
}

TEST(FormValidation, ReportsABrokenPatternOnTheFieldInsteadOfThrowing) {
  Field f = MakeField("v", FieldType::kText);
  f.pattern = "([a-z";
  const FormCheck r = CheckOne(f, "abc");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].field, "v");
}

TEST(FormValidation, ChecksNumberRanges) {
  Field n = MakeField("v", FieldType::kInteger);
  n.min = 1;
  n.max = 10;
  EXPECT_TRUE(CheckOne(n, 10).errors.empty());
  EXPECT_EQ(CheckOne(n, 0).errors[0].message, "La valeur doit être supérieure ou égale à 1.");
  EXPECT_EQ(CheckOne(n, "11").errors[0].message, "La valeur doit être inférieure ou égale à 10.");
  Field d = MakeField("v", FieldType::kDecimal);
  d.max = 2.5;
  EXPECT_TRUE(CheckOne(d, "2,5").errors.empty());
  EXPECT_EQ(CheckOne(d, 2.51).errors[0].message, "La valeur doit être inférieure ou égale à 2,5.");
}

TEST(FormValidation, ResolvesTodayInDateBounds) {
  Field birth = MakeField("v", FieldType::kDate);
  birth.max_date = "today";
  EXPECT_TRUE(CheckOne(birth, "2025-11-28").errors.empty());
  EXPECT_EQ(CheckOne(birth, "2025-11-29").errors[0].message,
            "La date ne peut pas être dans le futur.");
  Field event = MakeField("v", FieldType::kDate);
  event.min_date = "today";
  event.max_date = "2026-12-31";
  EXPECT_TRUE(CheckOne(event, "2025-11-28").errors.empty());
  EXPECT_EQ(CheckOne(event, "2025-11-27").errors[0].message, "La date ne peut pas être passée.");
  EXPECT_EQ(CheckOne(event, "2027-01-01").errors[0].message,
            "La date doit être le 31/12/2026 ou avant.");
}

TEST(FormValidation, RequiredCheckboxMustBeTicked) {
  const Field consent = MakeField("v", FieldType::kCheckbox, true);
  EXPECT_EQ(CheckOne(consent, false).errors,
            (std::vector<FieldError>{{"v", "Vous devez cocher cette case."}}));
  EXPECT_TRUE(CheckOne(consent, true).errors.empty());
  EXPECT_TRUE(CheckOne(consent, false, FormMode::kDraft).errors.empty());
  // An optional checkbox left unticked is an answer.
  const FormCheck r = CheckOne(MakeField("v", FieldType::kCheckbox), false);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(Normalized(r), json({{"v", false}}));
}

TEST(FormValidation, RequiredYesNoAcceptsNo) {
  EXPECT_TRUE(CheckOne(MakeField("v", FieldType::kYesNo, true), false).errors.empty());
}

TEST(FormValidation, ChoiceMustBeOneOfTheOptions) {
  const Field f = Choices("v", FieldType::kChoice, {"voirie", "eclairage"});
  EXPECT_EQ(Normalized(CheckOne(f, "eclairage")), json({{"v", "eclairage"}}));
  EXPECT_EQ(CheckOne(f, "Voirie").errors[0].message, "Choisissez une des options proposées.");
  EXPECT_EQ(CheckOne(f, json::array({"voirie"})).errors.size(), 1u);
}

TEST(FormValidation, MultipleChoiceTakesDistinctOptionsWithinCounts) {
  Field f = Choices("v", FieldType::kMultipleChoice, {"a", "b", "c"});
  f.min_items = 2;
  f.max_items = 2;
  EXPECT_EQ(Normalized(CheckOne(f, {"c", "a"})), json({{"v", {"c", "a"}}}));
  EXPECT_EQ(CheckOne(f, {"a", "d"}).errors[0].message, "Choisissez parmi les options proposées.");
  EXPECT_EQ(CheckOne(f, {"a", "a"}).errors[0].message, "Une même option est choisie deux fois.");
  EXPECT_EQ(CheckOne(f, {"a"}).errors[0].message, "Choisissez au moins 2 options.");
  EXPECT_EQ(CheckOne(f, {"a", "b", "c"}).errors[0].message, "Choisissez au plus 2 options.");
  EXPECT_EQ(CheckOne(f, "a").errors.size(), 1u);
}

// --- Files ---

Field Attachment() {
  Field f = MakeField("piece_identite", FieldType::kFile, true);
  f.accept = {"application/pdf", "image/*"};
  return f;
}

TEST(FormValidation, AcceptsFilesOfAnAcceptedTypeAndKeepsTheirIds) {
  const FormCheck r = CheckOne(Attachment(), {"up-pdf", "up-png", "up-jpeg"});
  EXPECT_TRUE(r.errors.empty()) << Messages(r);
  EXPECT_EQ(Normalized(r), json({{"v", {"up-pdf", "up-png", "up-jpeg"}}}));
}

TEST(FormValidation, RejectsAFileOverTheSizeLimitGivingItInMegabytes) {
  const FormCheck r = CheckOne(Attachment(), {"up-big"});
  EXPECT_EQ(r.errors, (std::vector<FieldError>{
                          {"v", "Le fichier « video.pdf » dépasse la taille maximale de 10 Mo."}}));
  Field small = Attachment();
  small.max_file_bytes = 1536 * 1024;
  EXPECT_EQ(CheckOne(small, {"up-png"}).errors[0].message,
            "Le fichier « photo.png » dépasse la taille maximale de 1,5 Mo.");
}

TEST(FormValidation, ImageWildcardAcceptsImagesOnly) {
  Field f = Attachment();
  f.accept = {"image/*"};
  EXPECT_TRUE(CheckOne(f, {"up-png", "up-jpeg"}).errors.empty());
  EXPECT_EQ(CheckOne(f, {"up-pdf"}).errors,
            (std::vector<FieldError>{{"v",
                                      "Le fichier « justificatif.pdf » n’est pas d’un type accepté "
                                      "(types acceptés : image/*)."}}));
}

TEST(FormValidation, RejectsUnknownAndRepeatedUploadIds) {
  EXPECT_EQ(CheckOne(Attachment(), {"up-pdf", "up-autre"}).errors,
            (std::vector<FieldError>{{"v", "Fichier introuvable : joignez-le à nouveau."}}));
  EXPECT_EQ(CheckOne(Attachment(), {"up-pdf", "up-pdf"}).errors[0].message,
            "Le même fichier est joint deux fois.");
  // Without a lookup no upload can be resolved.
  Field f = Attachment();
  f.key = "v";
  EXPECT_EQ(
      ValidateForm(Form{{f}}, R"({"v":["up-pdf"]})", FormMode::kSubmit, kToday, {}).errors.size(),
      1u);
}

TEST(FormValidation, LimitsTheNumberOfFiles) {
  const json eleven = json::array({"up-pdf", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"});
  const FormCheck r = CheckOne(Attachment(), eleven);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].message, "Joignez au plus 10 fichiers.");
  Field two = Attachment();
  two.min_items = 2;
  EXPECT_EQ(CheckOne(two, {"up-pdf"}).errors[0].message, "Joignez au moins 2 fichiers.");
  EXPECT_TRUE(CheckOne(two, {"up-pdf"}, FormMode::kDraft).errors.empty());
}

// --- The whole form ---

Form Demande() {
  Field nature = Choices("nature", FieldType::kChoice, {"voirie", "bruit"});
  nature.required = true;
  Field email = MakeField("email", FieldType::kEmail, true);
  Field telephone = MakeField("telephone", FieldType::kPhone);
  Field horaire = MakeField("horaire", FieldType::kDatetime, true);
  horaire.visible_if = Condition{"nature", {"bruit"}};
  Field photo = MakeField("photo", FieldType::kFile);
  photo.accept = {"image/*"};
  Field titre = MakeField("titre", FieldType::kSection);
  return Form{{titre, nature, email, telephone, horaire, photo}};
}

TEST(FormValidation, ReportsEveryErrorAtOnce) {
  const FormCheck r = Check(Demande(), {{"nature", "bruit"},
                                        {"telephone", "123"},
                                        {"horaire", "hier soir"},
                                        {"photo", {"up-pdf"}},
                                        {"couleur", "rouge"}});
  EXPECT_EQ(r.errors,
            (std::vector<FieldError>{
                {"email", "Ce champ est obligatoire."},
                {"telephone",
                 "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78 ou +33 6 "
                 "12 34 56 78."},
                {"horaire",
                 "Saisissez une date et une heure valides avec leur fuseau horaire, par exemple "
                 "2025-11-28T14:30:00+01:00."},
                {"photo",
                 "Le fichier « justificatif.pdf » n’est pas d’un type accepté (types acceptés "
                 ": image/*)."},
                {"couleur", "Champ inconnu."},
            }));
}

TEST(FormValidation, NormalisesEveryAnswer) {
  const FormCheck r = Check(Demande(), {{"nature", " bruit "},
                                        {"email", " Jean@Mairie.FR"},
                                        {"telephone", "06.12.34.56.78"},
                                        {"horaire", "2025-11-27T23:15:00-02:00"},
                                        {"photo", {"up-png"}}});
  EXPECT_TRUE(r.errors.empty()) << Messages(r);
  EXPECT_EQ(Normalized(r), json({{"nature", "bruit"},
                                 {"email", "Jean@mairie.fr"},
                                 {"telephone", "+33612345678"},
                                 {"horaire", "2025-11-28T01:15:00Z"},
                                 {"photo", {"up-png"}}}));
}

TEST(FormValidation, BlankAnswersCountAsNoAnswer) {
  const FormCheck r =
      Check(Demande(),
            {{"nature", "voirie"}, {"email", "   "}, {"telephone", ""}, {"photo", json::array()}});
  EXPECT_EQ(r.errors, (std::vector<FieldError>{{"email", "Ce champ est obligatoire."}}));
  EXPECT_EQ(Normalized(r), json({{"nature", "voirie"}}));
}

TEST(FormValidation, HiddenRequiredFieldIsNotRequired) {
  const FormCheck r = Check(Demande(), {{"nature", "voirie"}, {"email", "a@b.fr"}});
  EXPECT_TRUE(r.errors.empty()) << Messages(r);
}

TEST(FormValidation, HiddenAnswerIsDroppedWithoutBeingChecked) {
  const FormCheck r =
      Check(Demande(), {{"nature", "voirie"}, {"email", "a@b.fr"}, {"horaire", "pas une date"}});
  EXPECT_TRUE(r.errors.empty()) << Messages(r);
  EXPECT_EQ(Normalized(r), json({{"nature", "voirie"}, {"email", "a@b.fr"}}));
}

TEST(FormValidation, VisibleConditionalFieldIsRequired) {
  const FormCheck r = Check(Demande(), {{"nature", "bruit"}, {"email", "a@b.fr"}});
  EXPECT_EQ(r.errors, (std::vector<FieldError>{{"horaire", "Ce champ est obligatoire."}}));
}

TEST(FormValidation, ConditionsCompareBooleansAndTickedValuesAsText) {
  Field permis = MakeField("permis", FieldType::kYesNo);
  Field numero = MakeField("numero", FieldType::kText, true);
  numero.visible_if = Condition{"permis", {"true"}};
  Field themes = Choices("themes", FieldType::kMultipleChoice, {"sport", "culture", "ecole"});
  Field club = MakeField("club", FieldType::kText, true);
  club.visible_if = Condition{"themes", {"sport", "culture"}};
  const Form form{{permis, numero, themes, club}};

  EXPECT_EQ(Check(form, {{"permis", true}, {"themes", {"ecole", "culture"}}}).errors,
            (std::vector<FieldError>{{"numero", "Ce champ est obligatoire."},
                                     {"club", "Ce champ est obligatoire."}}));
  EXPECT_TRUE(Check(form, {{"permis", false}, {"themes", {"ecole"}}}).errors.empty());
}

TEST(FormValidation, ConditionWithoutValuesShowsTheFieldWhenAnswered) {
  Field autre = MakeField("autre", FieldType::kText);
  Field precision = MakeField("precision", FieldType::kTextarea, true);
  precision.visible_if = Condition{"autre", {}};
  const Form form{{autre, precision}};
  EXPECT_TRUE(Check(form, {{"autre", " "}}).errors.empty());
  EXPECT_EQ(Check(form, {{"autre", "oui"}}).errors.size(), 1u);
}

TEST(FormValidation, FieldBehindAHiddenFieldIsHiddenToo) {
  Field a = MakeField("a", FieldType::kYesNo);
  Field b = Choices("b", FieldType::kChoice, {"x", "y"});
  b.visible_if = Condition{"a", {"true"}};
  Field c = MakeField("c", FieldType::kText, true);
  c.visible_if = Condition{"b", {"x"}};
  const FormCheck r = Check(Form{{a, b, c}}, {{"a", false}, {"b", "x"}});
  EXPECT_TRUE(r.errors.empty()) << Messages(r);
  EXPECT_EQ(Normalized(r), json({{"a", false}}));
}

TEST(FormValidation, CyclicConditionsHideTheFieldsInsteadOfLooping) {
  Field a = MakeField("a", FieldType::kText, true);
  a.visible_if = Condition{"b", {}};
  Field b = MakeField("b", FieldType::kText, true);
  b.visible_if = Condition{"a", {}};
  EXPECT_TRUE(Check(Form{{a, b}}, {{"a", "x"}, {"b", "y"}}).errors.empty());
}

// --- Repeated blocks ---

Form Famille() {
  Field prenom = MakeField("prenom", FieldType::kText, true);
  Field naissance = MakeField("date_naissance", FieldType::kDate, true);
  naissance.max_date = "today";
  Field scolarise = MakeField("scolarise", FieldType::kYesNo);
  Field ecole = MakeField("ecole", FieldType::kText, true);
  ecole.visible_if = Condition{"scolarise", {"true"}};
  // Refers to the enclosing level: the repeat's entries declare no "cantine".
  Field regime = Choices("regime", FieldType::kChoice, {"standard", "sans_porc"});
  regime.required = true;
  regime.visible_if = Condition{"cantine", {"true"}};
  Field enfants = MakeField("enfants", FieldType::kRepeat, true);
  enfants.fields = {prenom, naissance, scolarise, ecole, regime};
  enfants.max_items = 3;
  Field cantine = MakeField("cantine", FieldType::kYesNo);
  return Form{{cantine, enfants}};
}

TEST(FormValidation, RepeatErrorsCarryTheEntryIndex) {
  const FormCheck r =
      Check(Famille(), {{"enfants",
                         {{{"prenom", "Léa"}, {"date_naissance", "2018-03-12"}},
                          {{"prenom", "Tom"}, {"date_naissance", "2018-02-30"}, {"age", 7}}}}});
  EXPECT_EQ(r.errors,
            (std::vector<FieldError>{
                {"enfants[1].date_naissance",
                 "Saisissez une date valide au format AAAA-MM-JJ, par exemple 2025-11-28."},
                {"enfants[1].age", "Champ inconnu."}}));
}

TEST(FormValidation, ConditionsInARepeatLookAtTheEntryThenTheEnclosingLevel) {
  const json answers = {{"cantine", true},
                        {"enfants",
                         {{{"prenom", "Léa"},
                           {"date_naissance", "2018-03-12"},
                           {"scolarise", true},
                           {"regime", "standard"}},
                          {{"prenom", "Tom"},
                           {"date_naissance", "2023-05-01"},
                           {"scolarise", false},
                           {"ecole", "Jules Ferry"}}}}};
  const FormCheck r = Check(Famille(), answers);
  EXPECT_EQ(r.errors,
            (std::vector<FieldError>{{"enfants[0].ecole", "Ce champ est obligatoire."},
                                     {"enfants[1].regime", "Ce champ est obligatoire."}}));

  json fixed = answers;
  fixed["enfants"][0]["ecole"] = "Jules Ferry";
  fixed["enfants"][1]["regime"] = "sans_porc";
  const FormCheck ok = Check(Famille(), fixed);
  EXPECT_TRUE(ok.errors.empty()) << Messages(ok);
  // Tom is not at school: the school given for him is dropped.
  EXPECT_EQ(Normalized(ok)["enfants"][1], json({{"prenom", "Tom"},
                                                {"date_naissance", "2023-05-01"},
                                                {"scolarise", false},
                                                {"regime", "sans_porc"}}));
}

TEST(FormValidation, RepeatMustBeAListOfObjectsWithinCounts) {
  const json entry = {{"prenom", "Léa"}, {"date_naissance", "2018-03-12"}};
  EXPECT_EQ(Check(Famille(), {{"enfants", {entry, entry, entry, entry}}}).errors,
            (std::vector<FieldError>{{"enfants", "Ajoutez au plus 3 entrées."}}));
  EXPECT_EQ(Check(Famille(), {{"enfants", {entry, "Tom"}}}).errors,
            (std::vector<FieldError>{{"enfants[1]", "Cette entrée n’est pas valide."}}));
  EXPECT_EQ(Check(Famille(), {{"enfants", entry}}).errors,
            (std::vector<FieldError>{{"enfants", "Ce champ doit être une liste d’entrées."}}));
  EXPECT_EQ(Check(Famille(), json::object()).errors,
            (std::vector<FieldError>{{"enfants", "Ce champ est obligatoire."}}));
}

TEST(FormValidation, RepeatDefaultsToTwentyEntries) {
  Field nom = MakeField("nom", FieldType::kText);
  Field liste = MakeField("liste", FieldType::kRepeat);
  liste.fields = {nom};
  const Form form{{liste}};
  EXPECT_TRUE(Check(form, {{"liste", json::array()}}).errors.empty());
  json entries = json::array();
  for (int i = 0; i < 20; ++i) entries.push_back({{"nom", "x"}});
  EXPECT_TRUE(Check(form, {{"liste", entries}}).errors.empty());
  entries.push_back({{"nom", "x"}});
  EXPECT_EQ(Check(form, {{"liste", entries}}).errors[0].message, "Ajoutez au plus 20 entrées.");
}

// --- Modes and the document itself ---

TEST(FormValidation, DraftSkipsRequiredButChecksEveryValueGiven) {
  const FormCheck empty = Check(Demande(), json::object(), FormMode::kDraft);
  EXPECT_TRUE(empty.errors.empty()) << Messages(empty);
  const FormCheck r = Check(Demande(), {{"email", "pas-un-courriel"}}, FormMode::kDraft);
  EXPECT_EQ(r.errors,
            (std::vector<FieldError>{{"email",
                                      "Saisissez une adresse électronique valide, par exemple "
                                      "nom@exemple.fr."}}));
  const FormCheck entry =
      Check(Famille(), {{"enfants", {{{"date_naissance", "2030-01-01"}}}}}, FormMode::kDraft);
  EXPECT_EQ(entry.errors, (std::vector<FieldError>{{"enfants[0].date_naissance",
                                                    "La date ne peut pas être dans le futur."}}));
}

TEST(FormValidation, UnknownKeysAreReported) {
  const FormCheck r =
      Check(Demande(), {{"nature", "voirie"}, {"email", "a@b.fr"}, {"admin", true}});
  EXPECT_EQ(r.errors, (std::vector<FieldError>{{"admin", "Champ inconnu."}}));
}

TEST(FormValidation, AnswersToInformationalFieldsAreDroppedSilently) {
  const FormCheck r =
      Check(Demande(), {{"nature", "voirie"}, {"email", "a@b.fr"}, {"titre", "Mon titre"}});
  EXPECT_TRUE(r.errors.empty()) << Messages(r);
  EXPECT_FALSE(Normalized(r).contains("titre"));
}

TEST(FormValidation, RefusesAnswersThatAreNotAJsonObject) {
  for (const std::string_view text : {"", "{", "[1, 2]", "\"texte\"", "null", "{\"a\": 1,}"}) {
    SCOPED_TRACE(text);
    const FormCheck r = ValidateForm(Demande(), text, FormMode::kSubmit, kToday, TestFiles());
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].field, "");
    EXPECT_EQ(r.normalized_json, "{}");
  }
}

TEST(FormDefinition, ServesTheFieldsWithTheirRulesAndOmitsWhatIsUnset) {
  Field nature = Choices("nature", FieldType::kChoice, {"voirie"});
  nature.required = true;
  nature.hint = "Choisissez la nature du problème.";
  Field code = MakeField("code", FieldType::kText);
  code.visible_if = Condition{"nature", {"voirie"}};
  code.min_length = 2;
  code.pattern = "[A-Z]+";
  code.pattern_message = "Majuscules seulement.";
  Field age = MakeField("age", FieldType::kInteger);
  age.min = 0;
  age.max = 120.5;
  Field photo = MakeField("photo", FieldType::kFile);
  photo.accept = {"image/*"};
  photo.max_file_bytes = 5 * 1024 * 1024;
  Field enfants = MakeField("enfants", FieldType::kRepeat);
  enfants.min_items = 1;
  enfants.fields = {MakeField("prenom", FieldType::kText, true)};
  Field intro = MakeField("intro", FieldType::kExplanation);

  const json expected = json::parse(R"({"fields": [
    {"key": "intro", "type": "explanation", "label": "Libellé", "required": false},
    {"key": "nature", "type": "choice", "label": "Libellé", "required": true,
     "hint": "Choisissez la nature du problème.",
     "options": [{"value": "voirie", "label": "Option voirie"}]},
    {"key": "code", "type": "text", "label": "Libellé", "required": false,
     "visible_if": {"field": "nature", "values": ["voirie"]},
     "validation": {"min_length": 2, "max_length": 500, "pattern": "[A-Z]+",
                    "pattern_message": "Majuscules seulement."}},
    {"key": "age", "type": "integer", "label": "Libellé", "required": false,
     "validation": {"min": 0, "max": 120.5}},
    {"key": "photo", "type": "file", "label": "Libellé", "required": false,
     "accept": ["image/*"], "max_file_bytes": 5242880, "max_items": 10},
    {"key": "enfants", "type": "repeat", "label": "Libellé", "required": false,
     "min_items": 1, "max_items": 20,
     "fields": [{"key": "prenom", "type": "text", "label": "Libellé", "required": true,
                 "validation": {"max_length": 500}}]}
  ]})");
  EXPECT_EQ(FormToJson(Form{{intro, nature, code, age, photo, enfants}}), expected);
}

}  // namespace
}  // namespace guichet::domain
