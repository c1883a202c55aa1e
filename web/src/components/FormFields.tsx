// Renders a procedure's form from its definition (GET /api/v1/services/{slug}):
// the twenty field types of docs/procedures.md, conditions (visible_if) and
// repeated blocks. Answers are kept in the JSON shape the server expects;
// errors are keyed by the server's paths ("titre", "enfants[0].nom").
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Select } from "@codegouvfr/react-dsfr/Select";
import { RadioButtons } from "@codegouvfr/react-dsfr/RadioButtons";
import { Checkbox } from "@codegouvfr/react-dsfr/Checkbox";
import { Button } from "@codegouvfr/react-dsfr/Button";
import type { FormField } from "../api/client";
import { frenchTypography } from "../format";
import { FileField } from "./FileField";

export type Answers = Record<string, unknown>;
export type Errors = Record<string, string>;

// The DOM id of a field, from its path: the error summary links to it.
export const fieldDomId = (path: string) => "champ-" + path.replace(/[^A-Za-z0-9_-]/g, "-");

// The answers a condition may look at: this level's, then the enclosing ones.
type Scope = Answers[];

function lookup(scope: Scope, key: string): unknown {
  for (let i = scope.length - 1; i >= 0; i--) {
    if (key in scope[i]) return scope[i][key];
  }
  return undefined;
}

export function isVisible(field: FormField, scope: Scope): boolean {
  const cond = field.visible_if;
  if (!cond) return true;
  const answer = lookup(scope, cond.field);
  if (answer === undefined || answer === null || answer === "") return false;
  const values = cond.values ?? [];
  if (values.length === 0) return Array.isArray(answer) ? answer.length > 0 : true;
  const given = Array.isArray(answer) ? answer.map(String) : [String(answer)];
  return given.some((v) => values.includes(v));
}

// The answers to send: hidden fields and empty answers dropped, so that a
// condition that no longer holds does not leave a stale answer behind.
export function pruneAnswers(fields: FormField[], answers: Answers, outer: Scope = []): Answers {
  const scope = [...outer, answers];
  const out: Answers = {};
  for (const f of fields) {
    if (f.type === "section" || f.type === "explanation") continue;
    if (!isVisible(f, scope)) continue;
    const v = answers[f.key];
    if (v === undefined || v === "" || v === null) continue;
    if (f.type === "repeat" && Array.isArray(v)) {
      out[f.key] = v.map((entry) => pruneAnswers(f.fields ?? [], (entry ?? {}) as Answers, scope));
    } else if (Array.isArray(v) && v.length === 0) {
      continue;
    } else {
      out[f.key] = v;
    }
  }
  return out;
}

type FieldProps = {
  field: FormField;
  path: string;
  value: unknown;
  onChange: (value: unknown) => void;
  errors: Errors;
  scope: Scope;
};

const hintOf = (f: FormField) => (f.hint ? frenchTypography(f.hint) : undefined);
const labelOf = (f: FormField) => (
  <>
    {frenchTypography(f.label)}
    {f.required ? <span aria-hidden="true">{"\u00a0"}*</span> : null}
  </>
);

