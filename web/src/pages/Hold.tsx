// A held seat: what it is, how long it is kept (a countdown), paying for it by card, and
// the booking it becomes, followed live: "paying" until booking confirms it (or refuses).
import {
  type BookingOut,
  type CheckoutOut,
  bookingGetHold,
  bookingMyBookings,
  bookingReleaseHold,
  paymentsConfirmCheckout,
  paymentsCreateCheckout,
  paymentsGetCredits,
} from "@kairos/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";

import { ApiProblem, call, idempotencyKey } from "../api";
import { dateTime, elsewhere, money, viewerZone } from "../format";
import { type LiveEvent, useLiveBookings } from "../live";
import { Link, navigate } from "../router";
import { useSession } from "../session";
import { CardFields, cardProblem, useCardElement } from "../card";
import { Loading, PageTitle, Problem } from "../ui";

function Countdown({ until }: { until: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);
  const left = Math.max(0, Math.floor((Date.parse(until) - now) / 1000));
  if (left === 0) return <p className="countdown expired">This hold has expired: the seat is free again.</p>;
  const mm = Math.floor(left / 60);
  const ss = String(left % 60).padStart(2, "0");
  return (
    <p className="countdown">
      Seat held for you for{" "}
      <span role="timer" aria-label={`${mm} minutes ${ss} seconds left`}>
        {mm}:{ss}
      </span>
    </p>
  );
}

type Outcome =
  | { kind: "idle" }
  | { kind: "paying"; paymentId: string }
  | { kind: "confirmed"; bookingId: string }
  | { kind: "rejected"; reason: string };

