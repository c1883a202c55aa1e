#include "channels/oidc/client.hpp"

#include <cjose/cjose.h>
#include <curl/curl.h>
#include <openssl/sha.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "channels/curl_body.hpp"
#include "core/digest.hpp"

namespace guichet::channels::oidc {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxAnswer = 256 * 1024;  // discovery, JWKS and token answers are small JSON
constexpr long kTimeoutSeconds = 10;       // a provider slower than this fails the login
constexpr auto kFlowLifetime = std::chrono::minutes(10);  // time to sign in at the provider
constexpr size_t kMaxFlows = 10000;  // pending logins kept; beyond, the oldest are dropped
constexpr auto kJwksLifetime = std::chrono::hours(1);  // key rotation is picked up after this
constexpr std::int64_t kClockSkewSeconds = 60;         // tolerated drift with the provider
constexpr std::int64_t kMaxTokenAgeSeconds = 10 * 60;  // an older iat is a replayed token

Error Refused(std::string cause) {
  return Error(ErrorCode::kUnauthenticated,
               "La connexion par le fournisseur d’identité a échoué ; veuillez recommencer.",
               std::move(cause));
}

struct Answer {
  long status = 0;
  std::string body;
};

// GET, or POST of a form when `form` is set; basic auth when `user` is set.
Result<Answer> Fetch(const std::string& url, const std::string* form = nullptr,
                     const std::string& user = {}, const std::string& password = {}) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), curl_easy_cleanup);
  if (!h) return Error::Unavailable("libcurl indisponible");
  Answer a;
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h.get(), CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, kTimeoutSeconds);
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, &CollectUpTo<kMaxAnswer>);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &a.body);
  if (form) {
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, form->c_str());
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(form->size()));
  }
  if (!user.empty()) {
    curl_easy_setopt(h.get(), CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h.get(), CURLOPT_USERNAME, user.c_str());
    curl_easy_setopt(h.get(), CURLOPT_PASSWORD, password.c_str());
  }
  const CURLcode rc = curl_easy_perform(h.get());
  if (rc != CURLE_OK) {
    return Error::Unavailable(std::string("fournisseur OIDC injoignable : ") +
                              curl_easy_strerror(rc));
  }
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &a.status);
  return a;
}

std::string Escape(const std::string& s) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), curl_easy_cleanup);
  char* e = curl_easy_escape(h.get(), s.c_str(), static_cast<int>(s.size()));
  std::string out(e ? e : "");
  curl_free(e);
  return out;
}

std::string Base64Url(const unsigned char* data, size_t n) {
  char* out = nullptr;
  size_t len = 0;
  cjose_err err;
  if (!cjose_base64url_encode(data, n, &out, &len, &err)) return {};
  std::string s(out, len);
  cjose_get_dealloc()(out);
  return s;
}

std::string S256(const std::string& verifier) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), d);
  return Base64Url(d, sizeof d);
}

