// Small pieces every page uses: the problem box, loading and empty states, page titles.
import { type ReactNode, useEffect, useRef } from "react";

import { ApiProblem } from "./api";
import { hasNavigated } from "./router";

/** An error as the API said it: its problem title and detail (never a blank page). */
export function Problem({ error }: { error: unknown }) {
  if (!error) return null;
  const problem =
    error instanceof ApiProblem
      ? error.problem
      : { title: "Something went wrong", detail: String(error), status: 0 };
  return (
    <div className="problem" role="alert">
      <strong>{problem.title}</strong>
      {problem.detail ? <p>{problem.detail}</p> : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** The page's heading, focused when the app moves to the page (keyboard and
 * screen-reader users start reading there after a navigation; on the first page the
 * browser's order stands, the skip link first). */
export function PageTitle({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (hasNavigated()) ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}
