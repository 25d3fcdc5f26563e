// The mentor's side: their provider (found among the listed providers by their user id, or
// created here), the week's schedule updated live as bookings are paid, and for each
// session marking or correcting attendance (once it started) with its audit trail.
import {
  type BookingOut,
  type SubscriberOut,
  attendanceAttendanceOf,
  attendanceMark,
  attendanceMySubscribers,
  attendanceReactivate,
  bookingCreateProvider,
  bookingSchedule,
} from "@kairos/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";

import { call, idempotencyKey } from "../api";
import { myProvider } from "../catalog";
import { addDays, dateTime, elsewhere, localDate, viewerZone } from "../format";
import { useLiveBookings } from "../live";
import { Link } from "../router";
import { useSession } from "../session";
import { Empty, Loading, PageTitle, Problem } from "../ui";

function Trail({ bookingId }: { bookingId: string }) {
  const trail = useQuery({
    queryKey: ["trail", bookingId],
    queryFn: () => call(attendanceAttendanceOf({ path: { booking_id: bookingId }, query: { limit: 50 } })),
  });
  if (trail.isPending) return <Loading what="the audit trail" />;
  if (trail.isError) return <Problem error={trail.error} />;
  const items = trail.data.items;
  return items.length === 0 ? (
    <Empty>Not marked yet.</Empty>
  ) : (
    <ol className="plain" aria-label="Audit trail">
      {items.map((c) => (
        <li key={c.changed_at + c.source}>
          {dateTime(c.changed_at)}: {c.before === null ? "unmarked" : c.before ? "attended" : "absent"} →{" "}
          {c.after ? "attended" : "absent"} by {c.changed_by} ({c.source})
        </li>
      ))}
    </ol>
  );
}

function Session({ b }: { b: BookingOut }) {
  const queries = useQueryClient();
  const [showTrail, setShowTrail] = useState(false);
  const mark = useMutation({
    mutationFn: (attended: boolean) =>
      call(
        attendanceMark({
          path: { booking_id: b.booking_id },
          body: { attended },
          headers: { "Idempotency-Key": idempotencyKey() },
        }),
      ),
    onSuccess: () => {
      queries.invalidateQueries({ queryKey: ["trail", b.booking_id] });
      queries.invalidateQueries({ queryKey: ["subscribers"] });
    },
  });
  return (
    <li className="card">
      <h3>
        {dateTime(b.starts_at, b.provider_time_zone)} · {b.offering_title}
      </h3>
      <p>
        {b.provider_time_zone !== viewerZone ? `${elsewhere(b.starts_at, viewerZone, b.provider_time_zone)} where this browser is (${viewerZone}) · ` : ""}
        <span className={`badge ${b.status}`}>{b.status}</span>
      </p>
      {mark.isSuccess ? (
        <p role="status">Marked {mark.data.attended ? "attended" : "absent"}.</p>
      ) : null}
      <Problem error={mark.error} />
      {b.status === "confirmed" ? (
        <div className="row">
          <button type="button" className="secondary" disabled={mark.isPending} onClick={() => mark.mutate(true)}>
            Mark attended
          </button>
          <button type="button" className="secondary" disabled={mark.isPending} onClick={() => mark.mutate(false)}>
            Mark absent
          </button>
          <button type="button" className="link" aria-expanded={showTrail} onClick={() => setShowTrail(!showTrail)}>
            {showTrail ? "Hide the audit trail" : "Show the audit trail"}
          </button>
        </div>
      ) : null}
      {showTrail ? <Trail bookingId={b.booking_id} /> : null}
    </li>
  );
}

function Subscriber({ sub }: { sub: SubscriberOut }) {
  const queries = useQueryClient();
  const reactivate = useMutation({
    mutationFn: () =>
      call(
        attendanceReactivate({
          path: { enrollment_id: sub.enrollment_id },
          headers: { "Idempotency-Key": idempotencyKey() },
        }),
      ),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["subscribers"] }),
  });
  const who = sub.mentee.display_name ?? sub.mentee.email ?? sub.mentee.user_id;
  const badge = sub.status === "active" ? "confirmed" : "cancelled";
  return (
    <tr>
      <th scope="row">{who}</th>
      <td>
        <span className={`badge ${badge}`}>{sub.status}</span>
        {sub.reprobated_at ? <span className="muted"> since {dateTime(sub.reprobated_at)}</span> : null}
      </td>
      <td>{sub.absences}</td>
      <td>{sub.current_streak}</td>
      <td>
        {sub.status === "reprobated" ? (
          <button type="button" onClick={() => reactivate.mutate()} disabled={reactivate.isPending}>
            Reactivate {who}
          </button>
        ) : null}
        <Problem error={reactivate.error} />
      </td>
    </tr>
  );
}

