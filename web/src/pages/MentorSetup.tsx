// The mentor's setup (`/mentor/setup`): weekly hours (one range a day, in the mentor's
// zone), date overrides (closed, other hours, or extra hours on one date), and their
// offerings: one-time sessions and weekly programmes, created and edited (title, price,
// reminders, active).
import {
  type OfferingOut,
  type OfferingPatch,
  bookingCreateOffering,
  bookingDeleteOverride,
  bookingGetAvailability,
  bookingOfferings,
  bookingPutOverride,
  bookingSetWeekly,
  bookingUpdateOffering,
} from "@kairos/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";

import { call, idempotencyKey } from "../api";
import { myProvider } from "../catalog";
import { addDays, localDate, money } from "../format";
import { DEFAULT_REMINDERS, Reminders, lead, otherProblem, remindersBody, remindersValue } from "../reminders";
import { Link } from "../router";
import { useSession } from "../session";
import { Empty, Loading, PageTitle, Problem } from "../ui";

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

type Day = { open: boolean; start: string; end: string };

function WeeklyHours({ providerId }: { providerId: string }) {
  const queries = useQueryClient();
  const availability = useQuery({
    queryKey: ["availability", providerId],
    queryFn: () => call(bookingGetAvailability({ path: { provider_id: providerId } })),
  });
  const [days, setDays] = useState<Day[] | null>(null);
  useEffect(() => {
    if (!availability.data || days) return;
    setDays(
      DAYS.map((_, weekday) => {
        const r = availability.data.weekly.find((w) => w.weekday === weekday);
        return r ? { open: true, start: r.start, end: r.end === "24:00" ? "23:59" : r.end } : { open: false, start: "09:00", end: "17:00" };
      }),
    );
  }, [availability.data, days]);
  const save = useMutation({
    mutationFn: () =>
      call(
        bookingSetWeekly({
          path: { provider_id: providerId },
          body: {
            weekly: (days ?? []).flatMap((d, weekday) =>
              d.open ? [{ weekday, start: d.start, end: d.end }] : [],
            ),
          },
        }),
      ),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["availability", providerId] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  if (availability.isPending || !days) return <Loading what="your hours" />;
  if (availability.isError) return <Problem error={availability.error} />;
  const set = (i: number, change: Partial<Day>) => {
    save.reset();
    setDays(days.map((d, j) => (j === i ? { ...d, ...change } : d)));
  };
  return (
    <form onSubmit={submit} className="stack" aria-labelledby="hours">
      <h2 id="hours">Weekly hours</h2>
      {days.map((d, i) => (
        <fieldset key={DAYS[i]} className="row">
          <legend>{DAYS[i]}</legend>
          <label className="choice">
            <input type="checkbox" checked={d.open} onChange={(e) => set(i, { open: e.target.checked })} />
            Open
          </label>
          <label>
            From
            <input type="time" value={d.start} disabled={!d.open} onChange={(e) => set(i, { start: e.target.value })} />
          </label>
          <label>
            To
            <input type="time" value={d.end} disabled={!d.open} onChange={(e) => set(i, { end: e.target.value })} />
          </label>
        </fieldset>
      ))}
      <Problem error={save.error} />
      {save.isSuccess ? <p role="status">Weekly hours saved.</p> : null}
      <button type="submit" disabled={save.isPending}>
        Save the weekly hours
      </button>
    </form>
  );
}

function Overrides({ providerId }: { providerId: string }) {
  const queries = useQueryClient();
  const availability = useQuery({
    queryKey: ["availability", providerId],
    queryFn: () => call(bookingGetAvailability({ path: { provider_id: providerId } })),
  });
  const [date, setDate] = useState(addDays(localDate(new Date()), 1));
  const [kind, setKind] = useState<"closed" | "replace" | "extra">("closed");
  const [start, setStart] = useState("09:00");
  const [end, setEnd] = useState("12:00");
  const done = () => queries.invalidateQueries({ queryKey: ["availability", providerId] });
  const put = useMutation({
    mutationFn: () =>
      call(
        bookingPutOverride({
          path: { provider_id: providerId, day: date },
          body: kind === "closed" ? { kind } : { kind, ranges: [{ start, end }] },
        }),
      ),
    onSuccess: done,
  });
  const remove = useMutation({
    mutationFn: (day: string) => call(bookingDeleteOverride({ path: { provider_id: providerId, day } })),
    onSuccess: done,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    put.mutate();
  };
  const overrides = availability.data?.overrides ?? [];
  return (
    <section aria-labelledby="overrides">
      <h2 id="overrides">Date overrides</h2>
      {availability.isSuccess && overrides.length === 0 ? <Empty>No date differs from the weekly hours.</Empty> : null}
      <ul className="plain" aria-label="Overrides">
        {overrides.map((o) => (
          <li key={o.date}>
            {o.date}: {o.kind === "closed" ? "closed" : `${o.kind === "extra" ? "also " : "only "}${o.ranges.map((r) => `${r.start}–${r.end}`).join(", ")}`}{" "}
            <button type="button" className="link" onClick={() => remove.mutate(o.date)}>
              Remove the override of {o.date}
            </button>
          </li>
        ))}
      </ul>
      <Problem error={remove.error} />
      <form onSubmit={submit} className="stack">
        <label>
          Date
          <input type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
        </label>
        <label>
          On that date
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="closed">closed</option>
            <option value="replace">only these hours</option>
            <option value="extra">these hours as well</option>
          </select>
        </label>
        {kind === "closed" ? null : (
          <div className="row">
            <label>
              From
              <input type="time" value={start} onChange={(e) => setStart(e.target.value)} />
            </label>
            <label>
              To
              <input type="time" value={end} onChange={(e) => setEnd(e.target.value)} />
            </label>
          </div>
        )}
        <Problem error={put.error} />
        <button type="submit" disabled={put.isPending}>
          Save the override
        </button>
      </form>
    </section>
  );
}

function OfferingRow({ o }: { o: OfferingOut }) {
  const queries = useQueryClient();
  const [title, setTitle] = useState(o.title);
  const [price, setPrice] = useState(String(o.price_minor / 100));
  const [reminders, setReminders] = useState(() => remindersValue(o.reminder_minutes_before));
  const update = useMutation({
    mutationFn: (patch: OfferingPatch) => call(bookingUpdateOffering({ path: { offering_id: o.offering_id }, body: patch })),
    onSuccess: (saved, patch) => {
      // the reminders as stored (no duplicates, earliest first), when this save sent them
      if (patch.reminder_minutes_before?.length) setReminders(remindersValue(saved.reminder_minutes_before));
      return queries.invalidateQueries({ queryKey: ["offerings", o.provider_id] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    update.mutate({ title, price_minor: Math.round(Number(price) * 100), reminder_minutes_before: remindersBody(reminders) });
  };
  return (
    <li className="card">
      <form onSubmit={submit} className="stack" aria-label={`Edit ${o.title}`}>
        <label>
          Title
          <input required value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          Price ({o.currency})
          <input inputMode="decimal" required value={price} onChange={(e) => setPrice(e.target.value)} />
        </label>
        <Reminders
          value={reminders}
          onChange={(value) => {
            update.reset();
            setReminders(value);
          }}
          error={update.error}
        />
        <p className="muted">
          {o.kind === "one_time" ? "One-time session" : "Weekly programme"} · {o.duration_min} min ·{" "}
          {money(o.price_minor, o.currency)} ·{" "}
          {o.reminder_minutes_before.length
            ? `reminders ${o.reminder_minutes_before.map(lead).join(", ")} before`
            : "no reminders"}{" "}
          · {o.active ? "offered" : "withdrawn"}
        </p>
        <Problem error={otherProblem(update.error)} />
        {update.isSuccess ? <p role="status">Saved.</p> : null}
        <div className="row">
          <button type="submit" disabled={update.isPending}>
            Save {o.title}
          </button>
          <button type="button" className="secondary" onClick={() => update.mutate({ active: !o.active })}>
            {o.active ? "Withdraw" : "Offer again"}
          </button>
        </div>
      </form>
    </li>
  );
}

function Offerings({ providerId }: { providerId: string }) {
  const queries = useQueryClient();
  const offerings = useQuery({
    queryKey: ["offerings", providerId],
    queryFn: () => call(bookingOfferings({ query: { provider_id: providerId, limit: 200 } })),
  });
  const [title, setTitle] = useState("");
  const [duration, setDuration] = useState("60");
  const [price, setPrice] = useState("40");
  const [kind, setKind] = useState<"one_time" | "recurring">("one_time");
  const [weekday, setWeekday] = useState("0");
  const [time, setTime] = useState("18:00");
  const [reminders, setReminders] = useState(() => remindersValue(DEFAULT_REMINDERS));
  const create = useMutation({
    mutationFn: () =>
      call(
        bookingCreateOffering({
          path: { provider_id: providerId },
          body: {
            title,
            duration_min: Number(duration),
            price_minor: Math.round(Number(price) * 100),
            currency: "EUR",
            kind,
            reminder_minutes_before: remindersBody(reminders),
            ...(kind === "recurring" ? { pattern: [{ weekday: Number(weekday), time }] } : {}),
          },
          headers: { "Idempotency-Key": idempotencyKey() },
        }),
      ),
    onSuccess: () => {
      setTitle("");
      queries.invalidateQueries({ queryKey: ["offerings", providerId] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const items = offerings.data?.items ?? [];
  return (
    <section aria-labelledby="offerings">
      <h2 id="offerings">Offerings</h2>
      {offerings.isPending ? <Loading what="your offerings" /> : null}
      <Problem error={offerings.error} />
      {offerings.isSuccess && items.length === 0 ? <Empty>You offer nothing yet.</Empty> : null}
      <ul className="cards" aria-label="Your offerings">
        {items.map((o) => (
          <OfferingRow key={o.offering_id} o={o} />
        ))}
      </ul>
      <form onSubmit={submit} className="stack" aria-labelledby="new-offering">
        <h3 id="new-offering">A new offering</h3>
        <label>
          Title
          <input required value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          Minutes a session
          <input type="number" min={15} max={180} step={15} required value={duration} onChange={(e) => setDuration(e.target.value)} />
        </label>
        <label>
          Price (EUR{kind === "recurring" ? " a month" : ""})
          <input inputMode="decimal" required value={price} onChange={(e) => setPrice(e.target.value)} />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="one_time">one-time sessions, booked by slot</option>
            <option value="recurring">a weekly programme, by subscription</option>
          </select>
        </label>
        {kind === "recurring" ? (
          <div className="row">
            <label>
              Every
              <select value={weekday} onChange={(e) => setWeekday(e.target.value)}>
                {DAYS.map((d, i) => (
                  <option key={d} value={i}>
                    {d}
                  </option>
                ))}
              </select>
            </label>
            <label>
              At
              <input type="time" value={time} onChange={(e) => setTime(e.target.value)} />
            </label>
          </div>
        ) : null}
        <Reminders
          value={reminders}
          onChange={(value) => {
            create.reset();
            setReminders(value);
          }}
          error={create.error}
        />
        <Problem error={otherProblem(create.error)} />
        <button type="submit" disabled={create.isPending}>
          Create the offering
        </button>
      </form>
    </section>
  );
}

export function MentorSetup() {
  const session = useSession();
  const provider = useQuery({
    queryKey: ["my-provider", session?.sub],
    queryFn: () => myProvider(),
    enabled: !!session,
  });
  if (!session)
    return (
      <>
        <PageTitle>Hours and offerings</PageTitle>
        <p>
          <Link href="/signin?next=/mentor/setup">Sign in</Link> as a mentor.
        </p>
      </>
    );
  return (
    <>
      <PageTitle>Hours and offerings</PageTitle>
      {provider.isPending ? <Loading what="your profile" /> : null}
      <Problem error={provider.error} />
      {provider.isSuccess && !provider.data ? (
        <p>
          Create your profile on <Link href="/mentor">your schedule</Link> first.
        </p>
      ) : null}
      {provider.data ? (
        <>
          <p className="muted">
            Times are in your zone, {provider.data.time_zone}. ·{" "}
            <Link href={`/providers/${provider.data.provider_id}`}>Your public page</Link>
          </p>
          <WeeklyHours providerId={provider.data.provider_id} />
          <Overrides providerId={provider.data.provider_id} />
          <Offerings providerId={provider.data.provider_id} />
        </>
      ) : null}
    </>
  );
}
