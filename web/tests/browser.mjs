// The browser tests of the portal (issue #7), run by ctest (`web_browser`):
// (1) a citizen without an account reports a pothole with a photo and a map
// position, then follows it by reference; (2) an agent logs in with a TOTP
// code, finds it in the inbox, answers it and moves it to resolved; (3) the
// citizen sees the answer and rates it; (4) the quality page shows the new
// figures; (5) a citizen signs in with the FranceConnect button through a
// real OpenID provider (oidc-provider) on loopback; (6) an agent records a
// phone call and a counter visit, and a postal letter whose scan is read by
// Tesseract; (7) the citizen creates an account, attaches that request to it,
// and in « Mes demandes » follows a new one across channels (web, phone,
// email), replies with a document and rates it, while a second agent merges
// a duplicate, links requests, sees the citizen's other requests and assigns
// with the team's agent picker. axe-core runs on
// every page visited, which must show no violation; no request may leave
// for another host; the phone-sized viewport and the keyboard are checked.
// Prints one line per step; exits 1 at the first failure.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Secret, TOTP } from "otpauth";
import { axe, launchBrowser, newPage, PNG, startServer } from "./harness.mjs";

const EMAIL = "jeanne.martin@example.org";
const AGENT = "paul.voirie@mairie-exemple.fr";
const AGENT_PASSWORD = "Chaussee-Bitume-Rouleau-2026!";
const COUNTER_AGENT = "lea.accueil@mairie-exemple.fr";

// A scanned letter: a one-page PDF of French text (Helvetica, WinAnsi: é is
// \351) written by hand, rendered to a grey PNG by poppler's pdftoppm, as a
// scanner would give it.
function letterScan(lines) {
  const text = lines.map((l) => `(${l.replace(/é/g, "\\351")}) '`).join("\n");
  const content = `BT /F1 20 Tf 72 720 Td 26 TL\n${text}\nET\n`;
  const objs = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    `<< /Length ${Buffer.byteLength(content, "latin1")} >>\nstream\n${content}endstream`,
  ];
  let pdf = "%PDF-1.4\n";
  const offsets = objs.map((o, i) => {
    const at = Buffer.byteLength(pdf, "latin1");
    pdf += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = Buffer.byteLength(pdf, "latin1");
  pdf += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) pdf += `${String(o).padStart(10, "0")} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  const dir = mkdtempSync(join(tmpdir(), "guichet-scan-"));
  try {
    writeFileSync(join(dir, "lettre.pdf"), Buffer.from(pdf, "latin1"));
    execFileSync("pdftoppm", ["-r", "150", "-gray", "-png", "-singlefile", join(dir, "lettre.pdf"), join(dir, "lettre")]);
    return readFileSync(join(dir, "lettre.png"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
let agent = null; // the agent's own browser context
let step = 0;
let failed = false;
let current = null; // the page of the step, for a screenshot when it fails

async function check(name, fn) {
  step++;
  try {
    await fn();
    console.log(`ok ${step} - ${name}`);
  } catch (e) {
    failed = true;
    if (current) {
      const shot = `${process.env.TMPDIR ?? "/tmp"}/guichet-browser-failure-${step}.png`;
      await current.screenshot({ path: shot, fullPage: true }).catch(() => {});
      console.log(`# screenshot: ${shot}`);
      console.log(`# main: ${(await current.locator("main").innerText().catch(() => "")).slice(0, 600)}`);
      console.log(`# network and console errors:\n${(current.failures ?? []).join("\n")}`);
    }
    console.log(`not ok ${step} - ${name}\n  ${String(e.stack ?? e).split("\n").join("\n  ")}`);
    throw e;
  }
}

// French typography of the page's main text: a narrow no-break or no-break
// space before « : ; ! ? » and inside « », never a plain space or none.
async function frenchTypography(page, what) {
  const text = await page.locator("main").innerText();
  const problems = [];
  for (const m of text.matchAll(/(.{0,20})([:;!?])(?=\s|$)/gm)) {
    if (!/[\u00a0\u202f]$/.test(m[1])) problems.push(m[0]);
  }
  for (const m of text.matchAll(/.{0,15}(«(?![\u00a0\u202f])|(?<![\u00a0\u202f])»).{0,15}/g)) problems.push(m[0]);
  assert.deepEqual(problems, [], `French typography on ${what}`);
}

