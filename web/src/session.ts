// Who is signed in: a token and what it says (kept in this browser's localStorage).
import { useSyncExternalStore } from "react";

export type Role = "mentee" | "mentor" | "admin";
export interface Session {
  token: string;
  sub: string;
  role: Role;
  name: string;
  email: string;
  expires_at: string;
  /** OIDC sign-in only: the ID token, a hint for the issuer when signing out there too */
  id_token?: string;
}

const KEY = "kairos.session";
const listeners = new Set<() => void>();
let cached: Session | null | undefined;

function read(): Session | null {
  if (cached !== undefined) return cached;
  try {
    const raw = localStorage.getItem(KEY);
    const parsed = raw ? (JSON.parse(raw) as Session) : null;
    cached = parsed && Date.parse(parsed.expires_at) > Date.now() ? parsed : null;
  } catch {
    cached = null;
  }
  return cached;
}

export function currentToken(): string | undefined {
  return read()?.token;
}

export function signIn(session: Session): void {
  localStorage.setItem(KEY, JSON.stringify(session));
  cached = session;
  listeners.forEach((l) => l());
}

export function signOut(): void {
  localStorage.removeItem(KEY);
  cached = null;
  listeners.forEach((l) => l());
}

export function useSession(): Session | null {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    read,
    () => null,
  );
}
