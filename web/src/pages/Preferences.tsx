// Mail preferences: the time zone and locale Kairos's mails show times, dates and amounts
// in, and which mails come (confirmations and reminders can be stopped; receipts always
// come). Read and replaced through calendar-sync's /me/mail-preferences.
import {
  type MailPreferencesOut,
  type Topic,
  calendarSyncChooseMailPreferences,
  calendarSyncMyMailPreferences,
} from "@kairos/client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";

import { call } from "../api";
import { Link } from "../router";
import { useSession } from "../session";
import { Loading, PageTitle, Problem } from "../ui";

const TOPICS: Record<Topic, { label: string; what: string }> = {
  confirmations: {
    label: "Confirmations",
    what: "a mail when a session is booked, moved, cancelled or restored",
  },
  reminders: { label: "Reminders", what: "a mail before each session" },
};

/** Locales offered besides the saved one and the browser's (the API takes any Babel knows). */
const LOCALES = ["en", "en_US", "en_GB", "es_ES", "es_MX", "de_DE", "fr_FR", "it_IT", "pt_BR", "pt_PT", "nl_NL"];

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** "en-US" as the API stores it ("en_US"). */
function browserLocale(): string {
  return (navigator.language || "en").replace(/-/g, "_");
}

function zones(saved: string | null): string[] {
  const all = new Set(Intl.supportedValuesOf("timeZone"));
  all.add("UTC");
  all.add(browserZone());
  if (saved) all.add(saved);
  return [...all].sort();
}

function localeName(id: string): string {
  try {
    const names = new Intl.DisplayNames(["en"], { type: "language", languageDisplay: "standard" });
    return `${names.of(id.replace(/_/g, "-")) ?? id} (${id})`;
  } catch {
    return id;
  }
}

function locales(saved: string | null): string[] {
  const all = [...LOCALES];
  for (const extra of [browserLocale(), saved]) if (extra && !all.includes(extra)) all.push(extra);
  return all;
}

function Form({ saved }: { saved: MailPreferencesOut }) {
  const queries = useQueryClient();
  const [zone, setZone] = useState(saved.time_zone ?? browserZone());
  const [locale, setLocale] = useState(saved.locale ?? browserLocale());
  const [stopped, setStopped] = useState<Set<Topic>>(new Set(saved.unsubscribed));
  const choose = useMutation({
    mutationFn: () =>
      call(
        calendarSyncChooseMailPreferences({
          body: { time_zone: zone, locale, unsubscribed: saved.topics.filter((t) => stopped.has(t)) },
        }),
      ),
    onSuccess: (answer) => queries.setQueryData(["mail-preferences"], answer),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    choose.mutate();
  };
  const toggle = (topic: Topic, wanted: boolean) => {
    const next = new Set(stopped);
    if (wanted) next.delete(topic);
    else next.add(topic);
    setStopped(next);
    choose.reset();
  };
  return (
    <form onSubmit={submit} className="stack">
      {saved.chosen ? null : (
        <p className="muted">
          You have not chosen yet: until you save, mails show times in each session's mentor's zone
          {saved.time_zone ? ` (your sign-in says ${saved.time_zone})` : ""}. Below, your browser's settings are
          suggested.
        </p>
      )}
      <label>
        Time zone
        <select
          style={{ maxWidth: "100%" }}
          value={zone}
          onChange={(e) => {
            setZone(e.target.value);
            choose.reset();
          }}
        >
          {zones(saved.time_zone).map((z) => (
            <option key={z} value={z}>
              {z.replace(/_/g, " ")}
            </option>
          ))}
        </select>
      </label>
      <label>
        Language and region (dates, times and amounts)
        <select
          style={{ maxWidth: "100%" }}
          value={locale}
          onChange={(e) => {
            setLocale(e.target.value);
            choose.reset();
          }}
        >
          {locales(saved.locale).map((l) => (
            <option key={l} value={l}>
              {localeName(l)}
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>Mails you get</legend>
        {saved.topics.map((t) => (
          <label key={t} className="choice">
            <input
              type="checkbox"
              style={{ width: "auto", display: "inline", margin: "0 0.5rem 0 0" }}
              checked={!stopped.has(t)}
              onChange={(e) => toggle(t, e.target.checked)}
            />
            <span>
              {TOPICS[t]?.label ?? t}
              {TOPICS[t] ? <span className="muted">{` — ${TOPICS[t].what}`}</span> : null}
            </span>
          </label>
        ))}
        <p className="muted">Receipts of payments and refunds always come.</p>
      </fieldset>
      <Problem error={choose.error} />
      <button type="submit" disabled={choose.isPending}>
        {choose.isPending ? "Saving…" : "Save"}
      </button>
      {choose.isSuccess ? <p role="status">Saved.</p> : null}
    </form>
  );
}

export function Preferences() {
  const session = useSession();
  const saved = useQuery({
    queryKey: ["mail-preferences"],
    queryFn: () => call(calendarSyncMyMailPreferences()),
    enabled: !!session,
  });
  if (!session)
    return (
      <>
        <PageTitle>Mail preferences</PageTitle>
        <p>
          <Link href="/signin?next=/preferences">Sign in</Link> to choose what Kairos mails you.
        </p>
      </>
    );
  return (
    <>
      <PageTitle>Mail preferences</PageTitle>
      {saved.isPending ? <Loading what="your preferences" /> : null}
      <Problem error={saved.error} />
      {saved.data ? <Form saved={saved.data} /> : null}
    </>
  );
}
