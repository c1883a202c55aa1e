// Inbound email as Guichet reads it: one RFC 5322 message parsed with GMime
// into what threading, loop prevention and the timeline need. No I/O.
//
// ParseMail never throws and never fails: whatever the bytes, it returns what
// it could read, with `malformed` set and the problems listed when the
// message is not one a mail client would write. Thread-safe (GMime is
// initialised once per process).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace guichet::channels::mail {

// A message larger than this is refused (the MTA bounces it to its sender):
// Postfix's default message_size_limit is 10 MB, most providers stop at 25 MB.
inline constexpr std::size_t kMaxMessageBytes = 32 * 1024 * 1024;

struct Attachment {
  std::string filename;      // as sent (UTF-8), or "" for an unnamed part
  std::string content_type;  // as declared; the store types it again from its bytes
  std::string content_id;    // for inline images referred to by the HTML (cid:)
  bool inline_part = false;
  std::string bytes;  // decoded (base64, quoted-printable)
};

// One recipient of a delivery status notification (RFC 3464).
struct DeliveryFailure {
  std::string recipient;  // lower-case address
  std::string action;     // "failed", "delayed"…
  std::string status;     // "5.1.1"
  std::string diagnostic;
};

struct ParsedMail {
  bool malformed = false;
  std::vector<std::string> problems;  // in French, for the timeline and the logs

  std::string message_id;  // without angle brackets
  std::string in_reply_to;
  std::vector<std::string> references;
  std::string from_address;  // lower-case
  std::string from_name;
  std::vector<std::string> recipients;  // To, Cc, Delivered-To, X-Original-To (lower-case)
  std::string subject;                  // decoded (RFC 2047), UTF-8

  // Loop prevention (RFC 3834): what says the message is not from a person.
  bool has_return_path = false;
  bool null_return_path = false;  // "Return-Path: <>"
  std::string auto_submitted;     // lower-case, "" when absent
  std::string precedence;         // lower-case
  bool has_list_id = false;
  bool is_dsn = false;  // multipart/report; report-type=delivery-status
  std::vector<DeliveryFailure> failures;
  // Message-IDs of the message a DSN reports on (from its attached headers).
  std::vector<std::string> original_message_ids;

  std::string text;  // the full text, UTF-8: text/plain parts, else the HTML made readable
  bool text_from_html = false;
  std::vector<Attachment> attachments;
};

ParsedMail ParseMail(std::string_view raw);

// The readable text of an HTML document (libxml2's HTML parser): paragraphs
// and line breaks kept, lists as "- ", links as "text (url)", scripts and
// styles dropped. `html` must be UTF-8.
std::string HtmlToText(std::string_view html);

// The text to show on the timeline: the quoted reply (lines starting with
// ">", "Le … a écrit :", "-----Message d'origine-----"…) and the signature
// (after "-- ") cut off. The full text stays on the event.
std::string DisplayText(std::string_view text);

}  // namespace guichet::channels::mail
