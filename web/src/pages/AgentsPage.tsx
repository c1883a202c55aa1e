// The agents' back-office (/agents): login with the second factor, the
// unified inbox (filters, counts, cursor pagination, keyboard navigation),
// a request (timeline of every channel, reply, notes, transitions,
// assignment to an agent of the team, merge and links, the citizen's other
// requests) and full-text search. Statuses show their French labels. Everything goes through the API v1 with
// the session cookie and its CSRF token.
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, Route, Routes, useLocation, useNavigate, useParams } from "react-router-dom";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import {
  agentApi,
  api,
  ApiError,
  problemMessage,
  setCsrfToken,
  type ApiEvent,
  type CannedResponse,
  type Channel,
  type InboxCounts,
  type PostalScan,
  type Request,
  type SearchHit,
  type Session,
  type Team,
  type TeamAgent,
  type Transition,
} from "../api/client";
import { formatDateTime, formatLastDay, frenchTypography } from "../format";
import { useStatusLabels } from "../statusLabels";
import { useTitle } from "../useTitle";
import { ContactView, PostalView } from "./CounterViews";
import { LettersView, OutboxView, TemplatesView, TemplateView } from "./SendingsViews";

const channelLabel: Record<Channel, string> = {
  web: "Site web",
  api: "Application partenaire",
  email: "Courriel",
  sms: "SMS",
  phone: "Téléphone",
  counter: "Accueil",
  postal: "Courrier",
  open311: "Open311",
};
const channelIcon: Record<Channel, string> = {
  web: "fr-icon-global-line",
  api: "fr-icon-code-s-slash-line",
  email: "fr-icon-mail-line",
  sms: "fr-icon-chat-3-line",
  phone: "fr-icon-phone-line",
  counter: "fr-icon-user-line",
  postal: "fr-icon-article-line",
  open311: "fr-icon-map-pin-2-line",
};
const categoryLabel: Record<string, string> = {
  new: "Nouvelles",
  open: "En cours",
  waiting_citizen: "En attente du citoyen",
  resolved: "Résolues",
  rejected: "Refusées",
  closed: "Clôturées",
};
const kindLabel: Record<string, string> = {
  message_in: "Message reçu",
  message_out: "Réponse envoyée",
  note: "Note interne",
  status_change: "Changement de statut",
  assignment: "Affectation",
  attachment: "Pièce jointe",
  delivery: "Remise",
};
const deliveryLabel: Record<string, string> = {
  queued: "en attente d’envoi",
  sent: "envoyé",
  printed: "courrier imprimé",
  delivered: "remis",
  failed: "échec de l’envoi",
};
const replyChannels: Channel[] = ["email", "sms", "postal"];

const messageOf = problemMessage;

const isOverdue = (r: Request) =>
  !!r.due_at && !["resolved", "rejected", "closed"].includes(r.category) && new Date(r.due_at).getTime() < Date.now();

function ChannelIcon({ channel }: { channel: Channel }) {
  return (
    <span className="guichet-channel">
      <span className={channelIcon[channel]} aria-hidden="true" /> {channelLabel[channel]}
    </span>
  );
}

// Only <mark> survives from a search snippet: everything else is escaped.
function highlighted(snippet: string) {
  const escaped = snippet.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return { __html: escaped.replace(/&lt;mark&gt;/g, "<mark>").replace(/&lt;\/mark&gt;/g, "</mark>") };
}

