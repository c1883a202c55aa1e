#include "channels/outbound/letter_sender.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "domain/workflow_engine.hpp"

namespace guichet::channels::outbound {
namespace {

constexpr double kPointsPerMm = 72.0 / 25.4;
constexpr double kPageWidth = 210.0;  // A4, in millimetres
constexpr double kPageHeight = 297.0;
constexpr double kMargin = 20.0;
// The window of a DL envelope with the window on the right (La Poste):
// the address sits 100 mm from the left edge, 45 to 90 mm from the top.
constexpr double kAddressLeft = 110.0;
constexpr double kAddressTop = 50.0;
constexpr double kAddressWidth = 85.0;

size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string Trim(std::string s) {
  const char* blank = " \t\r,.;:";
  s.erase(0, s.find_first_not_of(blank));
  const auto end = s.find_last_not_of(blank);
  s.erase(end == std::string::npos ? 0 : end + 1);
  return s;
}

// Punctuation out, single spaces: the norm's street line (commas, full
// stops) and town line (apostrophes and hyphens too).
std::string WithoutPunctuation(const std::string& s, bool town) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    // ’ (U+2019) is three bytes: E2 80 99.
    if (town && s.compare(i, 3, "\xE2\x80\x99") == 0) {
      c = ' ';
      i += 2;
    } else if (c == ',' || c == '.' || c == ';' || c == ':' || c == '"' || c == '!' || c == '?' ||
               (town && (c == '\'' || c == '-'))) {
      c = ' ';
    }
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Capitals without accents: "Saint-Étienne" → "SAINT-ETIENNE".
std::string AsciiCapitals(const std::string& s) {
  static const std::pair<std::string_view, std::string_view> kFold[] = {
      {"à", "A"}, {"â", "A"}, {"ä", "A"},  {"À", "A"},  {"Â", "A"},  {"Ä", "A"},
      {"ç", "C"}, {"Ç", "C"}, {"é", "E"},  {"è", "E"},  {"ê", "E"},  {"ë", "E"},
      {"É", "E"}, {"È", "E"}, {"Ê", "E"},  {"Ë", "E"},  {"î", "I"},  {"ï", "I"},
      {"Î", "I"}, {"Ï", "I"}, {"ô", "O"},  {"ö", "O"},  {"Ô", "O"},  {"Ö", "O"},
      {"ù", "U"}, {"û", "U"}, {"ü", "U"},  {"Ù", "U"},  {"Û", "U"},  {"Ü", "U"},
      {"ÿ", "Y"}, {"Ÿ", "Y"}, {"œ", "OE"}, {"Œ", "OE"}, {"æ", "AE"}, {"Æ", "AE"}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool folded = false;
    for (const auto& [from, to] : kFold) {
      if (s.compare(i, from.size(), from) == 0) {
        out += to;
        i += from.size();
        folded = true;
        break;
      }
    }
    if (folded) continue;
    const auto b = static_cast<unsigned char>(s[i]);
    out += b < 0x80 ? static_cast<char>(std::toupper(b)) : s[i];
    ++i;
  }
  return out;
}

// "69002 LYON", "75700 PARIS CEDEX 07": five digits, a space, the town.
bool IsPostcodeLine(const std::string& s) {
  if (s.size() < 7 || s[5] != ' ') return false;
  for (int i = 0; i < 5; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// "12", "12 bis", "3B": a street number standing alone.
bool IsStreetNumber(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == 0) return false;
  std::string rest = s.substr(i);
  rest.erase(0, rest.find_first_not_of(' '));
  for (auto& c : rest) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return rest.empty() || rest == "bis" || rest == "ter" || rest == "quater" ||
         (rest.size() == 1 && std::isalpha(static_cast<unsigned char>(rest[0])));
}

// Wraps `line` at spaces into pieces of at most kAddressLineLength code points.
bool Wrap(const std::string& line, std::vector<std::string>& out) {
  std::string current;
  size_t start = 0;
  while (start <= line.size()) {
    auto sp = line.find(' ', start);
    if (sp == std::string::npos) sp = line.size();
    const std::string word = line.substr(start, sp - start);
    if (CodePoints(word) > kAddressLineLength) return false;
    if (!word.empty()) {
      const std::string joined = current.empty() ? word : current + " " + word;
      if (CodePoints(joined) > kAddressLineLength) {
        out.push_back(current);
        current = word;
      } else {
        current = joined;
      }
    }
    start = sp + 1;
  }
  if (!current.empty()) out.push_back(current);
  return true;
}

Error Unfit(std::string why) { return Error::Invalid("adresse postale hors norme : " + why); }

struct CairoDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
  void operator()(PangoLayout* l) const { g_object_unref(l); }
  void operator()(PangoFontDescription* f) const { pango_font_description_free(f); }
};
template <typename T>
using Owned = std::unique_ptr<T, CairoDeleter>;

// Draws `text` at (x, y) mm, `width` mm wide; returns the height used, in mm.
double Draw(cairo_t* cr, PangoLayout* layout, const char* font, double x, double y, double width,
            const std::string& text) {
  Owned<PangoFontDescription> desc(pango_font_description_from_string(font));
  pango_layout_set_font_description(layout, desc.get());
  pango_layout_set_width(layout, static_cast<int>(width * kPointsPerMm * PANGO_SCALE));
  pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text(layout, text.c_str(), -1);
  cairo_move_to(cr, x * kPointsPerMm, y * kPointsPerMm);
  pango_cairo_show_layout(cr, layout);
  int w = 0, h = 0;
  pango_layout_get_size(layout, &w, &h);
  return h / static_cast<double>(PANGO_SCALE) / kPointsPerMm;
}

// Draws the body line by line from `y` mm, starting a new page at the bottom margin.
void DrawBody(cairo_t* cr, PangoLayout* layout, double y, const std::string& text) {
  Owned<PangoFontDescription> desc(pango_font_description_from_string("DejaVu Sans 10"));
  pango_layout_set_font_description(layout, desc.get());
  pango_layout_set_width(layout,
                         static_cast<int>((kPageWidth - 2 * kMargin) * kPointsPerMm * PANGO_SCALE));
  pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text(layout, text.c_str(), -1);
  PangoLayoutIter* it = pango_layout_get_iter(layout);
  double offset = 0;  // mm of layout already placed on previous pages
  bool first = true;
  do {
    PangoRectangle logical;
    pango_layout_iter_get_line_extents(it, nullptr, &logical);
    const double top = logical.y / static_cast<double>(PANGO_SCALE) / kPointsPerMm;
    const double height = logical.height / static_cast<double>(PANGO_SCALE) / kPointsPerMm;
    if (!first && y + top - offset + height > kPageHeight - kMargin) {
      cairo_show_page(cr);
      offset = top;
      y = kMargin;
    }
    first = false;
    const double baseline =
        pango_layout_iter_get_baseline(it) / static_cast<double>(PANGO_SCALE) / kPointsPerMm;
    cairo_move_to(cr, kMargin * kPointsPerMm, (y + baseline - offset) * kPointsPerMm);
    pango_cairo_show_layout_line(cr, pango_layout_iter_get_line_readonly(it));
  } while (pango_layout_iter_next_line(it));
  pango_layout_iter_free(it);
}

}  // namespace

Result<std::vector<std::string>> AddressBlock(const std::string& name, const std::string& address) {
  std::vector<std::string> parts;
  parts.push_back(Trim(name));
  if (parts.front().empty()) return Unfit("le nom du destinataire manque");
  std::string piece;
  for (char c : address + "\n") {
    if (c == ',' || c == '\n') {
      if (!Trim(piece).empty()) parts.push_back(Trim(piece));
      piece.clear();
    } else {
      piece += c;
    }
  }
  // "12, rue de la Paix": the number and its street are one line, without the comma.
  for (size_t i = 1; i + 2 < parts.size(); ++i) {
    if (IsStreetNumber(parts[i])) {
      parts[i] += " " + parts[i + 1];
      parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    }
  }
  if (parts.size() < 3) {
    return Unfit("il faut au moins la voie puis « code postal commune »");
  }
  std::string& town = parts.back();
  town = WithoutPunctuation(AsciiCapitals(town), true);
  if (!IsPostcodeLine(town)) {
    return Unfit("la dernière ligne doit être « code postal commune » (ex. 69002 LYON)");
  }
  // The street line carries no punctuation either ("12 rue de la Paix", no comma).
  std::string& street = parts[parts.size() - 2];
  street = WithoutPunctuation(street, false);
  std::vector<std::string> lines;
  for (const auto& p : parts) {
    if (!Wrap(p, lines)) return Unfit("un mot dépasse 38 caractères");
  }
  if (CodePoints(town) > kAddressLineLength)
    return Unfit("la ligne de la commune dépasse 38 caractères");
  if (lines.size() > kAddressLines) return Unfit("plus de 6 lignes de 38 caractères");
  return lines;
}

Status WriteLetterPdf(const std::string& path, const LetterOptions& options,
                      const std::vector<std::string>& address, const domain::OutboxMessage& m,
                      const domain::Request& r, Timestamp now) {
  Owned<cairo_surface_t> surface(cairo_pdf_surface_create(path.c_str(), kPageWidth * kPointsPerMm,
                                                          kPageHeight * kPointsPerMm));
  Owned<cairo_t> cr(cairo_create(surface.get()));
  Owned<PangoLayout> layout(pango_cairo_create_layout(cr.get()));
  cairo_set_source_rgb(cr.get(), 0, 0, 0);

  // The letterhead, under the logo when there is one.
  double y = 15.0;
  if (!options.logo.empty()) {
    Owned<cairo_surface_t> logo(cairo_image_surface_create_from_png(options.logo.c_str()));
    const int w = cairo_image_surface_get_width(logo.get());
    const int h = cairo_image_surface_get_height(logo.get());
    if (cairo_surface_status(logo.get()) == CAIRO_STATUS_SUCCESS && w > 0 && h > 0) {
      constexpr double kLogoHeight = 20.0;  // mm
      const double scale = kLogoHeight * kPointsPerMm / h;
      cairo_save(cr.get());
      cairo_translate(cr.get(), kMargin * kPointsPerMm, y * kPointsPerMm);
      cairo_scale(cr.get(), scale, scale);
      cairo_set_source_surface(cr.get(), logo.get(), 0, 0);
      cairo_paint(cr.get());
      cairo_restore(cr.get());
      y += kLogoHeight + 3.0;
    }
  }
  y += Draw(cr.get(), layout.get(), "DejaVu Sans Bold 12", kMargin, y, 80.0, options.letterhead);
  if (!options.letterhead_address.empty()) {
    Draw(cr.get(), layout.get(), "DejaVu Sans 9", kMargin, y + 1.0, 80.0,
         options.letterhead_address);
  }

  // The address block, where the envelope's window shows it.
  std::string block;
  for (const auto& line : address) block += (block.empty() ? "" : "\n") + line;
  Draw(cr.get(), layout.get(), "DejaVu Sans 10", kAddressLeft, kAddressTop, kAddressWidth, block);

  Draw(cr.get(), layout.get(), "DejaVu Sans 10", kAddressLeft, 95.0, kAddressWidth,
       "Le " + domain::FrenchDate(ParisDateOf(now)));
  y = 110.0;
  y += Draw(cr.get(), layout.get(), "DejaVu Sans Bold 10", kMargin, y, kPageWidth - 2 * kMargin,
            "Référence\u00a0: " + r.reference + "\nObjet\u00a0: " + m.subject);
  DrawBody(cr.get(), layout.get(), y + 8.0, m.body);

  cairo_show_page(cr.get());
  layout.reset();
  cr.reset();
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return Error(ErrorCode::kUnavailable, "écriture du PDF impossible",
                 cairo_status_to_string(cairo_surface_status(surface.get())));
  }
  return Status::Ok();
}

