// The mentee's upcoming sessions, updated live; each confirmed one-time session can be
// cancelled (the refund the policy gives is shown before confirming) or moved to another
// free time of the same offering.
import {
  type BookingOut,
  type OfferingOut,
  attendanceJoin,
  bookingCancel,
  bookingGetOffering,
  bookingMyBookings,
  bookingReschedule,
  bookingSlots,
} from "@kairos/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { ApiProblem, call, idempotencyKey } from "../api";
import { addDays, dateTime, elsewhere, localDate, money } from "../format";
import { useLiveBookings } from "../live";
import { Link } from "../router";
import { useSession } from "../session";
import { Empty, Loading, PageTitle, Problem } from "../ui";

/** What cancelling now gives back, by the offering's policy (booking's own rule: a full
 * refund up to `refund_full_hours_before` hours before the start, nothing after). */
export function refundNow(b: BookingOut, o: OfferingOut, now = Date.now()): { amount: number; until: string } {
  const deadline = Date.parse(b.starts_at) - o.refund_full_hours_before * 3600_000;
  return { amount: now <= deadline ? b.amount_minor : 0, until: new Date(deadline).toISOString() };
}

function useOffering(id: string) {
  return useQuery({
    queryKey: ["offering", id],
    queryFn: () => call(bookingGetOffering({ path: { offering_id: id } })),
  });
}

function Cancel({ b, onDone }: { b: BookingOut; onDone: () => void }) {
  const offering = useOffering(b.offering_id);
  const queries = useQueryClient();
  const cancel = useMutation({
    mutationFn: () =>
      call(
        bookingCancel({
          path: { booking_id: b.booking_id },
          body: {},
          headers: { "Idempotency-Key": idempotencyKey() },
        }),
      ),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["my-bookings"] }),
  });
  if (cancel.isSuccess) {
    const back = cancel.data.refund_amount_minor ?? 0;
    return (
      <p role="status" className="status confirmed">
        Cancelled.{" "}
        {back > 0 ? `${money(back, b.currency)} will be refunded.` : "Nothing is refunded."}
      </p>
    );
  }
  if (offering.isPending) return <Loading what="the cancellation policy" />;
  if (offering.isError) return <Problem error={offering.error} />;
  const refund = refundNow(b, offering.data);
  return (
    <div className="confirm" role="group" aria-label={`Cancel ${b.offering_title}`}>
      <p>
        {refund.amount > 0
          ? `Cancelling now gives you back ${money(refund.amount, b.currency)} (a full refund until ${dateTime(refund.until)}).`
          : `Cancelling now refunds nothing: full refunds end ${offering.data.refund_full_hours_before} hours before the start.`}
      </p>
      <Problem error={cancel.error} />
      <div className="row">
        <button type="button" className="danger" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
          {cancel.isPending ? "Cancelling…" : "Yes, cancel it"}
        </button>
        <button type="button" className="secondary" onClick={onDone} disabled={cancel.isPending}>
          Keep it
        </button>
      </div>
    </div>
  );
}