export function AgentsPage() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  useEffect(() => {
    agentApi
      .session()
      .then((s) => {
        setCsrfToken(s.csrf_token);
        setSession(s.kind === "agent" ? s : null);
      })
      .catch(() => setSession(null));
  }, []);
  if (session === undefined) {
    return (
      <>
        <h1>Espace agents</h1>
        <p>Chargement…</p>
      </>
    );
  }
  if (!session) return <LoginForm onLogin={setSession} />;
  return (
    <>
      <nav aria-label="Espace agents" className="fr-mb-3w guichet-agent-nav">
        <ul className="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm fr-btns-group--icon-left">
          <li>
            <Link className="fr-btn fr-btn--tertiary" to="/agents">
              Boîte de réception
            </Link>
          </li>
          <li>
            <Link className="fr-btn fr-btn--tertiary" to="/agents/recherche">
              Rechercher
            </Link>
          </li>
          <li>
            <Link className="fr-btn fr-btn--tertiary" to="/agents/appel">
              Appel ou visite
            </Link>
          </li>
          <li>
            <Link className="fr-btn fr-btn--tertiary" to="/agents/courrier">
              Courrier postal
            </Link>
          </li>
          <li>
            <Link className="fr-btn fr-btn--tertiary" to="/agents/envois">
              Envois
            </Link>
          </li>
          <li>
            <Link className="fr-btn fr-btn--tertiary" to="/agents/impression">
              Courriers à imprimer
            </Link>
          </li>
          {session.platform_admin && (
            <li>
              <Link className="fr-btn fr-btn--tertiary" to="/agents/modeles">
                Modèles
              </Link>
            </li>
          )}
          <li>
            <Button
              priority="tertiary"
              iconId="fr-icon-logout-box-r-line"
              onClick={() => {
                agentApi.logout().finally(() => {
                  setCsrfToken(undefined);
                  setSession(null);
                });
              }}
            >
              Se déconnecter
            </Button>
          </li>
        </ul>
      </nav>
      <Routes>
        <Route index element={<InboxView session={session} />} />
        <Route path="recherche" element={<SearchView />} />
        <Route path="appel" element={<ContactView />} />
        <Route path="courrier" element={<PostalView />} />
        <Route path="demandes/:reference" element={<RequestView />} />
        <Route path="envois" element={<OutboxView />} />
        <Route path="impression" element={<LettersView />} />
        <Route path="modeles" element={<TemplatesView />} />
        <Route path="modeles/:id" element={<TemplateView canEdit={session.platform_admin} />} />
      </Routes>
    </>
  );
}

function LoginForm({ onLogin }: { onLogin: (s: Session) => void }) {
  useTitle("Connexion des agents");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [totp, setTotp] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  // The secret to enrol, when the second factor was reset by an administrator.
  const [enrol, setEnrol] = useState<string>();

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setErrors({});
    setProblem(undefined);
    setBusy(true);
    try {
      const s = await agentApi.login({ email: email.trim(), password, ...(totp.trim() ? { totp: totp.trim() } : {}) });
      if ("otpauth_uri" in s) {
        setEnrol(s.otpauth_uri);
        setTotp("");
        return;
      }
      setCsrfToken(s.csrf_token);
      onLogin(s);
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>Espace agents</h1>
      <p>Connectez-vous avec votre adresse professionnelle, votre mot de passe et, si votre rôle l’exige, le code à six chiffres de votre application d’authentification.</p>
      <div aria-live="assertive">
        {problem && <Alert severity="error" small description={problem} className="fr-mb-3w" />}
        {enrol && (
          <Alert
            severity="info"
            className="fr-mb-3w"
            title="Enregistrez votre nouveau second facteur"
            description={
              <>
                Votre second facteur a été réinitialisé. Ajoutez ce compte dans votre application d’authentification avec la clé{"\u00a0"}:{" "}
                <code data-testid="cle-totp">{new URL(enrol).searchParams.get("secret")}</code>, puis saisissez le code à six chiffres qu’elle affiche.
              </>
            }
          />
        )}
      </div>
      <form onSubmit={submit} noValidate className="fr-col-12 fr-col-md-6">
        <Input
          label="Adresse électronique"
          state={errors.email ? "error" : "default"}
          stateRelatedMessage={errors.email}
          nativeInputProps={{ type: "email", autoComplete: "username", value: email, onChange: (e) => setEmail(e.target.value) }}
        />
        <Input
          label="Mot de passe"
          state={errors.password ? "error" : "default"}
          stateRelatedMessage={errors.password}
          nativeInputProps={{
            type: "password",
            autoComplete: "current-password",
            value: password,
            onChange: (e) => setPassword(e.target.value),
          }}
        />
        <Input
          label="Code de vérification (6 chiffres)"
          hintText="Demandé aux superviseurs et administrateurs, et aux agents enrôlés."
          state={errors.totp ? "error" : "default"}
          stateRelatedMessage={errors.totp}
          nativeInputProps={{
            inputMode: "numeric",
            autoComplete: "one-time-code",
            pattern: "[0-9]{6}",
            maxLength: 6,
            value: totp,
            onChange: (e) => setTotp(e.target.value),
          }}
        />
        <Button type="submit" disabled={busy}>
          Se connecter
        </Button>
      </form>
    </>
  );
}

type Filters = {
  category: string;
  channel: string;
  assignee: string;
  overdue: string;
  team: string;
  service: string;
  q: string;
  from: string;
  to: string;
};
const noFilters: Filters = { category: "", channel: "", assignee: "", overdue: "", team: "", service: "", q: "", from: "", to: "" };
// The filters the sidebar's counts follow (the others are what they count by).
const countedBy = (f: Filters) => ({ team: f.team, channel: f.channel, service: f.service, q: f.q.trim(), from: f.from, to: f.to });

