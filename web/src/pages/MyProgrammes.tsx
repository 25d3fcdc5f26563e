// The mentee's programmes: each enrollment with its status and upcoming sessions;
// unsubscribing (the sessions to come are cancelled, nothing paid is refunded) and
// reactivating (they come back). Both are settled by events between the services, so the
// page follows the enrollment until it shows the change.
import {
  type EnrollmentOut,
  bookingMine,
  paymentsReactivateSubscription,
  paymentsUnsubscribe,
} from "@kairos/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { call, idempotencyKey } from "../api";
import { dateTime, elsewhere } from "../format";
import { Link } from "../router";
import { useSession } from "../session";
import { Empty, Loading, PageTitle, Problem } from "../ui";

type Want = { subscription: string; status: EnrollmentOut["status"] };

function Enrollment({ e, onChange }: { e: EnrollmentOut; onChange: (want: Want) => void }) {
  const queries = useQueryClient();
  const options = { path: { subscription_id: e.subscription_id }, headers: { "Idempotency-Key": idempotencyKey() } };
  const unsubscribe = useMutation({
    mutationFn: () => call(paymentsUnsubscribe(options)),
    onSuccess: () => {
      onChange({ subscription: e.subscription_id, status: "unsubscribed" });
      queries.invalidateQueries({ queryKey: ["enrollments"] });
    },
  });
  const reactivate = useMutation({
    mutationFn: () => call(paymentsReactivateSubscription(options)),
    onSuccess: () => {
      onChange({ subscription: e.subscription_id, status: "active" });
      queries.invalidateQueries({ queryKey: ["enrollments"] });
    },
  });
  const busy = unsubscribe.isPending || reactivate.isPending;
  return (
    <li className="card">
      <h2>{e.offering.title}</h2>
      <p>
        <span className={`badge ${e.status === "active" ? "confirmed" : "cancelled"}`}>{e.status}</span>
        {e.unsubscribed_at ? ` since ${dateTime(e.unsubscribed_at)}` : ""}
      </p>
      <h3>Upcoming sessions</h3>
      {e.upcoming_sessions.length === 0 ? <Empty>No sessions to come.</Empty> : null}
      <ul className="plain" aria-label={`Sessions of ${e.offering.title}`}>
        {e.upcoming_sessions.map((b) => (
          <li key={b.booking_id}>
            {dateTime(b.starts_at)} · {elsewhere(b.starts_at, b.provider_time_zone)} in {b.provider_time_zone}
          </li>
        ))}
      </ul>
      <Problem error={unsubscribe.error ?? reactivate.error} />
      {e.status === "active" ? (
        <button type="button" className="secondary" disabled={busy} onClick={() => unsubscribe.mutate()}>
          {unsubscribe.isPending ? "Unsubscribing…" : "Unsubscribe"}
        </button>
      ) : (
        <button type="button" disabled={busy} onClick={() => reactivate.mutate()}>
          {reactivate.isPending ? "Reactivating…" : "Reactivate"}
        </button>
      )}
    </li>
  );
}

export function MyProgrammes() {
  const session = useSession();
  const [want, setWant] = useState<Want | null>(null);
  const enrollments = useQuery({
    queryKey: ["enrollments"],
    queryFn: () => call(bookingMine()),
    enabled: !!session,
    // Until the change asked for shows (the services settle it by events), look again.
    refetchInterval: (query) => {
      const items = query.state.data ?? [];
      const pending = want && !items.some((e) => e.subscription_id === want.subscription && e.status === want.status);
      const empty = items.some((e) => e.status === "active" && e.upcoming_sessions.length === 0);
      return pending || empty || items.length === 0 ? 1000 : false;
    },
  });
  if (!session)
    return (
      <>
        <PageTitle>My programmes</PageTitle>
        <p>
          <Link href="/signin?next=/programmes">Sign in</Link> to see your programmes.
        </p>
      </>
    );
  const items = enrollments.data ?? [];
  return (
    <>
      <PageTitle>My programmes</PageTitle>
      {enrollments.isPending ? <Loading what="your programmes" /> : null}
      <Problem error={enrollments.error} />
      {enrollments.isSuccess && items.length === 0 ? (
        <Empty>
          No programme yet (a new subscription shows here in a moment). <Link href="/">Find a mentor</Link>.
        </Empty>
      ) : null}
      <ul className="cards">
        {items.map((e) => (
          <Enrollment key={e.enrollment_id} e={e} onChange={setWant} />
        ))}
      </ul>
    </>
  );
}
