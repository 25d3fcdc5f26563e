// Signing out: this browser forgets the token; after an OIDC sign-in the issuer is asked to
// end its session too (RP-initiated logout), else the next "Sign in" would pass straight
// through as the same person.
import { webConfig } from "./config";
import { navigate } from "./router";
import { type Session, signOut } from "./session";

export async function signOutEverywhere(session: Session): Promise<void> {
  signOut();
  const config = await webConfig().catch(() => null);
  if (config?.sign_in.kind === "oidc") {
    const { signOutUrl } = await import("./oidc");
    const url = await signOutUrl(config.sign_in, session.id_token).catch(() => null);
    if (url) {
      window.location.assign(url);
      return;
    }
  }
  navigate("/");
}
