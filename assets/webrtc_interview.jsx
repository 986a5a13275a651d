// The live interview in the browser: microphone, WebRTC to OpenAI Realtime, the `oai-events` data channel.
//
// What changes many times a second stays here: the streaming partial line, who is speaking, the audio
// levels and the clock. The transcript is shown here too: the lines saved before the page loaded (read
// from linesUrl, the app's own owner-only route: the page's state never carries the transcript) and each
// final line the moment it is final, in conversation order (placeLine). Python
// hears only about state changes, final lines (batched) and the end, through the event props (onStatus,
// onLines, onEnded), and answers a batch with its sequence number only (the ackSeq prop). Final lines are
// kept in localStorage until then, so lines said while the app's own connection is down are replayed
// later; the server ignores duplicates by item id.
// The page keeps this component mounted for as long as the interview may be live, even while the page's
// state is briefly empty (Reflex gives a tab whose state its Redis lost a fresh one, defaults first): an
// empty sessionId then means "no news", never "another interview", so the call and the buffer stay.
// The offer goes to the app's own /api/webrtc-exchange (same origin, cookie auth): no API key here.
import { memo, useCallback, useEffect, useRef, useState } from "react";

const CHARS_PER_SECOND = 15; // speech rate used to estimate what was heard before an interruption
const MAX_BATCH = 40;
const RESEND_AFTER_MS = 5000;
// While the server says it had every line of the last batch already (its sideband records the call), the
// browser's copy is a fallback: send it every RELAXED_MS (or when MAX_BATCH lines wait, or at the end).
const RELAXED_MS = 8000;
const AUTO_RECONNECTS = 1;
const started = new Set(); // session ids auto-started during this page's life (no auto-start loops)

const STATE_LABELS = {
  idle: "Ready to connect",
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  interrupted: "Connection lost",
  ended: "Interview ended",
  failed: "Could not connect",
};

const LEAVE_QUESTION = "Your interview is still running. Leave the page and end it?";

function storageKey(sessionId) {
  return `vocahire.pending.${sessionId}`;
}

function loadPending(sessionId) {
  try {
    const raw = window.localStorage.getItem(storageKey(sessionId));
    const data = raw ? JSON.parse(raw) : null;
    if (data && Array.isArray(data.lines) && Array.isArray(data.revisions) && typeof data.seq === "number") return data;
  } catch (e) {
    /* storage unavailable or corrupt: start afresh */
  }
  return { seq: 0, lines: [], revisions: [] };
}

function savePending(sessionId, pending) {
  try {
    if (!pending.lines.length && !pending.revisions.length) window.localStorage.removeItem(storageKey(sessionId));
    else window.localStorage.setItem(storageKey(sessionId), JSON.stringify(pending));
  } catch (e) {
    /* private mode or full: the lines still go out from memory */
  }
}

