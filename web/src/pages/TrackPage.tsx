// "Suivre ma demande": the reference and the contact given at submission
// open the request as its citizen sees it — status, deadline, timeline —,
// with a reply form (message and documents) and, once it is finished, the
// rating form.
import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { RadioButtons } from "@codegouvfr/react-dsfr/RadioButtons";
import { api, ApiError, type TrackedRequest, type TrackProof } from "../api/client";
import { FileField } from "../components/FileField";
import { formatDate, formatDateTime, formatLastDay, frenchTypography } from "../format";
import { useTitle } from "../useTitle";

const severityOf = (category: TrackedRequest["category"]) =>
  category === "resolved" || category === "closed"
    ? ("success" as const)
    : category === "rejected"
      ? ("error" as const)
      : category === "waiting_citizen"
        ? ("warning" as const)
        : ("info" as const);

const kindLabel: Record<string, string> = {
  message_in: "Votre message",
  message_out: "Message de la mairie",
  status_change: "Changement de statut",
  attachment: "Document joint",
};

export function TrackPage() {
  useTitle("Suivre ma demande");
  const [params] = useSearchParams();
  const [reference, setReference] = useState(params.get("reference") ?? "");
  const [contact, setContact] = useState("");
  const [proof, setProof] = useState<TrackProof | null>(null);
  const [request, setRequest] = useState<TrackedRequest | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  async function load(p: TrackProof) {
    const r = await api.track(p);
    setRequest(r);
    setProof(p);
  }

  async function find(e: React.FormEvent) {
    e.preventDefault();
    setErrors({});
    setProblem(undefined);
    setBusy(true);
    try {
      await load({ reference: reference.trim(), contact: contact.trim() });
    } catch (err) {
      setRequest(null);
      if (err instanceof ApiError) {
        setErrors(err.fieldErrors());
        setProblem(err.message);
      } else {
        setProblem("Le suivi n’a pas pu être affiché. Vérifiez votre connexion et réessayez.");
      }
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    if (request) heading.current?.focus();
  }, [request?.reference]);

  return (
    <>
      <h1>Suivre ma demande</h1>
      {!request && (
        <>
          <p>
            Indiquez la référence de votre demande (par exemple GU-2026-7KQ4MX) et l’adresse électronique ou le numéro de
            téléphone donné lors du dépôt. Aucun compte n’est nécessaire.
          </p>
          <div aria-live="assertive">
            {problem && <Alert severity="error" small description={problem} className="fr-mb-3w" />}
          </div>
          <form onSubmit={find} noValidate className="fr-col-12 fr-col-md-8">
            <Input
              label="Référence de la demande"
              state={errors.reference ? "error" : "default"}
              stateRelatedMessage={errors.reference}
              nativeInputProps={{
                id: "suivi-reference",
                value: reference,
                autoComplete: "off",
                spellCheck: false,
                onChange: (e) => setReference(e.target.value),
              }}
            />
            <Input
              label="Adresse électronique ou téléphone donné lors du dépôt"
              state={errors.contact ? "error" : "default"}
              stateRelatedMessage={errors.contact}
              nativeInputProps={{
                id: "suivi-contact",
                value: contact,
                autoComplete: "email",
                onChange: (e) => setContact(e.target.value),
              }}
            />
            <Button type="submit" disabled={busy}>
              Afficher ma demande
            </Button>
          </form>
        </>
      )}
      {request && proof && (
        <TrackedView request={request} proof={proof} headingRef={heading} reload={() => load(proof)} close={() => setRequest(null)} />
      )}
    </>
  );
}

