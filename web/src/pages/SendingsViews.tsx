// What Guichet sends, in the agents' back-office (issue #5): « Envois » (the
// outbox, its dead letters and « Relancer »), « Courriers à imprimer » (the
// print queue: PDF, « Marquer comme imprimé ») and « Modèles » (the
// notification templates, edited by a platform administrator with a
// preview and a return to the shipped text). Everything goes through the
// API v1 with the session cookie and its CSRF token.
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import {
  agentApi,
  ApiError,
  problemMessage,
  type NotificationTemplate,
  type OutboxMessage,
  type OutboxPage,
  type RenderedMessage,
  type Request,
} from "../api/client";
import { formatDateTime, frenchTypography } from "../format";
import { useTitle } from "../useTitle";

type OutChannel = OutboxMessage["channel"];
const outChannelLabel: Record<OutChannel, string> = { email: "Courriel", sms: "SMS", postal: "Courrier" };
const stateLabel: Record<OutboxMessage["state"], string> = {
  pending: "En attente d’envoi",
  sending: "En cours d’envoi",
  sent: "Envoyé",
  dead: "Échec définitif",
};
const stateSeverity: Record<OutboxMessage["state"], "error" | "info" | "success" | "new"> = {
  pending: "info",
  sending: "new",
  sent: "success",
  dead: "error",
};
const eventLabel: Record<NotificationTemplate["event"], string> = {
  acknowledgement: "Accusé de réception",
  reply: "Réponse d’un agent",
  status_change: "Changement de statut",
  account_verify: "Vérification de l’adresse du compte",
  account_exists: "Compte déjà existant",
  account_magic_link: "Lien de connexion",
  account_password_reset: "Nouveau mot de passe",
};