function FieldView({ field: f, path, value, onChange, errors, scope }: FieldProps) {
  const id = fieldDomId(path);
  const error = errors[path];
  const state = error ? ("error" as const) : ("default" as const);
  const text = typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
  const common = { state, stateRelatedMessage: error, hintText: hintOf(f) };
  const inputProps = (extra: Record<string, unknown> = {}) => ({
    id,
    name: path,
    value: text,
    required: f.required,
    "aria-required": f.required || undefined,
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => onChange(e.target.value),
    ...extra,
  });
  switch (f.type) {
    case "section":
      return <h2 className="fr-h4 fr-mt-4w">{frenchTypography(f.label)}</h2>;
    case "explanation":
      return <p className="fr-text--sm">{frenchTypography(f.hint || f.label)}</p>;
    case "textarea":
      return (
        <Input
          label={labelOf(f)}
          {...common}
          textArea
          nativeTextAreaProps={{
            id,
            name: path,
            value: text,
            required: f.required,
            rows: 5,
            maxLength: f.validation?.max_length,
            onChange: (e) => onChange(e.target.value),
          }}
        />
      );
    case "text":
    case "commune":
    case "siret":
    case "iban":
      return (
        <Input
          label={labelOf(f)}
          {...common}
          nativeInputProps={inputProps({
            type: "text",
            maxLength: f.validation?.max_length,
            autoComplete: "off",
            spellCheck: f.type === "text" ? undefined : false,
          })}
        />
      );
    case "email":
      return <Input label={labelOf(f)} {...common} nativeInputProps={inputProps({ type: "email", autoComplete: "email" })} />;
    case "phone":
      return <Input label={labelOf(f)} {...common} nativeInputProps={inputProps({ type: "tel", autoComplete: "tel" })} />;
    case "integer":
    case "decimal":
      return (
        <Input
          label={labelOf(f)}
          {...common}
          nativeInputProps={inputProps({ type: "text", inputMode: f.type === "integer" ? "numeric" : "decimal" })}
        />
      );
    case "date":
      return (
        <Input
          label={labelOf(f)}
          {...common}
          nativeInputProps={inputProps({
            type: "date",
            min: f.validation?.min_date === "today" ? new Date().toISOString().slice(0, 10) : f.validation?.min_date,
            max: f.validation?.max_date === "today" ? new Date().toISOString().slice(0, 10) : f.validation?.max_date,
          })}
        />
      );
    case "datetime": {
      // The server wants an offset: the local time the citizen typed, made absolute.
      const local = text ? toLocalInput(text) : "";
      return (
        <Input
          label={labelOf(f)}
          {...common}
          nativeInputProps={{
            id,
            name: path,
            type: "datetime-local",
            value: local,
            required: f.required,
            onChange: (e) => onChange(e.target.value ? new Date(e.target.value).toISOString() : ""),
          }}
        />
      );
    }
    case "yes_no":
      return (
        <div id={id} tabIndex={-1}>
          <RadioButtons
            legend={labelOf(f)}
            hintText={hintOf(f)}
            name={path}
            orientation="horizontal"
            state={state}
            stateRelatedMessage={error}
            options={[
              { label: "Oui", nativeInputProps: { value: "true", checked: value === true, onChange: () => onChange(true) } },
              { label: "Non", nativeInputProps: { value: "false", checked: value === false, onChange: () => onChange(false) } },
            ]}
          />
        </div>
      );
    case "checkbox":
      return (
        <div id={id} tabIndex={-1}>
          <Checkbox
            state={state}
            stateRelatedMessage={error}
            options={[
              {
                label: labelOf(f),
                hintText: hintOf(f),
                nativeInputProps: { name: path, checked: value === true, onChange: (e) => onChange(e.target.checked) },
              },
            ]}
          />
        </div>
      );
    case "choice": {
      const options = f.options ?? [];
      if (options.length > 6) {
        return (
          <Select
            label={labelOf(f)}
            hint={hintOf(f)}
            state={state}
            stateRelatedMessage={error}
            nativeSelectProps={{ id, name: path, value: text, required: f.required, onChange: (e) => onChange(e.target.value) }}
          >
            <option value="" disabled>
              Sélectionnez une option
            </option>
            {options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </Select>
        );
      }
      return (
        <div id={id} tabIndex={-1}>
          <RadioButtons
            legend={labelOf(f)}
            hintText={hintOf(f)}
            name={path}
            state={state}
            stateRelatedMessage={error}
            options={options.map((o) => ({
              label: o.label,
              nativeInputProps: { value: o.value, checked: value === o.value, onChange: () => onChange(o.value) },
            }))}
          />
        </div>
      );
    }
    case "multiple_choice": {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      return (
        <div id={id} tabIndex={-1}>
          <Checkbox
            legend={labelOf(f)}
            hintText={hintOf(f)}
            state={state}
            stateRelatedMessage={error}
            options={(f.options ?? []).map((o) => ({
              label: o.label,
              nativeInputProps: {
                name: path,
                value: o.value,
                checked: chosen.includes(o.value),
                onChange: (e) =>
                  onChange(e.target.checked ? [...chosen, o.value] : chosen.filter((v) => v !== o.value)),
              },
            }))}
          />
        </div>
      );
    }
    case "address": {
      const label = typeof value === "object" && value ? String((value as { label?: string }).label ?? "") : text;
      return (
        <Input
          label={labelOf(f)}
          {...common}
          nativeInputProps={{
            id,
            name: path,
            type: "text",
            autoComplete: "street-address",
            value: label,
            required: f.required,
            onChange: (e) => onChange(e.target.value ? { label: e.target.value } : ""),
          }}
        />
      );
    }
    case "file":
      return (
        <FileField
          id={id}
          label={labelOf(f)}
          hint={hintOf(f)}
          accept={f.accept}
          maxItems={f.max_items ?? 10}
          maxBytes={f.max_file_bytes}
          value={Array.isArray(value) ? (value as string[]) : []}
          onChange={onChange}
          error={error}
        />
      );
    case "repeat": {
      const entries = Array.isArray(value) ? (value as Answers[]) : [];
      const max = f.max_items ?? 20;
      return (
        <fieldset className="fr-fieldset" id={id} tabIndex={-1} aria-describedby={error ? `${id}-erreur` : undefined}>
          <legend className="fr-fieldset__legend">{labelOf(f)}</legend>
          {f.hint && <p className="fr-hint-text fr-ml-2w">{hintOf(f)}</p>}
          {error && (
            <p id={`${id}-erreur`} className="fr-error-text fr-ml-2w">
              {error}
            </p>
          )}
          {entries.map((entry, i) => (
            <div key={i} className="fr-fieldset__element fr-p-2w fr-mb-2w" style={{ border: "1px solid var(--border-default-grey)" }}>
              <h3 className="fr-h6">
                {frenchTypography(f.label)} — entrée {i + 1}
              </h3>
              <Fields
                fields={f.fields ?? []}
                answers={entry ?? {}}
                onChange={(next) => onChange(entries.map((e, j) => (j === i ? next : e)))}
                errors={errors}
                prefix={`${path}[${i}].`}
                scope={scope}
              />
              <Button
                type="button"
                priority="secondary"
                size="small"
                iconId="fr-icon-delete-line"
                onClick={() => onChange(entries.filter((_, j) => j !== i))}
              >
                Retirer l’entrée {i + 1}
              </Button>
            </div>
          ))}
          {entries.length < max && (
            <div className="fr-fieldset__element">
              <Button type="button" priority="tertiary" iconId="fr-icon-add-line" onClick={() => onChange([...entries, {}])}>
                Ajouter une entrée
              </Button>
            </div>
          )}
        </fieldset>
      );
    }
    default:
      return <Input label={labelOf(f)} {...common} nativeInputProps={inputProps({ type: "text" })} />;
  }
}

// "2026-07-14T19:30:00Z" → the value of a datetime-local input, in local time.
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

type FieldsProps = {
  fields: FormField[];
  answers: Answers;
  onChange: (answers: Answers) => void;
  errors: Errors;
  prefix?: string;
  scope?: Scope;
};

export function Fields({ fields, answers, onChange, errors, prefix = "", scope = [] }: FieldsProps) {
  const here = [...scope, answers];
  return (
    <>
      {fields.map((f) =>
        isVisible(f, here) ? (
          <div key={f.key} className="fr-mb-3w">
            <FieldView
              field={f}
              path={prefix + f.key}
              value={answers[f.key]}
              onChange={(v) => onChange({ ...answers, [f.key]: v })}
              errors={errors}
              scope={here}
            />
          </div>
        ) : null,
      )}
    </>
  );
}
