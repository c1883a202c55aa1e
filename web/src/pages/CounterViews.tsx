// What agents record on a citizen's behalf (/agents/appel, /agents/courrier):
// a phone call or a counter visit, and a postal letter's scan, as a new
// request or onto an existing one. The citizen is found by name, email or
// phone (every lookup is audited by the server) or created on the spot.
import { useEffect, useId, useState } from "react";
import { useNavigate } from "react-router-dom";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { RadioButtons } from "@codegouvfr/react-dsfr/RadioButtons";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { agentApi, ApiError, problemMessage, type Citizen, type Schemas } from "../api/client";
import { FileField } from "../components/FileField";
import { useTitle } from "../useTitle";

type Service = Schemas["Service"];
const SCAN_TYPES = ["application/pdf", "image/jpeg", "image/png"];
const SCAN_MAX_BYTES = 10 * 1024 * 1024;

const describe = (c: Citizen) => [c.name, c.email, c.phone].filter(Boolean).join(" — ");

// Finds a citizen, or creates their record; `value` is the one chosen.
function CitizenPicker({ value, onChange }: { value: Citizen | null; onChange: (c: Citizen | null) => void }) {
  const [q, setQ] = useState("");
  const [found, setFound] = useState<Citizen[] | null>(null);
  const [problem, setProblem] = useState<string>();
  const [creating, setCreating] = useState(false);
  const [draft, setDraft] = useState({ name: "", email: "", phone: "", postal_address: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});

  async function search() {
    setProblem(undefined);
    if (!q.trim()) return;
    try {
      setFound((await agentApi.findCitizens(q.trim())).items);
    } catch (err) {
      setFound(null);
      setProblem(problemMessage(err));
    }
  }

  async function create() {
    setProblem(undefined);
    setErrors({});
    const body = Object.fromEntries(Object.entries(draft).filter(([, v]) => v.trim())) as typeof draft;
    try {
      const c = await agentApi.createCitizen(body);
      onChange(c);
      setCreating(false);
    } catch (err) {
      // Someone has this email or phone already: that is the person.
      const existing = err instanceof ApiError ? (err.problem as { citizen?: Citizen } | null)?.citizen : undefined;
      if (existing) {
        onChange(existing);
        setCreating(false);
        setProblem(`Une fiche existe déjà pour ces coordonnées\u202f: ${describe(existing)}. Elle est sélectionnée.`);
        return;
      }
      if (err instanceof ApiError) setErrors(err.fieldErrors());
      setProblem(problemMessage(err));
    }
  }

  return (
    <fieldset className="fr-fieldset" aria-labelledby="citoyen-legende">
      <legend id="citoyen-legende" className="fr-fieldset__legend">
        Citoyen
      </legend>
      <div className="fr-fieldset__content" style={{ width: "100%" }}>
        {value && (
          <p data-testid="citoyen-choisi">
            <span className="fr-icon-user-line fr-icon--sm" aria-hidden="true" /> Citoyen choisi{"\u202f"}: <strong>{describe(value)}</strong>{" "}
            <Button type="button" priority="tertiary no outline" size="small" onClick={() => onChange(null)}>
              Changer de citoyen
            </Button>
          </p>
        )}
        {!value && !creating && (
          <>
            <div className="guichet-inline-search">
              <Input
                label="Nom, courriel ou téléphone"
                hintText={"Par exemple «\u00a0Dupont\u00a0», «\u00a006 12 34 56 78\u00a0» ou une adresse électronique."}
                nativeInputProps={{
                  type: "search",
                  value: q,
                  onChange: (e) => setQ(e.target.value),
                  onKeyDown: (e) => {
                    if (e.key === "Enter") {
                      e.preventDefault();
                      void search();
                    }
                  },
                }}
              />
              <Button type="button" priority="secondary" onClick={() => void search()}>
                Chercher le citoyen
              </Button>
            </div>
            <div aria-live="polite">
              {found && (
                <p className="fr-mt-2w">
                  {found.length === 0 ? "Aucun citoyen trouvé." : `${found.length} citoyen${found.length > 1 ? "s" : ""} trouvé${found.length > 1 ? "s" : ""}.`}
                </p>
              )}
            </div>
            {found && found.length > 0 && (
              <ul className="guichet-citizens" data-testid="citoyens">
                {found.map((c) => (
                  <li key={c.id}>
                    <Button type="button" priority="tertiary" size="small" onClick={() => onChange(c)}>
                      Choisir {describe(c)}
                    </Button>
                  </li>
                ))}
              </ul>
            )}
            <Button type="button" priority="tertiary" iconId="fr-icon-add-line" className="fr-mt-2w" onClick={() => setCreating(true)}>
              Créer une fiche
            </Button>
          </>
        )}
        {!value && creating && (
          <div className="fr-mt-2w" data-testid="nouvelle-fiche">
            <Input
              label="Nom et prénom"
              state={errors.name ? "error" : "default"}
              stateRelatedMessage={errors.name}
              nativeInputProps={{ value: draft.name, autoComplete: "off", onChange: (e) => setDraft({ ...draft, name: e.target.value }) }}
            />
            <Input
              label="Adresse électronique"
              state={errors.email ? "error" : "default"}
              stateRelatedMessage={errors.email}
              nativeInputProps={{ type: "email", value: draft.email, autoComplete: "off", onChange: (e) => setDraft({ ...draft, email: e.target.value }) }}
            />
            <Input
              label="Téléphone"
              state={errors.phone ? "error" : "default"}
              stateRelatedMessage={errors.phone}
              nativeInputProps={{ type: "tel", value: draft.phone, autoComplete: "off", onChange: (e) => setDraft({ ...draft, phone: e.target.value }) }}
            />
            <Input
              label="Adresse postale"
              state={errors.postal_address ? "error" : "default"}
              stateRelatedMessage={errors.postal_address}
              nativeInputProps={{ value: draft.postal_address, autoComplete: "off", onChange: (e) => setDraft({ ...draft, postal_address: e.target.value }) }}
            />
            <ul className="fr-btns-group fr-btns-group--inline-sm">
              <li>
                <Button type="button" onClick={() => void create()}>
                  Enregistrer la fiche
                </Button>
              </li>
              <li>
                <Button type="button" priority="secondary" onClick={() => setCreating(false)}>
                  Annuler
                </Button>
              </li>
            </ul>
          </div>
        )}
        <div aria-live="assertive">{problem && <Alert severity={value ? "info" : "error"} small description={problem} className="fr-mt-2w" />}</div>
      </div>
    </fieldset>
  );
}

