// A real OpenID provider (the npm package oidc-provider) on loopback for the
// OIDC login tests: `node provider.mjs PORT REDIRECT_URI`, prints "ready".
// One confidential client "guichet" (secret "secret-de-test-guichet", PKCE).
// Logins need no form: /interaction/:uid signs in the account set by
// PUT /test/next-login (JSON claims) and grants every scope. For the refusal
// tests, PUT /test/tamper {"mode": …} rewrites the id_token of the next token
// answer: forge (another key, same kid), expired, nonce, audience, issuer, none.
import http from 'node:http';

import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair, importJWK } from 'jose';
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
if (!port || !redirectUri) {
  console.error('usage: node provider.mjs PORT REDIRECT_URI');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

async function signingKey(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}
const key = await signingKey('cle-du-fournisseur');
const forgerKey = await signingKey('cle-du-fournisseur'); // same kid, other key

let nextLogin = {
  sub: 'sub-lea',
  given_name: 'Léa',
  family_name: 'Martin',
  birthdate: '1990-04-01',
  email: 'lea@example.org',
  email_verified: true,
};
const accounts = new Map();
let tamper = null;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'guichet',
      client_secret: 'secret-de-test-guichet',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [key] },
  cookies: { keys: ['cle-des-cookies-du-fournisseur-de-test'] },
  pkce: { required: () => true, methods: ['S256'] },
  // FranceConnect style: each identity claim is its own scope.
  claims: {
    openid: ['sub'],
    given_name: ['given_name'],
    family_name: ['family_name'],
    birthdate: ['birthdate'],
    email: ['email', 'email_verified'],
  },
  conformIdTokenClaims: false, // the claims go in the ID token
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const claims = accounts.get(id);
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ ...claims }) };
  },
  // Every scope asked is granted: no consent page to walk.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid given_name family_name birthdate email');
    await grant.save();
    return grant;
  },
});

// The token endpoint's answer, rewritten once for the refusal tests.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || ctx.status !== 200 || !tamper || !ctx.body?.id_token) return;
  const mode = tamper;
  tamper = null;
  const [, payloadPart] = ctx.body.id_token.split('.');
  const claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString());
  const now = Math.floor(Date.now() / 1000);
  let signer = key;
  if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  if (mode === 'nonce') claims.nonce = 'un-autre-nonce-que-celui-du-parcours-0123456789';
  if (mode === 'audience') claims.aud = 'un-autre-client';
  if (mode === 'issuer') claims.iss = 'http://127.0.0.1:1';
  if (mode === 'forge') signer = forgerKey;
  if (mode === 'none') {
    ctx.body = { ...ctx.body, id_token: new UnsecuredJWT(claims).encode() };
    return;
  }
  const jws = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: 'JWT' })
    .sign(await importJWK(signer, 'RS256'));
  ctx.body = { ...ctx.body, id_token: jws };
});

const callback = provider.callback();

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(body || '{}'));
      } catch (e) {
        reject(e);
      }
    });
  });
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === 'PUT' && req.url === '/test/next-login') {
      nextLogin = await readJson(req);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'PUT' && req.url === '/test/tamper') {
      tamper = (await readJson(req)).mode ?? null;
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && req.url.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name !== 'login') throw new Error(`prompt ${details.prompt.name}`);
      accounts.set(nextLogin.sub, nextLogin);
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: nextLogin.sub } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    callback(req, res);
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
  }
});

server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
