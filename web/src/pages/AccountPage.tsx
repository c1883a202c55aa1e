// Citizen accounts (/compte): sign-up, login by password or magic link,
// then « Mes demandes » (status, deadline, the whole timeline as the citizen
// sees it, replies, documents and the rating of a finished request, through
// the /track routes with the session as proof), « Rattacher une demande »
// made without an account, notification preferences and logout.
// /connexion/lien and /compte/verifier open a session from a mail's link.
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { FranceConnectButton } from "@codegouvfr/react-dsfr/FranceConnectButton";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import {
  accountApi,
  agentApi,
  api,
  ApiError,
  setCsrfToken,
  type CitizenProfile,
  type Request,
  type TrackedRequest,
} from "../api/client";
import { formatLastDay, frenchTypography } from "../format";
import { usePortal } from "../PortalContext";
import { useStatusLabels } from "../statusLabels";
import { useTitle } from "../useTitle";
import { TrackedView } from "./TrackPage";

const messageOf = (err: unknown) =>
  err instanceof ApiError ? err.message : "Le serveur n’a pas pu être joint. Vérifiez votre connexion et réessayez.";

// The server sends a browser back here with ?oidc_error=CODE when the
// FranceConnect login fails (see /api/v1/auth/oidc/callback in the OpenAPI document).
const oidcErrors: Record<string, string> = {
  annulee: "La connexion avec FranceConnect a été annulée ; vous n’êtes pas connecté.",
  navigateur: "Cette connexion avec FranceConnect n’a pas été commencée depuis ce navigateur ; veuillez recommencer.",
  incomplete: "La réponse de FranceConnect était incomplète ; veuillez recommencer.",
  refusee: "La connexion avec FranceConnect a échoué ; veuillez recommencer.",
  indisponible: "La connexion avec FranceConnect est indisponible pour le moment ; réessayez plus tard ou connectez-vous autrement.",
};
const oidcStart = "/api/v1/auth/oidc/start";


export function AccountPage() {
  useTitle("Mon compte");
  const [profile, setProfile] = useState<CitizenProfile | null | undefined>(undefined);
  const refresh = () =>
    agentApi
      .session()
      .then(async (s) => {
        setCsrfToken(s.csrf_token);
        setProfile(s.kind === "citizen" ? await accountApi.me() : null);
      })
      .catch(() => setProfile(null));
  useEffect(() => {
    void refresh();
  }, []);
  return (
    <>
      <h1>Mon compte</h1>
      {profile === undefined && <p>Chargement…</p>}
      {profile === null && <SignIn onSignedIn={refresh} />}
      {profile && (
        <SignedIn
          profile={profile}
          onProfile={setProfile}
          onLogout={() => {
            agentApi.logout().finally(() => {
              setCsrfToken(undefined);
              setProfile(null);
            });
          }}
        />
      )}
    </>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const portal = usePortal();
  const [params] = useSearchParams();
  const oidcError = params.get("oidc_error");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [mode, setMode] = useState<"login" | "magic" | "signup">("login");
  const [problem, setProblem] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [errors, setErrors] = useState<Record<string, string>>({});

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setProblem(undefined);
    setNotice(undefined);
    setErrors({});
    try {
      if (mode === "login") {
        const s = await accountApi.login({ email: email.trim(), password });
        setCsrfToken(s.csrf_token);
        onSignedIn();
      } else if (mode === "magic") {
        await accountApi.magicLink(email.trim());
        setNotice("Si l’adresse correspond à un compte, un lien de connexion vient d’y être envoyé (valable 15 minutes).");
      } else {
        await accountApi.signup({ email: email.trim(), password, ...(name.trim() ? { name: name.trim() } : {}) });
        setNotice("Un message de confirmation vient d’être envoyé : ouvrez son lien pour activer votre compte.");
      }
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
      setProblem(messageOf(err));
    }
  }

  const submitLabel = mode === "login" ? "Se connecter" : mode === "magic" ? "Recevoir un lien de connexion" : "Créer mon compte";
  return (
    <>
      <p>Un compte permet de retrouver toutes vos demandes et de choisir comment la mairie vous prévient. Il n’est pas nécessaire pour suivre une demande.</p>
      {oidcError && (
        <Alert
          severity="error"
          small
          description={oidcErrors[oidcError] ?? oidcErrors.refusee}
          className="fr-mb-3w"
          role="alert"
        />
      )}
      {portal?.oidc_login && (
        <section aria-labelledby="franceconnect-titre" className="fr-mb-4w">
          <h2 id="franceconnect-titre" className="fr-h5">
            Avec FranceConnect
          </h2>
          <p>FranceConnect vous connecte avec un compte que vous avez déjà (impots.gouv.fr, ameli.fr, l’Identité Numérique La Poste…).</p>
          <FranceConnectButton url={oidcStart} />
        </section>
      )}
      {portal?.oidc_login && <h2 className="fr-h5">Ou avec votre adresse électronique</h2>}
      <ul className="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm">
        <li>
          <Button priority={mode === "login" ? "primary" : "tertiary"} onClick={() => setMode("login")} nativeButtonProps={{ "aria-pressed": mode === "login" }}>
            Mot de passe
          </Button>
        </li>
        <li>
          <Button priority={mode === "magic" ? "primary" : "tertiary"} onClick={() => setMode("magic")} nativeButtonProps={{ "aria-pressed": mode === "magic" }}>
            Lien par courriel
          </Button>
        </li>
        <li>
          <Button priority={mode === "signup" ? "primary" : "tertiary"} onClick={() => setMode("signup")} nativeButtonProps={{ "aria-pressed": mode === "signup" }}>
            Créer un compte
          </Button>
        </li>
      </ul>
      <div aria-live="assertive">
        {problem && <Alert severity="error" small description={problem} className="fr-mb-3w" />}
        {notice && <Alert severity="success" small description={notice} className="fr-mb-3w" />}
      </div>
      <form onSubmit={submit} noValidate className="fr-col-12 fr-col-md-6">
        {mode === "signup" && (
          <Input label="Nom et prénom (facultatif)" nativeInputProps={{ autoComplete: "name", value: name, onChange: (e) => setName(e.target.value) }} />
        )}
        <Input
          label="Adresse électronique"
          state={errors.email ? "error" : "default"}
          stateRelatedMessage={errors.email}
          nativeInputProps={{ type: "email", autoComplete: "email", value: email, onChange: (e) => setEmail(e.target.value) }}
        />
        {mode !== "magic" && (
          <Input
            label="Mot de passe"
            hintText={mode === "signup" ? "Au moins 12 caractères, sans votre nom ni votre adresse." : undefined}
            state={errors.password ? "error" : "default"}
            stateRelatedMessage={errors.password}
            nativeInputProps={{
              type: "password",
              autoComplete: mode === "signup" ? "new-password" : "current-password",
              value: password,
              onChange: (e) => setPassword(e.target.value),
            }}
          />
        )}
        <Button type="submit">{submitLabel}</Button>
      </form>
    </>
  );
}