/** The mentor's subscribers: standing (active, warned, reprobated), absences and the
 * current run of absences, with reactivation of a reprobated mentee. The marks behind it
 * move by events (joins, the sweep, the mentor's own marks): it is looked at again often. */
function Subscribers() {
  const subscribers = useQuery({
    queryKey: ["subscribers"],
    queryFn: () => call(attendanceMySubscribers({ query: { limit: 200 } })),
    refetchInterval: 2000,
  });
  const items = subscribers.data?.items ?? [];
  return (
    <section aria-labelledby="subscribers">
      <h2 id="subscribers">Subscribers</h2>
      {subscribers.isPending ? <Loading what="your subscribers" /> : null}
      <Problem error={subscribers.error} />
      {subscribers.isSuccess && items.length === 0 ? <Empty>No one subscribes to your programmes yet.</Empty> : null}
      {items.length > 0 ? (
        <div className="table-wrap">
          <table aria-label="Subscribers">
            <thead>
              <tr>
                <th scope="col">Mentee</th>
                <th scope="col">Standing</th>
                <th scope="col">Absences</th>
                <th scope="col">Absent in a row</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((sub) => (
                <Subscriber key={sub.enrollment_id} sub={sub} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function NewProvider() {
  const session = useSession()!;
  const queries = useQueryClient();
  const [name, setName] = useState(session.name);
  const [zone, setZone] = useState(viewerZone);
  const create = useMutation({
    mutationFn: () =>
      call(
        bookingCreateProvider({
          body: { display_name: name, email: session.email, time_zone: zone },
          headers: { "Idempotency-Key": idempotencyKey() },
        }),
      ),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["my-provider"] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} className="stack">
      <p>You have no mentor profile yet.</p>
      <label>
        Name shown to mentees
        <input required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Your time zone
        <input required value={zone} onChange={(e) => setZone(e.target.value)} />
      </label>
      <Problem error={create.error} />
      <button type="submit" disabled={create.isPending}>
        Create my profile
      </button>
    </form>
  );
}

export function Mentor() {
  const session = useSession();
  const queries = useQueryClient();
  const provider = useQuery({
    queryKey: ["my-provider", session?.sub],
    queryFn: () => myProvider(),
    enabled: !!session,
  });
  const providerId = provider.data?.provider_id;
  const from = localDate(new Date(), provider.data?.time_zone);
  const to = addDays(from, 13);
  const schedule = useQuery({
    queryKey: ["schedule", providerId, from],
    queryFn: () => call(bookingSchedule({ path: { provider_id: providerId! }, query: { from, to, limit: 200 } })),
    enabled: !!providerId,
  });
  const live = useLiveBookings(
    !!providerId,
    () => queries.invalidateQueries({ queryKey: ["schedule", providerId] }),
    `/api/booking/providers/${providerId}/schedule/stream`,
  );
  if (!session)
    return (
      <>
        <PageTitle>My schedule</PageTitle>
        <p>
          <Link href="/signin?next=/mentor">Sign in</Link> as a mentor to see your schedule.
        </p>
      </>
    );
  const items = schedule.data?.bookings ?? [];
  return (
    <>
      <PageTitle>My schedule</PageTitle>
      {provider.isPending ? <Loading what="your profile" /> : null}
      <Problem error={provider.error} />
      {provider.isSuccess && !provider.data ? <NewProvider /> : null}
      {provider.data ? (
        <>
          <p className="muted">
            {provider.data.display_name} · times in your zone, {provider.data.time_zone} ·{" "}
            <Link href={`/providers/${provider.data.provider_id}`}>Your public page</Link>
          </p>
          <p className="muted" role="status" aria-live="polite">
            Live updates: {live === "live" ? "connected" : live === "connecting" ? "connecting…" : "reconnecting…"}
          </p>
          <h2>The next two weeks</h2>
          {schedule.isPending ? <Loading what="your schedule" /> : null}
          <Problem error={schedule.error} />
          {schedule.isSuccess && items.length === 0 ? <Empty>No sessions booked yet.</Empty> : null}
          <ul className="cards" aria-label="Booked sessions">
            {items.map((b) => (
              <Session key={b.booking_id} b={b} />
            ))}
          </ul>
          <Subscribers />
        </>
      ) : null}
    </>
  );
}