// The request as its citizen sees it, with the reply and rating forms; used
// here with the contact as proof, and by « Mes demandes » with the session
// alone (`proof` without contact).
export function TrackedView({
  request: r,
  proof,
  headingRef,
  reload,
  close,
  closeLabel = "Suivre une autre demande",
}: {
  request: TrackedRequest;
  proof: TrackProof;
  headingRef: React.RefObject<HTMLHeadingElement>;
  reload: () => Promise<void>;
  close: () => void;
  closeLabel?: string;
}) {
  const deadline = r.deadlines.find((d) => d.legal) ?? r.deadlines[0];
  const finished = r.category === "resolved" || r.category === "rejected" || r.category === "closed";
  return (
    <>
      <h2 ref={headingRef} tabIndex={-1}>
        Demande {r.reference}
      </h2>
      <p className="fr-mb-1w">
        <span data-testid="statut">
          <Badge severity={severityOf(r.category)}>{r.status_label}</Badge>
        </span>
      </p>
      <dl className="fr-mb-4w">
        <dt className="fr-text--bold">Démarche</dt>
        <dd>{frenchTypography(r.service.name)}</dd>
        <dt className="fr-text--bold">Objet</dt>
        <dd>{frenchTypography(r.title)}</dd>
        <dt className="fr-text--bold">Déposée le</dt>
        <dd>{formatDateTime(r.created_at)}</dd>
        {!finished && deadline?.due_at && (
          <>
            <dt className="fr-text--bold">
              {frenchTypography(deadline.label)}
              {deadline.legal ? " (délai légal)" : ""}
            </dt>
            <dd>au plus tard le {deadline.last_day ?? formatLastDay(deadline.due_at)}</dd>
          </>
        )}
        {!finished && !deadline && r.due_at && (
          <>
            <dt className="fr-text--bold">Échéance</dt>
            <dd>au plus tard le {formatLastDay(r.due_at)}</dd>
          </>
        )}
        {r.closed_at && (
          <>
            <dt className="fr-text--bold">Terminée le</dt>
            <dd>{formatDate(r.closed_at)}</dd>
          </>
        )}
      </dl>
      <h3>Historique</h3>
      <ol className="guichet-timeline" data-testid="historique">
        {r.timeline.map((e) => (
          <li key={e.id}>
            <p className="fr-text--sm fr-mb-1v">
              <time dateTime={e.at}>{formatDateTime(e.at)}</time> — {kindLabel[e.kind] ?? e.kind}
            </p>
            {e.kind === "status_change" && <p className="fr-mb-0">Nouveau statut{"\u202f"}: {e.status_label}</p>}
            {e.kind === "attachment" && e.file && (
              <p className="fr-mb-0">
                <a href={`/api/v1/uploads/${encodeURIComponent(e.file.id)}/content`} download>
                  {e.file.filename}
                </a>
              </p>
            )}
            {e.body && <p className="fr-mb-0 guichet-body">{frenchTypography(e.body)}</p>}
          </li>
        ))}
      </ol>
      {r.rating && (
        <Alert
          as="h2"
          severity="info"
          title="Merci pour votre avis"
          description={`Vous avez donné la note de ${r.rating.score} sur 5${r.rating.comment ? ` : « ${frenchTypography(r.rating.comment)} »` : ""}.`}
          className="fr-mb-4w"
        />
      )}
      {r.can_rate && <RatingForm proof={proof} done={reload} />}
      {!finished && <ReplyForm proof={proof} done={reload} />}
      <Button priority="tertiary" className="fr-mt-4w" onClick={close}>
        {closeLabel}
      </Button>
    </>
  );
}

function ReplyForm({ proof, done }: { proof: TrackProof; done: () => Promise<void> }) {
  const [message, setMessage] = useState("");
  const [files, setFiles] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function send(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setStatus(undefined);
    try {
      await api.trackMessage({ ...proof, message, files });
      setMessage("");
      setFiles([]);
      await done();
      setStatus("Votre message a été ajouté à l’historique de la demande.");
    } catch (err) {
      setErrors(err instanceof ApiError ? { message: err.message, ...err.fieldErrors() } : { message: "L’envoi a échoué." });
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={send} noValidate className="fr-mt-4w">
      <h3>Répondre au service ou ajouter un document</h3>
      <Input
        label="Votre message"
        textArea
        state={errors.message ? "error" : "default"}
        stateRelatedMessage={errors.message}
        nativeTextAreaProps={{ id: "reponse-message", rows: 4, maxLength: 20000, value: message, onChange: (e) => setMessage(e.target.value) }}
      />
      <FileField
        id="reponse-fichiers"
        label="Documents"
        hint="Photos ou pièces justificatives, 10 Mo au plus chacune."
        maxItems={10}
        maxBytes={10 << 20}
        value={files}
        onChange={setFiles}
        error={errors.files}
      />
      <p role="status" className="fr-text--sm">
        {status}
      </p>
      <Button type="submit" disabled={busy}>
        Envoyer
      </Button>
    </form>
  );
}

function RatingForm({ proof, done }: { proof: TrackProof; done: () => Promise<void> }) {
  const [score, setScore] = useState<number | null>(null);
  const [comment, setComment] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const labels = ["Très insatisfait", "Insatisfait", "Moyennement satisfait", "Satisfait", "Très satisfait"];
  async function send(e: React.FormEvent) {
    e.preventDefault();
    if (score === null) {
      setErrors({ score: "Choisissez une note de 1 à 5." });
      return;
    }
    setBusy(true);
    try {
      await api.rate({ ...proof, score, comment });
      await done();
    } catch (err) {
      setErrors(err instanceof ApiError ? { score: err.message, ...err.fieldErrors() } : { score: "L’envoi a échoué." });
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={send} noValidate className="fr-mt-4w">
      <h3>Votre avis sur la réponse</h3>
      <RadioButtons
        legend="Êtes-vous satisfait de la réponse apportée ?"
        name="note"
        state={errors.score ? "error" : "default"}
        stateRelatedMessage={errors.score}
        options={labels.map((label, i) => ({
          label: `${i + 1} — ${label}`,
          nativeInputProps: { value: String(i + 1), checked: score === i + 1, onChange: () => setScore(i + 1) },
        }))}
      />
      <Input
        label="Commentaire (facultatif)"
        textArea
        state={errors.comment ? "error" : "default"}
        stateRelatedMessage={errors.comment}
        nativeTextAreaProps={{ id: "avis-commentaire", rows: 3, maxLength: 2000, value: comment, onChange: (e) => setComment(e.target.value) }}
      />
      <Button type="submit" disabled={busy}>
        Donner mon avis
      </Button>
    </form>
  );
}
