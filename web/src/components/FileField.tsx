// A file field: each chosen file is sent at once (POST /api/v1/uploads) with
// its progress shown and announced; the answer is the list of upload ids.
import { useId, useState } from "react";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { ApiError, uploadFile } from "../api/client";
import { formatNumber } from "../format";

type Sent = { id: string; name: string };
type Pending = { key: string; name: string; progress: number };

type Props = {
  id: string;
  label: React.ReactNode;
  hint?: string;
  accept?: string[];
  maxItems: number;
  maxBytes?: number;
  value: string[];
  onChange: (ids: string[]) => void;
  error?: string;
};

const sizeText = (bytes: number) =>
  bytes >= 1 << 20 ? `${formatNumber(bytes / (1 << 20))}\u00a0Mo` : `${formatNumber(bytes / 1024)}\u00a0Ko`;

export function FileField({ id, label, hint, accept, maxItems, maxBytes, value, onChange, error }: Props) {
  const hintId = useId();
  const [sent, setSent] = useState<Sent[]>([]);
  const [pending, setPending] = useState<Pending[]>([]);
  const [localError, setLocalError] = useState<string>();
  const shown = error ?? localError;
  // Files of a resumed draft are known by id only.
  const names = new Map(sent.map((s) => [s.id, s.name]));

  async function choose(files: FileList | null) {
    if (!files) return;
    setLocalError(undefined);
    let ids = value;
    for (const file of Array.from(files)) {
      if (ids.length >= maxItems) {
        setLocalError(`${maxItems} fichier${maxItems > 1 ? "s" : ""} au plus.`);
        break;
      }
      if (maxBytes && file.size > maxBytes) {
        setLocalError(`« ${file.name} » dépasse ${sizeText(maxBytes)}.`);
        continue;
      }
      const key = `${file.name}-${Date.now()}`;
      setPending((p) => [...p, { key, name: file.name, progress: 0 }]);
      try {
        const up = await uploadFile(file, (progress) =>
          setPending((p) => p.map((x) => (x.key === key ? { ...x, progress } : x))),
        );
        setSent((s) => [...s, { id: up.id, name: up.filename }]);
        ids = [...ids, up.id];
        onChange(ids);
      } catch (e) {
        setLocalError(e instanceof ApiError ? e.message : `L’envoi de « ${file.name} » a échoué.`);
      } finally {
        setPending((p) => p.filter((x) => x.key !== key));
      }
    }
  }

  return (
    <div className={`fr-upload-group${shown ? " fr-input-group--error" : ""}`} id={`${id}-groupe`}>
      <label className="fr-label" htmlFor={id}>
        {label}
        <span className="fr-hint-text" id={hintId}>
          {hint ? `${hint} ` : ""}
          {accept?.length ? `Formats acceptés\u202f: ${accept.join(", ")}. ` : ""}
          {maxBytes ? `Taille maximale\u202f: ${sizeText(maxBytes)} par fichier.` : ""}
        </span>
      </label>
      <input
        className="fr-upload"
        type="file"
        id={id}
        multiple={maxItems > 1}
        accept={accept?.join(",")}
        aria-describedby={`${hintId}${shown ? ` ${id}-erreur` : ""}`}
        onChange={(e) => {
          void choose(e.target.files);
          e.target.value = "";
        }}
      />
      {shown && (
        <p id={`${id}-erreur`} className="fr-error-text">
          {shown}
        </p>
      )}
      <div aria-live="polite">
        {pending.map((p) => (
          <p key={p.key} className="fr-text--sm fr-mb-1w">
            <label htmlFor={`${id}-${p.key}`}>Envoi de «{"\u00a0"}{p.name}{"\u00a0"}»</label>{" "}
            <progress id={`${id}-${p.key}`} max={100} value={Math.round(p.progress * 100)}>
              {Math.round(p.progress * 100)}{"\u00a0"}%
            </progress>
          </p>
        ))}
      </div>
      {value.length > 0 && (
        <ul className="fr-mt-1w">
          {value.map((fileId) => (
            <li key={fileId}>
              <span className="fr-icon-check-line fr-icon--sm" aria-hidden="true" /> Fichier envoyé{"\u202f"}:{" "}
              {names.get(fileId) ?? fileId}{" "}
              <Button
                type="button"
                priority="tertiary no outline"
                size="small"
                onClick={() => onChange(value.filter((v) => v !== fileId))}
              >
                Retirer «{"\u00a0"}{names.get(fileId) ?? fileId}{"\u00a0"}»
              </Button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
