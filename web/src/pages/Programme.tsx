// A recurring programme: what it is (its weekly times in the viewer's zone and the
// provider's), subscribing by card (Stripe.js makes the payment method from the card typed
// into its element; the first cycle is paid at once), then its sessions on "My programmes".
import { paymentsSubscribe } from "@kairos/client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { FormEvent } from "react";

import { ApiProblem, call, idempotencyKey } from "../api";
import { useOfferingWithProvider } from "../catalog";
import { CardFields, cardProblem, useCardElement } from "../card";
import { money } from "../format";
import { Link, navigate } from "../router";
import { useSession } from "../session";
import { Loading, PageTitle, Problem } from "../ui";

const WEEKDAYS = ["Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"];

export function Programme({ id }: { id: string }) {
  const session = useSession();
  const queries = useQueryClient();
  const { offering, provider } = useOfferingWithProvider(id);
  const cardForm = useCardElement(!!session && offering.isSuccess);
  const subscribe = useMutation({
    mutationFn: async () => {
      const card = cardForm.card;
      if (!card) throw new ApiProblem({ type: "about:blank", title: "The card form is not ready", status: 0, detail: "Wait a moment and try again." });
      const made = await card.stripe.createPaymentMethod({ type: "card", card: card.element });
      if (made.error || !made.paymentMethod) throw cardProblem(made.error ?? {}, "Nothing was charged.");
      return call(
        paymentsSubscribe({
          body: { offering_id: id, payment_method_id: made.paymentMethod.id },
          headers: { "Idempotency-Key": idempotencyKey() },
        }),
      );
    },
    onSuccess: () => {
      queries.invalidateQueries({ queryKey: ["enrollments"] });
      navigate("/programmes");
    },
  });
  if (offering.isPending) return <Loading what="the programme" />;
  if (offering.isError) return <Problem error={offering.error} />;
  const o = offering.data;
  const zone = provider.data?.time_zone;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    subscribe.mutate();
  };
  return (
    <>
      <PageTitle>{o.title}</PageTitle>
      <p>
        A weekly programme with{" "}
        {provider.data ? <Link href={`/providers/${o.provider_id}`}>{provider.data.display_name}</Link> : "…"} ·{" "}
        {o.duration_min} min a session · {money(o.price_minor, o.currency)} a month
      </p>
      <h2>Sessions</h2>
      <ul className="plain">
        {o.pattern.map((p) => (
          <li key={`${p.weekday}-${p.time}`}>
            {WEEKDAYS[p.weekday]} at {p.time}
            {zone ? ` (${zone})` : ""}
          </li>
        ))}
      </ul>
      {!session ? (
        <p>
          <Link href={`/signin?next=/programmes/${id}`}>Sign in</Link> to subscribe.
        </p>
      ) : (
        <form onSubmit={submit} className="stack">
          <h2>Subscribe</h2>
          <p>The first month is charged now; then monthly until you unsubscribe.</p>
          <CardFields card={cardForm} />
          <Problem error={subscribe.error} />
          <button type="submit" disabled={subscribe.isPending || !cardForm.card}>
            {subscribe.isPending ? "Subscribing…" : `Subscribe for ${money(o.price_minor, o.currency)} a month`}
          </button>
        </form>
      )}
    </>
  );
}
