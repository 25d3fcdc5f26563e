// The slot picker: a week of slots with their free seats, in the viewer's own zone, the
// provider's zone named beside each time. Picking one places a hold.
import { type SlotOut, bookingPlaceHold, bookingSlots } from "@kairos/client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { call, idempotencyKey } from "../api";
import { useOfferingWithProvider } from "../catalog";
import { addDays, dateTime, day, elsewhere, localDate, money, time, viewerZone } from "../format";
import { Link, navigate } from "../router";
import { useSession } from "../session";
import { Empty, Loading, PageTitle, Problem } from "../ui";

const WEEK = 7;

function seats(slot: SlotOut): string {
  if (slot.free === 0) return "full";
  if (slot.capacity === 1) return "free";
  return `${slot.free} of ${slot.capacity} seats free`;
}

export function Offering({ id }: { id: string }) {
  const session = useSession();
  const today = localDate(new Date());
  // `?from=YYYY-MM-DD` opens another week (a link to a later date); never before today.
  const asked = new URLSearchParams(window.location.search).get("from") ?? "";
  const [from, setFrom] = useState(/^\d{4}-\d{2}-\d{2}$/.test(asked) && asked > today ? asked : today);
  const to = addDays(from, WEEK - 1);
  const { offering, provider } = useOfferingWithProvider(id);
  const slots = useQuery({
    queryKey: ["slots", id, from],
    // The API takes the provider's local dates; the week shown is the viewer's. A day
    // either side covers a viewer in another zone (a viewer's morning can be the
    // provider's evening before), and what falls outside the viewer's week is left out.
    queryFn: () =>
      call(bookingSlots({ path: { offering_id: id }, query: { from: addDays(from, -1), to: addDays(to, 1) } })),
    refetchInterval: 30_000,
  });
  const hold = useMutation({
    mutationFn: (slot: SlotOut) =>
      call(
        bookingPlaceHold({
          body: { offering_id: id, starts_at: slot.starts_at },
          headers: { "Idempotency-Key": idempotencyKey() },
        }),
      ),
    onSuccess: (placed) => navigate(`/holds/${placed.hold_id}`),
    onError: () => slots.refetch(),
  });

  if (offering.isPending) return <Loading what="the session" />;
  if (offering.isError) return <Problem error={offering.error} />;
  const o = offering.data;
  const zone = slots.data?.time_zone ?? provider.data?.time_zone ?? "";
  const byDay = new Map<string, SlotOut[]>();
  for (const slot of slots.data?.slots ?? []) {
    const key = localDate(slot.starts_at);
    if (key < from || key > to) continue;
    byDay.set(key, [...(byDay.get(key) ?? []), slot]);
  }
  const pick = (slot: SlotOut) => {
    if (!session) {
      navigate(`/signin?next=${encodeURIComponent(window.location.pathname)}`);
      return;
    }
    hold.mutate(slot);
  };
  return (
    <>
      <PageTitle>{o.title}</PageTitle>
      <p>
        {o.duration_min} min · {money(o.price_minor, o.currency)} · with{" "}
        {provider.data ? (
          <Link href={`/providers/${o.provider_id}`}>{provider.data.display_name}</Link>
        ) : (
          "…"
        )}
      </p>
      <p className="zones" id="zones">
        Times are shown in your time zone, <strong>{viewerZone}</strong>
        {zone && zone !== viewerZone ? (
          <>
            ; the mentor's time zone is <strong>{zone}</strong>
          </>
        ) : null}
        .
      </p>
      <div className="week-nav">
        <button type="button" onClick={() => setFrom(addDays(from, -WEEK))} disabled={from <= today}>
          Earlier
        </button>
        <span aria-live="polite">
          {day(`${from}T12:00:00Z`, "UTC")} – {day(`${to}T12:00:00Z`, "UTC")}
        </span>
        <button type="button" onClick={() => setFrom(addDays(from, WEEK))}>
          Later
        </button>
      </div>
      <Problem error={hold.error} />
      {slots.isPending ? <Loading what="times" /> : null}
      <Problem error={slots.error} />
      {slots.isSuccess && byDay.size === 0 ? <Empty>No times offered this week.</Empty> : null}
      {[...byDay.entries()].map(([date, list]) => (
        <section key={date} className="day" aria-labelledby={`day-${date}`}>
          <h2 id={`day-${date}`}>{day(list[0].starts_at)}</h2>
          <ul className="slots">
            {list.map((slot) => (
              <li key={slot.starts_at}>
                <button
                  type="button"
                  className="slot"
                  disabled={slot.free === 0 || hold.isPending}
                  onClick={() => pick(slot)}
                  aria-label={[
                    dateTime(slot.starts_at),
                    zone && zone !== viewerZone ? `${elsewhere(slot.starts_at, zone)} ${zone}` : "",
                    seats(slot),
                  ]
                    .filter(Boolean)
                    .join(", ")}
                  aria-describedby="zones"
                >
                  <span className="slot-time">{time(slot.starts_at)}</span>
                  {zone && zone !== viewerZone ? (
                    <span className="slot-zone">
                      {elsewhere(slot.starts_at, zone)} {zone}
                    </span>
                  ) : null}
                  <span className="slot-seats">{seats(slot)}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}
