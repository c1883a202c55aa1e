#include "channels/mail/message.hpp"

#include <gmime/gmime.h>
#include <libxml/HTMLparser.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "core/text.hpp"

namespace guichet::channels::mail {
namespace {

// Deeper MIME trees are an attack on the parser, not a mail client's work.
constexpr int kMaxDepth = 32;

struct GObjectUnref {
  void operator()(gpointer p) const {
    if (p) g_object_unref(p);
  }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_mime_init();
    xmlInitParser();
  });
}

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Text in a declared charset made UTF-8. Mail that says ISO-8859-1 often
// holds Windows-1252 (curly quotes, €, œ): that superset is used for it. What
// still does not convert keeps its valid UTF-8 and loses the rest.
std::string ConvertToUtf8(const std::string& bytes, std::string charset) {
  if (g_utf8_validate(bytes.data(), static_cast<gssize>(bytes.size()), nullptr) &&
      (charset.empty() || AsciiLower(charset) == "utf-8" || AsciiLower(charset) == "us-ascii")) {
    return bytes;
  }
  charset = AsciiLower(charset);
  if (charset.empty() || charset == "utf-8" || charset == "us-ascii" || charset == "iso-8859-1" ||
      charset == "latin1" || charset == "iso_8859-1") {
    charset = "windows-1252";
  }
  // GMime's iconv cache keeps converters open: glibc would load and unload a
  // gconv module for each message otherwise.
  iconv_t cd = g_mime_iconv_open("UTF-8", g_mime_charset_iconv_name(charset.c_str()));
  if (cd != reinterpret_cast<iconv_t>(-1)) {
    char* out = g_mime_iconv_strndup(cd, bytes.data(), bytes.size());
    g_mime_iconv_close(cd);
    if (out) {
      std::string s(out);
      g_free(out);
      if (g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr)) return s;
    }
  }
  gchar* valid = g_utf8_make_valid(bytes.data(), static_cast<gssize>(bytes.size()));
  std::string s(valid);
  g_free(valid);
  return s;
}

// NUL bytes have no place in text (PostgreSQL refuses them).
std::string ToUtf8(const std::string& bytes, const std::string& charset) {
  std::string s = ConvertToUtf8(bytes, charset);
  s.erase(std::remove(s.begin(), s.end(), '\0'), s.end());
  return s;
}

std::string DecodedContent(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (!content) return "";
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, mem.get());
  GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  return std::string(reinterpret_cast<const char*>(array->data), array->len);
}

std::string Serialized(GMimeObject* obj) {
  GPtr<GMimeStream> mem(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(obj, nullptr, mem.get());
  GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  return std::string(reinterpret_cast<const char*>(array->data), array->len);
}

std::string HeaderOf(GMimeObject* obj, const char* name) {
  const char* v = g_mime_object_get_header(obj, name);
  return v ? Trim(v) : "";
}

std::vector<std::string> MessageIdsIn(const std::string& value) {
  std::vector<std::string> out;
  if (value.empty()) return out;
  GMimeReferences* refs = g_mime_references_parse(nullptr, value.c_str());
  if (!refs) return out;
  for (int i = 0; i < g_mime_references_length(refs); ++i) {
    out.emplace_back(g_mime_references_get_message_id(refs, i));
  }
  g_mime_references_free(refs);
  return out;
}

void AddAddresses(InternetAddressList* list, std::vector<std::string>& out) {
  if (!list) return;
  for (int i = 0; i < internet_address_list_length(list); ++i) {
    InternetAddress* ia = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
      const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
      if (addr && *addr) out.push_back(AsciiLower(addr));
    } else if (INTERNET_ADDRESS_IS_GROUP(ia)) {
      AddAddresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out);
    }
  }
}

// "rfc822; jeanne@example.org" → "jeanne@example.org".
std::string AfterType(const std::string& v) {
  auto semi = v.find(';');
  return Trim(semi == std::string::npos ? v : v.substr(semi + 1));
}

// The per-recipient fields of a message/delivery-status body (RFC 3464).
void ParseDeliveryStatus(const std::string& body, ParsedMail& out) {
  DeliveryFailure current;
  auto flush = [&] {
    if (!current.recipient.empty()) out.failures.push_back(current);
    current = {};
  };
  std::string_view rest(body);
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string line(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (colon == std::string::npos || line[0] == ' ' || line[0] == '\t') continue;
    const std::string name = AsciiLower(Trim(line.substr(0, colon)));
    const std::string value = Trim(line.substr(colon + 1));
    if (name == "final-recipient" || (name == "original-recipient" && current.recipient.empty())) {
      if (name == "final-recipient" && !current.recipient.empty() && !current.action.empty()) {
        flush();
      }
      current.recipient = AsciiLower(AfterType(value));
    } else if (name == "action") {
      current.action = AsciiLower(value);
    } else if (name == "status") {
      current.status = value;
    } else if (name == "diagnostic-code") {
      current.diagnostic = AfterType(value);
    }
  }
  flush();
}

