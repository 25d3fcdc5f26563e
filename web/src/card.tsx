// Paying by card with Stripe.js: its card element mounted in a labelled group while a form
// shows, and Stripe's refusals turned into problems the page shows like the API's.
import { useEffect, useRef, useState } from "react";

import { ApiProblem } from "./api";
import { type CardElement, type StripeError, type StripeJs, loadStripe } from "./stripe";
import { Loading, Problem } from "./ui";

/** Stripe.js's card element, mounted in the returned ref's node while the form shows. */
export function useCardElement(show: boolean) {
  const node = useRef<HTMLDivElement>(null);
  const [card, setCard] = useState<{ stripe: StripeJs; element: CardElement } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!show) return;
    let element: CardElement | null = null;
    let gone = false;
    loadStripe()
      .then((stripe) => {
        if (gone || !node.current) return;
        element = stripe.elements().create("card");
        element.mount(node.current);
        setCard({ stripe, element });
      })
      .catch((err: unknown) =>
        setError(new ApiProblem({ type: "about:blank", title: "Card payments are unavailable", status: 0, detail: String(err) })),
      );
    return () => {
      gone = true;
      element?.destroy();
      setCard(null);
    };
  }, [show]);
  return { node, card, error };
}

/** Stripe's refusal as a problem the page shows: the seat stays held meanwhile. */
export function cardProblem(
  error: StripeError,
  after = "Your seat is still held: you can try another card.",
): ApiProblem {
  const declined = error.type === "card_error";
  return new ApiProblem({
    type: "about:blank",
    title: declined ? "Card declined" : "The card could not be used",
    status: 402,
    detail: `${error.message ?? "Stripe refused the card."} ${after}`,
  });
}

/** The card element's place in a form, with its loading and failure states. */
export function CardFields({ card }: { card: ReturnType<typeof useCardElement> }) {
  return (
    <fieldset>
      <legend>Card</legend>
      <div ref={card.node} className="card-element" />
      {card.card || card.error ? null : <Loading what="the card form" />}
      <Problem error={card.error} />
    </fieldset>
  );
}
