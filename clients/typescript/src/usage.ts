// Compiled by `make lint` (tsc --noEmit): the client is usable as a frontend uses it, and
// a change to the API that breaks this is seen before a frontend sees it.
import {
  type BookingOut,
  type HoldOut,
  type ProblemDetails,
  bookingMyBookings,
  bookingPlaceHold,
  bookingSlots,
  paymentsCreateCheckout,
} from "./index";
import { client } from "./generated/client.gen";

export async function holdAndPay(offeringId: string, day: string, token: string): Promise<string> {
  client.setConfig({ baseUrl: "http://127.0.0.1:8080", auth: () => token });
  const slots = await bookingSlots({ path: { offering_id: offeringId }, query: { from: day, to: day } });
  const open = (slots.data?.slots ?? []).find((s) => s.free > 0);
  if (!open) return "nothing free";
  const placed = await bookingPlaceHold({
    body: { offering_id: offeringId, starts_at: open.starts_at },
    headers: { "Idempotency-Key": crypto.randomUUID() },
  });
  if (placed.error) {
    const problem: ProblemDetails = placed.error;
    return `${problem.status} ${problem.type}`;
  }
  const hold: HoldOut = placed.data;
  const paid = await paymentsCreateCheckout({ body: { hold_id: hold.hold_id, method: "card" } });
  return paid.data ? `${hold.offering_title} at ${hold.local_start}: ${paid.data.status}` : "refused";
}

export async function upcoming(): Promise<BookingOut[]> {
  const page = await bookingMyBookings({ query: { when: "upcoming", limit: 50 } });
  return page.data?.items ?? [];
}