export function Hold({ id }: { id: string }) {
  const session = useSession();
  const queries = useQueryClient();
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  const [checkout, setCheckout] = useState<CheckoutOut | null>(null);
  const hold = useQuery({
    queryKey: ["hold", id],
    queryFn: () => call(bookingGetHold({ path: { hold_id: id } })),
    enabled: !!session,
  });

  const settle = (booking: Pick<BookingOut, "booking_id" | "status">) => {
    if (booking.status === "confirmed") setOutcome({ kind: "confirmed", bookingId: booking.booking_id });
  };
  const live = useLiveBookings(!!session, (event: LiveEvent | "connected") => {
    if (event === "connected") {
      // (Re)connected: a confirmation that came while the stream was closed is looked up.
      call(bookingMyBookings({ query: { when: "upcoming", limit: 200 } }))
        .then((page) => page.items.filter((b) => b.hold_id === id).forEach(settle))
        .catch(() => undefined);
      return;
    }
    if (event.data.hold_id !== id) return;
    if (event.type === "BookingConfirmed") setOutcome({ kind: "confirmed", bookingId: event.subject });
    if (event.type === "BookingRejected") setOutcome({ kind: "rejected", reason: String(event.data.reason) });
  });

  const showForm = outcome.kind === "idle" && hold.isSuccess;
  const cardForm = useCardElement(showForm);
  const card = cardForm.card;
  // By card with Stripe.js: the checkout's PaymentIntent (made once per hold and kept for
  // another card after a decline) is confirmed in the browser with the card typed into
  // Stripe's element; payments is then told, and booking confirms the seat.
  const pay = useMutation({
    mutationFn: async () => {
      if (!card) throw new ApiProblem({ type: "about:blank", title: "The card form is not ready", status: 0, detail: "Wait a moment and try again." });
      let opened = checkout;
      if (!opened?.client_secret) {
        opened = await call(
          paymentsCreateCheckout({
            body: { hold_id: id, method: "card" },
            headers: { "Idempotency-Key": idempotencyKey() },
          }),
        );
        setCheckout(opened);
      }
      if (!opened.client_secret)
        throw new ApiProblem({ type: "about:blank", title: "The payment could not start", status: 0, detail: "Stripe gave no payment to confirm: reload the page." });
      const confirmed = await card.stripe.confirmCardPayment(opened.client_secret, {
        payment_method: { card: card.element },
      });
      if (confirmed.error) throw cardProblem(confirmed.error);
      return call(
        paymentsConfirmCheckout({
          path: { payment_id: opened.payment_id },
          headers: { "Idempotency-Key": idempotencyKey() },
        }),
      );
    },
    onSuccess: (told) =>
      setOutcome((now) => (now.kind === "confirmed" ? now : { kind: "paying", paymentId: told.payment_id })),
  });
  // With credits: the hold's price in credits is debited at once (too few is a problem
  // that says so); the balance left is shown.
  const credits = useQuery({
    queryKey: ["credits", "balance"],
    queryFn: () => call(paymentsGetCredits({ query: { limit: 1 } })),
    enabled: !!session && hold.data?.price_in_credits != null,
    refetchOnMount: "always", // back from buying a pack: the balance it shows is new
  });
  const payCredits = useMutation({
    mutationFn: () =>
      call(
        paymentsCreateCheckout({
          body: { hold_id: id, method: "credits" },
          headers: { "Idempotency-Key": idempotencyKey() },
        }),
      ),
    onSuccess: (paid) => {
      queries.setQueryData(["credits", "balance"], (old: typeof credits.data) =>
        old && paid.balance_after != null ? { ...old, balance: paid.balance_after } : old,
      );
      setOutcome((now) => (now.kind === "confirmed" ? now : { kind: "paying", paymentId: paid.payment_id }));
    },
  });
  const release = useMutation({
    mutationFn: () => call(bookingReleaseHold({ path: { hold_id: id } })),
    onSuccess: () => navigate(hold.data ? `/offerings/${hold.data.offering_id}` : "/"),
  });

  if (!session)
    return (
      <>
        <PageTitle>Your seat</PageTitle>
        <p>
          <Link href={`/signin?next=/holds/${id}`}>Sign in</Link> to see this hold.
        </p>
      </>
    );
  if (hold.isPending) return <Loading what="your hold" />;
  if (hold.isError) return <Problem error={hold.error} />;
  const h = hold.data;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    pay.mutate();
  };
  return (
    <>
      <PageTitle>{h.offering_title}</PageTitle>
      <p>
        With {h.provider_name} on <strong>{dateTime(h.starts_at)}</strong> ({viewerZone}) ·{" "}
        {elsewhere(h.starts_at, h.provider_time_zone)} in {h.provider_time_zone}
      </p>
      <p>
        Price: <strong>{money(h.amount_minor, h.currency)}</strong>
      </p>
      <p className="muted" role="status" aria-live="polite">
        Live updates: {live === "live" ? "connected" : live === "connecting" ? "connecting…" : "reconnecting…"}
      </p>
      <section aria-labelledby="booking-status" className="status-box">
        <h2 id="booking-status">Booking status</h2>
        <p role="status" aria-live="polite" className={`status ${outcome.kind}`}>
          {outcome.kind === "idle" && "Not paid yet"}
          {outcome.kind === "paying" && "Paying: waiting for the booking to be confirmed…"}
          {outcome.kind === "confirmed" && "Confirmed: your session is booked."}
          {outcome.kind === "rejected" &&
            `Not booked (${outcome.reason.replaceAll("_", " ")}): your payment is given back.`}
        </p>
        {outcome.kind === "confirmed" ? <Link href="/bookings">See my bookings</Link> : null}
      </section>
      {credits.data ? (
        <p role="status" aria-live="polite">
          Your credit balance: <strong>{credits.data.balance} credits</strong>
        </p>
      ) : null}
      {!showForm ? null : (
        <>
          <Countdown until={h.expires_at} />
          <form onSubmit={submit} className="stack">
            <CardFields card={cardForm} />
            <Problem error={pay.error} />
            <div className="row">
              <button type="submit" disabled={pay.isPending || !card}>
                {pay.isPending ? "Paying…" : `Pay ${money(h.amount_minor, h.currency)}`}
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => release.mutate()}
                disabled={release.isPending || pay.isPending}
              >
                Release the seat
              </button>
            </div>
            <Problem error={release.error} />
          </form>
          {h.price_in_credits != null ? (
            <section aria-labelledby="with-credits" className="stack">
              <h2 id="with-credits">Or pay with credits</h2>
              <p>
                This session costs <strong>{h.price_in_credits} credits</strong>.{" "}
                <Link href={`/credits?next=/holds/${id}`}>Buy credits</Link>
              </p>
              <Problem error={payCredits.error} />
              <button
                type="button"
                onClick={() => payCredits.mutate()}
                disabled={payCredits.isPending || pay.isPending}
              >
                {payCredits.isPending ? "Paying…" : `Pay ${h.price_in_credits} credits`}
              </button>
            </section>
          ) : null}
        </>
      )}
    </>
  );
}
