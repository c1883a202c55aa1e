// A procedure's page: its presentation, the form rendered from its
// definition, drafts saved and resumed, the submission and its receipt.
import { useEffect, useRef, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Breadcrumb } from "@codegouvfr/react-dsfr/Breadcrumb";
import { api, ApiError, type Procedure, type Request, type Submission } from "../api/client";
import { Fields, fieldDomId, pruneAnswers, type Answers, type Errors } from "../components/FormFields";
import { MapPicker, type Place } from "../components/MapPicker";
import { usePortal } from "../PortalContext";
import { formatLastDay, frenchTypography } from "../format";
import { useTitle } from "../useTitle";

const draftKey = (slug: string) => `guichet-brouillon-${slug}`;

type Contact = { name: string; email: string; phone: string };

export function ProcedurePage() {
  const { slug = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const portal = usePortal();
  const [procedure, setProcedure] = useState<Procedure | null>(null);
  const [loadError, setLoadError] = useState<string>();
  const [answers, setAnswers] = useState<Answers>({});
  const [contact, setContact] = useState<Contact>({ name: "", email: "", phone: "" });
  const [place, setPlace] = useState<Place>({ address: "" });
  const [errors, setErrors] = useState<Errors>({});
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [draftToken, setDraftToken] = useState<string | null>(null);
  const [draftNotice, setDraftNotice] = useState<string>();
  const [created, setCreated] = useState<Request | null>(null);
  const summary = useRef<HTMLDivElement>(null);
  const receipt = useRef<HTMLHeadingElement>(null);
  useTitle(created ? "Demande envoyée" : procedure?.title ?? "Démarche");

  useEffect(() => {
    api.procedure(slug).then(setProcedure, (e) =>
      setLoadError(e instanceof ApiError && e.status === 404 ? "Cette démarche n’existe pas ou n’est plus ouverte." : e.message),
    );
    // A draft is resumed from its link (?brouillon=…) or from this browser.
    const token = params.get("brouillon") ?? localStorage.getItem(draftKey(slug));
    if (token) {
      api.getDraft(token).then(
        (d) => {
          setDraftToken(token);
          setAnswers((d.data ?? {}) as Answers);
          setDraftNotice("Votre brouillon a été repris. Vous pouvez compléter le formulaire.");
        },
        () => localStorage.removeItem(draftKey(slug)),
      );
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [slug]);

  useEffect(() => {
    if (problem || Object.keys(errors).length) summary.current?.focus();
  }, [problem, errors]);
  useEffect(() => {
    if (created) receipt.current?.focus();
  }, [created]);

  if (loadError) {
    return (
      <>
        <h1>Démarche introuvable</h1>
        <Alert as="h2" severity="error" title="Impossible d’afficher cette démarche" description={loadError} />
        <p className="fr-mt-2w">
          <Link to="/">Revenir à la liste des démarches</Link>
        </p>
      </>
    );
  }
  if (!procedure) return <p role="status">Chargement de la démarche…</p>;

  const fields = procedure.form.fields;
  const data = () => pruneAnswers(fields, answers);

  async function saveDraft() {
    setBusy(true);
    setDraftNotice(undefined);
    setProblem(undefined);
    setErrors({});
    try {
      const saved = draftToken ? await api.saveDraft(draftToken, data()) : await api.createDraft(slug, data());
      setDraftToken(saved.token);
      localStorage.setItem(draftKey(slug), saved.token);
      setParams({ brouillon: saved.token }, { replace: true });
      setDraftNotice(
        `Brouillon enregistré le ${new Intl.DateTimeFormat("fr-FR", { dateStyle: "long", timeStyle: "short" }).format(
          new Date(saved.updated_at),
        )}. Il est conservé jusqu’au ${formatLastDay(saved.expires_at)}\u202f; gardez l’adresse de cette page pour le reprendre.`,
      );
    } catch (e) {
      setProblem(e instanceof ApiError ? e.message : "Le brouillon n’a pas pu être enregistré.");
    } finally {
      setBusy(false);
    }
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setProblem(undefined);
    const body: Submission = {
      contact: {
        ...(contact.name ? { name: contact.name } : {}),
        ...(contact.email ? { email: contact.email } : {}),
        ...(contact.phone ? { phone: contact.phone } : {}),
      },
    };
    if (place.lat !== undefined && place.lon !== undefined) {
      body.location = { lat: place.lat, lon: place.lon, ...(place.address ? { address: place.address } : {}) };
    }
    try {
      let request: Request;
      if (draftToken) {
        await api.saveDraft(draftToken, data());
        request = await api.submitDraft(draftToken, body);
      } else {
        request = await api.submit(slug, { ...body, data: data() });
      }
      localStorage.removeItem(draftKey(slug));
      setCreated(request);
    } catch (err) {
      if (err instanceof ApiError) {
        const fieldErrors: Errors = {};
        for (const [k, v] of Object.entries(err.fieldErrors())) {
          fieldErrors[k.startsWith("data.") ? k.slice(5) : k] = v;
        }
        setErrors(fieldErrors);
        setProblem(err.message);
      } else {
        setProblem("La demande n’a pas pu être envoyée. Vérifiez votre connexion et réessayez.");
      }
    } finally {
      setBusy(false);
    }
  }

  if (created) return <Receipt procedure={procedure} request={created} headingRef={receipt} />;

  const errorList = Object.entries(errors);
  const contactError = (k: string) => errors[`contact.${k}`] ?? (k === "email" ? errors["contact"] : undefined);
  return (
    <>
      <Breadcrumb
        currentPageLabel={procedure.title}
        homeLinkProps={{ to: "/" }}
        segments={[]}
      />
      <h1>{frenchTypography(procedure.title)}</h1>
      {procedure.description.split("\n\n").map((para, i) => (
        <p key={i}>{frenchTypography(para)}</p>
      ))}
      <p className="fr-text--sm">Les champs marqués d’un astérisque (*) sont obligatoires.</p>
      <div ref={summary} tabIndex={-1} aria-live="assertive">
        {problem && (
          <Alert
            as="h2"
            severity="error"
            title={problem}
            description={
              errorList.length > 0 ? (
                <ul>
                  {errorList.map(([path, message]) => (
                    <li key={path}>
                      <a href={`#${path === "location" || path.startsWith("location.") ? "champ-location" : fieldDomId(path)}`}>
                        {message}
                      </a>
                    </li>
                  ))}
                </ul>
              ) : undefined
            }
            className="fr-mb-3w"
          />
        )}
      </div>
      {draftNotice && (
        <Alert severity="success" small description={draftNotice} className="fr-mb-3w" role="status" />
      )}
      <form onSubmit={submit} noValidate>
        <Fields fields={fields} answers={answers} onChange={setAnswers} errors={errors} />
        {procedure.location_based && (
          <MapPicker
            map={portal?.map}
            value={place}
            onChange={setPlace}
            error={errors["location"] ?? errors["location.lat"] ?? errors["location.lon"]}
          />
        )}
        <fieldset className="fr-fieldset">
          <legend className="fr-fieldset__legend">Vos coordonnées</legend>
          <p className="fr-hint-text fr-ml-2w">
            Pour vous répondre et vous permettre de suivre votre demande sans compte{"\u202f"}: une adresse électronique ou
            un numéro de téléphone.
          </p>
          <div className="fr-fieldset__element">
            <Input
              label="Nom et prénom"
              state={errors["contact.name"] ? "error" : "default"}
              stateRelatedMessage={errors["contact.name"]}
              nativeInputProps={{
                id: fieldDomId("contact.name"),
                autoComplete: "name",
                value: contact.name,
                onChange: (e) => setContact({ ...contact, name: e.target.value }),
              }}
            />
          </div>
          <div className="fr-fieldset__element">
            <Input
              label="Adresse électronique"
              hintText="Format attendu : nom@domaine.fr"
              state={contactError("email") ? "error" : "default"}
              stateRelatedMessage={contactError("email")}
              nativeInputProps={{
                id: fieldDomId("contact.email"),
                type: "email",
                autoComplete: "email",
                value: contact.email,
                onChange: (e) => setContact({ ...contact, email: e.target.value }),
              }}
            />
          </div>
          <div className="fr-fieldset__element">
            <Input
              label="Téléphone"
              hintText="Par exemple : 06 12 34 56 78"
              state={contactError("phone") ? "error" : "default"}
              stateRelatedMessage={contactError("phone")}
              nativeInputProps={{
                id: fieldDomId("contact.phone"),
                type: "tel",
                autoComplete: "tel",
                value: contact.phone,
                onChange: (e) => setContact({ ...contact, phone: e.target.value }),
              }}
            />
          </div>
        </fieldset>
        <ul className="fr-btns-group fr-btns-group--inline-md">
          <li>
            <Button type="submit" disabled={busy}>
              Envoyer ma demande
            </Button>
          </li>
          <li>
            <Button type="button" priority="secondary" disabled={busy} onClick={saveDraft}>
              Enregistrer le brouillon
            </Button>
          </li>
        </ul>
      </form>
    </>
  );
}

function Receipt({
  procedure,
  request,
  headingRef,
}: {
  procedure: Procedure;
  request: Request;
  headingRef: React.RefObject<HTMLHeadingElement>;
}) {
  const deadline = procedure.deadlines.find((d) => d.legal) ?? procedure.deadlines[0];
  return (
    <>
      <h1 ref={headingRef} tabIndex={-1}>
        Votre demande est envoyée
      </h1>
      <Alert
        as="h2"
        severity="success"
        title={`Référence\u202f: ${request.reference}`}
        description="Notez cette référence : avec l’adresse électronique ou le téléphone que vous avez donné, elle vous permet de suivre votre demande sans compte."
      />
      <h2 className="fr-mt-4w">Et maintenant{"\u202f"}?</h2>
      <ul>
        <li>
          Votre demande «{"\u00a0"}{request.title}{"\u00a0"}» a été transmise au service concerné, qui l’examine.
        </li>
        {request.due_at && (
          <li>
            {deadline ? frenchTypography(deadline.label) : "Échéance"}
            {deadline?.legal ? " (délai légal)" : ""}{"\u202f"}: au plus tard le{" "}
            <strong>{formatLastDay(request.due_at)}</strong>.
          </li>
        )}
        <li>Vous serez informé de chaque étape et pourrez répondre au service depuis la page de suivi.</li>
        <li>Une fois la demande traitée, vous pourrez donner votre avis sur la réponse.</li>
      </ul>
      <ul className="fr-btns-group fr-btns-group--inline-md fr-mt-2w">
        <li>
          <Button linkProps={{ to: `/suivi?reference=${encodeURIComponent(request.reference)}` }}>Suivre ma demande</Button>
        </li>
        <li>
          <Button priority="secondary" linkProps={{ to: "/" }}>
            Faire une autre démarche
          </Button>
        </li>
      </ul>
    </>
  );
}