function Reschedule({ b, onDone }: { b: BookingOut; onDone: () => void }) {
  const queries = useQueryClient();
  // The days around the session's own (from today on).
  const today = localDate(new Date());
  const around = addDays(localDate(b.starts_at), -3);
  const from = around > today ? around : today;
  const to = addDays(from, 7);
  const slots = useQuery({
    queryKey: ["slots", b.offering_id, from, to],
    queryFn: () => call(bookingSlots({ path: { offering_id: b.offering_id }, query: { from, to } })),
  });
  const move = useMutation({
    mutationFn: (startsAt: string) =>
      call(
        bookingReschedule({
          path: { booking_id: b.booking_id },
          body: { starts_at: startsAt },
          headers: { "Idempotency-Key": idempotencyKey() },
        }),
      ),
    onSuccess: () => {
      queries.invalidateQueries({ queryKey: ["my-bookings"] });
      onDone();
    },
  });
  const free = (slots.data?.slots ?? []).filter((s) => s.free > 0 && s.starts_at !== b.starts_at).slice(0, 24);
  return (
    <div className="confirm" role="group" aria-label={`Move ${b.offering_title}`}>
      <p>Move this session to another free time (the same price; nothing is charged again):</p>
      {slots.isPending ? <Loading what="free times" /> : null}
      <Problem error={slots.error} />
      <Problem error={move.error} />
      {slots.isSuccess && free.length === 0 ? <Empty>No other free time around this session's day.</Empty> : null}
      <ul className="slots">
        {free.map((s) => (
          <li key={s.starts_at}>
            <button
              type="button"
              className="slot"
              disabled={move.isPending}
              onClick={() => move.mutate(s.starts_at)}
              aria-label={`Move to ${dateTime(s.starts_at)}`}
            >
              <span className="slot-time">{dateTime(s.starts_at)}</span>
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="secondary" onClick={onDone}>
        Keep the current time
      </button>
    </div>
  );
}

/** Joining: inside the window (from a few minutes before the start to a few after) the
 * meeting room's link and presence recorded; outside it, the API's reason and when the
 * window opens. Attendance hears of a booking a moment after it is made: a 404 then is
 * tried again a few times. */
function Join({ b }: { b: BookingOut }) {
  const join = useMutation({
    mutationFn: () =>
      call(attendanceJoin({ path: { booking_id: b.booking_id }, headers: { "Idempotency-Key": idempotencyKey() } })),
    retry: (count, error) => error instanceof ApiProblem && error.status === 404 && count < 10,
    retryDelay: 1000,
  });
  const opensAt = join.error instanceof ApiProblem ? join.error.problem.opens_at : undefined;
  return (
    <div>
      {join.isSuccess ? (
        <p role="status" className="status confirmed">
          You are in: your presence is recorded.{" "}
          {join.data.meeting_url ? (
            <a href={join.data.meeting_url} target="_blank" rel="noreferrer">
              Open the meeting room
            </a>
          ) : (
            "This session has no online meeting room."
          )}
        </p>
      ) : (
        <button type="button" onClick={() => join.mutate()} disabled={join.isPending}>
          {join.isPending ? "Joining…" : "Join the session"}
        </button>
      )}
      <Problem error={join.error} />
      {typeof opensAt === "string" ? <p className="muted">You can join from {dateTime(opensAt)}.</p> : null}
    </div>
  );
}

function Booking({ b }: { b: BookingOut }) {
  const [open, setOpen] = useState<"cancel" | "move" | null>(null);
  const changeable = b.status === "confirmed" && !b.subscription_id && Date.parse(b.starts_at) > Date.now();
  return (
    <li className="card">
      <h2>{b.offering_title}</h2>
      <p>
        {dateTime(b.starts_at)} · {elsewhere(b.starts_at, b.provider_time_zone)} in {b.provider_time_zone} · with{" "}
        {b.provider_name}
      </p>
      <p>
        <span className={`badge ${b.status}`}>{b.status}</span> · {money(b.amount_minor, b.currency)}
        {b.payment_method === "credits" ? " (paid with credits)" : ""}
      </p>
      {b.status === "confirmed" && Date.parse(b.ends_at) > Date.now() ? <Join b={b} /> : null}
      {changeable && open === null ? (
        <div className="row">
          <button type="button" className="secondary" onClick={() => setOpen("move")}>
            Reschedule
          </button>
          <button type="button" className="secondary" onClick={() => setOpen("cancel")}>
            Cancel…
          </button>
        </div>
      ) : null}
      {open === "cancel" ? <Cancel b={b} onDone={() => setOpen(null)} /> : null}
      {open === "move" ? <Reschedule b={b} onDone={() => setOpen(null)} /> : null}
    </li>
  );
}

export function MyBookings() {
  const session = useSession();
  const queries = useQueryClient();
  const bookings = useQuery({
    queryKey: ["my-bookings"],
    queryFn: () => call(bookingMyBookings({ query: { when: "upcoming", limit: 200 } })),
    enabled: !!session,
  });
  const live = useLiveBookings(!!session, () => {
    queries.invalidateQueries({ queryKey: ["my-bookings"] });
  });
  if (!session)
    return (
      <>
        <PageTitle>My bookings</PageTitle>
        <p>
          <Link href="/signin?next=/bookings">Sign in</Link> to see your bookings.
        </p>
      </>
    );
  const items = bookings.data?.items ?? [];
  return (
    <>
      <PageTitle>My bookings</PageTitle>
      <p className="muted" role="status" aria-live="polite">
        Live updates: {live === "live" ? "connected" : "reconnecting…"}
      </p>
      {bookings.isPending ? <Loading what="your bookings" /> : null}
      <Problem error={bookings.error} />
      {bookings.isSuccess && items.length === 0 ? (
        <Empty>
          No upcoming sessions. <Link href="/">Find a mentor</Link>.
        </Empty>
      ) : null}
      <ul className="cards">
        {items.map((b) => (
          <Booking key={b.booking_id} b={b} />
        ))}
      </ul>
    </>
  );
}
