// What the browser tests and the screenshot script share: the guichet
// binary on a fresh SQLite database (a temp dir), headless Chromium from
// Debian driven by playwright-core, axe-core run inside each page, and a
// fake tile server answered inside the browser (no network).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const TILE_HOST = "tuiles.guichet.test";

// A 1×1 PNG: a real image for uploads, and the fake map tiles.
export const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c63fcffff3f0005fe02fea735819b0000000049454e44ae426082",
  "hex",
);

async function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

// The real OpenID provider of the OIDC tests (tests/oidc/provider.mjs, the
// npm oidc-provider installed by `npm ci` in tests/oidc) on loopback, sending
// browsers back to `redirectUri`; signs in its preset citizen, Léa Martin,
// without a form. Returns { issuer, stop }; its output is kept in `log` and
// read to the end, so that it never dies writing to a closed pipe.
async function startProvider(root, redirectUri, log) {
  const dir = join(root, "tests", "oidc");
  if (!existsSync(join(dir, "node_modules", "oidc-provider"))) {
    throw new Error("oidc-provider absent: run `npm ci` in tests/oidc");
  }
  const port = await freePort();
  const child = spawn(process.execPath, ["provider.mjs", String(port), redirectUri], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  };
  let out = "";
  let timer;
  child.stderr.on("data", (d) => log.push(`[provider] ${d}`));
  const ready = new Promise((ok, fail) => {
    child.stdout.on("data", (d) => {
      out += String(d);
      log.push(`[provider] ${d}`);
      if (out.startsWith("ready\n")) ok();
    });
    child.once("exit", (code) => fail(new Error(`provider.mjs exited (${code}):\n${log.join("")}`)));
    timer = setTimeout(() => fail(new Error(`provider.mjs did not start:\n${log.join("")}`)), 15000);
  });
  try {
    await ready;
  } catch (e) {
    await stop();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return { issuer: `http://127.0.0.1:${port}`, stop };
}

// Starts `guichet serve`, and with `oidc` the OpenID provider it logs
// citizens in with; returns { base, stop, api, … }. stop() stops both.
export async function startServer({ oidc = false } = {}) {
  const bin = process.env.GUICHET_BIN;
  if (!bin) throw new Error("GUICHET_BIN is not set (ctest sets it)");
  const dir = mkdtempSync(join(tmpdir(), "guichet-web-"));
  const port = await freePort();
  const root = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "../..");
  const log = [];
  const base = `http://127.0.0.1:${port}`;
  const provider = oidc ? await startProvider(root, `${base}/api/v1/auth/oidc/callback`, log) : null;
  const config = join(dir, "guichet.toml");
  // A free port left closed: the SMS gateway that does not answer.
  const smsPort = await freePort();
  writeFileSync(
    config,
    [
      "[web]",
      `tile_url = "http://${TILE_HOST}/{z}/{x}/{y}.png"`,
      'tile_attribution = "Tuiles de test"',
      'contact_email = "mairie@villeneuve-exemple.fr"',
      'contact_phone = "04 72 00 00 00"',
      'contact_address = "1 place de la Mairie, 69000 Villeneuve-sur-Exemple"',
      "[mail]",
      `dev_drop_dir = "${join(dir, "mail")}"`,
      // An SMS gateway that is down (nothing listens there): SMS fail, and a
      // citizen with no other channel ends in the dead letters, quickly.
      "[sms]",
      `gateway_url = "http://127.0.0.1:${smsPort}/sms"`,
      "[postal]",
      `spool_dir = "${join(dir, "courrier")}"`,
      'letterhead = "Mairie de Villeneuve-sur-Exemple"',
      "[outbox]",
      "interval_ms = 200",
      "max_attempts = 2",
      "backoff_ms = 100",
      "backoff_cap_ms = 200",
      "",
    ].join("\n"),
  );
  const child = spawn(bin, ["serve", "--config", config], {
    env: {
      ...process.env,
      ...(provider
        ? {
            GUICHET_OIDC_ISSUER: provider.issuer,
            GUICHET_OIDC_CLIENT_ID: "guichet",
            GUICHET_OIDC_CLIENT_SECRET: "secret-de-test-guichet",
            GUICHET_OIDC_REDIRECT_URI: `${base}/api/v1/auth/oidc/callback`,
          }
        : {}),
      GUICHET_DATABASE: `sqlite:${join(dir, "guichet.db")}`,
      GUICHET_LISTEN: `127.0.0.1:${port}`,
      GUICHET_CATALOGUE: join(root, "catalogue"),
      GUICHET_WEB_DIST: join(root, "web", "dist"),
      GUICHET_ACCESS_LOG: "false",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => log.push(String(d)));
  child.stderr.on("data", (d) => log.push(String(d)));
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGTERM");
      await provider?.stop();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`the server did not start:\n${log.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // `key`: an API key sent as a bearer token (anonymous without).
  const api = async (method, path, body, key) => {
    const r = await fetch(base + path, {
      method,
      headers: { ...(body ? { "Content-Type": "application/json" } : {}), ...(key ? { Authorization: `Bearer ${key}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: r.status, headers: r.headers, json, text };
  };
  // Runs a `guichet` command on the server's database (stdin given); its output.
  const cli = async (args, stdin = "") => {
    const out = [];
    const cmd = spawn(bin, [...args, "--config", config], {
      env: { ...process.env, GUICHET_DATABASE: `sqlite:${join(dir, "guichet.db")}`, GUICHET_CATALOGUE: join(root, "catalogue") },
      stdio: ["pipe", "pipe", "pipe"],
    });
    cmd.stdout.on("data", (d) => out.push(String(d)));
    cmd.stderr.on("data", (d) => out.push(String(d)));
    cmd.stdin.end(stdin);
    const code = await new Promise((r) => cmd.once("exit", r));
    if (code !== 0) throw new Error(`guichet ${args.join(" ")} failed (${code}):\n${out.join("")}`);
    return out.join("");
  };
  // An agent created the way an installation does (password on standard
  // input); returns the TOTP secret printed once in the otpauth:// URI
  // (empty for a plain agent).
  const createAgent = async ({ name, email, password, team }) => {
    const out = await cli(["agent", "create", "--name", name, "--email", email, "--team", team], password + "\n");
    return decodeURIComponent(out.match(/secret=([A-Z2-7]+)/)?.[1] ?? "");
  };
  // An `admin` API key, for the checks the tests make behind the UI's back.
  const apiKey = async () => {
    const out = await cli(["api-key", "create", "--name", "Tests du navigateur", "--scope", "admin"]);
    const key = out.match(/gk_[A-Za-z0-9_-]+/)?.[0];
    if (!key) throw new Error(`no key in:\n${out}`);
    return key;
  };
  // The link (path and query) of the newest mail whose text matches `pattern`
  // (a RegExp with one group around the path), waiting for it to be written.
  const mailLink = async (pattern) => {
    const deadline = Date.now() + 10000;
    for (;;) {
      const files = existsSync(join(dir, "mail")) ? readdirSync(join(dir, "mail")).filter((f) => f.endsWith(".eml")) : [];
      for (const f of files.sort().reverse()) {
        // Quoted-printable soft breaks and « = » undone before matching.
        const text = readFileSync(join(dir, "mail", f), "utf8").replace(/=\r?\n/g, "").replace(/=3D/g, "=");
        const m = text.match(pattern);
        if (m) return m[1];
      }
      if (Date.now() > deadline) throw new Error(`no mail matches ${pattern} in ${files.join(", ")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    await provider?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { base, api, stop, log, cli, createAgent, apiKey, mailLink };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

// A page whose requests may only go to the server; the tile host is
// answered here with a PNG (or refused, for the degraded-map case).
export async function newPage(browser, base, { width = 1280, height = 900, tiles = true } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: "fr-FR", timezoneId: "Europe/Paris" });
  const page = await context.newPage();
  const offsite = [];
  const cspErrors = [];
  await page.route(`http://${TILE_HOST}/**`, (route) =>
    tiles ? route.fulfill({ status: 200, contentType: "image/png", body: PNG }) : route.abort("connectionrefused"),
  );
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (!req.url().startsWith(base) && url.host !== TILE_HOST && url.protocol !== "data:" && url.protocol !== "blob:") {
      offsite.push(req.url());
    }
  });
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspErrors.push(msg.text());
  });
  page.on("pageerror", (err) => cspErrors.push(`page error: ${err.message}`));
  // Printed when a step fails: what the network did.
  const failures = [];
  page.on("requestfailed", (req) => failures.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") failures.push(`console: ${msg.text()}`);
  });
  page.failures = failures;
  return { page, context, offsite, cspErrors };
}

// axe-core in the page (evaluated, so the page's CSP does not apply to it):
// every rule but the experimental ones; returns the violations.
export async function axe(page) {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
}