std::string Trimmed(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string StrOf(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Client::Client(Options options) : options_(std::move(options)) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

Result<Client::Discovery> Client::Discover() {
  {
    std::lock_guard lock(mu_);
    if (discovery_) return *discovery_;
  }
  auto a = Fetch(Trimmed(options_.issuer) + "/.well-known/openid-configuration");
  if (!a.ok()) return a.error();
  if (a->status != 200) {
    return Error::Unavailable("découverte OIDC : statut " + std::to_string(a->status));
  }
  json j = json::parse(a->body, nullptr, false);
  if (!j.is_object()) return Error::Unavailable("découverte OIDC : JSON illisible");
  Discovery d{StrOf(j, "issuer"), StrOf(j, "authorization_endpoint"), StrOf(j, "token_endpoint"),
              StrOf(j, "jwks_uri")};
  // Mix-up defence: the document must be the one of the issuer we were configured with.
  if (Trimmed(d.issuer) != Trimmed(options_.issuer) || d.authorization_endpoint.empty() ||
      d.token_endpoint.empty() || d.jwks_uri.empty()) {
    return Error::Unavailable("découverte OIDC : document incomplet ou d’un autre émetteur");
  }
  std::lock_guard lock(mu_);
  discovery_ = d;
  return d;
}

Result<std::string> Client::Jwks(bool refresh) {
  {
    std::lock_guard lock(mu_);
    if (!refresh && !jwks_.empty() && Clock::now() - jwks_fetched_ < kJwksLifetime) return jwks_;
  }
  auto d = Discover();
  if (!d.ok()) return d.error();
  auto a = Fetch(d->jwks_uri);
  if (!a.ok()) return a.error();
  if (a->status != 200) return Error::Unavailable("JWKS : statut " + std::to_string(a->status));
  std::lock_guard lock(mu_);
  jwks_ = a->body;
  jwks_fetched_ = Clock::now();
  return jwks_;
}

Result<Started> Client::Begin() {
  if (!options_.Enabled()) {
    return Error::Unavailable("OIDC non configuré");
  }
  auto d = Discover();
  if (!d.ok()) return d.error();
  // 32 random bytes: 43 base64url characters each, above the 32 the issue asks for.
  Flow flow{RandomToken(32), RandomToken(32), Clock::now() + kFlowLifetime};
  const std::string state = RandomToken(32);
  const std::string challenge = S256(flow.verifier);
  {
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    for (auto it = flows_.begin(); it != flows_.end();) {
      it = it->second.expires < now ? flows_.erase(it) : std::next(it);
    }
    if (flows_.size() >= kMaxFlows) flows_.erase(flows_.begin());
    flows_[Sha256Hex(state)] = flow;
  }
  const char sep = d->authorization_endpoint.find('?') == std::string::npos ? '?' : '&';
  return Started{d->authorization_endpoint + sep + "response_type=code&client_id=" +
                     Escape(options_.client_id) + "&redirect_uri=" + Escape(options_.redirect_uri) +
                     "&scope=" + Escape(options_.scope) + "&state=" + state + "&nonce=" +
                     flow.nonce + "&code_challenge=" + challenge + "&code_challenge_method=S256",
                 state};
}

Result<domain::ProviderIdentity> Client::Complete(const std::string& code,
                                                  const std::string& state) {
  if (!options_.Enabled()) return Error::Unavailable("OIDC non configuré");
  if (code.empty() || state.empty()) return Refused("code ou state absent");
  Flow flow;
  {
    // Single use: the flow is gone whatever happens next, so a state cannot be replayed.
    std::lock_guard lock(mu_);
    auto it = flows_.find(Sha256Hex(state));
    if (it == flows_.end()) return Refused("state inconnu ou déjà utilisé");
    flow = it->second;
    flows_.erase(it);
  }
  if (flow.expires < Clock::now()) return Refused("state expiré");
  auto d = Discover();
  if (!d.ok()) return d.error();
  const std::string form = "grant_type=authorization_code&code=" + Escape(code) +
                           "&redirect_uri=" + Escape(options_.redirect_uri) +
                           "&code_verifier=" + Escape(flow.verifier);
  auto a = Fetch(d->token_endpoint, &form, options_.client_id, options_.client_secret);
  if (!a.ok()) return a.error();
  json j = json::parse(a->body, nullptr, false);
  if (a->status != 200 || !j.is_object()) {
    return Refused("échange du code refusé : statut " + std::to_string(a->status) + " " +
                   (j.is_object() ? StrOf(j, "error") : std::string()));
  }
  const std::string id_token = StrOf(j, "id_token");
  if (id_token.empty()) return Refused("pas de jeton d’identité");
  return Verify(id_token, flow);
}

Result<domain::ProviderIdentity> Client::Verify(const std::string& id_token, const Flow& flow) {
  cjose_err err;
  std::unique_ptr<cjose_jws_t, decltype(&cjose_jws_release)> jws(
      cjose_jws_import(id_token.c_str(), id_token.size(), &err), cjose_jws_release);
  if (!jws) return Refused("jeton d’identité illisible");
  cjose_header_t* hdr = cjose_jws_get_protected(jws.get());
  const char* alg = hdr ? cjose_header_get(hdr, CJOSE_HDR_ALG, &err) : nullptr;
  const char* kid_c = hdr ? cjose_header_get(hdr, CJOSE_HDR_KID, &err) : nullptr;
  const std::string alg_s = alg ? alg : "", kid = kid_c ? kid_c : "";
  // Only asymmetric signatures: "none" and HMAC (keyed with a public value) are forgeries.
  if (alg_s.size() < 5 ||
      (alg_s.rfind("RS", 0) != 0 && alg_s.rfind("PS", 0) != 0 && alg_s.rfind("ES", 0) != 0)) {
    return Refused("algorithme de signature refusé : " + alg_s);
  }
  bool verified = false;
  for (bool refresh : {false, true}) {
    auto keys = Jwks(refresh);
    if (!keys.ok()) return keys.error();
    json set = json::parse(*keys, nullptr, false);
    if (!set.is_object() || !set.contains("keys") || !set["keys"].is_array()) {
      return Error::Unavailable("JWKS illisible");
    }
    const json& list = set["keys"];
    for (const auto& k : list) {
      if (!kid.empty() && StrOf(k, "kid") != kid) continue;
      if (StrOf(k, "use") == "enc") continue;
      const std::string text = k.dump();
      std::unique_ptr<cjose_jwk_t, decltype(&cjose_jwk_release)> jwk(
          cjose_jwk_import(text.c_str(), text.size(), &err), cjose_jwk_release);
      if (jwk && cjose_jws_verify(jws.get(), jwk.get(), &err)) {
        verified = true;
        break;
      }
    }
    if (verified) break;  // else the provider may have rotated its keys: fetch them once more
  }
  if (!verified) return Refused("signature du jeton d’identité invalide");

  uint8_t* plain = nullptr;
  size_t plain_len = 0;
  if (!cjose_jws_get_plaintext(jws.get(), &plain, &plain_len, &err)) {
    return Refused("contenu du jeton illisible");
  }
  json c = json::parse(std::string(reinterpret_cast<char*>(plain), plain_len), nullptr, false);
  if (!c.is_object()) return Refused("contenu du jeton illisible");
  auto d = Discover();
  if (!d.ok()) return d.error();
  if (StrOf(c, "iss") != d->issuer) return Refused("émetteur inattendu");
  const json aud = c.value("aud", json());
  const bool aud_ok =
      (aud.is_string() && aud.get<std::string>() == options_.client_id) ||
      (aud.is_array() && std::find(aud.begin(), aud.end(), json(options_.client_id)) != aud.end());
  if (!aud_ok) return Refused("audience inattendue");
  if (aud.is_array() && aud.size() > 1 && StrOf(c, "azp") != options_.client_id) {
    return Refused("azp inattendu");
  }
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  if (!c.contains("exp") || !c["exp"].is_number() ||
      c["exp"].get<std::int64_t>() + kClockSkewSeconds < now) {
    return Refused("jeton d’identité expiré");
  }
  if (!c.contains("iat") || !c["iat"].is_number() ||
      c["iat"].get<std::int64_t>() > now + kClockSkewSeconds ||
      c["iat"].get<std::int64_t>() < now - kMaxTokenAgeSeconds) {
    return Refused("date d’émission du jeton hors limites");
  }
  if (StrOf(c, "nonce") != flow.nonce) return Refused("nonce inattendu");
  domain::ProviderIdentity id;
  id.subject = StrOf(c, "sub");
  if (id.subject.empty()) return Refused("jeton sans sujet");
  id.email = StrOf(c, "email");
  id.email_verified =
      c.value("email_verified", json(false)).is_boolean() && c.value("email_verified", false);
  id.given_name = StrOf(c, "given_name");
  id.family_name = StrOf(c, "family_name");
  id.birthdate = StrOf(c, "birthdate");
  return id;
}

}  // namespace guichet::channels::oidc