// Message-IDs in a text/rfc822-headers part (the DSN's copy of our headers).
void ParseOriginalHeaders(const std::string& headers, ParsedMail& out) {
  std::string_view rest(headers);
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string line(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (AsciiLower(line.substr(0, 11)) == "message-id:") {
      for (auto& id : MessageIdsIn(line.substr(11))) out.original_message_ids.push_back(id);
    }
  }
}

struct Walk {
  ParsedMail& out;
  std::vector<std::string> plain;
  std::vector<std::string> html;
};

void Visit(GMimeObject* obj, Walk& w, int depth, bool in_report);

void VisitPart(GMimePart* part, Walk& w, bool in_report) {
  GMimeObject* obj = GMIME_OBJECT(part);
  GMimeContentType* ct = g_mime_object_get_content_type(obj);
  GMimeContentDisposition* disp = g_mime_object_get_content_disposition(obj);
  const bool attachment = disp && g_mime_content_disposition_is_attachment(disp);
  const char* filename = g_mime_part_get_filename(part);
  const std::string mime_type =
      ct ? AsciiLower(std::string(g_mime_content_type_get_media_type(ct)) + "/" +
                      g_mime_content_type_get_media_subtype(ct))
         : "text/plain";
  const char* charset = g_mime_object_get_content_type_parameter(obj, "charset");
  if (in_report && mime_type == "message/delivery-status") {
    ParseDeliveryStatus(DecodedContent(part), w.out);
    return;
  }
  if (in_report && mime_type == "text/rfc822-headers") {
    ParseOriginalHeaders(DecodedContent(part), w.out);
    return;
  }
  if (!attachment && !filename && (mime_type == "text/plain" || mime_type == "text/html")) {
    std::string text = ToUtf8(DecodedContent(part), charset ? charset : "");
    (mime_type == "text/plain" ? w.plain : w.html).push_back(std::move(text));
    return;
  }
  Attachment a;
  a.filename = filename ? ToUtf8(filename, "") : "";
  a.content_type = mime_type;
  const char* cid = g_mime_part_get_content_id(part);
  a.content_id = cid ? cid : "";
  a.inline_part = !attachment && (disp || cid);
  a.bytes = DecodedContent(part);
  w.out.attachments.push_back(std::move(a));
}

void Visit(GMimeObject* obj, Walk& w, int depth, bool in_report) {
  if (depth > kMaxDepth) {
    w.out.malformed = true;
    w.out.problems.push_back("Arborescence MIME trop profonde : la suite est ignorée.");
    return;
  }
  if (GMIME_IS_MULTIPART(obj)) {
    GMimeMultipart* mp = GMIME_MULTIPART(obj);
    GMimeContentType* ct = g_mime_object_get_content_type(obj);
    const std::string subtype = ct ? AsciiLower(g_mime_content_type_get_media_subtype(ct)) : "";
    const char* report_type = g_mime_object_get_content_type_parameter(obj, "report-type");
    const bool report =
        subtype == "report" && report_type && AsciiLower(report_type) == "delivery-status";
    if (report) w.out.is_dsn = true;
    const int n = g_mime_multipart_get_count(mp);
    if (subtype == "alternative") {
      // One body only: the plain text when there is one, else the last (richest).
      int chosen = -1;
      for (int i = 0; i < n; ++i) {
        GMimeObject* child = g_mime_multipart_get_part(mp, i);
        GMimeContentType* cct = g_mime_object_get_content_type(child);
        if (cct && g_mime_content_type_is_type(cct, "text", "plain")) chosen = i;
      }
      if (chosen < 0) chosen = n - 1;
      for (int i = 0; i < n; ++i) {
        GMimeObject* child = g_mime_multipart_get_part(mp, i);
        GMimeContentType* cct = g_mime_object_get_content_type(child);
        const bool text = cct && g_mime_content_type_is_type(cct, "text", "*");
        if (i == chosen || !text) Visit(child, w, depth + 1, in_report || report);
      }
      return;
    }
    for (int i = 0; i < n; ++i) {
      Visit(g_mime_multipart_get_part(mp, i), w, depth + 1, in_report || report);
    }
    return;
  }
  if (GMIME_IS_MESSAGE_PART(obj)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
    if (in_report) {
      if (inner && g_mime_message_get_message_id(inner)) {
        w.out.original_message_ids.emplace_back(g_mime_message_get_message_id(inner));
      }
      return;
    }
    // A forwarded message is kept whole, as an attachment.
    Attachment a;
    a.content_type = "message/rfc822";
    const char* subject = inner ? g_mime_message_get_subject(inner) : nullptr;
    a.filename = subject && *subject ? std::string(subject) + ".eml" : "message.eml";
    if (inner) a.bytes = Serialized(GMIME_OBJECT(inner));
    w.out.attachments.push_back(std::move(a));
    return;
  }
  if (GMIME_IS_PART(obj)) VisitPart(GMIME_PART(obj), w, in_report);
}

