// Saves screenshots of the portal's main pages under docs/screenshots/
// (shown in the README): `npm run screenshots` with GUICHET_BIN set, or
// `make screenshots`. A fresh database with one report, followed, fixed
// and rated, so that every page has something to show.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Secret, TOTP } from "otpauth";
import { launchBrowser, newPage, PNG, startServer } from "./harness.mjs";

const out = join(new URL(".", import.meta.url).pathname, "../../docs/screenshots");
mkdirSync(out, { recursive: true });
const EMAIL = "jeanne.martin@example.org";

const server = await startServer();
const browser = await launchBrowser();
try {
  const up = await fetch(`${server.base}/api/v1/uploads?filename=photo.png`, { method: "POST", body: PNG });
  const photo = (await up.json()).id;
  const created = await server.api("POST", "/api/v1/services/signalement-voirie/requests", {
    contact: { name: "Jeanne Martin", email: EMAIL },
    location: { lat: 45.764, lon: 4.8357, address: "12 rue de la République" },
    data: {
      nature: "nid_de_poule",
      titre: "Nid-de-poule devant le 12 rue de la République",
      description: "Un trou profond sur la voie cyclable, dangereux la nuit.",
      danger: true,
      photos: [photo],
    },
  });
  const ref = created.json.reference;
  for (const [path, body] of [
    [`/api/v1/requests/${ref}/transitions`, { to: "resolu", comment: "Le nid-de-poule a été rebouché." }],
    ["/api/v1/track/rating", { reference: ref, contact: EMAIL, score: 5, comment: "Rapide, merci !" }],
  ]) {
    const res = await server.api("POST", path, body, await server.apiKey());
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${res.text}`);
  }

  const shoot = async (name, path, ready, { width = 1280, height = 900, act } = {}) => {
    const { page, context } = await newPage(browser, server.base, { width, height });
    await page.goto(server.base + path);
    await page.getByRole("heading", { level: 1, name: ready }).waitFor();
    if (act) await act(page);
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
    await context.close();
    console.log(`docs/screenshots/${name}.png`);
  };
  await shoot("accueil", "/", "Vos démarches en ligne");
  await shoot("signalement", "/demarches/signalement-voirie", "Signaler un problème sur la voie publique");
  await shoot("suivi", `/suivi?reference=${ref}`, "Suivre ma demande", {
    act: async (page) => {
      await page.getByLabel(/Adresse électronique ou téléphone/).fill(EMAIL);
      await page.getByRole("button", { name: "Afficher ma demande" }).click();
      await page.getByText("Merci pour votre avis").waitFor();
    },
  });
  await shoot("qualite", "/qualite", "Qualité du service", {
    act: (page) => page.getByTestId("tableau-qualite").waitFor(),
  });
  await shoot("accueil-mobile", "/", "Vos démarches en ligne", { width: 360, height: 740 });

  // The agents' back-office: an agent of the team (no second factor for
  // this role) signs in; the inbox, then the request with its timeline.
  const AGENT = "camille.capture@mairie-exemple.fr";
  const PASSWORD = "Chaussee-Bitume-Rouleau-2026!";
  await server.createAgent({ name: "Camille Capture", email: AGENT, password: PASSWORD, team: "voirie:agent" });
  const { page, context } = await newPage(browser, server.base, { width: 1280, height: 900 });
  await page.goto(server.base + "/agents");
  await page.getByLabel("Adresse électronique").fill(AGENT);
  await page.getByLabel("Mot de passe").fill(PASSWORD);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.getByRole("heading", { level: 1, name: "Boîte de réception" }).waitFor();
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: join(out, "agents-boite.png"), fullPage: true });
  console.log("docs/screenshots/agents-boite.png");
  await page.goto(server.base + `/agents/demandes/${ref}`);
  await page.getByRole("heading", { level: 1, name: `Demande ${ref}` }).waitFor();
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: join(out, "agents-demande.png"), fullPage: true });
  console.log("docs/screenshots/agents-demande.png");
  await context.close();

  // What Guichet sends, seen by a platform administrator: an SMS the
  // (absent) gateway never took, a letter to print, a template's preview.
  const key = await server.apiKey();
  const made = [];
  for (const body of [
    { contact: { name: "Marc Petit", phone: "06 11 22 33 44" } },
    { contact: { name: "Jeanne Dupont" }, location: { lat: 45.76, lon: 4.83, address: "12, rue de la République, 69002 Lyon" } },
  ]) {
    const r = await server.api("POST", "/api/v1/requests", { service: "question-generale", channel: "counter", description: "Demande faite à l’accueil.", ...body }, key);
    if (r.status !== 201) throw new Error(`request: ${r.status} ${r.text}`);
    made.push(r.json.reference);
  }
  for (const [ref2, state] of [
    [made[0], "dead"],
    [made[1], "sent"],
  ]) {
    for (let i = 0; ; i++) {
      const r = await server.api("GET", `/api/v1/outbox?request=${ref2}&state=${state}`, undefined, key);
      if (r.json?.items?.length) break;
      if (i > 100) throw new Error(`no ${state} message for ${ref2}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
  }
  const ADMIN = "dominique.admin@mairie-exemple.fr";
  const out2 = await server.cli(["agent", "create", "--name", "Dominique Admin", "--email", ADMIN, "--team", "accueil:supervisor", "--admin"], PASSWORD + "\n");
  const secret = decodeURIComponent(out2.match(/secret=([A-Z2-7]+)/)?.[1] ?? "");
  const admin = await newPage(browser, server.base, { width: 1280, height: 900 });
  const a = admin.page;
  await a.goto(server.base + "/agents");
  await a.getByLabel("Adresse électronique").fill(ADMIN);
  await a.getByLabel("Mot de passe").fill(PASSWORD);
  await a.getByLabel(/Code de vérification/).fill(new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate());
  await a.getByRole("button", { name: "Se connecter" }).click();
  await a.getByRole("heading", { level: 1, name: "Boîte de réception" }).waitFor();
  for (const [name, path, heading, act] of [
    ["agents-envois", "/agents/envois", "Envois", () => a.getByTestId("envois").waitFor()],
    ["agents-impression", "/agents/impression", "Courriers à imprimer", () => a.getByTestId("file-impression").waitFor()],
    [
      "agents-modele",
      "/agents/modeles/reply.sms",
      "Réponse d’un agent — SMS",
      async () => {
        await a.getByRole("button", { name: "Aperçu" }).click();
        await a.getByTestId("apercu-sms").waitFor();
      },
    ],
  ]) {
    await a.goto(server.base + path);
    await a.getByRole("heading", { level: 1, name: heading }).waitFor();
    await act();
    await a.waitForLoadState("networkidle");
    await a.screenshot({ path: join(out, `${name}.png`), fullPage: true });
    console.log(`docs/screenshots/${name}.png`);
  }
  await admin.context.close();
} finally {
  await browser.close();
  await server.stop();
}