// A new request (service, title) or an existing one (its reference).
function Target({
  services,
  mode,
  setMode,
  fields,
  setFields,
  errors,
}: {
  services: Service[];
  mode: "new" | "existing";
  setMode: (m: "new" | "existing") => void;
  fields: { service: string; title: string; request: string };
  setFields: (f: { service: string; title: string; request: string }) => void;
  errors: Record<string, string>;
}) {
  const name = useId();
  return (
    <>
      <RadioButtons
        legend="Demande"
        name={name}
        orientation="horizontal"
        options={[
          { label: "Nouvelle demande", nativeInputProps: { checked: mode === "new", onChange: () => setMode("new") } },
          { label: "Demande existante", nativeInputProps: { checked: mode === "existing", onChange: () => setMode("existing") } },
        ]}
      />
      {mode === "new" ? (
        <>
          <Select
            label="Service"
            state={errors.service ? "error" : "default"}
            stateRelatedMessage={errors.service}
            nativeSelectProps={{ value: fields.service, onChange: (e) => setFields({ ...fields, service: e.target.value }) }}
          >
            <option value="">Choisissez un service</option>
            {services.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </Select>
          <Input
            label="Titre (facultatif)"
            state={errors.title ? "error" : "default"}
            stateRelatedMessage={errors.title}
            nativeInputProps={{ value: fields.title, onChange: (e) => setFields({ ...fields, title: e.target.value }) }}
          />
        </>
      ) : (
        <Input
          label="Référence de la demande"
          hintText="Par exemple GU-2026-7KQ4MX."
          state={errors.request ? "error" : "default"}
          stateRelatedMessage={errors.request}
          nativeInputProps={{ value: fields.request, onChange: (e) => setFields({ ...fields, request: e.target.value }) }}
        />
      )}
    </>
  );
}

function useServices() {
  const [services, setServices] = useState<Service[]>([]);
  useEffect(() => {
    agentApi.services().then(
      (s) => setServices(s.items),
      () => setServices([]),
    );
  }, []);
  return services;
}

export function ContactView() {
  useTitle("Enregistrer un appel ou une visite");
  const navigate = useNavigate();
  const services = useServices();
  const channelName = useId();
  const [channel, setChannel] = useState<"phone" | "counter">("phone");
  const [citizen, setCitizen] = useState<Citizen | null>(null);
  const [mode, setMode] = useState<"new" | "existing">("new");
  const [fields, setFields] = useState({ service: "", title: "", request: "" });
  const [description, setDescription] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setProblem(undefined);
    setErrors({});
    if (!citizen) {
      setProblem("Choisissez d’abord le citoyen (ou créez sa fiche).");
      return;
    }
    try {
      const rec = await agentApi.recordContact({
        channel,
        citizen_id: citizen.id,
        description: description.trim(),
        ...(mode === "new"
          ? { service: fields.service, ...(fields.title.trim() ? { title: fields.title.trim() } : {}) }
          : { request: fields.request.trim() }),
      });
      navigate(`/agents/demandes/${rec.request.reference}`, {
        state: { notice: rec.created ? "La demande est créée ; l’accusé de réception part vers le citoyen." : "L’échange est ajouté à la demande." },
      });
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
      setProblem(problemMessage(err));
    }
  }

  return (
    <>
      <h1>Enregistrer un appel ou une visite</h1>
      <form onSubmit={submit} className="fr-col-12 fr-col-md-8" noValidate>
        <div aria-live="assertive">{problem && <Alert severity="error" small description={problem} className="fr-mb-3w" />}</div>
        <RadioButtons
          legend="Canal"
          name={channelName}
          orientation="horizontal"
          state={errors.channel ? "error" : "default"}
          stateRelatedMessage={errors.channel}
          options={[
            { label: "Appel téléphonique", nativeInputProps: { checked: channel === "phone", onChange: () => setChannel("phone") } },
            { label: "Visite à l’accueil", nativeInputProps: { checked: channel === "counter", onChange: () => setChannel("counter") } },
          ]}
        />
        <CitizenPicker value={citizen} onChange={setCitizen} />
        <Target services={services} mode={mode} setMode={setMode} fields={fields} setFields={setFields} errors={errors} />
        <Input
          label="Ce que la personne a dit"
          textArea
          state={errors.description ? "error" : "default"}
          stateRelatedMessage={errors.description}
          nativeTextAreaProps={{ rows: 5, value: description, onChange: (e) => setDescription(e.target.value) }}
        />
        <Button type="submit">Enregistrer</Button>
      </form>
    </>
  );
}

