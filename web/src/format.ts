// French formats for dates, numbers and durations (Intl, fr-FR, Paris time),
// and the typographic spaces French needs before « : ; ! ? » and inside « ».

const TZ = "Europe/Paris";
const dateFmt = new Intl.DateTimeFormat("fr-FR", { dateStyle: "long", timeZone: TZ });
const dateTimeFmt = new Intl.DateTimeFormat("fr-FR", {
  dateStyle: "long",
  timeStyle: "short",
  timeZone: TZ,
});
const numberFmt = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });
const percentFmt = new Intl.NumberFormat("fr-FR", { style: "percent", maximumFractionDigits: 0 });

export const formatDate = (iso: string) => dateFmt.format(new Date(iso));
export const formatDateTime = (iso: string) => dateTimeFmt.format(new Date(iso));
export const formatNumber = (n: number) => numberFmt.format(n);
export const formatPercent = (share: number) => percentFmt.format(share);

// A deadline's `due_at` is the instant it expires (midnight in Paris after
// the last day): the last day is the date of the instant just before.
export const formatLastDay = (dueAt: string) =>
  dateFmt.format(new Date(new Date(dueAt).getTime() - 1000));

// Hours as « 5 h », « 2 j 4 h » or « 45 min ».
export function formatHours(hours: number): string {
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))}\u00a0min`;
  if (hours < 48) return `${formatNumber(hours)}\u00a0h`;
  const days = Math.floor(hours / 24);
  const rest = Math.round(hours - days * 24);
  return rest ? `${days}\u00a0j ${rest}\u00a0h` : `${days}\u00a0j`;
}

// Narrow no-break space before high punctuation, no-break spaces inside
// guillemets: for text that comes from the server (catalogue, messages).
export function frenchTypography(text: string): string {
  return text
    .replace(/ ([:;!?])/g, "\u202f$1")
    .replace(/« /g, "«\u00a0")
    .replace(/ »/g, "\u00a0»");
}
