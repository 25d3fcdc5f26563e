// Calendars: a private ICS feed of the signed-in person's sessions (its address shown once,
// to copy into any calendar app; revocable), and CalDAV calendars the sessions are written
// to, with their health (active or broken, failures, the last error) and a test.
import {
  type ConnectionOut,
  calendarSyncConnect,
  calendarSyncCreate,
  calendarSyncListing,
  calendarSyncRemove,
  calendarSyncRevoke,
  calendarSyncTest,
} from "@kairos/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";

import { call, feedUrl, idempotencyKey } from "../api";
import { dateTime } from "../format";
import { Link } from "../router";
import { useSession } from "../session";
import { Empty, Loading, PageTitle, Problem } from "../ui";

const headers = () => ({ "Idempotency-Key": idempotencyKey() });

function Feed() {
  const [copied, setCopied] = useState(false);
  const create = useMutation({ mutationFn: () => call(calendarSyncCreate({ headers: headers() })) });
  const revoke = useMutation({
    mutationFn: (token: string) => call(calendarSyncRevoke({ path: { token }, headers: headers() })),
    onSuccess: () => create.reset(),
  });
  const url = create.data ? feedUrl(create.data.token) : null;
  const copy = async () => {
    if (!url) return;
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      setCopied(false); // no clipboard here: the address stays selectable
    }
  };
  return (
    <section aria-labelledby="feed">
      <h2 id="feed">Calendar feed (ICS)</h2>
      <p>
        A private address any calendar app can subscribe to. Anyone with it can read your sessions: it is
        shown once; revoke it if it leaks.
      </p>
      <Problem error={create.error ?? revoke.error} />
      {url ? (
        <div className="stack">
          <label>
            Your feed's address
            <input readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
          </label>
          <div className="row">
            <button type="button" onClick={copy}>
              Copy the address
            </button>
            <button type="button" className="secondary" onClick={() => revoke.mutate(create.data!.token)}>
              Revoke this feed
            </button>
          </div>
          {copied ? <p role="status">Copied.</p> : null}
        </div>
      ) : (
        <button type="button" onClick={() => create.mutate()} disabled={create.isPending}>
          Make a feed address
        </button>
      )}
      {revoke.isSuccess ? <p role="status">The feed is revoked: its address answers nothing now.</p> : null}
    </section>
  );
}

function Connection({ c }: { c: ConnectionOut }) {
  const queries = useQueryClient();
  const test = useMutation({
    mutationFn: () => call(calendarSyncTest({ path: { connection_id: c.connection_id }, headers: headers() })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["connections"] }),
  });
  const remove = useMutation({
    mutationFn: () => call(calendarSyncRemove({ path: { connection_id: c.connection_id }, headers: headers() })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["connections"] }),
  });
  return (
    <li className="card">
      <h3>{c.calendar}</h3>
      <p>
        <span className={`badge ${c.status === "active" ? "confirmed" : "cancelled"}`}>{c.status}</span> ·{" "}
        {c.failures} failures in a row
        {c.last_synced_at ? ` · last written ${dateTime(c.last_synced_at)}` : ""}
      </p>
      {c.last_error ? (
        <p className="muted">
          Last error{c.last_error_at ? ` (${dateTime(c.last_error_at)})` : ""}: {c.last_error}
        </p>
      ) : null}
      {test.isSuccess ? (
        <p role="status">{test.data.error ? `The test failed: ${test.data.error}` : "The test worked."}</p>
      ) : null}
      <Problem error={test.error ?? remove.error} />
      <div className="row">
        <button type="button" className="secondary" onClick={() => test.mutate()} disabled={test.isPending}>
          Test it
        </button>
        <button type="button" className="secondary" onClick={() => remove.mutate()} disabled={remove.isPending}>
          Disconnect
        </button>
      </div>
    </li>
  );
}

function CalDav() {
  const queries = useQueryClient();
  const [calendarUrl, setUrl] = useState("");
  const [username, setUser] = useState("");
  const [password, setPassword] = useState("");
  const connections = useQuery({
    queryKey: ["connections"],
    queryFn: () => call(calendarSyncListing({ query: { limit: 50 } })),
  });
  const connect = useMutation({
    mutationFn: () =>
      call(
        calendarSyncConnect({
          body: { kind: "caldav", calendar_url: calendarUrl, username, password },
          headers: headers(),
        }),
      ),
    onSuccess: () => {
      setPassword("");
      queries.invalidateQueries({ queryKey: ["connections"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    connect.mutate();
  };
  const items = connections.data?.items ?? [];
  return (
    <section aria-labelledby="caldav">
      <h2 id="caldav">CalDAV calendars</h2>
      {connections.isPending ? <Loading what="your calendars" /> : null}
      <Problem error={connections.error} />
      {connections.isSuccess && items.length === 0 ? <Empty>No calendar connected.</Empty> : null}
      <ul className="cards" aria-label="Connected calendars">
        {items.map((c) => (
          <Connection key={c.connection_id} c={c} />
        ))}
      </ul>
      <form onSubmit={submit} className="stack">
        <h3>Connect a CalDAV calendar</h3>
        <label>
          Calendar address
          <input type="url" required value={calendarUrl} onChange={(e) => setUrl(e.target.value)} />
        </label>
        <label>
          User name
          <input required autoComplete="username" value={username} onChange={(e) => setUser(e.target.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <Problem error={connect.error} />
        <button type="submit" disabled={connect.isPending}>
          {connect.isPending ? "Connecting…" : "Connect"}
        </button>
      </form>
    </section>
  );
}

export function Calendar() {
  const session = useSession();
  if (!session)
    return (
      <>
        <PageTitle>Calendars</PageTitle>
        <p>
          <Link href="/signin?next=/calendar">Sign in</Link> to connect your calendars.
        </p>
      </>
    );
  return (
    <>
      <PageTitle>Calendars</PageTitle>
      <Feed />
      <CalDav />
    </>
  );
}