void OnWarning(gint64 offset, GMimeParserWarning code, const gchar* item, gpointer data) {
  auto* out = static_cast<ParsedMail*>(data);
  // Critical issues mean the parser may have skipped part of the message.
  if (code >= GMIME_CRIT_INVALID_HEADER_NAME && code != GMIME_WARN_PART_WITHOUT_CONTENT) {
    out->malformed = true;
    if (out->problems.size() < 10) {
      out->problems.push_back("Structure MIME invalide à l’octet " + std::to_string(offset) +
                              " (code " + std::to_string(static_cast<int>(code)) + ").");
    }
  } else if (code == GMIME_WARN_TRUNCATED_MESSAGE || code == GMIME_WARN_MALFORMED_MESSAGE ||
             code == GMIME_WARN_MALFORMED_MULTIPART) {
    out->malformed = true;
    if (out->problems.size() < 10) out->problems.push_back("Message tronqué ou mal formé.");
  }
}

// Block-level elements start a new line; these the text leaves out.
bool IsBlock(const std::string& n) {
  static const char* kBlocks[] = {"p",  "div", "br", "li", "tr", "h1",         "h2",     "h3",
                                  "h4", "h5",  "h6", "ul", "ol", "blockquote", "table",  "pre",
                                  "hr", "dl",  "dt", "dd", "td", "section",    "article"};
  return std::any_of(std::begin(kBlocks), std::end(kBlocks), [&](const char* b) { return n == b; });
}