domain::Delivery LetterSender::Send(const domain::OutboxMessage& m,
                                    const domain::Request* request) {
  if (!request || m.postal_address.empty()) {
    return domain::Delivery::Permanent("pas d’adresse postale pour ce courrier");
  }
  auto block = AddressBlock(m.recipient, m.postal_address);
  if (!block.ok()) return domain::Delivery::Permanent(block.error().message());
  std::error_code ec;
  std::filesystem::create_directories(options_.spool_dir, ec);
  const std::string name = "courrier-" + std::to_string(m.id) + ".pdf";
  const auto final_path = std::filesystem::path(options_.spool_dir) / name;
  const auto tmp_path = std::filesystem::path(options_.spool_dir) / ("." + name + ".tmp");
  if (auto s = WriteLetterPdf(tmp_path.string(), options_, *block, m, *request, clock_.Now());
      !s.ok()) {
    std::filesystem::remove(tmp_path, ec);
    return domain::Delivery::Transient(s.error().message());
  }
  // The copy kept on the case: read back before the print room can touch it.
  std::string bytes;
  {
    std::ifstream in(tmp_path, std::ios::binary);
    std::ostringstream read;
    read << in.rdbuf();
    bytes = std::move(read).str();
  }
  if (bytes.empty()) {
    std::filesystem::remove(tmp_path, ec);
    return domain::Delivery::Transient("relecture du courrier impossible");
  }
  // The print room sees a letter whole or not at all.
  std::filesystem::rename(tmp_path, final_path, ec);
  if (ec) return domain::Delivery::Transient("écriture du courrier impossible : " + ec.message());
  auto sent = domain::Delivery::Sent(name);
  sent.document = std::move(bytes);
  return sent;
}

}  // namespace guichet::channels::outbound
