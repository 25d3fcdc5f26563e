// The one place the app configures the generated client (clients/typescript): the gateway
// is this page's own origin, and the signed-in user's token goes on every operation that
// needs one. Every refusal the API answers is a problem+json body; `call` turns it into an
// ApiProblem whose title/detail the page shows.
import { client, type ProblemDetails } from "@kairos/client";

import { currentToken } from "./session";

client.setConfig({ baseUrl: window.location.origin, auth: () => currentToken() });

export class ApiProblem extends Error {
  readonly problem: ProblemDetails;
  constructor(problem: ProblemDetails) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
  get slug(): string {
    return this.problem.type.split("/").pop() ?? "";
  }
}

type Answer<T> = { data?: T; error?: unknown; response?: Response };

function isProblem(body: unknown): body is ProblemDetails {
  return typeof body === "object" && body !== null && "title" in body && "status" in body;
}

/** The answer's data, or an ApiProblem (a network failure is one too: offline). */
export async function call<T>(request: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await request;
  } catch (err) {
    throw new ApiProblem({
      type: "about:blank",
      title: "Offline",
      status: 0,
      detail: `The server could not be reached (${String(err)}). Check your connection and try again.`,
    });
  }
  const status = answer.response?.status ?? 0;
  if (answer.error !== undefined || status >= 400) {
    const body = answer.error;
    if (isProblem(body)) throw new ApiProblem(body);
    throw new ApiProblem({
      type: "about:blank",
      title: answer.response?.statusText || "Request failed",
      status,
      detail: typeof body === "string" && body ? body : `The server answered ${status}.`,
    });
  }
  return answer.data as T;
}

/** A fresh key for one POST: a retry of the same action sends the same key. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}

/** The URL of an API path on the gateway, built by the client (for EventSource). */
export function apiUrl(url: string, query: Record<string, string>): string {
  return client.buildUrl({ url, query });
}

/** The public address of a calendar feed (the token is its only credential), through the
 * gateway: the feed operation's own URL (calendarSyncFeed), not the service-relative path. */
export function feedUrl(token: string): string {
  return client.buildUrl({ url: "/api/calendar/feeds/{token}.ics", path: { token } });
}
