// The reminders of an offering: when, before each session, a reminder mail goes
// out (`reminder_minutes_before`; the API's default 1 day and 1 hour; [] = none). Shown as
// removable chips with a lead to add (a preset or typed minutes), and "No reminders" as a
// choice of its own. The API judges the values (5 minutes to 7 days, at most 5): its 422
// about them is shown here, next to the field, not under the whole form.
import { useId, useState } from "react";

import { ApiProblem } from "./api";

/** What the API gives a new offering when none are sent (OfferingIn's default). */
export const DEFAULT_REMINDERS: readonly number[] = [1440, 60];

/** The leads offered in the picker (minutes before the session). */
const PRESETS = [15, 30, 60, 120, 1440, 2880];
const MAX = 5;
const FIELD = "reminder_minutes_before";

/** "15 minutes", "1 hour", "2 hours", "1 day", "1 hour 30 minutes". */
export function lead(minutes: number): string {
  const unit = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
  if (minutes >= 1440 && minutes % 1440 === 0) return unit(minutes / 1440, "day");
  if (minutes >= 60 && minutes % 60 === 0) return unit(minutes / 60, "hour");
  if (minutes > 60) return `${unit(Math.floor(minutes / 60), "hour")} ${unit(minutes % 60, "minute")}`;
  return unit(minutes, "minute");
}

/** The reminders as the form holds them: on or off, and the leads kept while off. */
export type RemindersValue = { on: boolean; leads: number[] };

export function remindersValue(minutes: readonly number[]): RemindersValue {
  return minutes.length > 0 ? { on: true, leads: sorted(minutes) } : { on: false, leads: [...DEFAULT_REMINDERS] };
}

/** What the API is sent: the leads, earliest first, or [] when off. */
export function remindersBody(value: RemindersValue): number[] {
  return value.on ? sorted(value.leads) : [];
}

function sorted(minutes: readonly number[]): number[] {
  return [...new Set(minutes)].sort((a, b) => b - a);
}

/** The API's refusal when it is about the reminders (a 422 naming the field), else null. */
export function remindersProblem(error: unknown): ApiProblem | null {
  if (!(error instanceof ApiProblem) || error.status !== 422) return null;
  const { errors, detail } = error.problem;
  const named = (errors ?? []).some((e) => e.field === FIELD || e.field.startsWith(`${FIELD}[`) || e.field.startsWith(`${FIELD}.`));
  return named || (!errors?.length && (detail ?? "").startsWith(FIELD)) ? error : null;
}

/** The API's words about each reminder, named by its lead ("3 minutes before: …", from the
 * index the API gives, into the leads as sent), or its detail when it names none. */
function fieldMessages(problem: ApiProblem, sent: number[]): string[] {
  const mine = (problem.problem.errors ?? []).filter((e) => e.field === FIELD || e.field.startsWith(`${FIELD}[`) || e.field.startsWith(`${FIELD}.`));
  if (mine.length === 0) return [problem.problem.detail ?? ""];
  return mine.map((e) => {
    const index = /^[^[.]+[[.](\d+)/.exec(e.field)?.[1];
    const minutes = index === undefined ? undefined : sent[Number(index)];
    return `${minutes === undefined ? "Reminders" : `${lead(minutes)} before`}: ${e.message}`;
  });
}

/** The rest of an error, for the form's own problem box (null when it is the reminders'). */
export function otherProblem(error: unknown): unknown {
  return remindersProblem(error) ? null : error;
}

export function Reminders({
  value,
  onChange,
  error,
}: {
  value: RemindersValue;
  onChange: (value: RemindersValue) => void;
  error: unknown;
}) {
  const id = useId();
  const [choice, setChoice] = useState("120");
  const [typed, setTyped] = useState("");
  const problem = remindersProblem(error);
  const leads = sorted(value.leads);
  const custom = choice === "minutes";
  const adding = custom ? Number(typed) : Number(choice);
  const canAdd = Number.isInteger(adding) && adding > 0 && !leads.includes(adding) && leads.length < MAX;
  const add = () => {
    if (!canAdd) return;
    onChange({ on: true, leads: sorted([...leads, adding]) });
    setTyped("");
  };
  return (
    <fieldset className="reminders" aria-describedby={`${id}-help${problem ? ` ${id}-problem` : ""}`}>
      <legend>Reminders</legend>
      <p className="muted" id={`${id}-help`}>
        Mails to whoever booked, before each session (up to {MAX}, from 5 minutes to 7 days before).
      </p>
      <div className="row">
        <label className="choice">
          <input type="radio" name={`${id}-on`} checked={value.on} onChange={() => onChange({ on: true, leads: leads.length ? leads : [...DEFAULT_REMINDERS] })} />
          Remind before each session
        </label>
        <label className="choice">
          <input type="radio" name={`${id}-on`} checked={!value.on} onChange={() => onChange({ ...value, on: false })} />
          No reminders
        </label>
      </div>
      {value.on ? (
        <>
          {leads.length === 0 ? <p className="empty">No reminder yet: add one, or choose No reminders.</p> : null}
          <ul className="chips" aria-label="Reminder times">
            {leads.map((m) => (
              <li key={m} className="chip">
                <span>{lead(m)} before</span>
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={`Remove the reminder ${lead(m)} before`}
                  onClick={() => onChange({ on: true, leads: leads.filter((x) => x !== m) })}
                >
                  <span aria-hidden="true">×</span>
                </button>
              </li>
            ))}
          </ul>
          <div className="row reminder-add">
            <label>
              Add a reminder
              <select value={choice} onChange={(e) => setChoice(e.target.value)}>
                {PRESETS.map((m) => (
                  <option key={m} value={m}>
                    {lead(m)} before
                  </option>
                ))}
                <option value="minutes">other: type the minutes</option>
              </select>
            </label>
            {custom ? (
              <label>
                Minutes before
                <input
                  type="number"
                  inputMode="numeric"
                  min={5}
                  max={10080}
                  step={1}
                  value={typed}
                  onChange={(e) => setTyped(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter") {
                      e.preventDefault();
                      add();
                    }
                  }}
                />
              </label>
            ) : null}
            <button type="button" className="secondary" disabled={!canAdd} onClick={add}>
              Add the reminder
            </button>
          </div>
          {leads.length >= MAX ? <p className="muted">At most {MAX} reminders: remove one to add another.</p> : null}
        </>
      ) : null}
      {problem ? (
        <div className="problem" role="alert" id={`${id}-problem`}>
          <strong>{problem.problem.title}</strong>
          {fieldMessages(problem, leads).map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      ) : null}
    </fieldset>
  );
}
