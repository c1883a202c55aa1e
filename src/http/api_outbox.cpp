#include "http/api_outbox.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "domain/access.hpp"
#include "http/api_common.hpp"
#include "http/server.hpp"

namespace guichet::http {

using bhttp::status;
using bhttp::verb;
using nlohmann::json;

namespace {

constexpr int kDefaultOutboxPage = 50;
// A letter is a few pages of text and a logo: far below this.
constexpr std::uintmax_t kMaxLetterBytes = 16u << 20;

std::optional<std::int64_t> PositiveInt(const std::string& s) {
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size() || n <= 0) return std::nullopt;
  return n;
}

json Opt(const std::optional<Timestamp>& t) { return t ? json(FormatIso8601(*t)) : json(nullptr); }

// The copy of letter `m` kept on its request (the upload its `sent` event
// names), for when the print room has cleared the spool; empty when none.
std::string KeptLetter(const domain::CaseService& cases, const domain::OutboxMessage& m) {
  if (!m.request_id) return {};
  auto events = cases.Timeline(*m.request_id);
  if (!events.ok()) return {};
  for (const auto& e : *events) {
    if (e.kind != domain::EventKind::kDelivery) continue;
    const auto data = json::parse(e.data_json, nullptr, false);
    if (!data.is_object() || data.value("outbox_id", std::int64_t{0}) != m.id ||
        data.value("status", "") != "sent" || !data.contains("upload_id")) {
      continue;
    }
    auto bytes = cases.UploadContent(data.value("upload_id", ""));
    if (bytes.ok()) return std::move(*bytes);
  }
  return {};
}

// The paging parameters of the outbox's lists: true when `k` was one of them.
bool PageParameter(const std::string& k, const std::string& v, std::optional<std::int64_t>& before,
                   int& limit, std::vector<FieldError>& errs) {
  if (k == "cursor") {
    before = PositiveInt(v);
    if (!before) errs.push_back({"cursor", "Le curseur doit être un entier positif."});
    return true;
  }
  if (k != "limit") return false;
  auto n = PositiveInt(v);
  if (!n || *n > domain::kMaxOutboxPage) {
    errs.push_back(
        {"limit", "La taille de page va de 1 à " + std::to_string(domain::kMaxOutboxPage) + "."});
  } else {
    limit = static_cast<int>(*n);
  }
  return true;
}

// `rows` (asked for `limit` + 1) as a page: the first `limit`, and the cursor
// of the next page when there is one.
std::string PageJson(const std::vector<domain::OutboxMessage>& rows, int limit) {
  json items = json::array();
  std::optional<std::int64_t> next;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (static_cast<int>(i) == limit) {
      next = rows[i - 1].id;
      break;
    }
    items.push_back(ToJson(rows[i]));
  }
  json out = {{"items", std::move(items)},
              {"next_cursor", next ? json(std::to_string(*next)) : json(nullptr)}};
  return out.dump();
}

}  // namespace

json ToJson(const domain::OutboxMessage& m) {
  json tried = json::array();
  for (auto c : m.tried_channels) tried.push_back(ToString(c));
  return {{"id", m.id},
          {"request_id", m.request_id ? json(*m.request_id) : json(nullptr)},
          {"event_id", m.event_id ? json(*m.event_id) : json(nullptr)},
          {"channel", ToString(m.channel)},
          {"recipient", m.recipient},
          {"subject", m.subject},
          {"body", m.body},
          {"state", ToString(m.state)},
          {"attempts", m.attempts},
          {"next_attempt_at", FormatIso8601(m.next_attempt_at)},
          {"tried_channels", tried},
          {"last_error", m.last_error},
          {"provider_id", m.provider_id},
          {"created_at", FormatIso8601(m.created_at)},
          {"updated_at", FormatIso8601(m.updated_at)},
          {"sent_at", Opt(m.sent_at)},
          {"printed_at", Opt(m.printed_at)},
          {"receipt", m.receipt.empty() ? json(nullptr) : json(m.receipt)},
          {"postal_address", m.postal_address.empty() ? json(nullptr) : json(m.postal_address)}};
}

OutboxApi::OutboxApi(domain::OutboxService& outbox, domain::CaseService& cases,
                     std::string letter_spool)
    : outbox_(outbox), cases_(cases), letter_spool_(std::move(letter_spool)) {}