function SignedIn({ profile, onProfile, onLogout }: { profile: CitizenProfile; onProfile: (p: CitizenProfile) => void; onLogout: () => void }) {
  const [requests, setRequests] = useState<Request[] | null>(null);
  const [open, setOpen] = useState<TrackedRequest | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const label = useStatusLabels((requests ?? []).map((r) => r.service));
  const [channel, setChannel] = useState(profile.preferred_channel);
  const [phone, setPhone] = useState(profile.phone ?? "");
  const [postal, setPostal] = useState(profile.postal_address ?? "");
  const [problem, setProblem] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const list = () => accountApi.requests().then((p) => setRequests(p.items), (e) => setProblem(messageOf(e)));
  useEffect(() => {
    void list();
  }, []);
  useEffect(() => {
    if (open) heading.current?.focus();
  }, [open?.reference]);

  // The session is the proof: no contact is asked for the account's own requests.
  async function show(reference: string) {
    setProblem(undefined);
    try {
      setOpen(await api.track({ reference }));
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setProblem(undefined);
    setNotice(undefined);
    try {
      onProfile(await accountApi.updateMe({ preferred_channel: channel, phone: phone.trim(), postal_address: postal.trim() }));
      setNotice("Vos préférences sont enregistrées.");
    } catch (err) {
      setProblem(messageOf(err));
    }
  }

  return (
    <>
      <p>
        Connecté en tant que <strong>{profile.name || profile.email}</strong> ({profile.email}).{" "}
        <Button priority="tertiary" size="small" onClick={onLogout}>
          Se déconnecter
        </Button>
      </p>
      <div aria-live="assertive">
        {problem && <Alert severity="error" small description={problem} className="fr-mb-3w" />}
        {notice && <Alert severity="success" small description={notice} className="fr-mb-3w" />}
      </div>
      <h2>Mes demandes</h2>
      {requests && requests.length === 0 && (
        <p>
          Aucune demande pour l’instant. <Link to="/">Faire une démarche</Link>
        </p>
      )}
      {requests && requests.length > 0 && !open && (
        <ul data-testid="mes-demandes">
          {requests.map((r) => (
            <li key={r.id} className="fr-mb-2w">
              <strong>{r.reference}</strong> — {frenchTypography(r.title)} — statut{"\u202f"}: <span data-testid={`statut-${r.reference}`}>{label(r.service, r.status)}</span>
              {r.due_at && !["resolved", "rejected", "closed"].includes(r.category) && <> — au plus tard le {formatLastDay(r.due_at)}</>}{" "}
              <Button priority="secondary" size="small" onClick={() => show(r.reference)}>
                {`Ouvrir la demande ${r.reference}`}
              </Button>
            </li>
          ))}
        </ul>
      )}
      {open && (
        <section className="fr-mb-6w" data-testid="ma-demande">
          <TrackedView
            request={open}
            proof={{ reference: open.reference }}
            headingRef={heading}
            reload={async () => setOpen(await api.track({ reference: open.reference }))}
            close={() => {
              setOpen(null);
              void list();
            }}
            closeLabel="Revenir à mes demandes"
          />
        </section>
      )}
      {!open && <AttachForm onAttached={list} />}
      <h2>Mes préférences de notification</h2>
      <form onSubmit={save} className="fr-col-12 fr-col-md-6">
        <Select label="Être prévenu par" nativeSelectProps={{ value: channel, onChange: (e) => setChannel(e.target.value as typeof channel) }}>
          <option value="email">Courriel</option>
          <option value="sms">SMS</option>
          <option value="postal">Courrier</option>
        </Select>
        <Input label="Téléphone (pour les SMS)" nativeInputProps={{ type: "tel", autoComplete: "tel", value: phone, onChange: (e) => setPhone(e.target.value) }} />
        <Input label="Adresse postale (pour les courriers)" nativeInputProps={{ autoComplete: "street-address", value: postal, onChange: (e) => setPostal(e.target.value) }} />
        <Button type="submit">Enregistrer mes préférences</Button>
      </form>
    </>
  );
}

// /connexion/lien?token=… and /compte/verifier?token=…: the link of a mail
// opens a session, then the account page.
export function MailLinkPage({ kind }: { kind: "magic" | "verify" }) {
  useTitle(kind === "magic" ? "Connexion par lien" : "Confirmation du compte");
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    const token = params.get("token") ?? "";
    (kind === "magic" ? accountApi.consumeMagicLink(token) : accountApi.verify(token)).then(
      (s) => {
        setCsrfToken(s.csrf_token);
        navigate("/compte", { replace: true });
      },
      (e) => setProblem(messageOf(e)),
    );
  }, []);
  return (
    <>
      <h1>{kind === "magic" ? "Connexion par lien" : "Confirmation du compte"}</h1>
      <div aria-live="assertive">
        {problem ? (
          <Alert severity="error" small description={`${problem} Demandez un nouveau lien depuis « Mon compte ».`} />
        ) : (
          <p>Vérification du lien…</p>
        )}
      </div>
      <p>
        <Link to="/compte">Aller à « Mon compte »</Link>
      </p>
    </>
  );
}

