// The admin's desk (`/admin`, signed in as an admin): look up a booking by its id (booking's
// read: what, when, status, price, who booked it, its hold and payment ids) with its
// payment(s) and refunds (payments' read of the booking), a payment by its id (method,
// amount, status), and reactivate a subscription by its id.
import {
  type BookerOut,
  type BookingPaymentOut,
  bookingGetBooking,
  paymentsAdminReactivateSubscription,
  paymentsBookingPayments,
  paymentsGetCheckout,
} from "@kairos/client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";

import { call, idempotencyKey } from "../api";
import { dateTime, money } from "../format";
import { Link } from "../router";
import { useSession } from "../session";
import { Loading, PageTitle, Problem } from "../ui";

type Facts = Array<[string, string]>;

function FactList({ label, facts }: { label: string; facts: Facts }) {
  return (
    <dl className="facts" aria-label={label}>
      {facts.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function paymentFacts(p: BookingPaymentOut): Facts {
  const facts: Facts = [
    ["Payment", p.payment_id],
    ["Method", p.method],
    ["Amount", money(p.amount_minor, p.currency) + (p.kind === "cycle" ? ` (cycle ${p.cycle_number})` : "")],
    ["Status", p.status],
    ["Charged", money(p.charged_minor, p.currency)],
  ];
  if (p.credits_spent !== null) facts.push(["Credits spent", String(p.credits_spent)]);
  facts.push([
    "Refunds",
    p.refunds.length === 0
      ? "none"
      : p.refunds
          .map(
            (r) =>
              `${money(r.amount_minor, p.currency)} ${r.status}` +
              (r.credits_returned !== null ? ` (${r.credits_returned} credits)` : ""),
          )
          .join("; "),
  ]);
  return facts;
}

function bookedBy(who: BookerOut): string {
  return [who.display_name, who.email].filter(Boolean).join(", ") || who.user_id;
}

/** A booking (booking's read by id) and what paid it (payments' read of that booking):
 * two answers, each shown or refused on its own. */
function BookingLookup() {
  const [typed, setTyped] = useState("");
  const [id, setId] = useState("");
  // A new search asks again even for the same id (payments may have heard of it since).
  const [asked, setAsked] = useState(0);
  const booking = useQuery({
    queryKey: ["admin-booking", id, asked],
    queryFn: () => call(bookingGetBooking({ path: { booking_id: id } })),
    enabled: id !== "",
  });
  const payments = useQuery({
    queryKey: ["admin-booking-payments", id, asked],
    queryFn: () => call(paymentsBookingPayments({ path: { booking_id: id } })),
    enabled: id !== "",
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setId(typed.trim());
    setAsked((n) => n + 1);
  };
  const b = booking.data;
  return (
    <form onSubmit={submit} className="stack">
      <label>
        Booking id
        <input required value={typed} onChange={(e) => setTyped(e.target.value)} />
      </label>
      <button type="submit" disabled={booking.isFetching || payments.isFetching}>
        Look up the booking
      </button>
      {id && booking.isPending ? <Loading what="the booking" /> : null}
      <Problem error={booking.error} />
      {b ? (
        <FactList
          label="The booking"
          facts={[
            ["Offering", b.offering_title],
            ["Provider", b.provider_name],
            ["Starts", dateTime(b.starts_at)],
            ["Ends", dateTime(b.ends_at)],
            ["Status", b.status],
            ["Price", money(b.amount_minor, b.currency)],
            ["Paid by", b.payment_method],
            ["Refund", b.refund_amount_minor == null ? "none" : money(b.refund_amount_minor, b.currency)],
            ["Booked by", bookedBy(b.booked_by)],
            ["Hold", b.hold_id ?? "none (a programme session)"],
            ["Payment id", b.payment_id],
          ]}
        />
      ) : null}
      {id && payments.isPending ? <Loading what="its payments" /> : null}
      <Problem error={payments.error} />
      {payments.data ? (
        <section aria-label="Its payments" className="stack">
          <h3>Its payment{payments.data.payments.length === 1 ? "" : "s"}</h3>
          {payments.data.payments.map((p) => (
            <FactList key={p.payment_id} label={`Payment ${p.payment_id}`} facts={paymentFacts(p)} />
          ))}
        </section>
      ) : null}
    </form>
  );
}

function Lookup({
  label,
  button,
  run,
}: {
  label: string;
  button: string;
  run: (id: string) => Promise<Facts>;
}) {
  const [id, setId] = useState("");
  const look = useMutation({ mutationFn: () => run(id.trim()) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    look.mutate();
  };
  return (
    <form onSubmit={submit} className="stack">
      <label>
        {label}
        <input required value={id} onChange={(e) => setId(e.target.value)} />
      </label>
      <button type="submit" disabled={look.isPending}>
        {button}
      </button>
      <Problem error={look.error} />
      {look.data ? <FactList label={`${button}: the answer`} facts={look.data} /> : null}
    </form>
  );
}

export function Admin() {
  const session = useSession();
  if (!session || session.role !== "admin")
    return (
      <>
        <PageTitle>Admin</PageTitle>
        <p>
          <Link href="/signin?next=/admin">Sign in as an admin</Link> to use this page.
        </p>
      </>
    );
  return (
    <>
      <PageTitle>Admin</PageTitle>
      <section aria-labelledby="find-booking">
        <h2 id="find-booking">A booking</h2>
        <BookingLookup />
      </section>
      <section aria-labelledby="find-payment">
        <h2 id="find-payment">A payment</h2>
        <Lookup
          label="Payment id"
          button="Look up the payment"
          run={async (id) => {
            const p = await call(paymentsGetCheckout({ path: { payment_id: id } }));
            return [
              ["Method", p.method],
              ["Amount", money(p.amount_minor, p.currency)],
              ["Status", p.status],
              ["Hold", p.hold_id],
            ];
          }}
        />
      </section>
      <section aria-labelledby="reactivate">
        <h2 id="reactivate">Reactivate a subscription</h2>
        <Lookup
          label="Subscription id"
          button="Reactivate the subscription"
          run={async (id) => {
            const s = await call(
              paymentsAdminReactivateSubscription({
                path: { subscription_id: id },
                headers: { "Idempotency-Key": idempotencyKey() },
              }),
            );
            return [
              ["Programme", s.offering_title ?? s.offering_id],
              ["Status", s.status],
            ];
          }}
        />
      </section>
    </>
  );
}
