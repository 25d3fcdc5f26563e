// Credits: the balance and its latest moves, and buying a pack by card with Stripe.js (the
// purchase's PaymentIntent confirmed in the browser; the balance grows once payments has
// the verified payment, followed here until it shows).
import { paymentsBuyCreditPack, paymentsGetCredits } from "@kairos/client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";

import { ApiProblem, call, idempotencyKey } from "../api";
import { CardFields, cardProblem, useCardElement } from "../card";
import { dateTime, money } from "../format";
import { Link } from "../router";
import { useSession } from "../session";
import { Empty, Loading, PageTitle, Problem } from "../ui";

// The packs payments sells (its prices decide; these are shown to choose from).
const PACKS = [
  { name: "starter", credits: 5, price: 5000 },
  { name: "standard", credits: 10, price: 9000 },
  { name: "pro", credits: 25, price: 20000 },
];

const REASONS: Record<string, string> = {
  purchase: "Pack bought",
  payment: "Session paid",
  return: "Given back",
  occurrence_unavailable: "Session unavailable: given back",
};

export function Credits() {
  const session = useSession();
  const next = new URLSearchParams(window.location.search).get("next");
  const [pack, setPack] = useState(PACKS[0].name);
  const [purchase, setPurchase] = useState<{ id: string; secret: string | null; credits: number } | null>(null);
  const [waitingFor, setWaitingFor] = useState<string | null>(null);
  const credits = useQuery({
    queryKey: ["credits"],
    queryFn: () => call(paymentsGetCredits({ query: { limit: 10 } })),
    enabled: !!session,
    refetchInterval: waitingFor ? 1000 : false,
  });
  const landed = !!waitingFor && (credits.data?.ledger.items ?? []).some((e) => e.reference === waitingFor);
  const cardForm = useCardElement(!!session && !waitingFor);
  const buy = useMutation({
    mutationFn: async () => {
      const card = cardForm.card;
      if (!card) throw new ApiProblem({ type: "about:blank", title: "The card form is not ready", status: 0, detail: "Wait a moment and try again." });
      // One purchase per pack choice: after a decline, another card pays the same one.
      let bought = purchase;
      if (!bought?.secret) {
        const made = await call(
          paymentsBuyCreditPack({
            body: { pack, purchase_id: crypto.randomUUID() },
            headers: { "Idempotency-Key": idempotencyKey() },
          }),
        );
        bought = { id: made.purchase_id, secret: made.client_secret, credits: made.credits };
        setPurchase(bought);
      }
      if (!bought.secret)
        throw new ApiProblem({ type: "about:blank", title: "The purchase could not start", status: 0, detail: "Stripe gave no payment to confirm." });
      const confirmed = await card.stripe.confirmCardPayment(bought.secret, { payment_method: { card: card.element } });
      if (confirmed.error) throw cardProblem(confirmed.error, "Nothing was bought: you can try another card.");
      return bought;
    },
    onSuccess: (bought) => setWaitingFor(bought.id),
  });
  if (!session)
    return (
      <>
        <PageTitle>Credits</PageTitle>
        <p>
          <Link href="/signin?next=/credits">Sign in</Link> to see your credits.
        </p>
      </>
    );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    buy.mutate();
  };
  const chosen = PACKS.find((p) => p.name === pack)!;
  return (
    <>
      <PageTitle>Credits</PageTitle>
      {credits.isPending ? <Loading what="your credits" /> : null}
      <Problem error={credits.error} />
      {credits.data ? (
        <p role="status" aria-live="polite" className="balance">
          Your balance: <strong>{credits.data.balance} credits</strong>
        </p>
      ) : null}
      {waitingFor ? (
        <p role="status" className={landed ? "status confirmed" : "status paying"}>
          {landed
            ? `Bought: ${purchase?.credits} credits added.`
            : "Paid: waiting for the credits to be added…"}
        </p>
      ) : null}
      {landed && next?.startsWith("/") ? <Link href={next}>Back to your seat</Link> : null}
      {waitingFor ? (
        landed ? (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setWaitingFor(null);
              setPurchase(null);
              buy.reset();
            }}
          >
            Buy another pack
          </button>
        ) : null
      ) : (
        <form onSubmit={submit} className="stack">
          <fieldset>
            <legend>Pack</legend>
            {PACKS.map((p) => (
              <label key={p.name} className="choice">
                <input
                  type="radio"
                  name="pack"
                  value={p.name}
                  checked={pack === p.name}
                  disabled={!!purchase}
                  onChange={() => setPack(p.name)}
                />
                {p.credits} credits · {money(p.price, "EUR")}
              </label>
            ))}
          </fieldset>
          <CardFields card={cardForm} />
          <Problem error={buy.error} />
          <button type="submit" disabled={buy.isPending || !cardForm.card}>
            {buy.isPending ? "Paying…" : `Buy ${chosen.credits} credits for ${money(chosen.price, "EUR")}`}
          </button>
        </form>
      )}
      <h2>Latest moves</h2>
      {credits.isSuccess && credits.data.ledger.items.length === 0 ? <Empty>No credits yet.</Empty> : null}
      <ul className="plain">
        {(credits.data?.ledger.items ?? []).map((e) => (
          <li key={`${e.reference}-${e.at}-${e.delta}`}>
            {dateTime(e.at)} · {REASONS[e.reason] ?? e.reason} · {e.delta > 0 ? `+${e.delta}` : e.delta} · balance{" "}
            {e.balance_after}
          </li>
        ))}
      </ul>
    </>
  );
}
