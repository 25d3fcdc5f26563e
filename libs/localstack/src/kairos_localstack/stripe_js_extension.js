// Kairos: localstripe's Stripe.js stand-in completed where it is a stub (appended to
// localstripe-v3.js by kairos_localstack.localstripe_server; LOCALSTRIPE_BASE_API and Element
// are that script's). As Stripe.js does:
//   createPaymentMethod({type: "card", card: element, billing_details})
//       -> {paymentMethod} | {error}                      (POST /v1/payment_methods)
//   confirmCardPayment(clientSecret, {payment_method: {card: element} | "pm_..."})
//       -> {paymentIntent} | {error}                      (POST /v1/payment_intents/<id>/confirm)
// both with the publishable key, the confirmation with the PaymentIntent's client secret.
// A declined card answers {error: {type: "card_error", code: "card_declined", message}}.
(function () {
  const original = Stripe;

  async function post(apiKey, path, body) {
    try {
      const response = await fetch(`${LOCALSTRIPE_BASE_API}${path}`, {
        method: "POST",
        body: JSON.stringify({ key: apiKey, ...body }),
      });
      const answer = await response.json().catch(() => ({}));
      if (response.status !== 200 || answer.error) {
        const error = answer.error || { message: `Stripe answered ${response.status}.` };
        if (response.status === 402) error.type = "card_error";
        return { error };
      }
      return { answer };
    } catch (err) {
      return { error: { type: "api_connection_error", message: String(err) } };
    }
  }

  function cardOf(element) {
    const value = element && element.value;
    const card = value && value.card;
    const number = card ? String(card.number).replace(/\s+/g, "") : "";
    if (number.length < 16) {
      return { error: { type: "validation_error", code: "incomplete_number", message: "Your card number is incomplete." } };
    }
    if (!card.exp_month || String(card.exp_year).length < 4) {
      return { error: { type: "validation_error", code: "incomplete_expiry", message: "Your card's expiration date is incomplete." } };
    }
    if (String(card.cvc).length < 3) {
      return { error: { type: "validation_error", code: "incomplete_cvc", message: "Your card's security code is incomplete." } };
    }
    return {
      card: { number, exp_month: card.exp_month, exp_year: card.exp_year, cvc: String(card.cvc) },
      postal_code: value.postal_code,
    };
  }

  Stripe = (apiKey, options) => {
    const stripe = original(apiKey, options);

    async function createPaymentMethod(data, element, extra) {
      if (typeof data === "string") data = { type: data, card: element, ...(extra || {}) };
      if (!data || data.type !== "card" || !(data.card instanceof Element)) {
        return { error: { type: "validation_error", message: "A card element is needed." } };
      }
      const read = cardOf(data.card);
      if (read.error) return read;
      const billing = { ...(data.billing_details || {}) };
      if (read.postal_code) {
        billing.address = { postal_code: read.postal_code, ...(billing.address || {}) };
      }
      const made = await post(apiKey, "/v1/payment_methods", {
        type: "card",
        card: read.card,
        billing_details: billing,
      });
      return made.error ? { error: made.error } : { paymentMethod: made.answer };
    }

    // localstripe's own: the 3D Secure modal, then POST .../_authenticate
    const authenticate = stripe.confirmCardPayment;

    async function confirmCardPayment(clientSecret, data) {
      const found = /^(pi_\w+)_secret_/.exec(clientSecret || "");
      if (!found) return { error: { type: "validation_error", message: "Invalid client secret." } };
      let method = data && data.payment_method;
      if (method && typeof method === "object") {
        const made = await createPaymentMethod({ type: "card", ...method });
        if (made.error) return { error: made.error };
        method = made.paymentMethod.id;
      }
      const body = { client_secret: clientSecret, use_stripe_sdk: true };
      if (method) body.payment_method = method;
      const confirmed = await post(apiKey, `/v1/payment_intents/${found[1]}/confirm`, body);
      if (confirmed.error) return { error: confirmed.error };
      if (confirmed.answer.status === "requires_action") return authenticate(clientSecret);
      return { paymentIntent: confirmed.answer };
    }

    stripe.createPaymentMethod = createPaymentMethod;
    stripe.confirmCardPayment = confirmCardPayment;
    return stripe;
  };
})();