void OutboxApi::Register(Router& router) {
  router.Add(verb::get, "/api/v1/outbox", [this](Context& ctx) -> asio::awaitable<Response> {
    std::vector<FieldError> errs;
    std::optional<domain::OutboxState> state;
    std::optional<std::int64_t> request_id, before;
    int limit = kDefaultOutboxPage;
    for (const auto& [k, v] : ctx.query) {
      if (k == "state") {
        state = domain::ParseOutboxState(v);
        if (!state) errs.push_back({"state", "État inconnu (pending, sending, sent ou dead)."});
      } else if (k == "request") {
        auto r = cases_.Get(v);
        if (!r.ok() || !domain::ScopeOf(ApiCaller(ctx)).Allows(*r)) {
          errs.push_back({"request", "Cette demande n’existe pas."});
        } else {
          request_id = r->id;
        }
      } else if (!PageParameter(k, v, before, limit, errs)) {
        errs.push_back({k, "Ce paramètre n’est pas reconnu."});
      }
    }
    if (!errs.empty()) {
      co_return ctx.Problem(Error::Invalid("La recherche contient des erreurs.", std::move(errs)));
    }
    auto rows = outbox_.List(domain::ScopeOf(ApiCaller(ctx)), state, request_id, before, limit + 1);
    if (!rows.ok()) co_return ctx.Problem(rows.error());
    co_return ctx.Json(status::ok, PageJson(*rows, limit));
  });

  router.Add(verb::get, "/api/v1/outbox/{id}", [this](Context& ctx) -> asio::awaitable<Response> {
    auto id = PositiveInt(ctx.Param("id"));
    if (!id) co_return ctx.Problem(Error::NotFound("Ce message sortant n’existe pas."));
    auto m = outbox_.Get(domain::ScopeOf(ApiCaller(ctx)), *id);
    if (!m.ok()) co_return ctx.Problem(m.error());
    co_return ctx.Json(status::ok, ToJson(*m).dump());
  });

  router.Add(verb::get, "/api/v1/letters", [this](Context& ctx) -> asio::awaitable<Response> {
    std::vector<FieldError> errs;
    bool printed = false;
    std::optional<std::int64_t> before;
    int limit = kDefaultOutboxPage;
    for (const auto& [k, v] : ctx.query) {
      if (k == "printed") {
        if (v != "true" && v != "false") errs.push_back({"printed", "true ou false."});
        printed = v == "true";
      } else if (!PageParameter(k, v, before, limit, errs)) {
        errs.push_back({k, "Ce paramètre n’est pas reconnu."});
      }
    }
    if (!errs.empty()) {
      co_return ctx.Problem(Error::Invalid("La recherche contient des erreurs.", std::move(errs)));
    }
    auto rows = outbox_.Letters(domain::ScopeOf(ApiCaller(ctx)), printed, before, limit + 1);
    if (!rows.ok()) co_return ctx.Problem(rows.error());
    co_return ctx.Json(status::ok, PageJson(*rows, limit));
  });

  router.Add(
      verb::get, "/api/v1/letters/{id}/pdf", [this](Context& ctx) -> asio::awaitable<Response> {
        auto id = PositiveInt(ctx.Param("id"));
        if (!id) co_return ctx.Problem(Error::NotFound("Ce courrier n’existe pas."));
        auto m = outbox_.Get(domain::ScopeOf(ApiCaller(ctx)), *id);
        if (!m.ok()) co_return ctx.Problem(m.error());
        // The sender names its files; anything else is not read.
        const std::string& name = m->provider_id;
        if (m->channel != domain::Channel::kPostal || m->state != domain::OutboxState::kSent ||
            name.empty() || name.find_first_of("/\\") != std::string::npos || name[0] == '.') {
          co_return ctx.Problem(Error::NotFound("Ce courrier n’a pas de PDF."));
        }
        const auto path = std::filesystem::path(letter_spool_) / name;
        std::error_code ec;
        const auto size = std::filesystem::file_size(path, ec);
        std::string pdf;
        if (!ec && size <= kMaxLetterBytes) {
          std::ifstream in(path, std::ios::binary);
          std::ostringstream bytes;
          bytes << in.rdbuf();
          pdf = std::move(bytes).str();
        } else {
          // Gone from the spool (archived, deleted): the copy the case keeps.
          pdf = KeptLetter(cases_, *m);
        }
        if (pdf.empty()) {
          co_return ctx.Problem(Error::NotFound("Le PDF de ce courrier n’est plus dans la file."));
        }
        Response res = ctx.Text(status::ok, std::move(pdf), "application/pdf");
        res.set(bhttp::field::content_disposition, "attachment; filename=\"" + name + "\"");
        res.set("X-Content-Type-Options", "nosniff");
        co_return res;
      });

  router.Add(verb::post, "/api/v1/letters/{id}/printed",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto id = PositiveInt(ctx.Param("id"));
               if (!id) co_return ctx.Problem(Error::NotFound("Ce courrier n’existe pas."));
               const domain::Actor actor = ApiCaller(ctx);
               auto m = co_await AwaitCallback<Result<domain::OutboxMessage>>(
                   [&](auto done) { outbox_.MarkPrinted(*id, actor, std::move(done)); });
               if (!m.ok()) co_return ctx.Problem(m.error());
               co_return ctx.Json(status::ok, ToJson(*m).dump());
             });

  router.Add(verb::post, "/api/v1/outbox/{id}/retry",
             [this](Context& ctx) -> asio::awaitable<Response> {
               auto id = PositiveInt(ctx.Param("id"));
               if (!id) co_return ctx.Problem(Error::NotFound("Ce message sortant n’existe pas."));
               const domain::Actor actor = ApiCaller(ctx);
               auto m = co_await AwaitCallback<Result<domain::OutboxMessage>>(
                   [&](auto done) { outbox_.Retry(*id, actor, std::move(done)); });
               if (!m.ok()) co_return ctx.Problem(m.error());
               co_return ctx.Json(status::ok, ToJson(*m).dump());
             });
}

}  // namespace guichet::http
