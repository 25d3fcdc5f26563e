// Live updates of the signed-in mentee's bookings (or of a mentor's schedule, `stream`
// naming /api/booking/providers/<id>/schedule/stream): a short-lived stream token
// (POST /api/booking/live/tokens) opens an EventSource on /api/booking/me/bookings/stream
// (an EventSource cannot send an Authorization header). When the stream fails (its token
// lapses after a minute, the server restarts) a new token opens a new one; `onEvent`
// is told of every event and of each (re)connection, so the page can refetch what it
// may have missed.
import { bookingCreateLiveToken } from "@kairos/client";
import { useEffect, useRef, useState } from "react";

import { apiUrl, call, idempotencyKey } from "./api";

export interface LiveEvent {
  event_id: string;
  type: string;
  occurred_at: string;
  subject: string;
  data: Record<string, unknown>;
}

export type LiveState = "connecting" | "live" | "offline";

const TYPES = [
  "BookingConfirmed",
  "BookingRejected",
  "BookingCancelled",
  "BookingRestored",
  "BookingRescheduled",
  "HoldPlaced",
  "HoldReleased",
  "HoldExpired",
];

export function useLiveBookings(
  enabled: boolean,
  onEvent: (event: LiveEvent | "connected") => void,
  stream = "/api/booking/me/bookings/stream",
): LiveState {
  const [state, setState] = useState<LiveState>("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (!enabled) return;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let failures = 0;
    const open = async () => {
      setState("connecting");
      try {
        const { token } = await call(
          bookingCreateLiveToken({ headers: { "Idempotency-Key": idempotencyKey() } }),
        );
        if (stopped) return;
        source = new EventSource(apiUrl(stream, { token }));
      } catch {
        reconnect();
        return;
      }
      source.onopen = () => {
        failures = 0;
        setState("live");
        handler.current("connected");
      };
      source.onerror = () => {
        // The browser retries by itself with the same (soon expired) token: take over.
        source?.close();
        reconnect();
      };
      const deliver = (msg: MessageEvent<string>) => handler.current(JSON.parse(msg.data));
      for (const type of TYPES) source.addEventListener(type, deliver as EventListener);
      source.addEventListener("reset", () => handler.current("connected"));
    };
    const reconnect = () => {
      if (stopped) return;
      setState("offline");
      failures += 1;
      retry = setTimeout(open, Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [enabled, stream]);
  return enabled ? state : "offline";
}
