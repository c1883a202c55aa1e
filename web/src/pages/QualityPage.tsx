// The public quality page: per procedure, requests received, median time
// to a first answer and to resolution, share handled within the
// commitment, satisfaction — last 30 days or 12 months —, as a table (the
// accessible reference), a chart (Chart.js) and a CSV download.
import { useEffect, useRef, useState } from "react";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { SegmentedControl } from "@codegouvfr/react-dsfr/SegmentedControl";
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { api, type QualityReport } from "../api/client";
import { formatDateTime, formatHours, formatNumber, formatPercent } from "../format";
import { useTitle } from "../useTitle";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

type Period = "last_30_days" | "last_12_months";
const periodLabel: Record<Period, string> = { last_30_days: "30 derniers jours", last_12_months: "12 derniers mois" };
const dash = "—";

export function QualityPage() {
  useTitle("Qualité du service");
  const [report, setReport] = useState<QualityReport | null>(null);
  const [error, setError] = useState<string>();
  const [period, setPeriod] = useState<Period>("last_30_days");
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    api.quality().then(setReport, (e) => setError(e.message));
  }, []);

  const rows = report?.items ?? [];
  useEffect(() => {
    if (!canvas.current || rows.length === 0) return;
    const chart = new Chart(canvas.current, {
      type: "bar",
      data: {
        labels: rows.map((r) => r.name),
        datasets: [
          {
            label: "Demandes reçues",
            data: rows.map((r) => r[period].received),
            backgroundColor: "#000091",
          },
          {
            label: "Demandes traitées dans le délai annoncé",
            data: rows.map((r) => Math.round((r[period].within_commitment ?? 0) * r[period].commitment_base)),
            backgroundColor: "#18753c",
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: "y",
        locale: "fr-FR",
        animation: false,
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    return () => chart.destroy();
  }, [rows, period]);

  return (
    <>
      <h1>Qualité du service</h1>
      <p className="fr-text--lead">
        La mairie publie ses délais de réponse et la satisfaction des usagers, démarche par démarche. Les chiffres sont
        calculés à partir des demandes reçues, au moment où vous consultez cette page.
      </p>
      {error && <Alert severity="error" small description={`Les chiffres n’ont pas pu être chargés\u202f: ${error}`} />}
      {!report && !error && <p role="status">Chargement des chiffres…</p>}
      {report && (
        <>
          <SegmentedControl
            legend="Période"
            segments={[
              {
                label: periodLabel.last_30_days,
                nativeInputProps: { checked: period === "last_30_days", onChange: () => setPeriod("last_30_days") },
              },
              {
                label: periodLabel.last_12_months,
                nativeInputProps: { checked: period === "last_12_months", onChange: () => setPeriod("last_12_months") },
              },
            ]}
          />
          <p className="fr-text--sm fr-mt-2w">Chiffres calculés le {formatDateTime(report.generated_at)}.</p>
          <h2>Demandes reçues et traitées dans le délai annoncé</h2>
          <div className="guichet-chart">
            <canvas
              ref={canvas}
              role="img"
              aria-label={`Graphique : demandes reçues et traitées dans le délai annoncé, ${periodLabel[period]}. Les mêmes chiffres figurent dans le tableau ci-dessous.`}
            />
          </div>
          <h2 className="fr-mt-4w">Tous les chiffres</h2>
          <div className="fr-table guichet-table-wrap" data-testid="tableau-qualite">
            <table tabIndex={0}>
              <caption>Qualité du service par démarche, {periodLabel[period]}</caption>
              <thead>
                <tr>
                  <th scope="col">Démarche</th>
                  <th scope="col">Demandes reçues</th>
                  <th scope="col">Délai médian de première réponse</th>
                  <th scope="col">Délai médian de résolution</th>
                  <th scope="col">Traitées dans le délai annoncé</th>
                  <th scope="col">Satisfaction (sur 5)</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const f = r[period];
                  return (
                    <tr key={r.service}>
                      <th scope="row">{r.name}</th>
                      <td>{formatNumber(f.received)}</td>
                      <td>{f.median_first_answer_hours === null ? dash : formatHours(f.median_first_answer_hours)}</td>
                      <td>{f.median_resolution_hours === null ? dash : formatHours(f.median_resolution_hours)}</td>
                      <td>
                        {f.within_commitment === null
                          ? dash
                          : `${formatPercent(f.within_commitment)} (${formatNumber(f.commitment_base)} demande${f.commitment_base > 1 ? "s" : ""})`}
                      </td>
                      <td>
                        {f.satisfaction === null
                          ? dash
                          : `${formatNumber(f.satisfaction)} (${formatNumber(f.ratings)} avis)`}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Button
            priority="secondary"
            iconId="fr-icon-download-line"
            linkProps={{ to: "/api/v1/quality?format=csv", reloadDocument: true, download: "qualite.csv" }}
          >
            Télécharger les données (CSV)
          </Button>
          <h2 className="fr-mt-4w">Comment ces chiffres sont calculés</h2>
          <ul>
            <li>Une demande compte dans la période où elle a été reçue.</li>
            <li>
              La première réponse est le premier message envoyé ou changement de statut fait par un agent{"\u202f"}; l’accusé
              de réception automatique n’en est pas une.
            </li>
            <li>La résolution est le passage de la demande dans un statut final (résolue, refusée, close).</li>
            <li>
              «{"\u00a0"}Dans le délai annoncé{"\u00a0"}»{"\u202f"}: résolue au plus tard à son échéance, parmi les demandes
              résolues ou dont l’échéance est passée.
            </li>
            <li>La satisfaction est la moyenne des notes (de 1 à 5) données par les usagers après la réponse.</li>
          </ul>
        </>
      )}
    </>
  );
}
