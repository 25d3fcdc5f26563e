// Stripe.js, loaded from the configured URL the first time a card form opens (Stripe's
// own script deployed, localstripe's stand-in on the local stack), and the little of its
// API the app uses: a card element, confirmCardPayment with that card.
import { webConfig } from "./config";

export interface StripeError {
  type?: string;
  code?: string;
  decline_code?: string;
  message?: string;
}
export interface CardElement {
  mount(target: HTMLElement | string): void;
  destroy(): void;
  on(event: "change", handler: () => void): void;
}
export interface StripeJs {
  elements(): { create(type: "card", options?: object): CardElement };
  createPaymentMethod(data: {
    type: "card";
    card: CardElement;
  }): Promise<{ paymentMethod?: { id: string }; error?: StripeError }>;
  confirmCardPayment(
    clientSecret: string,
    data?: { payment_method: { card: CardElement } | string },
  ): Promise<{ paymentIntent?: { id: string; status: string }; error?: StripeError }>;
}

declare global {
  interface Window {
    Stripe?: (publishableKey: string) => StripeJs;
  }
}

let stripe: Promise<StripeJs> | null = null;

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = true;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`Stripe.js could not be loaded from ${src}`));
    document.head.appendChild(script);
  });
}

export function loadStripe(): Promise<StripeJs> {
  stripe ??= (async () => {
    const { stripe: conf } = await webConfig();
    if (!conf.js_url || !conf.publishable_key) throw new Error("Card payments are not configured here.");
    if (!window.Stripe) await loadScript(conf.js_url);
    if (!window.Stripe) throw new Error("Stripe.js did not load.");
    return window.Stripe(conf.publishable_key);
  })();
  stripe.catch(() => {
    stripe = null;
  });
  return stripe;
}
