// Times and money as a person reads them: instants in the viewer's own zone (the
// provider's zone named beside), amounts in their currency.

export const viewerZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function time(iso: string, zone: string = viewerZone): string {
  return new Intl.DateTimeFormat(undefined, {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: zone,
  }).format(new Date(iso));
}

export function day(iso: string, zone: string = viewerZone): string {
  return new Intl.DateTimeFormat(undefined, {
    weekday: "long",
    day: "numeric",
    month: "long",
    timeZone: zone,
  }).format(new Date(iso));
}

export function dateTime(iso: string, zone: string = viewerZone): string {
  return `${day(iso, zone)}, ${time(iso, zone)}`;
}

/** The time in another zone, shown beside the reader's: its day in brackets when that is
 * not the reader's day ("12:30 AM (Wed, Dec 9)"), or a reader would take it for their own. */
export function elsewhere(iso: string, zone: string, reader: string = viewerZone): string {
  if (localDate(iso, zone) === localDate(iso, reader)) return time(iso, zone);
  const date = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", timeZone: zone });
  return `${time(iso, zone)} (${date.format(new Date(iso))})`;
}

/** YYYY-MM-DD of an instant in a zone (the key slots are grouped by). */
export function localDate(iso: string | Date, zone: string = viewerZone): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date(iso));
}

export function money(minor: number, currency: string): string {
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(minor / 100);
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