export function PostalView() {
  useTitle("Courrier postal");
  const navigate = useNavigate();
  const services = useServices();
  const [files, setFiles] = useState<string[]>([]);
  const [citizen, setCitizen] = useState<Citizen | null>(null);
  const [sender, setSender] = useState("");
  const [mode, setMode] = useState<"new" | "existing">("new");
  const [fields, setFields] = useState({ service: "", title: "", request: "" });
  const [description, setDescription] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setProblem(undefined);
    setErrors({});
    if (files.length === 0) {
      setErrors({ upload_id: "Déposez d’abord le courrier numérisé." });
      setProblem("Le courrier numérisé manque.");
      return;
    }
    try {
      const rec = await agentApi.receiveLetter({
        upload_id: files[0],
        ...(citizen ? { citizen_id: citizen.id } : {}),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(mode === "new"
          ? {
              service: fields.service,
              ...(fields.title.trim() ? { title: fields.title.trim() } : {}),
              ...(!citizen && sender.trim() ? { contact_name: sender.trim() } : {}),
            }
          : { request: fields.request.trim() }),
      });
      navigate(`/agents/demandes/${rec.request.reference}`, {
        state: { notice: "Le courrier est enregistré ; son texte sera extrait dans quelques instants." },
      });
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
      setProblem(problemMessage(err));
    }
  }

  return (
    <>
      <h1>Courrier postal</h1>
      <form onSubmit={submit} className="fr-col-12 fr-col-md-8" noValidate>
        <div aria-live="assertive">{problem && <Alert severity="error" small description={problem} className="fr-mb-3w" />}</div>
        <FileField
          id="scan"
          label="Courrier numérisé"
          hint="Le texte du courrier est extrait automatiquement après l’enregistrement."
          accept={SCAN_TYPES}
          maxItems={1}
          maxBytes={SCAN_MAX_BYTES}
          value={files}
          onChange={setFiles}
          error={errors.upload_id}
        />
        <CitizenPicker value={citizen} onChange={setCitizen} />
        {!citizen && mode === "new" && (
          <Input
            label="Expéditeur sans fiche (facultatif)"
            hintText="Son nom, s’il n’a pas de fiche de citoyen."
            nativeInputProps={{ value: sender, onChange: (e) => setSender(e.target.value) }}
          />
        )}
        <Target services={services} mode={mode} setMode={setMode} fields={fields} setFields={setFields} errors={errors} />
        <Input
          label="Résumé (facultatif)"
          textArea
          state={errors.description ? "error" : "default"}
          stateRelatedMessage={errors.description}
          nativeTextAreaProps={{ rows: 3, value: description, onChange: (e) => setDescription(e.target.value) }}
        />
        <Button type="submit">Enregistrer le courrier</Button>
      </form>
    </>
  );
}
