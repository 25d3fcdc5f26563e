// Local sign-in: the local stack mints a token for the person described here
// (POST /local/tokens, which exists only on the local stack; production signs in with an
// OIDC issuer instead).
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";

import { ApiProblem } from "../api";
import { navigate } from "../router";
import { type Role, type Session, signIn } from "../session";
import { PageTitle, Problem } from "../ui";

async function mint(role: Role, name: string, email: string): Promise<Session> {
  let resp: Response;
  try {
    resp = await fetch("/local/tokens", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ role, name, email }),
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

export function SignIn() {
  const [role, setRole] = useState<Role>("mentee");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const next = new URLSearchParams(window.location.search).get("next") || "/";
  const signing = useMutation({
    mutationFn: () => mint(role, name.trim(), email.trim()),
    onSuccess: (session) => {
      signIn(session);
      navigate(next.startsWith("/") ? next : "/", true);
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
