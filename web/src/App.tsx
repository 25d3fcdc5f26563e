import { useEffect, useState } from "react";

import { Admin } from "./pages/Admin";
import { Calendar } from "./pages/Calendar";
import { Credits } from "./pages/Credits";
import { Hold } from "./pages/Hold";
import { Mentor } from "./pages/Mentor";
import { MentorSetup } from "./pages/MentorSetup";
import { MyBookings } from "./pages/MyBookings";
import { MyProgrammes } from "./pages/MyProgrammes";
import { Preferences } from "./pages/Preferences";
import { Offering } from "./pages/Offering";
import { Provider } from "./pages/Provider";
import { Programme } from "./pages/Programme";
import { Providers } from "./pages/Providers";
import { SignIn, SignInCallback } from "./pages/SignIn";
import { Link, match, usePath } from "./router";
import { useSession } from "./session";
import { signOutEverywhere } from "./signout";
import { PageTitle } from "./ui";

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener("online", on);
    window.addEventListener("offline", off);
    return () => {
      window.removeEventListener("online", on);
      window.removeEventListener("offline", off);
    };
  }, []);
  return online;
}

function Page({ path }: { path: string }) {
  let p: Record<string, string> | null;
  if (match("/", path)) return <Providers />;
  if (match("/signin", path)) return <SignIn />;
  if (match("/signin/callback", path)) return <SignInCallback />;
  if (match("/bookings", path)) return <MyBookings />;
  if (match("/credits", path)) return <Credits />;
  if (match("/calendar", path)) return <Calendar />;
  if (match("/preferences", path)) return <Preferences />;
  if (match("/admin", path)) return <Admin />;
  if (match("/mentor", path)) return <Mentor />;
  if (match("/mentor/setup", path)) return <MentorSetup />;
  if (match("/programmes", path)) return <MyProgrammes />;
  if ((p = match("/programmes/:id", path))) return <Programme id={p.id} />;
  if ((p = match("/providers/:id", path))) return <Provider id={p.id} />;
  if ((p = match("/offerings/:id", path))) return <Offering id={p.id} />;
  if ((p = match("/holds/:id", path))) return <Hold id={p.id} />;
  return (
    <>
      <PageTitle>Page not found</PageTitle>
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/">Find a mentor</Link>.
      </p>
    </>
  );
}

export function App() {
  const path = usePath();
  const session = useSession();
  const online = useOnline();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href="/" className="brand">
          Kairos
        </Link>
        <nav aria-label="Main">
          <Link href="/">Mentors</Link>
          {session && session.role !== "mentor" ? <Link href="/bookings">My bookings</Link> : null}
          {session?.role === "mentor" ? <Link href="/mentor">My schedule</Link> : null}
          {session?.role === "mentor" ? <Link href="/mentor/setup">Hours and offerings</Link> : null}
          {session && session.role !== "mentor" ? <Link href="/programmes">My programmes</Link> : null}
          {session && session.role !== "mentor" ? <Link href="/credits">Credits</Link> : null}
          {session ? <Link href="/calendar">Calendars</Link> : null}
          {session ? <Link href="/preferences">Mail preferences</Link> : null}
          {session?.role === "admin" ? <Link href="/admin">Admin</Link> : null}
          {session ? (
            <button
              type="button"
              className="link"
              onClick={() => void signOutEverywhere(session)}
            >
              Sign out {session.name}
            </button>
          ) : (
            <Link href="/signin">Sign in</Link>
          )}
        </nav>
      </header>
      {online ? null : (
        <p className="offline" role="status">
          You are offline: what you see may be out of date, and nothing can be booked until you
          are back online.
        </p>
      )}
      <main id="main" key={path.split("?")[0]}>
        <Page path={path} />
      </main>
    </>
  );
}
