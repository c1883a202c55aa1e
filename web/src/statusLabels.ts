// Statuses are shown by their French label, never their code: the labels
// come from each procedure's workflow (GET /api/v1/services/{slug}), read
// once per service and kept for the page's life.
import { useEffect, useState } from "react";
import { api } from "./api/client";

type Labels = Record<string, string>;
const cache = new Map<string, Promise<Labels>>();

function labelsOf(service: string): Promise<Labels> {
  let p = cache.get(service);
  if (!p) {
    p = api.procedure(service).then(
      (proc) => Object.fromEntries(proc.workflow.statuses.map((s) => [s.code, s.label])),
      () => ({}),
    );
    cache.set(service, p);
  }
  return p;
}

// The label of a status of `service`, given once known (an ellipsis until
// then; « statut inconnu » when the service no longer declares it).
export function useStatusLabels(services: string[]): (service: string, code: string) => string {
  const [labels, setLabels] = useState<Record<string, Labels>>({});
  const key = Array.from(new Set(services)).sort().join(",");
  useEffect(() => {
    let live = true;
    for (const s of key ? key.split(",") : []) {
      labelsOf(s).then((l) => live && setLabels((prev) => (prev[s] ? prev : { ...prev, [s]: l })));
    }
    return () => {
      live = false;
    };
  }, [key]);
  return (service, code) => {
    const l = labels[service];
    if (!l) return "…";
    return l[code] ?? "statut inconnu";
  };
}