void AppendText(std::string& out, std::string_view s) {
  for (char c : s) {
    const bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (space) {
      if (!out.empty() && out.back() != ' ' && out.back() != '\n') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
}

void NewLine(std::string& out) {
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
}

void HtmlWalk(xmlNode* node, std::string& out, int depth) {
  if (depth > kMaxDepth * 4) return;
  for (xmlNode* n = node; n; n = n->next) {
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      if (n->content) AppendText(out, reinterpret_cast<const char*>(n->content));
      continue;
    }
    if (n->type != XML_ELEMENT_NODE) continue;
    const std::string name = AsciiLower(reinterpret_cast<const char*>(n->name));
    if (name == "script" || name == "style" || name == "head" || name == "title") continue;
    const bool block = IsBlock(name);
    if (block) NewLine(out);
    if (name == "li") out += "- ";
    if (name == "p" && !out.empty() && out.size() >= 2 && out[out.size() - 2] != '\n') {
      out.push_back('\n');
    }
    HtmlWalk(n->children, out, depth + 1);
    if (name == "a") {
      xmlChar* href = xmlGetProp(n, reinterpret_cast<const xmlChar*>("href"));
      if (href) {
        std::string url(reinterpret_cast<const char*>(href));
        xmlFree(href);
        if (url.rfind("http", 0) == 0 && out.find(url) == std::string::npos) {
          out += " (" + url + ")";
        }
      }
    }
    if (block) NewLine(out);
  }
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// "Le 3 mars 2026 à 10:12, Jeanne <j@x.fr> a écrit :", possibly wrapped
// over two lines; "On … wrote:" from English clients.
bool IsAttribution(std::string_view line, std::string_view next) {
  const std::string joined = std::string(line) + " " + std::string(next);
  if (StartsWith(line, "Le ") || StartsWith(line, "le ")) {
    return line.find("a écrit") != std::string_view::npos ||
           (next.find("a écrit") != std::string_view::npos && line.size() < 200);
  }
  if (StartsWith(line, "On ")) return joined.find("wrote:") != std::string::npos;
  return false;
}

bool IsOriginalMarker(std::string_view line) {
  const std::string l = AsciiLower(Trim(line));
  return StartsWith(l, "-----original message-----") ||
         StartsWith(l, "-----message d'origine-----") ||
         StartsWith(l, "-------- message d'origine --------") ||
         StartsWith(l, "-------- message original --------") ||
         StartsWith(l, "-------- forwarded message --------") ||
         StartsWith(l, "-------- message transféré --------");
}

}  // namespace

ParsedMail ParseMail(std::string_view raw) {
  InitOnce();
  ParsedMail out;
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  GMimeParserOptions* options = g_mime_parser_options_new();
  g_mime_parser_options_set_warning_callback(options, OnWarning, &out);
  GPtr<GMimeMessage> msg(g_mime_parser_construct_message(parser.get(), options));
  g_mime_parser_options_free(options);
  if (!msg) {
    out.malformed = true;
    out.problems.push_back("Ce n’est pas un message électronique lisible.");
    out.text = ToUtf8(std::string(raw.substr(0, 64 * 1024)), "");
    return out;
  }
  GMimeObject* root = GMIME_OBJECT(msg.get());
  if (const char* id = g_mime_message_get_message_id(msg.get())) out.message_id = id;
  auto in_reply_to = MessageIdsIn(HeaderOf(root, "In-Reply-To"));
  if (!in_reply_to.empty()) out.in_reply_to = in_reply_to.front();
  out.references = MessageIdsIn(HeaderOf(root, "References"));

  std::vector<std::string> from;
  AddAddresses(g_mime_message_get_from(msg.get()), from);
  if (!from.empty()) {
    out.from_address = from.front();
    InternetAddress* ia = internet_address_list_get_address(g_mime_message_get_from(msg.get()), 0);
    if (const char* name = internet_address_get_name(ia)) out.from_name = Trim(ToUtf8(name, ""));
  } else {
    out.malformed = true;
    out.problems.push_back("L’expéditeur (From) est absent ou illisible.");
  }
  AddAddresses(g_mime_message_get_addresses(msg.get(), GMIME_ADDRESS_TYPE_TO), out.recipients);
  AddAddresses(g_mime_message_get_addresses(msg.get(), GMIME_ADDRESS_TYPE_CC), out.recipients);
  for (const char* h : {"Delivered-To", "X-Original-To"}) {
    const std::string v = AsciiLower(HeaderOf(root, h));
    if (!v.empty()) out.recipients.push_back(v);
  }
  if (const char* subject = g_mime_message_get_subject(msg.get())) {
    out.subject = Trim(ToUtf8(subject, ""));
  }

  GMimeHeaderList* headers = g_mime_object_get_header_list(root);
  out.has_return_path = g_mime_header_list_contains(headers, "Return-Path");
  if (out.has_return_path) {
    const std::string rp = HeaderOf(root, "Return-Path");
    out.null_return_path = rp == "<>" || rp.empty() || rp == "< >";
  }
  out.auto_submitted = AsciiLower(HeaderOf(root, "Auto-Submitted"));
  out.precedence = AsciiLower(HeaderOf(root, "Precedence"));
  out.has_list_id = g_mime_header_list_contains(headers, "List-Id");

  Walk w{out, {}, {}};
  if (GMimeObject* body = g_mime_message_get_mime_part(msg.get())) Visit(body, w, 0, false);
  auto join = [](const std::vector<std::string>& parts) {
    std::string s;
    for (const auto& p : parts) {
      if (!s.empty()) s += "\n\n";
      s += p;
    }
    return s;
  };
  if (!w.plain.empty()) {
    out.text = join(w.plain);
  } else if (!w.html.empty()) {
    out.text = HtmlToText(join(w.html));
    out.text_from_html = true;
  }
  // Line ends as the timeline shows them.
  out.text.erase(std::remove(out.text.begin(), out.text.end(), '\r'), out.text.end());
  return out;
}

std::string HtmlToText(std::string_view html) {
  InitOnce();
  if (html.empty()) return "";
  htmlDocPtr doc = htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
                                  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                      HTML_PARSE_NONET | HTML_PARSE_NOBLANKS);
  if (!doc) return "";
  std::string out;
  HtmlWalk(xmlDocGetRootElement(doc), out, 0);
  xmlFreeDoc(doc);
  // At most one blank line in a row, none at the ends.
  std::string clean;
  int newlines = 0;
  for (char c : out) {
    if (c == '\n') {
      while (!clean.empty() && clean.back() == ' ') clean.pop_back();
      if (++newlines > 2) continue;
    } else if (c == ' ' && (clean.empty() || clean.back() == '\n')) {
      continue;
    } else {
      newlines = 0;
    }
    clean.push_back(c);
  }
  return Trim(clean);
}

std::string DisplayText(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    auto nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest = rest.substr(nl + 1);
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line == "-- " || line == "--") break;
    const std::string_view next = i + 1 < lines.size() ? lines[i + 1] : std::string_view();
    if (IsAttribution(line, next) || IsOriginalMarker(line)) break;
    if (StartsWith(line, ">")) continue;
    out.append(line);
    out.push_back('\n');
  }
  std::string shown = Trim(out);
  return shown.empty() ? Trim(text) : shown;
}

}  // namespace guichet::channels::mail
