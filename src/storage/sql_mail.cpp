#include "storage/sql_mail.hpp"

namespace guichet::storage::sql_mail {

using sql::Value;

namespace {

constexpr const char* kInsertMessage =
    "INSERT INTO mail_messages (sha256, message_id, sender, subject, disposition, flags, "
    "request_id, raw_upload_id, acknowledged, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (sha256) DO NOTHING";
constexpr const char* kSelectMessage =
    "SELECT sha256, message_id, sender, subject, disposition, flags, request_id, raw_upload_id, "
    "acknowledged, received_at FROM mail_messages WHERE sha256 = ?";
constexpr const char* kCountAcks =
    "SELECT COUNT(*) FROM mail_messages WHERE sender = ? AND received_at >= ? AND acknowledged = 1";
constexpr const char* kUpsertFailing =
    "INSERT INTO mail_failing_addresses (address, reason, bounces, failed_at) VALUES (?, ?, 1, ?) "
    "ON CONFLICT (address) DO UPDATE SET reason = excluded.reason, bounces = "
    "mail_failing_addresses.bounces + 1, failed_at = excluded.failed_at";
constexpr const char* kSelectFailing =
    "SELECT address, reason, bounces, failed_at FROM mail_failing_addresses WHERE address = ?";
constexpr const char* kSelectCitizenByEmail =
    "SELECT id FROM citizens WHERE lower(email) = lower(?) ORDER BY id LIMIT 1";

}  // namespace

bool MessageStored(sql::Connection& c, const std::string& sha256) {
  const Value p[] = {sha256};
  return c.Query("SELECT 1 FROM mail_messages WHERE sha256 = ?", p)->Next();
}

void InsertMessage(sql::Connection& c, const domain::MailMessage& m) {
  const Value p[] = {m.sha256,
                     m.message_id,
                     m.sender,
                     m.subject,
                     m.disposition,
                     m.flags_json,
                     sql::Opt(m.request_id),
                     m.raw_upload_id,
                     std::int64_t{m.acknowledged ? 1 : 0},
                     m.received_at};
  c.Execute(kInsertMessage, p);
}

std::optional<domain::MailMessage> FindMessage(sql::Connection& c, const std::string& sha256) {
  const Value p[] = {sha256};
  auto rows = c.Query(kSelectMessage, p);
  if (!rows->Next()) return std::nullopt;
  domain::MailMessage m;
  m.sha256 = rows->Text(0);
  m.message_id = rows->Text(1);
  m.sender = rows->Text(2);
  m.subject = rows->Text(3);
  m.disposition = rows->Text(4);
  m.flags_json = rows->Text(5);
  m.request_id = rows->OptInt(6);
  m.raw_upload_id = rows->Text(7);
  m.acknowledged = rows->Int(8) != 0;
  m.received_at = rows->Int(9);
  return m;
}

std::int64_t CountAcks(sql::Connection& c, const std::string& sender, Timestamp since) {
  const Value p[] = {sender, since};
  return sql::QueryInt(c, kCountAcks, p).value_or(0);
}

void MarkFailing(sql::Connection& c, const domain::FailingAddress& f) {
  const Value p[] = {f.address, f.reason, f.failed_at};
  c.Execute(kUpsertFailing, p);
}

std::optional<domain::FailingAddress> FindFailing(sql::Connection& c, const std::string& address) {
  const Value p[] = {address};
  auto rows = c.Query(kSelectFailing, p);
  if (!rows->Next()) return std::nullopt;
  return domain::FailingAddress{rows->Text(0), rows->Text(1), rows->Int(2), rows->Int(3)};
}

std::optional<std::int64_t> FindCitizenByEmail(sql::Connection& c, const std::string& email) {
  const Value p[] = {email};
  return sql::QueryInt(c, kSelectCitizenByEmail, p);
}

}  // namespace guichet::storage::sql_mail