function InboxView({ session }: { session: Session }) {
  useTitle("Boîte de réception");
  const [filters, setFilters] = useState<Filters>(noFilters);
  const [text, setText] = useState("");
  const [teams, setTeams] = useState<Team[]>([]);
  const [services, setServices] = useState<{ id: string; name: string }[]>([]);
  const [cursors, setCursors] = useState<string[]>([""]); // the cursor of each page seen
  const [items, setItems] = useState<Request[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [counts, setCounts] = useState<InboxCounts | null>(null);
  const [problem, setProblem] = useState<string>();
  const list = useRef<HTMLTableSectionElement>(null);
  const navigate = useNavigate();
  const cursor = cursors[cursors.length - 1];

  const countKey = JSON.stringify(countedBy(filters));
  useEffect(() => {
    agentApi.counts(JSON.parse(countKey)).then(setCounts, (e) => setProblem(messageOf(e)));
  }, [countKey]);
  useEffect(() => {
    // The teams the agent works in (every team for a platform administrator).
    agentApi.teams().then(
      (t) => setTeams(t.items.filter((team) => session.platform_admin || session.team_ids.includes(team.id))),
      () => setTeams([]),
    );
    api.services().then(
      (l) => setServices(l.items.map((x) => ({ id: x.id, name: x.name }))),
      () => setServices([]),
    );
  }, [session]);
  const label = useStatusLabels((items ?? []).map((r) => r.service));
  // A sidebar button keeps the counted filters and replaces the counted-by ones.
  const only = (f: Partial<Filters>) => {
    setFilters((cur) => ({ ...noFilters, ...countedBy(cur), q: cur.q, ...f }));
    setCursors([""]);
  };
  useEffect(() => {
    let live = true;
    agentApi
      .inbox({ ...filters, cursor, limit: "25" })
      .then((page) => {
        if (!live) return;
        setItems(page.items);
        setNext(page.next_cursor);
      })
      .catch((e) => live && setProblem(messageOf(e)));
    return () => {
      live = false;
    };
  }, [filters, cursor]);

  const set = (k: keyof Filters) => (v: string) => {
    setFilters((f) => ({ ...f, [k]: v }));
    setCursors([""]);
  };

  // ↑/↓ (or j/k) move between the rows' links; Enter opens one.
  const onKeyDown = useCallback((e: React.KeyboardEvent) => {
    const links = Array.from(list.current?.querySelectorAll<HTMLAnchorElement>("a[data-row]") ?? []);
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    let to = -1;
    if (e.key === "ArrowDown" || e.key === "j") to = Math.min(links.length - 1, at + 1);
    else if (e.key === "ArrowUp" || e.key === "k") to = Math.max(0, at - 1);
    if (to >= 0 && links[to]) {
      e.preventDefault();
      links[to].focus();
    }
  }, []);

  return (
    <>
      <h1>Boîte de réception</h1>
      <div aria-live="assertive">{problem && <Alert severity="error" small description={problem} className="fr-mb-3w" />}</div>
      {counts && (
        <ul className="guichet-counts fr-tags-group" aria-label="Compteurs">
          <li>
            <Button priority="tertiary" size="small" onClick={() => only({})}>
              {`Toutes : ${counts.total}`}
            </Button>
          </li>
          <li>
            <Button priority="tertiary" size="small" onClick={() => only({ assignee: "me" })}>
              {`Affectées à moi : ${counts.mine}`}
            </Button>
          </li>
          <li>
            <Button priority="tertiary" size="small" onClick={() => only({ assignee: "unassigned" })}>
              {`Non affectées : ${counts.unassigned}`}
            </Button>
          </li>
          <li>
            <Button priority="tertiary" size="small" onClick={() => only({ overdue: "true" })}>
              {`En retard : ${counts.overdue}`}
            </Button>
          </li>
          {Object.entries(counts.by_category).map(([c, n]) => (
            <li key={c}>
              <Button priority="tertiary" size="small" onClick={() => only({ category: c })}>
                {`${categoryLabel[c] ?? c} : ${n}`}
              </Button>
            </li>
          ))}
        </ul>
      )}
      <div className="fr-grid-row fr-grid-row--gutters">
        <div className="fr-col-12 fr-col-md-3">
          <Select
            label="Statut"
            nativeSelectProps={{ value: filters.category, onChange: (e) => set("category")(e.target.value) }}
          >
            <option value="">Tous</option>
            {Object.entries(categoryLabel).map(([c, l]) => (
              <option key={c} value={c}>
                {l}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Select label="Canal" nativeSelectProps={{ value: filters.channel, onChange: (e) => set("channel")(e.target.value) }}>
            <option value="">Tous</option>
            {Object.entries(channelLabel).map(([c, l]) => (
              <option key={c} value={c}>
                {l}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Select
            label="Affectation"
            nativeSelectProps={{ value: filters.assignee, onChange: (e) => set("assignee")(e.target.value) }}
          >
            <option value="">Toutes</option>
            <option value="me">À moi</option>
            <option value="unassigned">Non affectées</option>
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Select label="Échéance" nativeSelectProps={{ value: filters.overdue, onChange: (e) => set("overdue")(e.target.value) }}>
            <option value="">Toutes</option>
            <option value="true">En retard</option>
            <option value="false">Dans les temps</option>
          </Select>
        </div>
      </div>
      <div className="fr-grid-row fr-grid-row--gutters">
        <div className="fr-col-12 fr-col-md-3">
          <Select label="Équipe" nativeSelectProps={{ value: filters.team, onChange: (e) => set("team")(e.target.value) }}>
            <option value="">Toutes mes équipes</option>
            {teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-3">
          <Select label="Démarche" nativeSelectProps={{ value: filters.service, onChange: (e) => set("service")(e.target.value) }}>
            <option value="">Toutes</option>
            {services.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-2">
          <Input label="Reçues à partir du" nativeInputProps={{ type: "date", value: filters.from, onChange: (e) => set("from")(e.target.value) }} />
        </div>
        <div className="fr-col-12 fr-col-md-2">
          <Input label="Reçues jusqu’au" nativeInputProps={{ type: "date", value: filters.to, onChange: (e) => set("to")(e.target.value) }} />
        </div>
        <form
          className="fr-col-12 fr-col-md-2"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            set("q")(text.trim());
          }}
        >
          <Input label="Mots cherchés" nativeInputProps={{ type: "search", value: text, onChange: (e) => setText(e.target.value) }} />
          <Button type="submit" size="small" priority="secondary">
            Filtrer
          </Button>
        </form>
      </div>
      <p className="fr-hint-text">Flèches haut et bas pour passer d’une demande à l’autre, Entrée pour l’ouvrir.</p>
      {items && items.length === 0 && <p>Aucune demande ne correspond à ces filtres.</p>}
      {items && items.length > 0 && (
        <div className="fr-table fr-table--no-caption guichet-inbox" data-testid="boite">
          <div className="fr-table__wrapper">
            <div className="fr-table__container">
              <div className="fr-table__content">
                <table>
                  <caption>Demandes</caption>
                  <thead>
                    <tr>
                      <th scope="col">Demande</th>
                      <th scope="col">Canal</th>
                      <th scope="col">Statut</th>
                      <th scope="col">Échéance</th>
                    </tr>
                  </thead>
                  <tbody ref={list} onKeyDown={onKeyDown}>
                    {items.map((r) => (
                      <tr key={r.id}>
                        <td>
                          <Link data-row to={`/agents/demandes/${r.reference}`} onDoubleClick={() => navigate(`/agents/demandes/${r.reference}`)}>
                            {r.reference}
                          </Link>
                          <br />
                          {frenchTypography(r.title)}
                        </td>
                        <td>
                          <ChannelIcon channel={r.channel} />
                        </td>
                        <td>{label(r.service, r.status)}</td>
                        <td>
                          {r.due_at ? formatLastDay(r.due_at) : "—"}
                          {isOverdue(r) && (
                            <>
                              {" "}
                              <Badge severity="error" small>
                                En retard
                              </Badge>
                            </>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          </div>
        </div>
      )}
      <nav aria-label="Pagination de la boîte de réception" className="fr-mt-2w">
        <ul className="fr-btns-group fr-btns-group--inline-sm">
          <li>
            <Button priority="secondary" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Page précédente
            </Button>
          </li>
          <li>
            <Button priority="secondary" disabled={!next} onClick={() => next && setCursors((c) => [...c, next])}>
              Page suivante
            </Button>
          </li>
        </ul>
      </nav>
    </>
  );
}

function SearchView() {
  useTitle("Rechercher une demande");
  const [q, setQ] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [problem, setProblem] = useState<string>();

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setProblem(undefined);
    if (!q.trim()) return;
    try {
      setHits((await agentApi.search(q.trim())).items);
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  return (
    <>
      <h1>Rechercher une demande</h1>
      <form onSubmit={submit} className="fr-col-12 fr-col-md-8">
        <Input label="Mots cherchés" hintText="Référence, titre, description, messages et notes." nativeInputProps={{ type: "search", value: q, onChange: (e) => setQ(e.target.value) }} />
        <Button type="submit">Rechercher</Button>
      </form>
      <div aria-live="polite">
        {problem && <Alert severity="error" small description={problem} className="fr-mt-3w" />}
        {hits && <p className="fr-mt-3w">{hits.length === 0 ? "Aucune demande trouvée." : `${hits.length} demande${hits.length > 1 ? "s" : ""} trouvée${hits.length > 1 ? "s" : ""}.`}</p>}
      </div>
      {hits && hits.length > 0 && (
        <ul className="guichet-hits" data-testid="resultats">
          {hits.map((h) => (
            <li key={h.request.id} className="fr-mb-2w">
              <Link to={`/agents/demandes/${h.request.reference}`}>
                {h.request.reference} — {frenchTypography(h.request.title)}
              </Link>
              <p className="fr-mb-0" dangerouslySetInnerHTML={highlighted(h.snippet)} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function RequestView() {
  const { reference = "" } = useParams();
  useTitle(`Demande ${reference}`);
  const [request, setRequest] = useState<Request | null>(null);
  const [events, setEvents] = useState<ApiEvent[]>([]);
  const [transitions, setTransitions] = useState<Transition[]>([]);
  const [canned, setCanned] = useState<CannedResponse[]>([]);
  const [agents, setAgents] = useState<TeamAgent[]>([]);
  const [teams, setTeams] = useState<Team[]>([]);
  const [linked, setLinked] = useState<{ kind: string; request: Request }[]>([]);
  const [others, setOthers] = useState<Request[] | null>(null);
  const [problem, setProblem] = useState<string>();
  // A screen that sent the agent here may say what it did.
  const arrival = useLocation().state as { notice?: string } | null;
  const [notice, setNotice] = useState<string | undefined>(arrival?.notice);
  const [scans, setScans] = useState<PostalScan[]>([]);
  const label = useStatusLabels([request?.service ?? "", ...linked.map((l) => l.request.service), ...(others ?? []).map((o) => o.service)].filter(Boolean));

  const load = useCallback(async () => {
    const [r, ev, tr, links, sc] = await Promise.all([
      agentApi.request(reference),
      agentApi.events(reference),
      agentApi.transitions(reference),
      agentApi.links(reference),
      agentApi.scans(reference),
    ]);
    setRequest(r);
    setEvents(ev.items);
    setTransitions(tr.items.filter((t) => t.roles.some((role) => role !== "system" && role !== "citizen")));
    setScans(sc.items);
    // The other end of each link, when the agent may see it.
    const ends = await Promise.all(
      links.items.map((l) =>
        agentApi.request(String(l.from === r.id ? l.to : l.from)).then(
          (other) => ({ kind: l.kind === "duplicate" ? (l.from === r.id ? "Fusionnée dans" : "Doublon fusionné ici") : "Liée à", request: other }),
          () => null,
        ),
      ),
    );
    setLinked(ends.filter((x): x is { kind: string; request: Request } => x !== null));
    // The citizen's other requests, as far as the agent's teams go.
    if (r.citizen_id) {
      const page = await agentApi.inbox({ citizen: String(r.citizen_id), limit: "20" });
      setOthers(page.items.filter((o) => o.id !== r.id));
    } else {
      setOthers(null);
    }
    agentApi.teamAgents(r.team).then(
      (a) => setAgents(a.items),
      () => setAgents([]),
    );
  }, [reference]);

  // Scans being read: look again until the text is there.
  const reading = scans.some((s) => s.state === "pending" || s.state === "running");
  useEffect(() => {
    if (!reading) return;
    const t = setTimeout(() => load().catch(() => undefined), 2000);
    return () => clearTimeout(t);
  }, [reading, load, scans]);

  useEffect(() => {
    agentApi.teams().then(
      (t) => setTeams(t.items),
      () => setTeams([]),
    );
  }, []);

  useEffect(() => {
    load().catch((e) => setProblem(messageOf(e)));
    agentApi.canned().then(
      (c) => setCanned(c.items),
      () => setCanned([]),
    );
  }, [load]);

  // Runs one action, then reloads the request and says what happened.
  const act = async (what: () => Promise<unknown>, done: string) => {
    setProblem(undefined);
    setNotice(undefined);
    try {
      await what();
      await load();
      setNotice(done);
      return true;
    } catch (err) {
      setProblem(messageOf(err));
      return false;
    }
  };

  return (
    <>
      <h1>Demande {reference}</h1>
      <div aria-live="assertive">
        {problem && <Alert severity="error" small description={problem} className="fr-mb-3w" />}
        {notice && <Alert severity="success" small description={notice} className="fr-mb-3w" />}
      </div>
      {request && (
        <>
          <h2>{frenchTypography(request.title)}</h2>
          <ul className="guichet-facts">
            <li>
              Statut : <strong data-testid="statut-agent">{label(request.service, request.status)}</strong>
            </li>
            <li>
              Canal : <ChannelIcon channel={request.channel} />
            </li>
            <li>Équipe : {teams.find((t) => t.id === request.team)?.name ?? request.team}</li>
            <li>
              Agent : <span data-testid="agent-affecte">{request.agent_id ? agents.find((a) => a.id === request.agent_id)?.name ?? `agent nᵒ ${request.agent_id}` : "non affectée"}</span>
            </li>
            <li>
              Échéance : {request.due_at ? formatLastDay(request.due_at) : "aucune"}
              {isOverdue(request) && (
                <>
                  {" "}
                  <Badge severity="error" small>
                    En retard
                  </Badge>
                </>
              )}
            </li>
            <li>
              Citoyen : {request.contact.name || "anonyme"} {request.contact.email} {request.contact.phone}
            </li>
          </ul>
          <p>{frenchTypography(request.description)}</p>
          {scans.length > 0 && <ScansSection scans={scans} />}
          <div className="fr-grid-row fr-grid-row--gutters">
            <div className="fr-col-12 fr-col-md-6">
              <ReplyForm channel={request.channel} canned={canned} onSend={(body) => act(() => agentApi.reply(reference, body), "La réponse est enregistrée et part vers le citoyen.")} />
              <NoteForm onSend={(body) => act(() => agentApi.note(reference, body), "La note interne est ajoutée.")} />
            </div>
            <div className="fr-col-12 fr-col-md-6">
              <TransitionForm
                transitions={transitions}
                onSend={(to, comment) => act(() => agentApi.transition(reference, to, comment), "Le statut de la demande a changé.")}
              />
              <AssignForm
                key={`${request.team}-${request.version}`}
                team={request.team}
                teams={teams}
                onSend={(body) => act(() => agentApi.assign(reference, body), "L’affectation est enregistrée.")}
              />
            </div>
          </div>
          <div className="fr-grid-row fr-grid-row--gutters fr-mt-2w">
            <section className="fr-col-12 fr-col-md-6" aria-labelledby="titre-liees">
              <h2 id="titre-liees">Demandes liées</h2>
              {linked.length === 0 ? (
                <p>Aucune demande liée.</p>
              ) : (
                <ul data-testid="demandes-liees">
                  {linked.map((l) => (
                    <li key={`${l.kind}-${l.request.id}`}>
                      {l.kind}{"\u00a0"}: <Link to={`/agents/demandes/${l.request.reference}`}>{l.request.reference}</Link> — {frenchTypography(l.request.title)} ({label(l.request.service, l.request.status)})
                    </li>
                  ))}
                </ul>
              )}
              <LinkMergeForm
                onLink={(other) => act(() => agentApi.link(reference, other), "Les deux demandes sont liées.")}
                onMerge={(other) => act(() => agentApi.merge(reference, other), "Cette demande est fusionnée dans l’autre, qui garde tout l’historique.")}
              />
            </section>
            <section className="fr-col-12 fr-col-md-6" aria-labelledby="titre-autres">
              <h2 id="titre-autres">Autres demandes du citoyen</h2>
              {others === null ? (
                <p>Demande faite sans compte{"\u00a0"}: aucune autre demande ne lui est rattachée.</p>
              ) : others.length === 0 ? (
                <p>Aucune autre demande de ce citoyen dans vos équipes.</p>
              ) : (
                <ul data-testid="autres-demandes">
                  {others.map((o) => (
                    <li key={o.id}>
                      <Link to={`/agents/demandes/${o.reference}`}>{o.reference}</Link> — {frenchTypography(o.title)} ({label(o.service, o.status)})
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
          <h2>Historique</h2>
          <ol className="guichet-timeline" data-testid="historique-agent">
            {events.map((e) => (
              <li key={e.id} className="fr-mb-2w">
                <p className="fr-mb-0">
                  <strong>{kindLabel[e.kind] ?? e.kind}</strong>
                  {e.channel && (
                    <>
                      {" — "}
                      <ChannelIcon channel={e.channel} />
                    </>
                  )}{" "}
                  — {formatDateTime(e.created_at)} — {e.author}
                  {e.delivery_status && (
                    <>
                      {" — "}
                      <span data-testid="etat-envoi">{deliveryLabel[e.delivery_status] ?? e.delivery_status}</span>
                    </>
                  )}
                </p>
                {e.body && <p className="fr-mb-0 guichet-body">{frenchTypography(e.body)}</p>}
                {keptLetter(e) && (
                  <p className="fr-mb-0">
                    <a href={`/api/v1/uploads/${encodeURIComponent(keptLetter(e))}/content`} download={`courrier-${e.id}.pdf`} title={`Ouvrir le courrier envoyé (PDF), événement du ${formatDateTime(e.created_at)}`}>
                      Ouvrir le courrier envoyé (PDF)
                    </a>
                  </p>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </>
  );
}

// The letter as sent, kept on the case when the print queue took it.
const keptLetter = (e: ApiEvent) => {
  const id = (e.data as Record<string, unknown>)?.upload_id;
  return e.kind === "delivery" && e.channel === "postal" && typeof id === "string" ? id : "";
};

const scanState: Record<PostalScan["state"], string> = {
  pending: "Texte en cours d’extraction…",
  running: "Texte en cours d’extraction…",
  done: "Texte extrait",
  failed: "Le texte n’a pas pu être extrait",
};

// Postal letters: each scan (shown when it is an image, linked always) and
// the text read from it.
function ScansSection({ scans }: { scans: PostalScan[] }) {
  return (
    <section aria-labelledby="courriers-titre" data-testid="courriers">
      <h2 id="courriers-titre">Courriers numérisés</h2>
      {scans.map((s, i) => {
        const url = `/api/v1/uploads/${encodeURIComponent(s.upload_id)}/content`;
        return (
          <div key={s.id} className="fr-mb-3w">
            <h3 className="fr-h6">
              Courrier {i + 1}{"\u00a0"}: {s.filename}
            </h3>
            {s.content_type !== "application/pdf" && (
              <img src={url} alt={`Courrier numérisé ${i + 1} (${s.filename})`} className="guichet-scan" />
            )}
            <p>
              <a href={url} download={s.filename}>
                Télécharger «{"\u00a0"}{s.filename}{"\u00a0"}»
              </a>
            </p>
            <p className="fr-mb-1w" role="status">
              <strong>{scanState[s.state]}</strong>
              {s.state === "failed" && s.error ? ` (${s.error})` : ""}
            </p>
            {s.state === "done" && <p className="guichet-body guichet-scan-text" data-testid="texte-extrait">{s.text.trim() || "Aucun texte reconnu."}</p>}
          </div>
        );
      })}
    </section>
  );
}

function ReplyForm({ channel, canned, onSend }: { channel: Channel; canned: CannedResponse[]; onSend: (b: { body?: string; channel?: Channel; canned_response_id?: number }) => Promise<boolean> }) {
  const [body, setBody] = useState("");
  const [via, setVia] = useState("");
  const [template, setTemplate] = useState("");
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        const ok = await onSend({
          ...(body.trim() ? { body: body.trim() } : {}),
          ...(via ? { channel: via as Channel } : {}),
          ...(template ? { canned_response_id: Number(template) } : {}),
        });
        if (ok) {
          setBody("");
          setTemplate("");
        }
      }}
    >
      <h2>Répondre au citoyen</h2>
      <Select label="Canal de la réponse" nativeSelectProps={{ value: via, onChange: (e) => setVia(e.target.value) }}>
        <option value="">{`Automatique (préférence du citoyen, sinon ${channelLabel[channel].toLowerCase()})`}</option>
        {replyChannels.map((c) => (
          <option key={c} value={c}>
            {channelLabel[c]}
          </option>
        ))}
      </Select>
      {canned.length > 0 && (
        <Select label="Réponse type" nativeSelectProps={{ value: template, onChange: (e) => setTemplate(e.target.value) }}>
          <option value="">Aucune</option>
          {canned.map((c) => (
            <option key={c.id} value={c.id}>
              {c.title}
            </option>
          ))}
        </Select>
      )}
      <Input label="Message au citoyen" textArea nativeTextAreaProps={{ rows: 5, value: body, onChange: (e) => setBody(e.target.value) }} />
      <Button type="submit">Envoyer la réponse</Button>
    </form>
  );
}

function NoteForm({ onSend }: { onSend: (body: string) => Promise<boolean> }) {
  const [body, setBody] = useState("");
  return (
    <form
      className="fr-mt-4w"
      onSubmit={async (e) => {
        e.preventDefault();
        if (body.trim() && (await onSend(body.trim()))) setBody("");
      }}
    >
      <h2>Note interne</h2>
      <Input label="Note (jamais montrée au citoyen)" textArea nativeTextAreaProps={{ rows: 3, value: body, onChange: (e) => setBody(e.target.value) }} />
      <Button type="submit" priority="secondary">
        Ajouter la note
      </Button>
    </form>
  );
}

function TransitionForm({ transitions, onSend }: { transitions: Transition[]; onSend: (to: string, comment?: string) => Promise<boolean> }) {
  const [to, setTo] = useState("");
  const [comment, setComment] = useState("");
  const chosen = transitions.find((t) => t.name === to);
  if (transitions.length === 0) return <p>Aucun changement de statut possible depuis ce statut.</p>;
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        if (!to) return;
        if (await onSend(to, comment.trim() || undefined)) {
          setTo("");
          setComment("");
        }
      }}
    >
      <h2>Changer le statut</h2>
      <Select label="Nouveau statut" nativeSelectProps={{ value: to, onChange: (e) => setTo(e.target.value) }}>
        <option value="">Choisir</option>
        {transitions.map((t) => (
          <option key={t.name} value={t.name}>
            {t.label}
          </option>
        ))}
      </Select>
      <Input
        label={chosen?.comment_required ? "Commentaire au citoyen (obligatoire)" : "Commentaire au citoyen (facultatif)"}
        textArea
        nativeTextAreaProps={{ rows: 2, value: comment, onChange: (e) => setComment(e.target.value) }}
      />
      <Button type="submit" priority="secondary">
        Appliquer
      </Button>
    </form>
  );
}

function AssignForm({ team, teams, onSend }: { team: string; teams: Team[]; onSend: (b: { team?: string; agent_id?: number | "me" | null }) => Promise<boolean> }) {
  const [toTeam, setToTeam] = useState(team);
  const [agent, setAgent] = useState("");
  const [agents, setAgents] = useState<TeamAgent[] | null>(null);
  // The picker lists the agents of the chosen team (none when the agent is not in it).
  useEffect(() => {
    let live = true;
    setAgent("");
    agentApi.teamAgents(toTeam).then(
      (a) => live && setAgents(a.items),
      () => live && setAgents([]),
    );
    return () => {
      live = false;
    };
  }, [toTeam]);
  return (
    <section className="fr-mt-4w">
      <h2>Affectation</h2>
      <Button priority="secondary" onClick={() => onSend({ agent_id: "me" })}>
        Me l’affecter
      </Button>
      <form
        className="fr-mt-2w"
        onSubmit={(e) => {
          e.preventDefault();
          void onSend({
            ...(toTeam !== team ? { team: toTeam } : {}),
            ...(agent === "none" ? { agent_id: null } : agent ? { agent_id: Number(agent) } : {}),
          });
        }}
      >
        <Select label="Équipe" nativeSelectProps={{ value: toTeam, onChange: (e) => setToTeam(e.target.value) }}>
          {teams.length === 0 && <option value={team}>{team}</option>}
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
              {t.round_robin ? " (à tour de rôle)" : ""}
            </option>
          ))}
        </Select>
        <Select label="Agent" nativeSelectProps={{ value: agent, onChange: (e) => setAgent(e.target.value) }}>
          <option value="">{toTeam !== team ? "Selon l’équipe (à tour de rôle si elle l’a choisi)" : "Inchangé"}</option>
          <option value="none">Personne (retirer l’agent)</option>
          {(agents ?? []).map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </Select>
        <Button type="submit" priority="secondary">
          Affecter
        </Button>
      </form>
    </section>
  );
}

function LinkMergeForm({ onLink, onMerge }: { onLink: (other: string) => Promise<boolean>; onMerge: (other: string) => Promise<boolean> }) {
  const [other, setOther] = useState("");
  const [confirm, setConfirm] = useState(false);
  const target = other.trim();
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        if (target && (await onLink(target))) setOther("");
      }}
    >
      <Input
        label="Référence de l’autre demande"
        hintText="Par exemple GU-2026-BCDFGH."
        nativeInputProps={{ value: other, onChange: (e) => setOther(e.target.value), autoComplete: "off" }}
      />
      <ul className="fr-btns-group fr-btns-group--inline-sm">
        <li>
          <Button type="submit" priority="secondary" disabled={!target}>
            Lier les deux demandes
          </Button>
        </li>
        <li>
          <Button
            type="button"
            priority="tertiary"
            disabled={!target}
            onClick={async () => {
              if (!confirm) return setConfirm(true);
              setConfirm(false);
              if (await onMerge(target)) setOther("");
            }}
          >
            {confirm ? "Confirmer la fusion de cette demande dans l’autre" : "Fusionner cette demande (doublon) dans l’autre"}
          </Button>
        </li>
      </ul>
      {confirm && <p role="status">Cette demande sera close et son historique rejoindra l’autre. Cliquez à nouveau pour confirmer.</p>}
    </form>
  );
}
