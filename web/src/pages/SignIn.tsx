// Sign-in, as the deployment's config.json says: "local", the local stack mints a token
// for the person described here (POST /local/tokens, which exists only on the local
// stack); "oidc", the deployment's OpenID Connect issuer (authorization code with PKCE,
// src/oidc.ts, loaded only then), which comes back to /signin/callback.
import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";

import { ApiProblem } from "../api";
import { type OidcSignIn, webConfig } from "../config";
import { navigate } from "../router";
import { type Role, type Session, signIn } from "../session";
import { Loading, PageTitle, Problem } from "../ui";
import { viewerZone } from "../format";

/** Where to go after signing in: a path of this app only (never another site). */
function nextPath(): string {
  const next = new URLSearchParams(window.location.search).get("next") || "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignIn() {
  const config = useQuery({ queryKey: ["web-config"], queryFn: webConfig, staleTime: Infinity });
  if (config.isPending) return <Loading what="sign-in" />;
  if (config.isError) {
    return (
      <>
        <PageTitle>Sign in</PageTitle>
        <Problem error={config.error} />
      </>
    );
  }
  const how = config.data.sign_in;
  return how.kind === "oidc" ? <OidcSignInPage how={how} /> : <LocalSignIn />;
}

function OidcSignInPage({ how }: { how: OidcSignIn }) {
  const leaving = useMutation({
    mutationFn: async () => (await import("../oidc")).beginSignIn(how, nextPath()),
  });
  return (
    <>
      <PageTitle>Sign in</PageTitle>
      <p>You sign in with your organisation's account at {new URL(how.issuer).host}.</p>
      <Problem error={leaving.error} />
      <button type="button" disabled={leaving.isPending} onClick={() => leaving.mutate()}>
        {leaving.isPending ? "Going to sign in…" : "Sign in"}
      </button>
    </>
  );
}

/** /signin/callback: the issuer sends the browser back here with a code (or an error). */
export function SignInCallback() {
  const started = useRef(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (started.current) return; // a code is redeemed once (React may run effects twice)
    started.current = true;
    (async () => {
      const { sign_in: how } = await webConfig();
      if (how.kind !== "oidc") throw new Error("This deployment does not sign in with OIDC.");
      const { completeSignIn } = await import("../oidc");
      const { session, next } = await completeSignIn(how, new URL(window.location.href));
      signIn(session);
      navigate(next, true);
    })().catch(setError);
  }, []);
  return (
    <>
      <PageTitle>Signing in</PageTitle>
      {error ? (
        <>
          <Problem error={error} />
          <p>
            <a href="/signin">Try again</a>
          </p>
        </>
      ) : (
        <Loading what="your account" />
      )}
    </>
  );
}

async function mint(role: Role, name: string, email: string): Promise<Session> {
  let resp: Response;
  try {
    resp = await fetch("/local/tokens", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      // The browser's zone and language: the person's mail zone and locale until they
      // choose their own (an issuer's token carries the same claims).
      body: JSON.stringify({ role, name, email, zoneinfo: viewerZone === "Etc/Unknown" ? undefined : viewerZone, locale: navigator.language }),
    });
  } catch (err) {
    throw new ApiProblem({ type: "about:blank", title: "Offline", status: 0, detail: String(err) });
  }
  const body = await resp.json().catch(() => null);
  if (resp.status === 404 && !body?.title) {
    throw new ApiProblem({
      type: "about:blank",
      title: "Local sign-in is not available",
      status: 404,
      detail: "This server has no local token endpoint: it exists only on the local stack.",
    });
  }
  if (!resp.ok) throw new ApiProblem(body);
  return { ...(body as Omit<Session, "name" | "email">), role, name, email };
}

function LocalSignIn() {
  const [role, setRole] = useState<Role>("mentee");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const next = nextPath();
  const signing = useMutation({
    mutationFn: () => mint(role, name.trim(), email.trim()),
    onSuccess: (session) => {
      signIn(session);
      navigate(next, true);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signing.mutate();
  };
  return (
    <>
      <PageTitle>Sign in</PageTitle>
      <p className="note">
        Local stack only: you get a token signed with this stack's key for the person you
        describe. Nothing is checked.
      </p>
      <form onSubmit={submit} className="stack">
        <fieldset>
          <legend>I am a</legend>
          {(["mentee", "mentor", "admin"] as const).map((r) => (
            <label key={r} className="choice">
              <input
                type="radio"
                name="role"
                value={r}
                checked={role === r}
                onChange={() => setRole(r)}
              />
              {r}
            </label>
          ))}
        </fieldset>
        <label>
          Name
          <input
            name="name"
            autoComplete="name"
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label>
          Email
          <input
            name="email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <Problem error={signing.error} />
        <button type="submit" disabled={signing.isPending}>
          {signing.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </>
  );
}