// The requests the rows belong to, read once each (reference, title, address).
function useRequests(ids: (number | null | undefined)[]) {
  const [requests, setRequests] = useState<Record<number, Request | null>>({});
  const key = Array.from(new Set(ids.filter((x): x is number => !!x))).sort().join(",");
  useEffect(() => {
    let live = true;
    for (const id of key ? key.split(",").map(Number) : []) {
      if (id in requests) continue;
      agentApi.request(String(id)).then(
        (r) => live && setRequests((cur) => ({ ...cur, [id]: r })),
        () => live && setRequests((cur) => ({ ...cur, [id]: null })),
      );
    }
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return requests;
}

function RequestLink({ id, requests }: { id?: number | null; requests: Record<number, Request | null> }) {
  if (!id) return <>aucune</>;
  const r = requests[id];
  if (r === undefined) return <>…</>;
  if (r === null) return <>demande nᵒ {id}</>;
  return <Link to={`/agents/demandes/${r.reference}`}>{r.reference}</Link>;
}

// A cursor-paged list of outbox rows read by `load` (called again when
// `key`, the filters, changes): the page, its rows' requests, and the
// problem of the last read with its field errors.
function useOutboxPage(load: (cursor: string | undefined) => Promise<OutboxPage>, key: string) {
  const [cursors, setCursors] = useState<string[]>([""]);
  const [items, setItems] = useState<OutboxMessage[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [problem, setProblem] = useState<string>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const cursor = cursors[cursors.length - 1];
  const requests = useRequests((items ?? []).map((m) => m.request_id));
  const loader = useRef(load);
  loader.current = load;
  // New filters start again from the first page.
  useEffect(() => setCursors([""]), [key]);
  useEffect(() => {
    let live = true;
    setProblem(undefined);
    setErrors({});
    loader.current(cursor || undefined).then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setNext(page.next_cursor);
      },
      (e) => {
        if (!live) return;
        if (e instanceof ApiError) setErrors(e.fieldErrors());
        setProblem(problemMessage(e));
        setItems([]);
      },
    );
    return () => {
      live = false;
    };
  }, [key, cursor]);
  return { items, setItems, next, cursors, setCursors, requests, problem, setProblem, errors };
}

// « Envois »: the outbox, filtered by state (the dead letters first) and by request.
export function OutboxView() {
  useTitle("Envois");
  const [state, setState] = useState("dead");
  const [reference, setReference] = useState("");
  const [applied, setApplied] = useState("");
  const [notice, setNotice] = useState<string>();
  const { items, setItems, next, cursors, setCursors, requests, problem, setProblem, errors } = useOutboxPage(
    (cursor) => agentApi.outbox({ state: state || undefined, request: applied || undefined, cursor, limit: "25" }),
    `${state}|${applied}`,
  );

  const retry = async (m: OutboxMessage) => {
    setProblem(undefined);
    setNotice(undefined);
    try {
      const updated = await agentApi.retry(m.id);
      setItems((cur) => (cur ?? []).map((x) => (x.id === m.id ? updated : x)));
      setNotice(frenchTypography(`Le message nᵒ ${m.id} repart : il sera envoyé dans les prochaines secondes.`));
    } catch (e) {
      setProblem(problemMessage(e));
    }
  };

  return (
    <>
      <h1>Envois</h1>
      <p>
        Les messages que Guichet envoie aux citoyens (courriel, SMS, courrier). Un message en échec définitif n’est parti par aucun canal{"\u00a0"}: corrigez
        si besoin les coordonnées du citoyen, puis relancez-le.
      </p>
      <div aria-live="assertive">
        {problem && <Alert severity="error" small description={problem} className="fr-mb-3w" />}
        {notice && <Alert severity="success" small description={notice} className="fr-mb-3w" />}
      </div>
      <form
        className="fr-grid-row fr-grid-row--gutters fr-mb-2w"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(reference.trim());
        }}
      >
        <div className="fr-col-12 fr-col-md-4">
          <Select
            label="État"
            nativeSelectProps={{
              value: state,
              onChange: (e) => setState(e.target.value),
            }}
          >
            <option value="dead">Échec définitif (à relancer)</option>
            <option value="pending">En attente d’envoi ou d’un nouvel essai</option>
            <option value="sending">En cours d’envoi</option>
            <option value="sent">Envoyés</option>
            <option value="">Tous</option>
          </Select>
        </div>
        <div className="fr-col-12 fr-col-md-5">
          <Input
            label="Référence de la demande"
            hintText="Par exemple GU-2026-BCDFGH."
            state={errors.request ? "error" : "default"}
            stateRelatedMessage={errors.request}
            nativeInputProps={{ value: reference, onChange: (e) => setReference(e.target.value), autoComplete: "off" }}
          />
        </div>
        <div className="fr-col-12 fr-col-md-3 guichet-filter-submit">
          <Button type="submit" priority="secondary">
            Filtrer
          </Button>
        </div>
      </form>
      {items === null ? (
        <p>Chargement…</p>
      ) : items.length === 0 ? (
        <p data-testid="envois-vide">Aucun message dans cette sélection.</p>
      ) : (
        <div className="fr-table fr-table--no-caption guichet-outbox">
          <div className="fr-table__wrapper">
            <div className="fr-table__container">
              <div className="fr-table__content">
          <table data-testid="envois">
            <caption>Messages sortants</caption>
            <thead>
              <tr>
                <th scope="col">Message</th>
                <th scope="col">Canal</th>
                <th scope="col">Destinataire</th>
                <th scope="col">Demande</th>
                <th scope="col">Essais</th>
                <th scope="col">État et dernière erreur</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.id} data-testid={`envoi-${m.id}`}>
                  <td>
                    nᵒ {m.id}
                    <br />
                    <small>{formatDateTime(m.created_at)}</small>
                  </td>
                  <td>{outChannelLabel[m.channel]}</td>
                  <td>{m.recipient || "—"}</td>
                  <td>
                    <RequestLink id={m.request_id} requests={requests} />
                  </td>
                  <td>{m.attempts}</td>
                  <td>
                    <Badge severity={stateSeverity[m.state]} small>
                      {stateLabel[m.state]}
                    </Badge>
                    {m.last_error && <p className="fr-mb-0 fr-mt-1v">{frenchTypography(m.last_error)}</p>}
                  </td>
                  <td>
                    {m.state === "dead" ? (
                      <Button size="small" priority="secondary" onClick={() => retry(m)} title={`Relancer le message nᵒ ${m.id}`}>
                        Relancer
                      </Button>
                    ) : (
                      "—"
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
      <Pager cursors={cursors} next={next} setCursors={setCursors} />
    </>
  );
}

function Pager({ cursors, next, setCursors }: { cursors: string[]; next: string | null; setCursors: (f: (c: string[]) => string[]) => void }) {
  if (cursors.length <= 1 && !next) return null;
  return (
    <ul className="fr-btns-group fr-btns-group--inline-sm">
      <li>
        <Button priority="tertiary" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Page précédente
        </Button>
      </li>
      <li>
        <Button priority="tertiary" disabled={!next} onClick={() => next && setCursors((c) => [...c, next])}>
          Page suivante
        </Button>
      </li>
    </ul>
  );
}

// The addressee: the name, then the citizen's postal address as it
// was entered (the PDF holds the normalised block).
const addressLines = (name: string, address?: string) => [name, ...(address ?? "").split("\n").map((l) => l.trim()).filter(Boolean)];

// « Courriers à imprimer »: the print queue, and the letters printed already.
export function LettersView() {
  useTitle("Courriers à imprimer");
  const [printed, setPrinted] = useState("false");
  const [notice, setNotice] = useState<string>();
  const { items, setItems, next, cursors, setCursors, requests, problem, setProblem } = useOutboxPage(
    (cursor) => agentApi.letters({ printed, cursor, limit: "25" }),
    printed,
  );

  const markPrinted = async (m: OutboxMessage) => {
    setProblem(undefined);
    setNotice(undefined);
    try {
      await agentApi.markPrinted(m.id);
      setItems((cur) => (cur ?? []).filter((x) => x.id !== m.id));
      setNotice(`Le courrier nᵒ ${m.id} est marqué comme imprimé ; il figure désormais parmi les courriers imprimés.`);
    } catch (e) {
      setProblem(problemMessage(e));
    }
  };

  return (
    <>
      <h1>Courriers à imprimer</h1>
      <p>Les lettres que Guichet a préparées pour les citoyens qui préfèrent le courrier postal. Imprimez-les, mettez-les sous enveloppe à fenêtre, puis marquez-les comme imprimées.</p>
      <div aria-live="assertive">
        {problem && <Alert severity="error" small description={problem} className="fr-mb-3w" />}
        {notice && <Alert severity="success" small description={frenchTypography(notice)} className="fr-mb-3w" />}
      </div>
      <div className="fr-col-12 fr-col-md-4 fr-px-0">
        <Select
          label="Courriers affichés"
          nativeSelectProps={{
            value: printed,
            onChange: (e) => {
              setPrinted(e.target.value);
              setNotice(undefined);
            },
          }}
        >
          <option value="false">À imprimer</option>
          <option value="true">Déjà imprimés</option>
        </Select>
      </div>
      {items === null ? (
        <p>Chargement…</p>
      ) : items.length === 0 ? (
        <p data-testid="courriers-vide">{printed === "true" ? "Aucun courrier imprimé." : "Aucun courrier à imprimer."}</p>
      ) : (
        <ul className="guichet-letters" data-testid="file-impression">
          {items.map((m) => {
            const r = m.request_id ? requests[m.request_id] : null;
            return (
              <li key={m.id} className="guichet-letter fr-mb-3w" data-testid={`courrier-${m.id}`}>
                <div>
                  <div>
                    <h2 className="fr-h6 fr-mb-1w">
                      Courrier nᵒ {m.id} — {frenchTypography(m.subject || "sans objet")}
                    </h2>
                    <p className="fr-mb-1w">
                      Demande{"\u00a0"}: <RequestLink id={m.request_id} requests={requests} />
                      {" — "}
                      préparé le {formatDateTime(m.sent_at ?? m.created_at)}
                      {m.printed_at && <> — imprimé le {formatDateTime(m.printed_at)}</>}
                    </p>
                    <address className="guichet-address" aria-label={`Adresse du courrier nᵒ ${m.id}`}>
                      {addressLines(m.recipient, m.postal_address ?? undefined).map((l, i) => (
                        <span key={i}>
                          {l}
                          <br />
                        </span>
                      ))}
                    </address>
                  </div>
                  <div className="fr-mt-2w">
                    <ul className="fr-btns-group fr-btns-group--inline-sm fr-btns-group--icon-left">
                      <li>
                        <a
                          className="fr-btn fr-btn--secondary fr-icon-download-line fr-btn--icon-left"
                          href={agentApi.letterPdf(m.id)}
                          download={m.provider_id || `courrier-${m.id}.pdf`}
                          title={`Télécharger le PDF du courrier nᵒ ${m.id}`}
                        >
                          Télécharger le PDF
                        </a>
                      </li>
                      {!m.printed_at && (
                        <li>
                          <Button onClick={() => markPrinted(m)} title={`Marquer le courrier nᵒ ${m.id} comme imprimé`}>
                            Marquer comme imprimé
                          </Button>
                        </li>
                      )}
                    </ul>
                  </div>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <Pager cursors={cursors} next={next} setCursors={setCursors} />
    </>
  );
}

// « Modèles »: every template by event and channel.
export function TemplatesView() {
  useTitle("Modèles de messages");
  const [items, setItems] = useState<NotificationTemplate[] | null>(null);
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    agentApi.templates().then(
      (l) => setItems(l.items),
      (e) => setProblem(problemMessage(e)),
    );
  }, []);
  const events = Array.from(new Set((items ?? []).map((t) => t.event)));
  return (
    <>
      <h1>Modèles de messages</h1>
      <p>Le texte de chaque message que Guichet envoie, par événement et par canal. Un administrateur de la plateforme peut le modifier ou revenir au texte livré.</p>
      <div aria-live="assertive">{problem && <Alert severity="error" small description={problem} className="fr-mb-3w" />}</div>
      {items === null && !problem && <p>Chargement…</p>}
      {events.map((ev) => (
        <section key={ev} aria-labelledby={`modeles-${ev}`} className="fr-mb-3w">
          <h2 id={`modeles-${ev}`} className="fr-h5">
            {eventLabel[ev] ?? ev}
          </h2>
          <ul data-testid={`modeles-${ev}`}>
            {(items ?? [])
              .filter((t) => t.event === ev)
              .map((t) => (
                <li key={t.id}>
                  <Link to={`/agents/modeles/${t.id}`}>{`${eventLabel[t.event] ?? t.event} — ${outChannelLabel[t.channel]}`}</Link>{" "}
                  {t.customised ? (
                    <Badge severity="info" small noIcon>
                      Personnalisé
                    </Badge>
                  ) : (
                    <Badge small noIcon>
                      Texte livré
                    </Badge>
                  )}
                </li>
              ))}
          </ul>
        </section>
      ))}
    </>
  );
}

// One template: subject and body, the variables it may use, « Aperçu »,
// « Enregistrer » (field errors under their field) and the shipped text.
// `canEdit`: a platform administrator (the API refuses the others' changes).
export function TemplateView({ canEdit }: { canEdit: boolean }) {
  const { id = "" } = useParams();
  const [template, setTemplate] = useState<NotificationTemplate | null>(null);
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [preview, setPreview] = useState<RenderedMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const title = template ? `${eventLabel[template.event] ?? template.event} — ${outChannelLabel[template.channel]}` : "Modèle de message";
  useTitle(title);
  const sms = template?.channel === "sms";

  const show = useCallback((t: NotificationTemplate) => {
    setTemplate(t);
    setSubject(t.subject ?? "");
    setBody(t.body);
  }, []);
  useEffect(() => {
    agentApi.template(id).then(show, (e) => setProblem(problemMessage(e)));
  }, [id, show]);

  const text = () => (sms ? { subject: "", body } : { subject, body });
  const run = async (what: () => Promise<void>) => {
    setProblem(undefined);
    setNotice(undefined);
    setErrors({});
    setBusy(true);
    try {
      await what();
    } catch (e) {
      if (e instanceof ApiError) setErrors(e.fieldErrors());
      setProblem(problemMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p className="fr-mb-1w">
        <Link to="/agents/modeles">Tous les modèles</Link>
      </p>
      <h1>{title}</h1>
      <div aria-live="assertive">
        {problem && <Alert severity="error" small description={problem} className="fr-mb-3w" />}
        {notice && <Alert severity="success" small description={notice} className="fr-mb-3w" />}
      </div>
      {template && (
        <div className="fr-grid-row fr-grid-row--gutters">
          <form
            className="fr-col-12 fr-col-md-7"
            onSubmit={(e) => {
              e.preventDefault();
              void run(async () => {
                show(await agentApi.saveTemplate(id, text()));
                setNotice(frenchTypography("Le modèle est enregistré : les prochains messages l’emploient."));
              });
            }}
          >
            <p>
              {template.customised ? (
                <>
                  Texte personnalisé{template.updated_at ? ` le ${formatDateTime(template.updated_at)}` : ""}
                  {template.updated_by ? ` par ${template.updated_by}` : ""}.
                </>
              ) : (
                "Texte livré avec Guichet."
              )}
            </p>
            {!sms && (
              <Input
                label="Objet"
                state={errors.subject ? "error" : "default"}
                stateRelatedMessage={errors.subject}
                nativeInputProps={{ value: subject, onChange: (e) => setSubject(e.target.value), maxLength: 300, readOnly: !canEdit }}
              />
            )}
            <Input
              label="Texte du message"
              textArea
              state={errors.body ? "error" : "default"}
              stateRelatedMessage={errors.body}
              nativeTextAreaProps={{ rows: sms ? 4 : 12, value: body, onChange: (e) => setBody(e.target.value), maxLength: 20000, readOnly: !canEdit }}
            />
            <ul className="fr-btns-group fr-btns-group--inline-sm">
              <li>
                <Button
                  type="button"
                  priority="secondary"
                  disabled={busy}
                  onClick={() =>
                    run(async () => {
                      setPreview(await agentApi.previewTemplate(id, text()));
                    })
                  }
                >
                  Aperçu
                </Button>
              </li>
              {canEdit && (
                <li>
                  <Button type="submit" disabled={busy}>
                    Enregistrer
                  </Button>
                </li>
              )}
              {canEdit && template.customised && (
                <li>
                  <Button
                    type="button"
                    priority="tertiary"
                    disabled={busy}
                    onClick={() =>
                      run(async () => {
                        show(await agentApi.resetTemplate(id));
                        setPreview(null);
                        setNotice("Le texte livré avec Guichet s’applique de nouveau.");
                      })
                    }
                  >
                    Revenir au texte livré
                  </Button>
                </li>
              )}
            </ul>
          </form>
          <div className="fr-col-12 fr-col-md-5">
            <h2 className="fr-h6">Variables utilisables</h2>
            <p>
              Écrivez-les entre doubles accolades, par exemple <code className="guichet-nowrap">{"{{ reference }}"}</code>.
            </p>
            <ul data-testid="variables">
              {template.variables.map((v) => (
                <li key={v}>
                  <code>{`{{ ${v} }}`}</code>
                </li>
              ))}
            </ul>
            {preview && (
              <section aria-labelledby="apercu-titre" data-testid="apercu" className="fr-mt-3w">
                <h2 id="apercu-titre" className="fr-h6">
                  Aperçu avec des valeurs d’exemple
                </h2>
                {preview.subject !== null && (
                  <p>
                    <strong>Objet{"\u00a0"}:</strong> {preview.subject}
                  </p>
                )}
                <p className="guichet-body guichet-preview">{preview.body}</p>
                {preview.sms && (
                  <p data-testid="apercu-sms">
                    Encodage {preview.sms.encoding} — {preview.sms.units} {preview.sms.encoding === "GSM-7" ? "septets" : "unités"} —{" "}
                    {preview.sms.segments} {preview.sms.segments > 1 ? "segments facturés" : "segment facturé"}
                  </p>
                )}
              </section>
            )}
          </div>
        </div>
      )}
    </>
  );
}