// « Rattacher une demande »: one made without an account becomes the
// account's, proven by its reference and the contact given when filing it.
function AttachForm({ onAttached }: { onAttached: () => Promise<unknown> }) {
  const [reference, setReference] = useState("");
  const [contact, setContact] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setErrors({});
    setProblem(undefined);
    setNotice(undefined);
    setBusy(true);
    try {
      const r = await accountApi.attach({ reference: reference.trim(), contact: contact.trim() });
      setNotice(`La demande ${r.reference} est rattachée à votre compte.`);
      setReference("");
      setContact("");
      await onAttached();
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
      setProblem(messageOf(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="fr-mb-6w" aria-labelledby="titre-rattacher">
      <h2 id="titre-rattacher">Rattacher une demande</h2>
      <p>
        Une demande faite sans compte (sur le site, par courriel, par téléphone ou au guichet) peut rejoindre «{"\u00a0"}Mes demandes{"\u00a0"}»{"\u202f"}: indiquez sa référence et
        l’adresse électronique ou le téléphone donné lors du dépôt.
      </p>
      <div aria-live="assertive">
        {problem && <Alert severity="error" small description={problem} className="fr-mb-3w" />}
        {notice && <Alert severity="success" small description={notice} className="fr-mb-3w" />}
      </div>
      <form onSubmit={submit} noValidate className="fr-col-12 fr-col-md-6">
        <Input
          label="Référence de la demande à rattacher"
          state={errors.reference ? "error" : "default"}
          stateRelatedMessage={errors.reference}
          nativeInputProps={{ id: "rattacher-reference", value: reference, autoComplete: "off", spellCheck: false, onChange: (e) => setReference(e.target.value) }}
        />
        <Input
          label="Adresse électronique ou téléphone donné lors du dépôt"
          state={errors.contact ? "error" : "default"}
          stateRelatedMessage={errors.contact}
          nativeInputProps={{ id: "rattacher-contact", value: contact, autoComplete: "email", onChange: (e) => setContact(e.target.value) }}
        />
        <Button type="submit" disabled={busy}>
          Rattacher à mon compte
        </Button>
      </form>
    </section>
  );
}