// The page at 360 px: nothing wider than the screen, still accessible.
async function onAPhone(page, what) {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    await page.waitForTimeout(100);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${what} is ${width} px wide at 360 px`);
    await accessible(page, `${what} at 360 px`);
  } finally {
    await page.setViewportSize(before);
  }
}

async function accessible(page, what) {
  const violations = await axe(page);
  assert.deepEqual(violations, [], `axe-core violations on ${what}:\n${JSON.stringify(violations, null, 2)}`);
}

const server = await startServer({ oidc: true });
const browser = await launchBrowser();
try {
  const { page, offsite, cspErrors } = await newPage(browser, server.base);
  current = page;
  let reference = "";

  await check("the home page lists the procedures by category and searches them", async () => {
    await page.goto(server.base + "/");
    await page.getByRole("heading", { level: 1, name: "Vos démarches en ligne" }).waitFor();
    await page.getByRole("heading", { level: 2, name: "Voirie et propreté" }).waitFor();
    await accessible(page, "the home page");
    await page.getByLabel("Rechercher une démarche").fill("nid-de-poule");
    await page.getByText("1 démarche trouvée.").waitFor({ state: "attached" });
    assert.equal(await page.locator(".fr-card__title").count(), 1);
    await page.getByRole("link", { name: "Signaler un problème sur la voie publique" }).click();
    await page.getByRole("heading", { level: 1, name: "Signaler un problème sur la voie publique" }).waitFor();
  });

  await check("the server's field errors are shown next to their fields and announced", async () => {
    await accessible(page, "the procedure page");
    await page.getByRole("button", { name: "Envoyer ma demande" }).click();
    const alert = page.locator("[aria-live=assertive] .fr-alert--error");
    await alert.waitFor();
    assert.match(await alert.innerText(), /Ce champ est obligatoire|obligatoire/);
    // The error of « Résumé en quelques mots » sits under its input.
    const titre = page.getByLabel("Résumé en quelques mots");
    const described = await titre.getAttribute("aria-describedby");
    assert.ok(described, "the title input is described by its error");
    assert.match(await page.locator(`[id="${described.split(" ").pop()}"]`).innerText(), /obligatoire/);
    await accessible(page, "the procedure page with errors");
  });

  await check("a draft is saved, then resumed after a reload", async () => {
    await page.getByLabel("Nature du problème").selectOption("nid_de_poule");
    await page.getByLabel("Résumé en quelques mots").fill("Nid-de-poule devant le 12 rue de la République");
    await page.getByRole("button", { name: "Enregistrer le brouillon" }).click();
    await page.getByText(/Brouillon enregistré le/).waitFor();
    assert.match(page.url(), /brouillon=/);
    await page.reload();
    await page.getByText("Votre brouillon a été repris.", { exact: false }).waitFor();
    assert.equal(await page.getByLabel("Résumé en quelques mots").inputValue(), "Nid-de-poule devant le 12 rue de la République");
    assert.equal(await page.getByLabel("Nature du problème").inputValue(), "nid_de_poule");
  });

  await check("a conditional field appears only for its answer", async () => {
    assert.equal(await page.getByLabel("Numéro du lampadaire").count(), 0);
    await page.getByLabel("Nature du problème").selectOption("eclairage");
    await page.getByLabel("Numéro du lampadaire").waitFor();
    await page.getByLabel("Nature du problème").selectOption("nid_de_poule");
    await page.getByLabel("Numéro du lampadaire").waitFor({ state: "detached" });
  });

  await check("a citizen reports a pothole with a photo and a map position", async () => {
    await page.getByLabel("Description").fill("Un trou profond sur la voie cyclable, dangereux la nuit.");
    await page.getByRole("group", { name: /danger/ }).getByLabel("Oui").check({ force: true });
    await page.locator("input[type=file]").first().setInputFiles({ name: "nid-de-poule.png", mimeType: "image/png", buffer: PNG });
    await page.getByText(/Fichier envoyé.*nid-de-poule\.png/).waitFor();
    const map = page.getByTestId("carte");
    await map.waitFor();
    await page.locator(".leaflet-tile-loaded").first().waitFor();
    const box = await map.boundingBox();
    await page.mouse.click(box.x + box.width * 0.6, box.y + box.height * 0.4);
    await page.getByText(/Position retenue.*latitude/).waitFor();
    await page.getByLabel("Adresse ou repère").fill("12 rue de la République");
    await page.getByLabel("Nom et prénom").fill("Jeanne Martin");
    await page.getByLabel("Adresse électronique").fill(EMAIL);
    await accessible(page, "the completed form");
    await page.getByRole("button", { name: "Envoyer ma demande" }).click();
    await page.getByRole("heading", { level: 1, name: "Votre demande est envoyée" }).waitFor();
    const title = await page.locator(".fr-alert--success .fr-alert__title").innerText();
    reference = title.match(/GU-\d{4}-[A-Z0-9]+/)?.[0] ?? "";
    assert.ok(reference, `a reference is shown: ${title}`);
    assert.match(await page.locator("main").innerText(), /au plus tard le \d{1,2} \S+ \d{4}/);
    await accessible(page, "the receipt");
    // What the server stored: the position and the photo.
    const stored = await server.api("GET", `/api/v1/requests/${reference}`, undefined, await server.apiKey());
    assert.equal(stored.status, 200);
    assert.ok(stored.json.location && Number.isFinite(stored.json.location.lat), "the request has a position");
    assert.equal(stored.json.location.address, "12 rue de la République");
    assert.equal(stored.json.data.photos.length, 1);
  });

  await check("the citizen follows the request by its reference, without an account", async () => {
    await page.locator("main").getByRole("link", { name: "Suivre ma demande" }).click();
    await page.getByRole("heading", { level: 1, name: "Suivre ma demande" }).waitFor();
    assert.equal(await page.getByLabel("Référence de la demande").inputValue(), reference);
    await accessible(page, "the tracking form");
    // A wrong contact gets the same answer as an unknown reference.
    await page.getByLabel(/Adresse électronique ou téléphone/).fill("quelquun@example.org");
    await page.getByRole("button", { name: "Afficher ma demande" }).click();
    await page.getByText("Aucune demande ne correspond à cette référence et à ces coordonnées.").waitFor();
    await page.getByLabel(/Adresse électronique ou téléphone/).fill(EMAIL);
    await page.getByRole("button", { name: "Afficher ma demande" }).click();
    await page.getByRole("heading", { level: 2, name: `Demande ${reference}` }).waitFor();
    assert.match((await page.getByTestId("statut").textContent()).trim(), /^(Signalement reçu|Pris en compte)$/, "the status's French label");
    const history = await page.getByTestId("historique").innerText();
    assert.match(history, /Un trou profond sur la voie cyclable/);
    assert.match(history, /nid-de-poule\.png/);
    assert.match(history, /Message de la mairie/);
    await accessible(page, "the tracked request");
  });

  await check("the citizen adds a message from the tracking page", async () => {
    await page.getByLabel("Votre message").fill("Le trou s’est agrandi depuis hier.");
    await page.getByRole("button", { name: "Envoyer", exact: true }).click();
    await page.getByText("Votre message a été ajouté à l’historique de la demande.").waitFor();
    assert.match(await page.getByTestId("historique").innerText(), /Le trou s’est agrandi depuis hier\./);
  });

  await check("an agent logs in with a TOTP code and finds the pothole in the inbox", async () => {
    const secret = await server.createAgent({ name: "Paul Voirie", email: AGENT, password: AGENT_PASSWORD, team: "voirie:supervisor" });
    assert.ok(secret, "a supervisor gets a TOTP secret");
    agent = await newPage(browser, server.base);
    const a = agent.page;
    current = a;
    await a.goto(server.base + "/agents");
    await a.getByRole("heading", { level: 1, name: "Espace agents" }).waitFor();
    await accessible(a, "the agents' login");
    await a.getByLabel("Adresse électronique").fill(AGENT);
    await a.getByLabel("Mot de passe").fill(AGENT_PASSWORD);
    // Without the second factor the login is refused, and it says so.
    await a.getByRole("button", { name: "Se connecter" }).click();
    await a.locator("[aria-live=assertive] .fr-alert--error").waitFor();
    const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 });
    await a.getByLabel(/Code de vérification/).fill(totp.generate());
    await a.getByRole("button", { name: "Se connecter" }).click();
    await a.getByRole("heading", { level: 1, name: "Boîte de réception" }).waitFor();
    const row = a.getByTestId("boite").getByRole("row", { name: new RegExp(reference) });
    await row.waitFor();
    assert.match(await row.innerText(), /Site web/);
    await a.getByRole("button", { name: /^Toutes\s:\s\d+/ }).waitFor();
    await accessible(a, "the inbox");
    // Keyboard: the row's link takes the focus, the arrows keep it on a row, Enter opens it.
    await a.getByRole("link", { name: reference }).focus();
    await a.keyboard.press("ArrowDown");
    assert.equal(await a.evaluate(() => document.activeElement?.textContent?.trim()), reference);
    await a.keyboard.press("Enter");
    await a.getByRole("heading", { level: 1, name: `Demande ${reference}` }).waitFor();
  });

  await check("the agent answers the citizen and moves the request to resolved", async () => {
    const a = agent.page;
    await a.getByTestId("historique-agent").getByText("Un trou profond sur la voie cyclable", { exact: false }).waitFor();
    await accessible(a, "the request page");
    await a.getByLabel("Canal de la réponse").selectOption("email");
    await a.getByLabel("Message au citoyen").fill("Bonjour, l’équipe voirie rebouche le trou cette semaine.");
    await a.getByRole("button", { name: "Envoyer la réponse" }).click();
    await a.getByText("La réponse est enregistrée et part vers le citoyen.").waitFor();
    assert.match(await a.getByTestId("historique-agent").innerText(), /Réponse envoyée[\s\S]*l’équipe voirie rebouche le trou/);
    await a.getByLabel("Note (jamais montrée au citoyen)").fill("Équipe de Paul, mardi matin.");
    await a.getByRole("button", { name: "Ajouter la note" }).click();
    await a.getByText("La note interne est ajoutée.").waitFor();
    await a.getByText("Demande faite sans compte", { exact: false }).waitFor();
    await a.getByRole("button", { name: "Me l’affecter" }).click();
    await a.getByText("L’affectation est enregistrée.").waitFor();
    await a.getByTestId("agent-affecte").getByText("Paul Voirie").waitFor();
    await a.getByLabel("Nouveau statut").selectOption({ label: "Marquer comme résolu" });
    await a.getByLabel(/Commentaire au citoyen/).fill("Le nid-de-poule a été rebouché.");
    await a.getByRole("button", { name: "Appliquer" }).click();
    await a.getByText("Le statut de la demande a changé.").waitFor();
    // The status's French label, not its code.
    await a.getByTestId("statut-agent").getByText("Résolu", { exact: true }).waitFor();
    await accessible(a, "the resolved request");
    // Search finds it, the words highlighted.
    await a.getByRole("link", { name: "Rechercher" }).click();
    await a.getByLabel("Mots cherchés").fill("trou profond");
    await a.getByRole("button", { name: "Rechercher", exact: true }).click();
    await a.getByTestId("resultats").getByRole("link", { name: new RegExp(reference) }).waitFor();
    assert.ok((await a.getByTestId("resultats").locator("mark").count()) > 0, "the matches are highlighted");
    await accessible(a, "the search results");
    await a.getByRole("button", { name: "Se déconnecter" }).click();
    await a.getByRole("button", { name: "Se connecter" }).waitFor();
    const after = await a.evaluate(async () => (await fetch("/api/v1/inbox")).status);
    assert.equal(after, 401, "the session is closed");
    await agent.context.close();
    current = page;
  });

  await check("the citizen sees the answer and rates it", async () => {
    await page.getByRole("button", { name: "Suivre une autre demande" }).click();
    await page.getByLabel(/Adresse électronique ou téléphone/).fill(EMAIL);
    await page.getByRole("button", { name: "Afficher ma demande" }).click();
    await page.getByTestId("statut").getByText("Résolu").waitFor();
    assert.match(await page.getByTestId("historique").innerText(), /l’équipe voirie rebouche le trou cette semaine/);
    await page.getByRole("heading", { level: 3, name: "Votre avis sur la réponse" }).waitFor();
    await accessible(page, "the rating form");
    await page.getByLabel("4 — Satisfait").check({ force: true });
    await page.getByLabel("Commentaire (facultatif)").fill("Rapide et efficace.");
    await page.getByRole("button", { name: "Donner mon avis" }).click();
    await page.getByText("Merci pour votre avis").waitFor();
    assert.equal(await page.getByRole("heading", { name: "Votre avis sur la réponse" }).count(), 0);
    await accessible(page, "the rated request");
    const again = await server.api("POST", "/api/v1/track/rating", { reference, contact: EMAIL, score: 1 });
    assert.equal(again.status, 409, "a request is rated once");
  });

  await check("the quality page shows the new figures, as a table, a chart and a CSV file", async () => {
    await page.getByRole("link", { name: "Qualité du service" }).first().click();
    await page.getByRole("heading", { level: 1, name: "Qualité du service" }).waitFor();
    const row = page.getByTestId("tableau-qualite").getByRole("row", { name: /Signaler un problème sur la voie publique/ });
    await row.waitFor();
    const cells = await row.locator("td").allInnerTexts();
    assert.equal(cells[0], "1", "one request received");
    assert.notEqual(cells[1], "—", "a first answer was given");
    assert.notEqual(cells[2], "—", "it was resolved");
    assert.match(cells[3], /^100\s?%/);
    assert.match(cells[4], /^4 \(1 avis\)$/);
    assert.ok(await page.locator("canvas[role=img]").isVisible());
    await accessible(page, "the quality page");
    await page.getByLabel("12 derniers mois").check({ force: true });
    await page.getByText("Qualité du service par démarche, 12 derniers mois").waitFor();
    await accessible(page, "the quality page over 12 months");
    const csv = await server.api("GET", "/api/v1/quality?format=csv");
    assert.match(csv.headers.get("content-type"), /^text\/csv/);
    assert.match(csv.text, /signalement-voirie,Signaler un problème sur la voie publique,30j,1,1,/);
  });

  await check("the citizen creates an account, sees « Mes demandes » (empty: the earlier report is not attached), sets preferences, logs out and back in by a magic link", async () => {
    await page.getByRole("link", { name: "Mon compte" }).first().click();
    await page.getByRole("heading", { level: 1, name: "Mon compte" }).waitFor();
    await accessible(page, "the account login");
    await page.getByRole("button", { name: "Créer un compte" }).click();
    await page.getByLabel("Nom et prénom (facultatif)").fill("Jeanne Martin");
    await page.getByLabel("Adresse électronique").fill(EMAIL);
    await page.getByLabel("Mot de passe").fill("Pavés-Trottoir-Lampadaire-2026");
    await accessible(page, "the sign-up form");
    await page.getByRole("button", { name: "Créer mon compte" }).click();
    await page.getByText("Un message de confirmation vient d’être envoyé", { exact: false }).waitFor();
    const verify = await server.mailLink(/https?:\/\/[^\s/]+(\/compte\/verifier\?token=[A-Za-z0-9_-]+)/);
    await page.goto(server.base + verify);
    await page.getByRole("heading", { level: 2, name: "Mes demandes" }).waitFor();
    await page.getByText(`Connecté en tant que`, { exact: false }).waitFor();
    await accessible(page, "the account page");
    // The pothole was reported without an account: the server does not attach
    // it to the new account, so « Mes demandes » says there is none yet…
    await page.getByText("Aucune demande pour l’instant.", { exact: false }).waitFor();
    await frenchTypography(page, "the account page");
    // … until the citizen attaches it, proving it by its reference and email,
    // with the keyboard only. A wrong email gets the tracking page's answer.
    await page.getByLabel("Référence de la demande à rattacher").focus();
    await page.keyboard.type(reference);
    await page.keyboard.press("Tab");
    await page.keyboard.type("quelquun@example.org");
    await page.keyboard.press("Enter");
    await page.getByText("Aucune demande ne correspond à cette référence et à ces coordonnées.").waitFor();
    await accessible(page, "the attach form with its error");
    await page.getByLabel("Adresse électronique ou téléphone donné lors du dépôt").fill(EMAIL);
    await page.getByLabel("Adresse électronique ou téléphone donné lors du dépôt").press("Enter");
    await page.getByText(`La demande ${reference} est rattachée à votre compte.`).waitFor();
    await page.getByTestId(`statut-${reference}`).getByText("Résolu", { exact: true }).waitFor();
    await accessible(page, "« Mes demandes » with the attached request");
    await frenchTypography(page, "« Mes demandes » with the attached request");
    await onAPhone(page, "« Mes demandes »");
    await page.getByLabel("Être prévenu par").selectOption("sms");
    await page.getByLabel("Téléphone (pour les SMS)").fill("06 12 34 56 78");
    await page.getByRole("button", { name: "Enregistrer mes préférences" }).click();
    await page.getByText("Vos préférences sont enregistrées.").waitFor();
    await page.getByRole("button", { name: "Se déconnecter" }).click();
    await page.getByRole("button", { name: "Lien par courriel" }).click();
    await page.getByLabel("Adresse électronique").fill(EMAIL);
    await page.getByRole("button", { name: "Recevoir un lien de connexion" }).click();
    await page.getByText("un lien de connexion vient d’y être envoyé", { exact: false }).waitFor();
    const magic = await server.mailLink(/https?:\/\/[^\s/]+(\/connexion\/lien\?token=[A-Za-z0-9_-]+)/);
    await page.goto(server.base + magic);
    await page.getByRole("heading", { level: 2, name: "Mes préférences de notification" }).waitFor();
    assert.equal(await page.getByLabel("Être prévenu par").inputValue(), "sms");
  });

  let lamp = "";
  let duplicate = "";
  let api = "";
  const AGENT2 = "ines.voirie@mairie-exemple.fr";
  await check("a signed-in citizen files a request; the town hall adds a phone call and a duplicate arrives", async () => {
    lamp = await page.evaluate(async () => {
      const s = await (await fetch("/api/v1/auth/session")).json();
      const r = await fetch("/api/v1/requests", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf_token },
        body: JSON.stringify({ service: "signalement-voirie", title: "Lampadaire éteint rue des Lilas", description: "Le lampadaire du 8 ne s’allume plus.", channel: "web" }),
      });
      return (await r.json()).reference;
    });
    assert.match(lamp, /^GU-/);
    api = await server.apiKey();
    const call = await server.api("POST", `/api/v1/requests/${lamp}/events`, { kind: "message_in", channel: "phone", body: "Appel de Jeanne Martin, le lampadaire grésille aussi." }, api);
    assert.equal(call.status, 201, call.text);
    const dup = await server.api(
      "POST",
      "/api/v1/requests",
      { service: "signalement-voirie", title: "Lampadaire rue des Lilas", description: "Signalé par un voisin.", channel: "phone", contact: { name: "Un voisin", phone: "06 11 22 33 44" } },
      api,
    );
    assert.equal(dup.status, 201, dup.text);
    duplicate = dup.json.reference;
  });

  await check("a second agent filters the counts, merges the duplicate, links the requests, sees the citizen's other requests and assigns with the picker", async () => {
    await server.createAgent({ name: "Inès Voirie", email: AGENT2, password: AGENT_PASSWORD, team: "voirie:agent" });
    agent = await newPage(browser, server.base);
    const a = agent.page;
    current = a;
    await a.goto(server.base + "/agents");
    await a.getByLabel("Adresse électronique").fill(AGENT2);
    await a.getByLabel("Mot de passe").fill(AGENT_PASSWORD);
    await a.getByRole("button", { name: "Se connecter" }).click();
    await a.getByRole("heading", { level: 1, name: "Boîte de réception" }).waitFor();
    // The sidebar counts follow the channel filter: the pothole and the lamp are web, the duplicate phone.
    await a.getByRole("button", { name: /^Toutes\s:\s3$/ }).waitFor();
    await a.getByLabel("Canal").selectOption("phone");
    await a.getByRole("button", { name: /^Toutes\s:\s1$/ }).waitFor();
    await a.getByTestId("boite").getByRole("row", { name: new RegExp(reference) }).waitFor({ state: "detached" });
    assert.equal(await a.getByTestId("boite").getByRole("row").count(), 2, "a header and the duplicate");
    await accessible(a, "the inbox filtered by channel");
    await frenchTypography(a, "the inbox");
    // The duplicate is merged into the lamp request.
    await a.getByRole("link", { name: duplicate }).click();
    await a.getByRole("heading", { level: 1, name: `Demande ${duplicate}` }).waitFor();
    await a.getByText("Demande faite sans compte", { exact: false }).waitFor();
    await a.getByLabel("Référence de l’autre demande").fill(lamp);
    await a.getByRole("button", { name: "Fusionner cette demande (doublon) dans l’autre" }).click();
    await a.getByRole("button", { name: "Confirmer la fusion de cette demande dans l’autre" }).click();
    await a.getByText("Cette demande est fusionnée dans l’autre", { exact: false }).waitFor();
    await a.getByTestId("demandes-liees").getByText(/Fusionnée dans/).waitFor();
    await a.getByTestId("demandes-liees").getByRole("link", { name: lamp }).click();
    await a.getByRole("heading", { level: 1, name: `Demande ${lamp}` }).waitFor();
    // The citizen's other request (the pothole, attached to her account) is listed.
    await a.getByTestId("autres-demandes").getByRole("link", { name: reference }).waitFor();
    assert.match(await a.getByTestId("autres-demandes").innerText(), /Résolu/);
    // Linked to the pothole: both links shown, with French status labels.
    await a.getByLabel("Référence de l’autre demande").fill(reference);
    await a.getByRole("button", { name: "Lier les deux demandes" }).click();
    await a.getByText("Les deux demandes sont liées.").waitFor();
    const links = await a.getByTestId("demandes-liees").innerText();
    assert.match(links, new RegExp(`Doublon fusionné ici\\s:\\s${duplicate}`));
    assert.match(links, new RegExp(`Liée à\\s:\\s${reference}[\\s\\S]*Résolu`));
    // The timeline holds the web request and the phone call.
    const history = await a.getByTestId("historique-agent").innerText();
    assert.match(history, /Le lampadaire du 8/);
    assert.match(history, /Téléphone[\s\S]*grésille/);
    // Assignment by name, from the team's agents.
    const options = await a.getByLabel("Agent", { exact: true }).locator("option").allInnerTexts();
    assert.ok(options.includes("Paul Voirie") && options.includes("Inès Voirie"), options.join(", "));
    await a.getByLabel("Agent", { exact: true }).selectOption({ label: "Inès Voirie" });
    await a.getByRole("button", { name: "Affecter", exact: true }).click();
    await a.getByText("L’affectation est enregistrée.").waitFor();
    await a.getByTestId("agent-affecte").getByText("Inès Voirie").waitFor();
    await a.getByLabel("Canal de la réponse").selectOption("email");
    await a.getByLabel("Message au citoyen").fill("Bonjour, un électricien passe jeudi matin.");
    await a.getByRole("button", { name: "Envoyer la réponse" }).click();
    await a.getByText("La réponse est enregistrée et part vers le citoyen.").waitFor();
    await accessible(a, "the request page with links and the citizen's other requests");
    await frenchTypography(a, "the agent's request page");
    await onAPhone(a, "the agent's request page");
  });

  await check("in « Mes demandes » the citizen sees status, deadline and the whole timeline, replies and adds a document", async () => {
    current = page;
    await page.goto(server.base + "/compte");
    await page.getByRole("button", { name: `Ouvrir la demande ${lamp}` }).click();
    await page.getByRole("heading", { level: 2, name: `Demande ${lamp}` }).waitFor();
    assert.match((await page.getByTestId("statut").textContent()).trim(), /^(Signalement reçu|Pris en compte)$/, "the status's French label");
    const view = await page.getByTestId("ma-demande").innerText();
    assert.match(view, /au plus tard le \d{1,2} \S+ \d{4}/);
    const history = await page.getByTestId("historique").innerText();
    assert.match(history, /Le lampadaire du 8 ne s’allume plus/);
    assert.match(history, /grésille aussi/);
    assert.match(history, /Message de la mairie[\s\S]*un électricien passe jeudi matin/);
    assert.doesNotMatch(history, /Note interne/, "no internal note reaches the citizen");
    await accessible(page, "a request in « Mes demandes »");
    await frenchTypography(page, "a request in « Mes demandes »");
    await onAPhone(page, "a request in « Mes demandes »");
    await page.getByLabel("Votre message").fill("Merci, je serai là jeudi.");
    await page.locator("input[type=file]").first().setInputFiles({ name: "photo-lampadaire.png", mimeType: "image/png", buffer: PNG });
    await page.getByText(/Fichier envoyé.*photo-lampadaire\.png/).waitFor();
    await page.getByRole("button", { name: "Envoyer", exact: true }).click();
    await page.getByText("Votre message a été ajouté à l’historique de la demande.").waitFor();
    const after = await page.getByTestId("historique").innerText();
    assert.match(after, /Merci, je serai là jeudi\./);
    assert.match(after, /photo-lampadaire\.png/);
    await accessible(page, "the request after the citizen's reply");
  });

  await check("once the request is resolved, the citizen rates it from « Mes demandes », once", async () => {
    const a = agent.page;
    current = a;
    await a.reload();
    await a.getByLabel("Nouveau statut").selectOption({ label: "Marquer comme résolu" });
    await a.getByLabel(/Commentaire au citoyen/).fill("Le lampadaire est réparé.");
    await a.getByRole("button", { name: "Appliquer" }).click();
    await a.getByText("Le statut de la demande a changé.").waitFor();
    await a.getByTestId("statut-agent").getByText("Résolu", { exact: true }).waitFor();
    await agent.context.close();
    current = page;
    await page.getByRole("button", { name: "Revenir à mes demandes" }).click();
    await page.getByTestId(`statut-${lamp}`).getByText("Résolu").waitFor();
    await page.getByRole("button", { name: `Ouvrir la demande ${lamp}` }).click();
    await page.getByRole("heading", { level: 3, name: "Votre avis sur la réponse" }).waitFor();
    await accessible(page, "the rating form in « Mes demandes »");
    await page.getByLabel("5 — Très satisfait").check({ force: true });
    await page.getByLabel("Commentaire (facultatif)").fill("Réparé en deux jours !");
    await page.getByRole("button", { name: "Donner mon avis" }).click();
    await page.getByText("Merci pour votre avis").waitFor();
    assert.equal(await page.getByRole("heading", { name: "Votre avis sur la réponse" }).count(), 0);
    await accessible(page, "the rated request in « Mes demandes »");
    await frenchTypography(page, "the rated request in « Mes demandes »");
    const again = await page.evaluate(async (ref) => {
      const s = await (await fetch("/api/v1/auth/session")).json();
      const r = await fetch("/api/v1/track/rating", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf_token },
        body: JSON.stringify({ reference: ref, score: 1 }),
      });
      return r.status;
    }, lamp);
    assert.equal(again, 409, "a request is rated once");
    await page.getByRole("button", { name: "Revenir à mes demandes" }).click();
    await page.getByRole("button", { name: "Se déconnecter" }).click();
    await page.getByRole("button", { name: "Mot de passe" }).waitFor();
  });

  await check("a citizen signs in with the FranceConnect button through the real OpenID provider", async () => {
    // A browser of its own: the provider lives on another port of 127.0.0.1.
    const fc = await newPage(browser, server.base);
    current = fc.page;
    const p = fc.page;
    // A refused login comes back as ?oidc_error=… and is shown as an alert.
    await p.goto(server.base + "/compte?oidc_error=annulee");
    await p.getByRole("heading", { level: 1, name: "Mon compte" }).waitFor();
    assert.match(await p.locator(".fr-alert--error").innerText(), /FranceConnect a été annulée/);
    const button = p.getByRole("link", { name: /S’identifier avec\s*FranceConnect/ });
    await button.waitFor();
    assert.equal(await button.getAttribute("href"), "/api/v1/auth/oidc/start");
    await accessible(p, "the account page with the FranceConnect button and an error");
    await button.click();
    // /start → the provider (which signs Léa Martin in) → /callback → /compte, signed in.
    await p.waitForURL(server.base + "/compte", { timeout: 30000 });
    await p.getByText("Connecté en tant que", { exact: false }).waitFor();
    assert.match(await p.locator("main").innerText(), /Connecté en tant que Léa Martin \(lea@example\.org\)/);
    const session = await p.evaluate(async () => (await fetch("/api/v1/auth/session")).json());
    assert.equal(session.kind, "citizen");
    await accessible(p, "the account page after the FranceConnect login");
    await fc.context.close();
  });

  await check("an agent records a phone call for a citizen found by phone, then a counter visit on the same request, by keyboard", async () => {
    await server.createAgent({ name: "Léa Accueil", email: COUNTER_AGENT, password: AGENT_PASSWORD, team: "accueil:agent" });
    const known = await server.api("POST", "/api/v1/citizens", { name: "Hélène Lefèvre", email: "helene.lefevre@example.org", phone: "06 11 22 33 44" }, await server.apiKey());
    assert.equal(known.status, 201, known.text);
    agent = await newPage(browser, server.base);
    const a = agent.page;
    current = a;
    await a.goto(server.base + "/agents");
    await a.getByLabel("Adresse électronique").fill(COUNTER_AGENT);
    await a.getByLabel("Mot de passe").fill(AGENT_PASSWORD);
    await a.getByRole("button", { name: "Se connecter" }).click();
    await a.getByRole("heading", { level: 1, name: "Boîte de réception" }).waitFor();
    await a.getByRole("link", { name: "Appel ou visite" }).click();
    await a.getByRole("heading", { level: 1, name: "Enregistrer un appel ou une visite" }).waitFor();
    await accessible(a, "the call or visit form");
    // Keyboard only: the lookup runs on Enter, the citizen is chosen with Enter.
    await a.getByLabel("Nom, courriel ou téléphone").focus();
    await a.keyboard.type("06.11.22.33.44");
    await a.keyboard.press("Enter");
    await a.getByText("1 citoyen trouvé.").waitFor();
    await accessible(a, "the citizen lookup results");
    await a.getByRole("button", { name: /^Choisir Hélène Lefèvre/ }).focus();
    await a.keyboard.press("Enter");
    await a.getByTestId("citoyen-choisi").getByText("Hélène Lefèvre", { exact: false }).waitFor();
    await a.getByLabel("Service").selectOption({ label: "Poser une question à la mairie" });
    await a.getByLabel("Ce que la personne a dit").fill("Demande les horaires d’ouverture de la déchèterie le samedi.");
    await a.getByLabel("Ce que la personne a dit").press("Tab");
    await a.keyboard.press("Enter");
    const heading = a.getByRole("heading", { level: 1, name: /^Demande GU-/ });
    await heading.waitFor();
    const ref = (await heading.innerText()).replace("Demande ", "").trim();
    await a.getByText("La demande est créée", { exact: false }).waitFor();
    const timeline = await a.getByTestId("historique-agent").innerText();
    assert.match(timeline, /Message reçu — .*Téléphone[\s\S]*horaires d’ouverture de la déchèterie/);
    assert.match(timeline, /agent:\d+/, "the agent who recorded the call is on the timeline");
    assert.match(timeline, /Réponse envoyée — .*Courriel/, "the acknowledgement goes out by email, the citizen's preference");
    await accessible(a, "the request recorded from a call");
    // The same citizen comes to the counter about it.
    await a.getByRole("link", { name: "Appel ou visite" }).click();
    await a.getByLabel("Visite à l’accueil").check({ force: true });
    await a.getByLabel("Nom, courriel ou téléphone").fill("lefevre");
    await a.getByRole("button", { name: "Chercher le citoyen" }).click();
    await a.getByRole("button", { name: /^Choisir Hélène Lefèvre/ }).click();
    await a.getByLabel("Demande existante").check({ force: true });
    await a.getByLabel("Référence de la demande").fill(ref);
    await a.getByLabel("Ce que la personne a dit").fill("Est passée confirmer sa question.");
    await accessible(a, "the visit form on an existing request");
    await a.getByRole("button", { name: "Enregistrer", exact: true }).click();
    await a.getByText("L’échange est ajouté à la demande.").waitFor();
    assert.match(await a.getByTestId("historique-agent").innerText(), /Message reçu — .*Accueil[\s\S]*Est passée confirmer sa question/);
  });

  await check("an agent creates a citizen's record, then a duplicate is caught and the existing record chosen", async () => {
    const a = agent.page;
    await a.getByRole("link", { name: "Appel ou visite" }).click();
    await a.getByRole("button", { name: "Créer une fiche" }).click();
    await a.getByLabel("Nom et prénom").fill("Marc Girard");
    await a.getByLabel("Téléphone").fill("0611223344");
    await accessible(a, "the new citizen form");
    await a.getByRole("button", { name: "Enregistrer la fiche" }).click();
    await a.getByText("Une fiche existe déjà pour ces coordonnées", { exact: false }).waitFor();
    await a.getByTestId("citoyen-choisi").getByText("Hélène Lefèvre", { exact: false }).waitFor();
    await a.getByRole("button", { name: "Changer de citoyen" }).click();
    await a.getByRole("button", { name: "Créer une fiche" }).click();
    await a.getByLabel("Nom et prénom").fill("Marc Girard");
    await a.getByLabel("Téléphone").fill("12");
    await a.getByRole("button", { name: "Enregistrer la fiche" }).click();
    await a.getByText("Le numéro de téléphone n’est pas valide", { exact: false }).first().waitFor();
    await accessible(a, "the new citizen form with an error");
    await a.getByLabel("Téléphone").fill("07 98 76 54 32");
    await a.getByRole("button", { name: "Enregistrer la fiche" }).click();
    await a.getByTestId("citoyen-choisi").getByText("Marc Girard", { exact: false }).waitFor();
  });

  await check("an agent uploads a postal letter's scan with progress; the request shows it and its extracted text, which search finds", async () => {
    const a = agent.page;
    await a.getByRole("link", { name: "Courrier postal" }).click();
    await a.getByRole("heading", { level: 1, name: "Courrier postal" }).waitFor();
    await accessible(a, "the postal mail form");
    const png = letterScan(["Monsieur le Maire,", "Le lampadaire de la rue des Glycines", "est en panne depuis trois semaines."]);
    await a.getByLabel("Courrier numérisé").setInputFiles({ name: "lettre.png", mimeType: "image/png", buffer: png });
    await a.getByText("Fichier envoyé", { exact: false }).waitFor();
    await a.getByLabel("Nom, courriel ou téléphone").fill("helene.lefevre@example.org");
    await a.getByRole("button", { name: "Chercher le citoyen" }).click();
    await a.getByRole("button", { name: /^Choisir Hélène Lefèvre/ }).click();
    await a.getByLabel("Service").selectOption({ label: "Poser une question à la mairie" });
    await a.getByLabel("Titre (facultatif)").fill("Lettre de Mme Lefèvre");
    await accessible(a, "the postal mail form, filled in");
    await a.getByRole("button", { name: "Enregistrer le courrier" }).click();
    await a.getByText("Le courrier est enregistré", { exact: false }).waitFor();
    const scans = a.getByTestId("courriers");
    await scans.getByRole("img", { name: /Courrier numérisé 1/ }).waitFor();
    await scans.getByTestId("texte-extrait").waitFor({ timeout: 60000 });
    assert.match(await scans.getByTestId("texte-extrait").innerText(), /lampadaire/);
    await accessible(a, "the request with its scan and text");
    await a.getByRole("link", { name: "Rechercher" }).click();
    await a.getByLabel("Mots cherchés").fill("glycines");
    await a.getByRole("button", { name: "Rechercher", exact: true }).click();
    await a.getByTestId("resultats").getByRole("link", { name: /Lettre de Mme Lefèvre/ }).waitFor();
    await agent.context.close();
    current = page;
  });

  // What Guichet sends (issue #5): a platform administrator's back-office.
  let sendings = null;
  let smsRef = "";
  let letterRef = "";
  const waitOutbox = async (ref, state) => {
    const key = await server.apiKey();
    const deadline = Date.now() + 20000;
    for (;;) {
      const r = await server.api("GET", `/api/v1/outbox?request=${ref}&state=${state}`, undefined, key);
      if (r.status === 200 && r.json.items.length > 0) return r.json.items[0];
      if (Date.now() > deadline) throw new Error(`no ${state} message for ${ref}: ${r.text}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
  };

  await check("an SMS the gateway cannot take ends in « Envois », and « Relancer » queues it again", async () => {
    const key = await server.apiKey();
    // A citizen reachable by SMS only: the gateway is down, so the acknowledgement dies.
    const sms = await server.api(
      "POST",
      "/api/v1/requests",
      { service: "question-generale", channel: "counter", description: "Je n’ai qu’un téléphone portable.", contact: { name: "Marc Petit", phone: "06 11 22 33 44" } },
      key,
    );
    assert.equal(sms.status, 201, sms.text);
    smsRef = sms.json.reference;
    // A citizen reachable by post only: the acknowledgement is a letter to
    // print, to their postal address (not to the place the request is about).
    const josette = await server.api("POST", "/api/v1/citizens", { name: "Josette Lambert", postal_address: "12, rue de la République, 69002 Lyon" }, key);
    assert.equal(josette.status, 201, josette.text);
    const letter = await server.api(
      "POST",
      "/api/v1/requests",
      {
        service: "question-generale",
        channel: "counter",
        description: "Je n’ai ni courriel ni téléphone.",
        citizen_id: josette.json.id,
        location: { lat: 45.76, lon: 4.83, address: "Place Bellecour, 69002 Lyon" },
      },
      key,
    );
    assert.equal(letter.status, 201, letter.text);
    letterRef = letter.json.reference;
    const dead = await waitOutbox(smsRef, "dead");
    await waitOutbox(letterRef, "sent");

    const password = "Envois-Courriers-Modeles-2026!";
    const out = await server.cli(
      ["agent", "create", "--name", "Camille Admin", "--email", "camille.admin@mairie-exemple.fr", "--team", "accueil:supervisor", "--admin"],
      password + "\n",
    );
    const secret = decodeURIComponent(out.match(/secret=([A-Z2-7]+)/)?.[1] ?? "");
    assert.ok(secret, "the administrator gets a TOTP secret");
    sendings = await newPage(browser, server.base);
    const a = sendings.page;
    current = a;
    await a.goto(server.base + "/agents");
    await a.getByLabel("Adresse électronique").fill("camille.admin@mairie-exemple.fr");
    await a.getByLabel("Mot de passe").fill(password);
    await a.getByLabel(/Code de vérification/).fill(new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate());
    await a.getByRole("button", { name: "Se connecter" }).click();
    await a.getByRole("heading", { level: 1, name: "Boîte de réception" }).waitFor();

    await a.getByRole("navigation", { name: "Espace agents" }).getByRole("link", { name: "Envois" }).click();
    await a.getByRole("heading", { level: 1, name: "Envois" }).waitFor();
    const row = a.getByTestId(`envoi-${dead.id}`);
    await row.waitFor();
    await row.getByRole("link", { name: smsRef }).waitFor();
    const text = await row.innerText();
    assert.match(text, /SMS/);
    assert.match(text, /\+33611223344|06 ?11/);
    assert.match(text, /échec définitif/i);
    assert.match(text, /passerelle SMS\s:\sserveur injoignable/, "the last error, in French");
    await accessible(a, "« Envois »");
    await frenchTypography(a, "« Envois »");
    // Filtered by request: only this request's messages.
    await a.getByLabel("Référence de la demande").fill(letterRef);
    await a.getByRole("button", { name: "Filtrer" }).click();
    await a.getByTestId("envois-vide").waitFor();
    await a.getByLabel("Référence de la demande").fill(smsRef);
    await a.getByRole("button", { name: "Filtrer" }).click();
    await row.waitFor();
    await row.getByRole("button", { name: "Relancer" }).click();
    await a.getByText(`Le message nᵒ ${dead.id} repart`, { exact: false }).waitFor();
    assert.match(await row.innerText(), /en attente d’envoi/i);
    assert.equal(await row.getByRole("button", { name: "Relancer" }).count(), 0);
    // The server agrees: the row left the dead letters (it may have died again since).
    const timeline = await server.api("GET", `/api/v1/requests/${smsRef}/events`, undefined, key);
    assert.ok(
      timeline.json.items.some((e) => e.kind === "delivery" && e.data.retry === true),
      "the retry is on the request's timeline",
    );
    await accessible(a, "« Envois » after a retry");
    await onAPhone(a, "« Envois »");
  });

  await check("a letter waits in « Courriers à imprimer », its PDF downloads, and « Marquer comme imprimé » moves it", async () => {
    const a = sendings.page;
    await a.getByRole("link", { name: "Courriers à imprimer" }).click();
    await a.getByRole("heading", { level: 1, name: "Courriers à imprimer" }).waitFor();
    const card = a.getByTestId("file-impression").getByRole("listitem").filter({ hasText: letterRef });
    await card.getByRole("link", { name: letterRef }).waitFor();
    const address = await card.locator("address").innerText();
    assert.match(address, /Josette Lambert/);
    assert.match(address, /12, rue de la République/);
    assert.doesNotMatch(address, /Bellecour/);
    await accessible(a, "« Courriers à imprimer »");
    await frenchTypography(a, "« Courriers à imprimer »");
    const [download] = await Promise.all([a.waitForEvent("download"), card.getByRole("link", { name: "Télécharger le PDF" }).click()]);
    const pdf = readFileSync(await download.path());
    assert.equal(pdf.subarray(0, 5).toString("latin1"), "%PDF-");
    await card.getByRole("button", { name: "Marquer comme imprimé" }).click();
    await a.getByText("est marqué comme imprimé", { exact: false }).waitFor();
    assert.equal(await a.getByTestId("file-impression").getByText(letterRef).count(), 0);
    await a.getByLabel("Courriers affichés").selectOption("true");
    const printed = a.getByTestId("file-impression").getByRole("listitem").filter({ hasText: letterRef });
    await printed.waitFor();
    assert.match(await printed.innerText(), /imprimé le/);
    assert.equal(await printed.getByRole("button", { name: "Marquer comme imprimé" }).count(), 0);
    await accessible(a, "the printed letters");
    await onAPhone(a, "« Courriers à imprimer »");
  });

  await check("the letter stays on the request's timeline, printed, with its PDF", async () => {
    const a = sendings.page;
    await a.getByTestId("file-impression").getByRole("link", { name: letterRef }).click();
    await a.getByRole("heading", { level: 1, name: `Demande ${letterRef}` }).waitFor();
    const history = a.getByTestId("historique-agent");
    await history.getByText("Courrier imprimé pour l’envoi postal.").waitFor();
    assert.match(await history.innerText(), /courrier imprimé/, "the outbound message's delivery status");
    const [download] = await Promise.all([a.waitForEvent("download"), history.getByRole("link", { name: "Ouvrir le courrier envoyé (PDF)" }).click()]);
    const pdf = readFileSync(await download.path());
    assert.equal(pdf.subarray(0, 5).toString("latin1"), "%PDF-");
    await accessible(a, "the request with its letter");
  });

  await check("an administrator edits a template: an unknown variable is refused at the field, a valid text previews and saves", async () => {
    const a = sendings.page;
    await a.getByRole("link", { name: "Modèles" }).click();
    await a.getByRole("heading", { level: 1, name: "Modèles de messages" }).waitFor();
    await accessible(a, "« Modèles »");
    await frenchTypography(a, "« Modèles »");
    await a.getByRole("link", { name: "Réponse d’un agent — SMS" }).click();
    await a.getByRole("heading", { level: 1, name: "Réponse d’un agent — SMS" }).waitFor();
    assert.match(await a.getByTestId("variables").innerText(), /\{\{ reference \}\}/);
    assert.equal(await a.getByLabel("Objet").count(), 0, "an SMS has no subject");
    await accessible(a, "a template");
    const body = a.getByLabel("Texte du message");
    await body.fill("Bonjour {{ inconnue }}");
    await a.getByRole("button", { name: "Enregistrer" }).click();
    await a.locator("[aria-live=assertive] .fr-alert--error").waitFor();
    const described = await body.getAttribute("aria-describedby");
    assert.ok(described, "the body is described by its error");
    assert.match(await a.locator(`[id="${described.split(" ").pop()}"]`).innerText(), /inconnue/);
    assert.equal(await a.locator(".fr-input-group--error").count(), 1);
    await accessible(a, "a template with a field error");
    await body.fill("Mairie : votre demande {{ reference }} a une réponse. {{ message }} Détails : {{ portal_link }}");
    await a.getByRole("button", { name: "Aperçu" }).click();
    const sms = a.getByTestId("apercu-sms");
    await sms.waitFor();
    assert.match(await sms.innerText(), /Encodage (GSM-7|UCS-2) — \d+ (septets|unités) — \d+ segments? facturés?/);
    assert.doesNotMatch(await a.getByTestId("apercu").innerText(), /\{\{/, "the preview fills the variables");
    await a.getByRole("button", { name: "Enregistrer" }).click();
    await a.getByText("Le modèle est enregistré", { exact: false }).waitFor();
    assert.match(await a.locator("main").innerText(), /Texte personnalisé/);
    const key = await server.apiKey();
    assert.match((await server.api("GET", "/api/v1/templates/reply.sms", undefined, key)).json.body, /Détails/);
    await accessible(a, "a saved template with its preview");
    await a.getByRole("button", { name: "Revenir au texte livré" }).click();
    await a.getByText("Le texte livré avec Guichet s’applique de nouveau.").waitFor();
    const reset = await server.api("GET", "/api/v1/templates/reply.sms", undefined, key);
    assert.equal(reset.json.customised, false);
    assert.equal(reset.json.body, reset.json.default.body);
    await sendings.context.close();
    current = page;
  });

  await check("no request left for another host and the CSP blocked nothing", async () => {
    assert.deepEqual(offsite, []);
    assert.deepEqual(cspErrors, []);
  });

  await check("keyboard: the first Tab reaches the skip links, which lead to the content", async () => {
    await page.goto(server.base + "/");
    await page.getByRole("heading", { level: 1 }).waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), "Contenu");
    await page.keyboard.press("Enter");
    assert.match(page.url(), /#contenu$/);
  });

  await check("on a 360 px phone the pages fit the screen and stay accessible", async () => {
    const phone = await newPage(browser, server.base, { width: 360, height: 740 });
    for (const path of ["/", "/demarches/signalement-voirie", "/suivi", "/qualite", "/agents", "/compte"]) {
      await phone.page.goto(server.base + path);
      await phone.page.getByRole("heading", { level: 1 }).waitFor();
      await phone.page.waitForLoadState("networkidle");
      const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `${path} is ${width} px wide`);
      await accessible(phone.page, `${path} at 360 px`);
    }
    await phone.context.close();
  });

  await check("without a reachable tile server the map gives way to the address field", async () => {
    const offline = await newPage(browser, server.base, { tiles: false });
    await offline.page.goto(server.base + "/demarches/signalement-voirie");
    await offline.page.getByText("La carte n’est pas disponible", { exact: false }).waitFor();
    await offline.page.getByLabel("Adresse ou repère").waitFor();
    await accessible(offline.page, "the form without a map");
    await offline.context.close();
  });
} catch {
  failed = true;
} finally {
  await browser.close();
  await server.stop();
  if (failed) console.log(`# server log:\n${server.log.join("").split("\n").slice(-30).join("\n")}`);
  console.log(failed ? `${step - 1} passed, 1 failed` : `${step} passed, 0 failed`);
  process.exit(failed ? 1 : 0);
}
