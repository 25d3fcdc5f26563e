// Before the browser tests: a session that starts one to two minutes from now, booked and
// paid through the API, so that by the time `started.spec.ts` runs (late in the run) it has
// begun and its mentor may mark it. Written to <reports>/started-session.json (null when the
// session would cross midnight in Madrid).
import { writeFileSync, mkdirSync } from "node:fs";

import { type FullConfig, request as playwrightRequest } from "@playwright/test";

import { MENTOR_ZONE, wallClock } from "./support";

export const STARTED_FILE = `${process.env.KAIROS_WEB_REPORTS ?? "../reports/web"}/started-session.json`;

export interface StartedSession {
  mentor: { name: string; email: string };
  mentee: { name: string; email: string };
  title: string;
  bookingId: string;
  startsAt: string;
}

async function ok<T>(what: string, resp: Awaited<ReturnType<Awaited<ReturnType<typeof playwrightRequest.newContext>>["post"]>>): Promise<T> {
  if (!resp.ok()) throw new Error(`${what}: ${resp.status()} ${await resp.text()}`);
  return (resp.status() === 204 ? null : await resp.json()) as T;
}

export default async function globalSetup(config: FullConfig): Promise<void> {
  const baseURL = config.projects[0].use.baseURL;
  mkdirSync(STARTED_FILE.replace(/\/[^/]+$/, ""), { recursive: true });
  if ((process.env.KAIROS_WEB_SUITE ?? "main") !== "main") return; // started.spec.ts runs in main only
  const start = new Date(Math.ceil((Date.now() + 60_000) / 60_000) * 60_000);
  const from = wallClock(start, MENTOR_ZONE);
  const to = wallClock(new Date(start.getTime() + 30 * 60_000), MENTOR_ZONE);
  if (from.weekday !== to.weekday) {
    writeFileSync(STARTED_FILE, "null\n");
    return;
  }
  const api = await playwrightRequest.newContext({ baseURL });
  const id = Math.random().toString(36).slice(2, 8);
  const mentor = { name: `Aalto started ${id}`, email: `mentor-started-${id}@example.org` };
  const mentee = { name: `Kit ${id}`, email: `kit-${id}@example.org` };
  const token = async (role: string, who: { name: string; email: string }) =>
    (await ok<{ token: string }>("token", await api.post("local/tokens", { data: { role, ...who } }))).token;
  const asMentor = { Authorization: `Bearer ${await token("mentor", mentor)}` };
  const asMentee = { Authorization: `Bearer ${await token("mentee", mentee)}` };
  const title = "Started session";
  const provider = await ok<{ provider_id: string }>(
    "provider",
    await api.post("api/booking/providers", { headers: asMentor, data: { display_name: mentor.name, email: mentor.email, time_zone: MENTOR_ZONE } }),
  );
  await ok("availability", await api.put(`api/booking/providers/${provider.provider_id}/availability`, {
    headers: asMentor,
    data: { weekly: [{ weekday: from.weekday, start: from.hhmm, end: to.hhmm }] },
  }));
  const offering = await ok<{ offering_id: string }>(
    "offering",
    await api.post(`api/booking/providers/${provider.provider_id}/offerings`, {
      headers: asMentor,
      data: { title, duration_min: 30, price_minor: 3000, currency: "EUR", capacity: 1, meeting_url: "https://meet.example.org/started" },
    }),
  );
  // the slot's day where the provider is (slots are asked for by the provider's days: from
  // 23:00 to 24:00 UTC, Madrid is already on the next one)
  const day = new Intl.DateTimeFormat("en-CA", { timeZone: MENTOR_ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(start);
  const slots = await ok<{ slots: { starts_at: string }[] }>(
    "slots",
    await api.get(`api/booking/offerings/${offering.offering_id}/slots`, { params: { from: day, to: day } }),
  );
  const slot = slots.slots.find((s) => Date.parse(s.starts_at) === start.getTime());
  if (!slot) throw new Error(`no slot at ${start.toISOString()}: ${JSON.stringify(slots)}`);
  const hold = await ok<{ hold_id: string }>(
    "hold",
    await api.post("api/booking/holds", { headers: asMentee, data: { offering_id: offering.offering_id, starts_at: slot.starts_at } }),
  );
  await ok("checkout", await api.post("api/payments/checkouts", {
    headers: asMentee,
    data: { hold_id: hold.hold_id, payment_method_id: "pm_card_visa" },
  }));
  let bookingId = "";
  for (let i = 0; i < 60 && !bookingId; i++) {
    const mine = await ok<{ items: { booking_id: string; hold_id?: string | null }[] }>(
      "bookings",
      await api.get("api/booking/me/bookings", { headers: asMentee }),
    );
    bookingId = mine.items.find((b) => b.hold_id === hold.hold_id)?.booking_id ?? "";
    if (!bookingId) await new Promise((r) => setTimeout(r, 500));
  }
  if (!bookingId) throw new Error("the seeded booking was never confirmed");
  const seeded: StartedSession = { mentor, mentee, title, bookingId, startsAt: slot.starts_at };
  writeFileSync(STARTED_FILE, JSON.stringify(seeded, null, 2) + "\n");
  await api.dispose();
}
