// The admin's desk (`/admin`, signed in as an admin): look up a session by its booking id
// (attendance's view: what, when, its status and mark, the trail's length) and a payment by
// its id (payments' view: method, amount, status), and reactivate a subscription by its id.
import { attendanceAttendanceOf, paymentsAdminReactivateSubscription, paymentsGetCheckout } from "@kairos/client";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";

import { call, idempotencyKey } from "../api";
import { dateTime, money } from "../format";
import { Link } from "../router";
import { useSession } from "../session";
import { PageTitle, Problem } from "../ui";

function Lookup({
  label,
  button,
  run,
}: {
  label: string;
  button: string;
  run: (id: string) => Promise<Array<[string, string]>>;
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
      {look.data ? (
        <dl className="facts" aria-label={`${button}: the answer`}>
          {look.data.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      ) : null}
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
        <Lookup
          label="Booking id"
          button="Look up the booking"
          run={async (id) => {
            const trail = await call(attendanceAttendanceOf({ path: { booking_id: id }, query: { limit: 50 } }));
            const s = trail.session;
            return [
              ["Session", s.title],
              ["Starts", dateTime(s.starts_at)],
              ["Status", s.status],
              ["Attendance", s.attended === null ? "not marked" : s.attended ? `attended (${s.marked_by})` : `absent (${s.marked_by})`],
              ["Changes of the mark", String(trail.items.length)],
            ];
          }}
        />
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
