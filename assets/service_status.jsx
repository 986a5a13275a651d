// The site-wide "temporarily unavailable, reconnecting…" banner (see vocahire/state/availability.py).
//
// The server tells the tab through window events (their names are props): `unavailableEvent` when a page
// event failed because the app's Redis didn't answer, or when the worker's watcher saw it go; then
// `availableEvent` when the watcher sees it answer again. While the banner shows it also asks readyUrl
// (GET /api/ready) now and then, so it recovers even if that second word never comes. On recovery it
// hides and calls onRecovered once: the page loads its data again, with no reload (a live interview's
// call and its buffered lines stay where they are).
import { useCallback, useEffect, useRef, useState } from "react";

const FIRST_CHECK_MS = 2000;
const MAX_CHECK_MS = 15000;

// A bar under the sticky header (60px), in the page's flow so it covers nothing, and sticky so it stays
// in sight while the page scrolls.
const styles = {
  bar: {
    position: "sticky", top: 60, zIndex: 9, background: "var(--amber-3)", color: "var(--amber-12)",
    borderBottom: "1px solid var(--amber-7)", fontSize: 14, lineHeight: 1.4,
  },
  inner: {
    display: "flex", alignItems: "center", gap: 12, maxWidth: 1100, margin: "0 auto",
    padding: "10px clamp(16px, 3vw, 24px)", boxSizing: "border-box",
  },
};

function Spinner() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" style={{ flex: "none", color: "var(--amber-11)" }}>
      <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" strokeOpacity="0.25" strokeWidth="3" />
      <path d="M21 12a9 9 0 0 0-9-9" fill="none" stroke="currentColor" strokeWidth="3" strokeLinecap="round">
        <animateTransform attributeName="transform" type="rotate" from="0 12 12" to="360 12 12" dur="0.9s" repeatCount="indefinite" />
      </path>
    </svg>
  );
}

export function ServiceStatus(props) {
  const { readyUrl, unavailableEvent, availableEvent, heading, detail } = props;
  const [down, setDown] = useState(() => typeof window !== "undefined" && window.__vocahireUnavailable === true);
  const downRef = useRef(down);
  const propsRef = useRef(props);
  propsRef.current = props;

  const recover = useCallback(() => {
    if (!downRef.current) return;
    downRef.current = false;
    window.__vocahireUnavailable = false;
    setDown(false);
    const handler = propsRef.current.onRecovered;
    if (handler) handler({});
  }, []);

  useEffect(() => {
    const onDown = () => {
      downRef.current = true;
      setDown(true);
    };
    window.addEventListener(unavailableEvent, onDown);
    window.addEventListener(availableEvent, recover);
    if (window.__vocahireUnavailable === true) onDown(); // said before this component mounted
    return () => {
      window.removeEventListener(unavailableEvent, onDown);
      window.removeEventListener(availableEvent, recover);
    };
  }, [unavailableEvent, availableEvent, recover]);

  useEffect(() => {
    if (!down) return undefined;
    let delay = FIRST_CHECK_MS;
    let timer = 0;
    let stopped = false;
    const check = async () => {
      try {
        const response = await fetch(readyUrl, { cache: "no-store", credentials: "same-origin" });
        if (!stopped && response.ok) {
          recover();
          return;
        }
      } catch (e) {
        /* the server itself is away: keep asking */
      }
      if (stopped) return;
      delay = Math.min(MAX_CHECK_MS, delay * 1.5);
      timer = window.setTimeout(check, delay * (0.8 + Math.random() * 0.4));
    };
    timer = window.setTimeout(check, delay);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [down, readyUrl, recover]);

  if (!down) return null;
  return (
    <div id="service-unavailable" role="status" aria-live="polite" style={styles.bar}>
      <div style={styles.inner}>
        <Spinner />
        <div>
          <strong>{heading}</strong>
          <div style={{ color: "var(--amber-11)" }}>{detail}</div>
        </div>
      </div>
    </div>
  );
}