function heardPart(text, heardMs) {
  const budget = Math.floor((heardMs / 1000) * CHARS_PER_SECOND);
  if (budget >= text.length) return text;
  let cut = text.slice(0, budget);
  if (cut.includes(" ") && !/\s/.test(text.charAt(budget))) cut = cut.slice(0, cut.lastIndexOf(" "));
  cut = cut.replace(/[\s,;:-]+$/, "");
  return cut ? cut + "…" : "";
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

// Conversation order, by the same rule as the server's (transcript.place_line): a line goes right after
// the line it follows (previous_item_id), else right before a line that follows it, else at the end. The
// candidate's transcription completes after the interviewer's next line, so arrival order won't do.
function placeLine(lines, line) {
  if (lines.some((l) => l.item_id === line.item_id)) return lines;
  const after = line.previous_item_id ? lines.findIndex((l) => l.item_id === line.previous_item_id) : -1;
  const follower = lines.findIndex((l) => l.previous_item_id === line.item_id);
  const at = after >= 0 ? after + 1 : follower >= 0 ? follower : lines.length;
  return [...lines.slice(0, at), line, ...lines.slice(at)];
}

function reviseLine(lines, revision) {
  return lines.map((l) => (l.item_id === revision.item_id && revision.text.length <= l.text.length ? { ...l, text: revision.text } : l));
}

function shownLine(line) {
  return { item_id: line.item_id, previous_item_id: line.previous_item_id || null, role: line.role, text: line.text };
}

// What the transcript shows: the saved lines in the server's order, then the lines known only here.
function withSaved(saved, shown) {
  let out = Array.isArray(saved) ? saved.map(shownLine) : [];
  for (const line of shown) out = placeLine(out, line);
  return out;
}

function withChanges(shown, out) {
  let next = shown;
  for (const line of out.lines) next = placeLine(next, shownLine(line));
  for (const revision of out.revisions) next = reviseLine(next, revision);
  return next;
}

// Turns one call's data-channel events into final lines (each naming the item it follows) and revisions.
class Assembler {
  constructor() {
    this.items = new Map();
    this.audioStarted = new Map();
    this.responses = new Map();
  }
  item(id) {
    if (!this.items.has(id)) this.items.set(id, { id, role: null, prev: null, partial: "", text: null, full: null, emitted: false, heardMs: null, startedAt: null, endedAt: null });
    return this.items.get(id);
  }
  finish(item, text, now, out) {
    if (item.emitted || !item.role) return;
    text = (text || "").replace(/\s+/g, " ").trim().slice(0, 8000);
    item.partial = "";
    if (!text) return;
    item.full = text;
    if (item.heardMs !== null) text = heardPart(text, item.heardMs);
    if (!text) return;
    item.text = text;
    item.endedAt = item.endedAt || now;
    item.startedAt = item.startedAt && item.startedAt <= item.endedAt ? item.startedAt : item.endedAt;
    item.emitted = true;
    out.lines.push({ item_id: item.id, previous_item_id: item.prev, role: item.role, text, started_at: new Date(item.startedAt).toISOString(), ended_at: new Date(item.endedAt).toISOString() });
  }
  truncate(item, heardMs, out) {
    item.heardMs = heardMs;
    if (item.startedAt) item.endedAt = item.startedAt + heardMs;
    if (item.text === null) return;
    const cut = heardPart(item.full || item.text, heardMs);
    if (cut && cut !== item.text) {
      item.text = cut;
      out.revisions.push({ item_id: item.id, text: cut });
    }
  }
  feed(ev, now) {
    const out = { lines: [], revisions: [] };
    const t = ev && ev.type;
    if (t === "conversation.item.added" || t === "conversation.item.done") {
      const raw = ev.item;
      if (!raw || typeof raw.id !== "string" || (raw.type && raw.type !== "message")) return out;
      const role = raw.role === "assistant" ? "interviewer" : raw.role === "user" ? "candidate" : null;
      if (!role) return out;
      const item = this.item(raw.id);
      item.role = role;
      if (item.prev === null && typeof ev.previous_item_id === "string") item.prev = ev.previous_item_id;
      for (const part of raw.content || []) {
        if (part && part.type === "input_text" && typeof part.text === "string" && part.text.trim()) {
          item.startedAt = item.startedAt || now;
          item.endedAt = item.endedAt || now;
          this.finish(item, part.text, now, out);
        } else if (part && t === "conversation.item.done" && part.type === "output_audio" && typeof part.transcript === "string") {
          this.finish(item, part.transcript, now, out);
        }
      }
    } else if (t === "response.output_audio_transcript.delta" && typeof ev.item_id === "string") {
      const item = this.item(ev.item_id);
      item.role = "interviewer";
      this.link(item, ev.response_id);
      item.startedAt = item.startedAt || now;
      if (item.text === null && typeof ev.delta === "string") item.partial = (item.partial + ev.delta).slice(0, 8000);
    } else if (t === "response.output_audio_transcript.done" && typeof ev.item_id === "string") {
      const item = this.item(ev.item_id);
      item.role = "interviewer";
      this.link(item, ev.response_id);
      this.finish(item, typeof ev.transcript === "string" ? ev.transcript : item.partial, now, out);
    } else if (t === "conversation.item.input_audio_transcription.delta" && typeof ev.item_id === "string") {
      const item = this.item(ev.item_id);
      item.role = "candidate";
      if (item.text === null && typeof ev.delta === "string") item.partial = (item.partial + ev.delta).slice(0, 8000);
    } else if (t === "conversation.item.input_audio_transcription.completed" && typeof ev.item_id === "string") {
      const item = this.item(ev.item_id);
      item.role = "candidate";
      this.finish(item, typeof ev.transcript === "string" ? ev.transcript : item.partial, now, out);
    } else if (t === "conversation.item.input_audio_transcription.failed" && typeof ev.item_id === "string") {
      this.item(ev.item_id).partial = "";
    } else if (t === "input_audio_buffer.speech_started" && typeof ev.item_id === "string") {
      const item = this.item(ev.item_id);
      item.role = "candidate";
      item.startedAt = item.startedAt || now;
    } else if (t === "input_audio_buffer.speech_stopped" && typeof ev.item_id === "string") {
      this.item(ev.item_id).endedAt = now;
    } else if (t === "output_audio_buffer.started" && typeof ev.response_id === "string") {
      if (!this.audioStarted.has(ev.response_id)) this.audioStarted.set(ev.response_id, now);
      for (const id of this.responses.get(ev.response_id) || []) this.item(id).startedAt = now;
    } else if (t === "output_audio_buffer.cleared" && typeof ev.response_id === "string") {
      const began = this.audioStarted.get(ev.response_id);
      for (const id of this.responses.get(ev.response_id) || []) {
        const item = this.item(id);
        if (item.heardMs === null && (began || item.startedAt)) this.truncate(item, Math.max(0, now - (began || item.startedAt)), out);
      }
    } else if (t === "conversation.item.truncated" && typeof ev.item_id === "string" && typeof ev.audio_end_ms === "number") {
      this.truncate(this.item(ev.item_id), ev.audio_end_ms, out);
    }
    return out;
  }
  link(item, responseId) {
    if (typeof responseId !== "string") return;
    const ids = this.responses.get(responseId) || [];
    if (!ids.includes(item.id)) ids.push(item.id);
    this.responses.set(responseId, ids);
    if (this.audioStarted.has(responseId) && !item.startedAt) item.startedAt = this.audioStarted.get(responseId);
  }
  partial() {
    const items = [...this.items.values()];
    for (let i = items.length - 1; i >= 0; i--) {
      if (items[i].partial && items[i].text === null) return { role: items[i].role, text: items[i].partial };
    }
    return null;
  }
}

function micMessage(err) {
  const name = err && err.name;
  if (name === "NotAllowedError" || name === "SecurityError")
    return "Microphone access was blocked. You can answer by typing below, or allow the microphone in your browser's site settings and reconnect.";
  if (name === "NotFoundError" || name === "OverconstrainedError")
    return "We couldn't find a microphone. You can answer by typing below, or plug one in and reconnect.";
  if (name === "NotReadableError") return "Your microphone is being used by another app. You can answer by typing below, or close that app and reconnect.";
  return "We couldn't use your microphone. You can answer by typing below.";
}

const styles = {
  panel: { display: "flex", flexDirection: "column", gap: "14px", width: "100%" },
  row: { display: "flex", alignItems: "center", gap: "10px", flexWrap: "wrap" },
  dot: (color) => ({ width: 10, height: 10, borderRadius: "50%", background: color, flex: "none" }),
  badge: { fontSize: 13, color: "var(--gray-11)" },
  who: (active, color) => ({
    display: "flex", alignItems: "center", gap: 8, padding: "8px 12px", borderRadius: 999, fontSize: 14, fontWeight: 500,
    border: `1px solid ${active ? color : "var(--gray-6)"}`, background: active ? "var(--accent-3)" : "transparent", color: "var(--gray-12)",
    transition: "background 120ms, border-color 120ms",
  }),
  meter: { width: 64, height: 6, borderRadius: 3, background: "var(--gray-5)", overflow: "hidden" },
  meterFill: (color) => ({ height: "100%", width: "0%", background: color, transition: "width 60ms linear" }),
  partial: { minHeight: 48, padding: "10px 12px", borderRadius: 8, background: "var(--gray-3)", color: "var(--gray-11)", fontStyle: "italic", fontSize: 15, lineHeight: 1.45, overflowWrap: "anywhere" },
  button: (kind) => ({
    minHeight: 40, padding: "0 16px", borderRadius: 8, fontSize: 14, fontWeight: 500, cursor: "pointer",
    border: kind === "ghost" ? "1px solid var(--gray-7)" : "none",
    background: kind === "danger" ? "var(--red-9)" : kind === "primary" ? "var(--accent-9)" : "transparent",
    color: kind === "danger" || kind === "primary" ? "white" : "var(--gray-12)",
  }),
  alert: { padding: "10px 12px", borderRadius: 8, background: "var(--amber-3)", color: "var(--amber-11)", border: "1px solid var(--amber-6)", fontSize: 14 },
  error: { padding: "10px 12px", borderRadius: 8, background: "var(--red-3)", color: "var(--red-11)", border: "1px solid var(--red-6)", fontSize: 14 },
  textarea: { width: "100%", minHeight: 72, padding: 10, borderRadius: 8, border: "1px solid var(--gray-7)", background: "var(--gray-1)", color: "var(--gray-12)", fontSize: 15, fontFamily: "inherit", boxSizing: "border-box" },
  transcript: { display: "flex", flexDirection: "column", gap: 12, paddingTop: 14, borderTop: "1px solid var(--gray-5)" },
  heading: { margin: 0, fontSize: "var(--font-size-4)", lineHeight: "var(--line-height-4)", fontWeight: 700 },
  lines: { display: "flex", flexDirection: "column", gap: 8, width: "100%" },
  line: (ai) => ({
    padding: "10px 12px", borderRadius: 10, background: ai ? "var(--accent-3)" : "var(--grass-3)",
    marginLeft: ai ? 0 : "clamp(16px, 6vw, 48px)", marginRight: ai ? "clamp(16px, 6vw, 48px)" : 0,
  }),
  whoLabel: (ai) => ({ fontSize: "var(--font-size-1)", fontWeight: 700, color: ai ? "var(--accent-11)" : "var(--grass-11)" }),
  lineText: { fontSize: "var(--font-size-3)", lineHeight: "var(--line-height-3)", overflowWrap: "anywhere" },
  empty: { margin: 0, fontSize: "var(--font-size-2)", color: "var(--gray-10)" },
};

// The transcript: re-rendered only when a line is added or revised (not on every clock tick).
const Transcript = memo(function Transcript({ lines }) {
  return (
    <div style={styles.transcript}>
      <h2 style={styles.heading}>Transcript</h2>
      {lines.length ? (
        <div style={styles.lines} role="log" aria-live="polite" aria-label="Transcript so far" id="transcript">
          {lines.map((line) => {
            const ai = line.role === "interviewer";
            return (
              <div key={line.item_id} style={styles.line(ai)} className="transcript-line" data-role={line.role} data-item={line.item_id}>
                <div style={styles.whoLabel(ai)}>{ai ? "Interviewer" : "You"}</div>
                <div style={styles.lineText}>{line.text}</div>
              </div>
            );
          })}
        </div>
      ) : (
        <p style={styles.empty} id="transcript-empty">The conversation will appear here as it happens.</p>
      )}
    </div>
  );
});

// Small inline icons (headless browsers and some systems have no emoji font).
function BotIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M12 8V4H8" /><rect width="16" height="12" x="4" y="8" rx="2" /><path d="M2 14h2M20 14h2M15 13v2M9 13v2" />
    </svg>
  );
}

function MicIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M12 2a3 3 0 0 0-3 3v7a3 3 0 0 0 6 0V5a3 3 0 0 0-3-3Z" /><path d="M19 10v2a7 7 0 0 1-14 0v-2" /><line x1="12" x2="12" y1="19" y2="22" />
    </svg>
  );
}

export function WebRTCInterview(props) {
  const { sessionId, exchangeUrl, status, autoStart, limitSeconds, elapsedSeconds, linesUrl, ackSeq } = props;
  const [state, setState] = useState("idle");
  const [speaking, setSpeaking] = useState(null);
  const [partial, setPartial] = useState(null);
  const [muted, setMuted] = useState(false);
  const [textMode, setTextMode] = useState(false);
  const [micNote, setMicNote] = useState("");
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  const [draft, setDraft] = useState("");
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [needsTap, setNeedsTap] = useState(false);
  const [now, setNow] = useState(Date.now());

  const pcRef = useRef(null);
  const dcRef = useRef(null);
  const micRef = useRef(null);
  const audioRef = useRef(null);
  const ctxRef = useRef(null);
  const rafRef = useRef(0);
  const aiMeterRef = useRef(null);
  const youMeterRef = useRef(null);
  const asmRef = useRef(new Assembler()); // this call's events (a new call is a new conversation)
  const pendingRef = useRef(null);
  const lastSentRef = useRef({ seq: -1, at: 0 });
  const endingRef = useRef(false);
  const reconnectsRef = useRef(0);
  const elapsedBaseRef = useRef({ elapsed: Number(elapsedSeconds) || 0, at: Date.now() });
  const stateRef = useRef("idle");
  const activeResponseRef = useRef(null); // a response in progress: a typed answer's reply waits for it
  const replyWantedRef = useRef(false);
  const propsRef = useRef(props);
  propsRef.current = props;
  const idRef = useRef(sessionId || ""); // the interview this component serves (see the top of the file)

  const report = useCallback((next, message) => {
    stateRef.current = next;
    setState(next);
    const handler = propsRef.current.onStatus;
    if (handler && idRef.current) handler({ session_id: idRef.current, state: next, message: message || "" });
  }, []);

  // --- pending lines: memory + localStorage until acknowledged -------------------------------------
  if (pendingRef.current === null && typeof window !== "undefined") pendingRef.current = loadPending(idRef.current);

  // The transcript shown: saved lines first, then lines still waiting in this browser's buffer.
  const [lines, setLines] = useState(() => {
    const pending = pendingRef.current || { lines: [], revisions: [] };
    return withChanges([], pending);
  });
  // The lines saved before this page opened, read once per interview and merged with what is shown. A
  // failed read is tried again (1, 2, 4 s); the lines stay saved on the server whatever happens here.
  useEffect(() => {
    if (!linesUrl || !sessionId) return undefined;
    let cancelled = false;
    let timer = 0;
    const read = (attempt) => {
      fetch(linesUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
        .then((body) => {
          if (!cancelled) setLines((shown) => withSaved(body && body.lines, shown));
        })
        .catch(() => {
          if (cancelled) return;
          if (attempt < 3) timer = setTimeout(() => read(attempt + 1), 1000 * 2 ** attempt);
          else setNotice("The lines said before this page opened couldn't be shown. They are saved, and your feedback includes them.");
        });
    };
    read(0);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [sessionId, linesUrl]);

  const flush = useCallback((force) => {
    const pending = pendingRef.current;
    const handler = propsRef.current.onLines;
    if (!pending || !handler || !idRef.current || (!pending.lines.length && !pending.revisions.length)) return;
    const last = lastSentRef.current;
    const fresh = pending.seq !== last.seq;
    if (!force && !fresh && Date.now() - last.at < RESEND_AFTER_MS) return;
    const waiting = pending.lines.length + pending.revisions.length;
    if (!force && fresh && propsRef.current.serverRecords && waiting < MAX_BATCH && Date.now() - last.at < RELAXED_MS) return;
    // The oldest MAX_BATCH changes; the batch's seq acknowledges exactly those.
    const seqs = [...pending.lines, ...pending.revisions].map((c) => c.seq).sort((a, b) => a - b);
    const seq = seqs[Math.min(seqs.length, MAX_BATCH) - 1];
    const lines = pending.lines.filter((l) => l.seq <= seq);
    const revisions = pending.revisions.filter((r) => r.seq <= seq);
    lastSentRef.current = { seq: pending.seq, at: Date.now() };
    handler({ session_id: idRef.current, seq, lines: lines.map(({ seq: _s, ...l }) => l), revisions: revisions.map(({ seq: _s, ...r }) => r) });
  }, []);

  const remember = useCallback((out) => {
    if (!out.lines.length && !out.revisions.length) return;
    const pending = pendingRef.current;
    for (const line of out.lines) pending.lines.push({ ...line, seq: ++pending.seq });
    for (const rev of out.revisions) pending.revisions.push({ ...rev, seq: ++pending.seq });
    if (idRef.current) savePending(idRef.current, pending);
  }, []);

  useEffect(() => {
    // The server saved everything up to ackSeq: forget it.
    const pending = pendingRef.current;
    if (!pending || typeof ackSeq !== "number" || ackSeq <= 0) return;
    pending.lines = pending.lines.filter((l) => l.seq > ackSeq);
    pending.revisions = pending.revisions.filter((r) => r.seq > ackSeq);
    if (idRef.current) savePending(idRef.current, pending);
  }, [ackSeq]);

  useEffect(() => {
    const timer = window.setInterval(() => {
      setNow(Date.now());
      flush(false);
    }, 1000);
    return () => window.clearInterval(timer);
  }, [flush]);

  useEffect(() => {
    if (!propsRef.current.sessionId) return; // a state reset's defaults, not the interview's time
    elapsedBaseRef.current = { elapsed: Number(elapsedSeconds) || 0, at: Date.now() };
  }, [elapsedSeconds]);

  // --- audio levels (drawn straight into the DOM: no re-render per frame) ---------------------------
  const startMeters = useCallback((micStream, remoteStream) => {
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      const ctx = ctxRef.current || new Ctx();
      ctxRef.current = ctx;
      const analyser = (stream) => {
        if (!stream) return null;
        const node = ctx.createAnalyser();
        node.fftSize = 512;
        ctx.createMediaStreamSource(stream).connect(node);
        return { node, data: new Uint8Array(node.fftSize) };
      };
      const meters = { ai: analyser(remoteStream), you: analyser(micStream) };
      const level = (m) => {
        if (!m) return 0;
        m.node.getByteTimeDomainData(m.data);
        let peak = 0;
        for (let i = 0; i < m.data.length; i++) peak = Math.max(peak, Math.abs(m.data[i] - 128));
        return Math.min(1, peak / 64);
      };
      cancelAnimationFrame(rafRef.current);
      const draw = () => {
        if (aiMeterRef.current) aiMeterRef.current.style.width = `${Math.round(level(meters.ai) * 100)}%`;
        if (youMeterRef.current) youMeterRef.current.style.width = `${Math.round(level(meters.you) * 100)}%`;
        rafRef.current = requestAnimationFrame(draw);
      };
      draw();
    } catch (e) {
      /* meters are decoration */
    }
  }, []);

  // --- teardown -------------------------------------------------------------------------------------
  const teardown = useCallback(() => {
    cancelAnimationFrame(rafRef.current);
    const dc = dcRef.current;
    dcRef.current = null;
    if (dc) {
      dc.onclose = null;
      try { dc.close(); } catch (e) { /* already closed */ }
    }
    const pc = pcRef.current;
    pcRef.current = null;
    if (pc) {
      pc.onconnectionstatechange = null;
      pc.oniceconnectionstatechange = null;
      try { pc.close(); } catch (e) { /* already closed */ }
    }
    if (micRef.current) micRef.current.getTracks().forEach((t) => t.stop());
    micRef.current = null;
    if (audioRef.current) audioRef.current.srcObject = null;
    if (ctxRef.current) {
      ctxRef.current.close().catch(() => {});
      ctxRef.current = null;
    }
    setSpeaking(null);
  }, []);

  const finish = useCallback((reason) => {
    if (endingRef.current) return;
    endingRef.current = true;
    teardown();
    flush(true);
    stateRef.current = "ended";
    setState("ended");
    setPartial(null);
    const handler = propsRef.current.onEnded;
    if (handler && idRef.current) handler({ session_id: idRef.current, reason });
  }, [flush, teardown]);

  // --- events from OpenAI ---------------------------------------------------------------------------
  const onEvent = useCallback((raw) => {
    let ev;
    try { ev = JSON.parse(raw); } catch (e) { return; }
    if (!ev || typeof ev !== "object") return;
    const t = ev.type;
    if (t === "response.created") activeResponseRef.current = (ev.response && ev.response.id) || "response";
    else if (t === "response.done") {
      activeResponseRef.current = null;
      const dc = dcRef.current;
      if (replyWantedRef.current && dc && dc.readyState === "open") {
        replyWantedRef.current = false;
        dc.send(JSON.stringify({ type: "response.create" }));
      }
    }
    if (t === "output_audio_buffer.started" || t === "response.output_audio_transcript.delta") setSpeaking("interviewer");
    else if (t === "output_audio_buffer.stopped" || t === "output_audio_buffer.cleared") setSpeaking((s) => (s === "interviewer" ? null : s));
    else if (t === "input_audio_buffer.speech_started") setSpeaking("candidate");
    else if (t === "input_audio_buffer.speech_stopped") setSpeaking((s) => (s === "candidate" ? null : s));
    else if (t === "error" && ev.error && ev.error.code !== "conversation_already_has_active_response") {
      setNotice(`The interviewer hit a problem: ${String(ev.error.message || "unknown error").slice(0, 200)}`);
    }
    const out = asmRef.current.feed(ev, Date.now());
    if (out.lines.length || out.revisions.length) {
      setLines((shown) => withChanges(shown, out)); // on screen at once; the server hears in the batch
      remember(out);
      flush(true);
    }
    setPartial(asmRef.current.partial());
  }, [flush, remember]);

  // --- connecting -----------------------------------------------------------------------------------
  const connect = useCallback(async (isReconnect) => {
    if (endingRef.current) return;
    teardown();
    setError("");
    report(isReconnect ? "reconnecting" : "connecting");
    let mic = null;
    if (!textMode && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      try {
        mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
      } catch (err) {
        setMicNote(micMessage(err));
        setTextMode(true);
      }
    } else if (!textMode) {
      setMicNote("This browser can't share a microphone here. You can answer by typing below.");
      setTextMode(true);
    }
    if (endingRef.current) { if (mic) mic.getTracks().forEach((t) => t.stop()); return; }
    micRef.current = mic;
    asmRef.current = new Assembler();
    if (mic) mic.getAudioTracks().forEach((t) => { t.enabled = !muted; });
    const pc = new RTCPeerConnection();
    pcRef.current = pc;
    const remote = new MediaStream();
    pc.ontrack = (e) => {
      remote.addTrack(e.track);
      const el = audioRef.current;
      if (el) {
        el.srcObject = remote;
        const played = el.play();
        if (played && played.catch) played.catch(() => setNeedsTap(true));
      }
      startMeters(mic, remote);
    };
    if (mic) mic.getTracks().forEach((track) => pc.addTrack(track, mic));
    else pc.addTransceiver("audio", { direction: "recvonly" });
    const dc = pc.createDataChannel("oai-events");
    dcRef.current = dc;
    dc.onmessage = (e) => onEvent(e.data);
    dc.onopen = () => {
      reconnectsRef.current = 0;
      report("live");
    };
    dc.onclose = () => {
      // OpenAI closes the channel when the call ends (our End, the server's time limit or hangup).
      if (!endingRef.current && pcRef.current === pc) finish("call_closed");
    };
    pc.oniceconnectionstatechange = () => {
      if (pcRef.current !== pc || endingRef.current) return;
      const s = pc.iceConnectionState;
      if (s === "disconnected") report("reconnecting");
      else if ((s === "connected" || s === "completed") && stateRef.current === "reconnecting") report("live");
      else if (s === "failed") {
        if (reconnectsRef.current < AUTO_RECONNECTS) {
          reconnectsRef.current += 1;
          connect(true);
        } else {
          teardown();
          report("interrupted", "The connection was lost.");
        }
      }
    };
    try {
      await pc.setLocalDescription(await pc.createOffer());
      // Wait (briefly) for ICE candidates so offers work with peers that don't trickle.
      await new Promise((resolve) => {
        if (pc.iceGatheringState === "complete") return resolve();
        const done = () => { if (pc.iceGatheringState === "complete") resolve(); };
        pc.addEventListener("icegatheringstatechange", done);
        setTimeout(resolve, 2500);
      });
      if (pcRef.current !== pc) return;
      const response = await fetch(exchangeUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session_id: idRef.current, sdp: pc.localDescription.sdp }),
      });
      let body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      if (!response.ok || !body || typeof body.sdp !== "string") {
        const message = (body && body.error && body.error.message) || `The connection could not be set up (HTTP ${response.status}).`;
        throw Object.assign(new Error(message), { userMessage: message, status: response.status });
      }
      if (pcRef.current !== pc) return;
      await pc.setRemoteDescription({ type: "answer", sdp: body.sdp });
    } catch (err) {
      if (pcRef.current !== pc) return;
      teardown();
      const message = err.userMessage || "We couldn't reach the interview service. Check your connection and try again.";
      setError(message);
      report("failed", message);
    }
  }, [exchangeUrl, finish, muted, onEvent, report, startMeters, teardown, textMode]);

  useEffect(() => {
    // The page's state names the interview (at first, or again after a reset): serve it. Another
    // interview than the one this component serves means starting over for that one.
    if (!sessionId || sessionId === idRef.current) return;
    if (idRef.current) {
      teardown();
      endingRef.current = false;
      reconnectsRef.current = 0;
      asmRef.current = new Assembler();
      stateRef.current = "idle";
      setState("idle");
    }
    idRef.current = sessionId;
    pendingRef.current = loadPending(sessionId);
    lastSentRef.current = { seq: -1, at: 0 };
    setLines(withChanges([], pendingRef.current)); // the saved lines are read again for this interview
    flush(true); // replay anything a previous visit could not deliver
  }, [sessionId, flush, teardown]);

  useEffect(() => {
    if (autoStart && sessionId && status === "starting" && !started.has(sessionId)) {
      started.add(sessionId);
      connect(false);
    }
  }, [autoStart, status, sessionId, connect]);

  useEffect(() => {
    if (status === "completed" || status === "failed") {
      if (pcRef.current) teardown();
      if (stateRef.current !== "failed") setState("ended");
    }
  }, [status, teardown]);

  useEffect(() => {
    const onHide = () => { flush(true); teardown(); };
    window.addEventListener("pagehide", onHide);
    flush(true); // replay anything a previous visit could not deliver
    return () => {
      window.removeEventListener("pagehide", onHide);
      teardown();
    };
  }, [flush, teardown]);

  // --- controls -------------------------------------------------------------------------------------
  const toggleMute = () => {
    const next = !muted;
    setMuted(next);
    if (micRef.current) micRef.current.getAudioTracks().forEach((t) => { t.enabled = !next; });
  };

  const sendText = (e) => {
    e.preventDefault();
    const text = draft.trim().slice(0, 4000);
    const dc = dcRef.current;
    if (!text || !dc || dc.readyState !== "open") return;
    dc.send(JSON.stringify({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text }] } }));
    // Only one response at a time: if the interviewer is still talking, ask for the reply when it's done.
    if (activeResponseRef.current) replyWantedRef.current = true;
    else dc.send(JSON.stringify({ type: "response.create" }));
    setDraft("");
  };

  const live = state === "live" || state === "reconnecting";
  const base = elapsedBaseRef.current;
  const elapsed = status === "active" || live ? base.elapsed + (now - base.at) / 1000 : base.elapsed;
  const remaining = Math.max(0, (Number(limitSeconds) || 0) - elapsed);
  // While the call is up, leaving the page would drop it (and spend the credit): ask first. Closing or
  // reloading the tab gets the browser's own question; a link inside the app and the Back button, ours.
  const guarding = (live || state === "connecting") && status !== "completed" && status !== "failed";
  useEffect(() => {
    if (!guarding) return undefined;
    const onBeforeUnload = (e) => { e.preventDefault(); e.returnValue = LEAVE_QUESTION; return LEAVE_QUESTION; };
    const onClick = (e) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const link = e.target instanceof Element ? e.target.closest("a[href]") : null;
      if (!link || link.target === "_blank" || link.hasAttribute("download")) return;
      const to = new URL(link.href, window.location.href);
      if (to.origin === window.location.origin && to.pathname === window.location.pathname) return; // e.g. the skip link
      if (!window.confirm(LEAVE_QUESTION)) { e.preventDefault(); e.stopPropagation(); }
    };
    // Back: an extra entry for this same page; popping it asks, and stays (pushes it again) unless told to go.
    const keep = () => window.history.pushState({ ...(window.history.state || {}), vocahireLiveGuard: true }, "");
    const onPopState = () => {
      if (window.location.hash) return; // an in-page jump (the skip link), not Back
      if (window.confirm(LEAVE_QUESTION)) {
        window.removeEventListener("popstate", onPopState);
        window.history.back();
      } else {
        keep();
      }
    };
    if (!(window.history.state && window.history.state.vocahireLiveGuard)) keep();
    window.addEventListener("beforeunload", onBeforeUnload);
    document.addEventListener("click", onClick, true);
    window.addEventListener("popstate", onPopState);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      document.removeEventListener("click", onClick, true);
      window.removeEventListener("popstate", onPopState);
    };
  }, [guarding]);

  const dotColor = state === "live" ? "var(--grass-9)" : state === "failed" || state === "interrupted" ? "var(--red-9)" : state === "ended" ? "var(--gray-8)" : "var(--amber-9)";

  return (
    <section style={styles.panel} aria-label="Live interview" id="live-panel" data-state={state}>
      <div style={{ ...styles.row, justifyContent: "space-between" }}>
        <div style={styles.row} role="status" aria-live="polite" id="connection-state">
          <span style={styles.dot(dotColor)} aria-hidden="true" />
          <strong>{STATE_LABELS[state] || state}</strong>
          {textMode && live ? <span style={styles.badge}>· typed answers</span> : null}
        </div>
        <div style={styles.row} role="timer" aria-label="Interview time" id="interview-clock">
          <span style={styles.badge}>Elapsed <strong id="elapsed">{clock(elapsed)}</strong></span>
          <span style={styles.badge}>Remaining <strong id="remaining">{clock(remaining)}</strong></span>
        </div>
      </div>

      <div style={styles.row} aria-label="Who is speaking">
        <div style={styles.who(speaking === "interviewer", "var(--accent-9)")} id="speaker-interviewer" aria-current={speaking === "interviewer" ? "true" : undefined}>
          <BotIcon /> AI interviewer{speaking === "interviewer" ? " · speaking" : ""}
          <div style={styles.meter} aria-hidden="true"><div ref={aiMeterRef} style={styles.meterFill("var(--accent-9)")} /></div>
        </div>
        <div style={styles.who(speaking === "candidate", "var(--grass-9)")} id="speaker-candidate" aria-current={speaking === "candidate" ? "true" : undefined}>
          <MicIcon /> You{speaking === "candidate" ? " · speaking" : muted ? " · muted" : ""}
          <div style={styles.meter} aria-hidden="true"><div ref={youMeterRef} style={styles.meterFill("var(--grass-9)")} /></div>
        </div>
      </div>

      <div style={styles.partial} id="partial-line" aria-label="What is being said right now">
        {partial ? <span><strong style={{ fontStyle: "normal" }}>{partial.role === "candidate" ? "You: " : "Interviewer: "}</strong>{partial.text}</span>
          : <span>{live ? (speaking === "interviewer" ? "The interviewer is speaking…" : speaking === "candidate" ? "You're speaking…" : "Listening…") : state === "connecting" ? "Setting up your microphone and the connection…" : "\u00a0"}</span>}
      </div>

      {micNote ? <div role="alert" style={styles.alert} id="mic-message">{micNote}</div> : null}
      {error ? <div role="alert" style={styles.error} id="connect-error">{error}</div> : null}
      {notice ? <div role="status" style={styles.alert}>{notice}</div> : null}
      {needsTap ? (
        <button type="button" style={styles.button("primary")} onClick={() => { const el = audioRef.current; if (el) el.play().then(() => setNeedsTap(false)).catch(() => {}); }}>
          Tap to hear the interviewer
        </button>
      ) : null}

      {textMode && live ? (
        <form onSubmit={sendText} style={{ display: "flex", flexDirection: "column", gap: 8 }} aria-label="Type your answer">
          <label htmlFor="text-answer" style={{ fontSize: 14, fontWeight: 500 }}>Your answer</label>
          <textarea id="text-answer" style={styles.textarea} value={draft} maxLength={4000} onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => { if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) sendText(e); }} placeholder="Type your answer, then press Send" />
          <div><button type="submit" style={styles.button("primary")} disabled={!draft.trim()} id="send-answer">Send answer</button></div>
        </form>
      ) : null}

      <div style={styles.row}>
        {live && micRef.current ? (
          <button type="button" style={styles.button("ghost")} onClick={toggleMute} aria-pressed={muted} id="mute-button">
            {muted ? "Unmute microphone" : "Mute microphone"}
          </button>
        ) : null}
        {live && !textMode ? (
          <button type="button" style={styles.button("ghost")} onClick={() => setTextMode(true)} id="type-instead">Type instead</button>
        ) : null}
        {(state === "failed" || state === "interrupted" || (state === "idle" && status === "active")) && status !== "completed" ? (
          <button type="button" style={styles.button("primary")} onClick={() => { reconnectsRef.current = 0; connect(status === "active"); }} id="reconnect-button">
            {status === "active" ? "Reconnect" : "Try again"}
          </button>
        ) : null}
        {state === "idle" && status === "starting" && !autoStart ? (
          <button type="button" style={styles.button("primary")} onClick={() => connect(false)} id="connect-button">Connect and start</button>
        ) : null}
        {state !== "ended" && status !== "completed" && status !== "failed" ? (
          confirmEnd ? (
            <span style={styles.row} role="group" aria-label="Confirm ending the interview">
              <span style={{ fontSize: 14 }}>End the interview now?</span>
              <button type="button" style={styles.button("danger")} onClick={() => finish("ended_by_candidate")} id="confirm-end">End now</button>
              <button type="button" style={styles.button("ghost")} onClick={() => setConfirmEnd(false)}>Keep going</button>
            </span>
          ) : (
            <button type="button" style={styles.button("danger")} onClick={() => setConfirmEnd(true)} id="end-button">End interview</button>
          )
        ) : null}
      </div>
      <audio ref={audioRef} autoPlay playsInline id="interviewer-audio" aria-label="Interviewer's voice" />
      <Transcript lines={lines} />
    </section>
  );
}
