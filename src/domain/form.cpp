#include "domain/form.hpp"

#include "domain/enum_table.hpp"

namespace guichet::domain {
namespace {

constexpr EnumTable<FieldType, 20> kFieldTypes{{
    {FieldType::kText, "text"},
    {FieldType::kTextarea, "textarea"},
    {FieldType::kEmail, "email"},
    {FieldType::kPhone, "phone"},
    {FieldType::kInteger, "integer"},
    {FieldType::kDecimal, "decimal"},
    {FieldType::kDate, "date"},
    {FieldType::kDatetime, "datetime"},
    {FieldType::kYesNo, "yes_no"},
    {FieldType::kCheckbox, "checkbox"},
    {FieldType::kChoice, "choice"},
    {FieldType::kMultipleChoice, "multiple_choice"},
    {FieldType::kAddress, "address"},
    {FieldType::kCommune, "commune"},
    {FieldType::kFile, "file"},
    {FieldType::kSiret, "siret"},
    {FieldType::kIban, "iban"},
    {FieldType::kSection, "section"},
    {FieldType::kExplanation, "explanation"},
    {FieldType::kRepeat, "repeat"},
}};

}  // namespace

std::string_view ToString(FieldType t) { return Name(kFieldTypes, t); }
std::optional<FieldType> ParseFieldType(std::string_view s) { return Lookup(kFieldTypes, s); }
bool IsInformational(FieldType t) {
  return t == FieldType::kSection || t == FieldType::kExplanation;
}

}  // namespace guichet::domain
