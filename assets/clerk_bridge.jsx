// Clerk in the browser, headless: loads ClerkJS from the instance, and tells the server about the session.
//
// It calls one event prop, onReport, with a plain dict:
//   {event: "token", token}  whenever ClerkJS holds a session token the server hasn't seen yet
//                             (ClerkJS refreshes the short-lived token by itself; we poll its cache);
//   {event: "signed_out"}    when there is no Clerk session;
//   {event: "error"}         when ClerkJS could not be loaded.
// The server verifies every token before using it. Sign-in and sign-up themselves happen on Clerk's
// hosted pages. The app's sign-out form (a POST to signOutPath) is held until Clerk has signed out too,
// otherwise the still-live Clerk session would sign the user straight back in.
import { useEffect, useRef } from "react";

const POLL_MS = 15000;
const SIGN_OUT_GRACE_MS = 250;
const SIGN_OUT_TIMEOUT_MS = 5000;
let loading = null; // one ClerkJS per page life, shared by every mount of the bridge

function loadClerk(scriptUrl, publishableKey) {
  if (loading) return loading;
  loading = new Promise((resolve, reject) => {
    if (window.Clerk && typeof window.Clerk.load === "function") {
      resolve(window.Clerk);
      return;
    }
    const script = document.createElement("script");
    script.src = scriptUrl;
    script.async = true;
    script.crossOrigin = "anonymous";
    script.setAttribute("data-clerk-publishable-key", publishableKey);
    script.addEventListener("load", () => (window.Clerk ? resolve(window.Clerk) : reject(new Error("ClerkJS did not start"))));
    script.addEventListener("error", () => reject(new Error("ClerkJS could not be loaded")));
    document.head.appendChild(script);
  }).then(async (clerk) => {
    if (!clerk.loaded) await clerk.load();
    return clerk;
  });
  loading.catch(() => {
    loading = null; // a later mount may try again
  });
  return loading;
}

export function ClerkBridge({ publishableKey, scriptUrl, signOutPath, onReport }) {
  const reportRef = useRef(onReport);
  reportRef.current = onReport;

  useEffect(() => {
    let stopped = false;
    let lastSent = null;
    let timer = null;
    let unsubscribe = null;
    let signingOut = false; // this tab's sign-out button: only "signing_out" is reported from here on
    const send = (payload) => {
      if (!stopped && reportRef.current) reportRef.current(payload);
    };

    const push = async (clerk, force) => {
      if (signingOut) return;
      let token = null;
      try {
        token = clerk.session ? await clerk.session.getToken() : null;
      } catch (e) {
        token = null; // offline for a moment: try again on the next tick
        if (!force) return;
      }
      if (!token) {
        if (force || lastSent !== "") {
          lastSent = "";
          send({ event: "signed_out" });
        }
        return;
      }
      if (force || token !== lastSent) {
        lastSent = token;
        send({ event: "token", token });
      }
    };

    const onSubmit = (ev) => {
      const form = ev.target;
      if (!(form instanceof HTMLFormElement)) return;
      const action = form.getAttribute("action") || "";
      if (!signOutPath || !action.endsWith(signOutPath)) return;
      ev.preventDefault();
      if (signingOut) return; // a second click while Clerk signs out
      signingOut = true;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        lastSent = "";
        send({ event: "signing_out" }); // not "signed_out": that one sends a protected page to sign-in
        // The page re-renders signed out and unmounts the menu holding the form, so post a detached
        // copy of it (submit() posts without firing this listener again).
        const post = form.cloneNode(true);
        post.style.display = "none";
        document.body.appendChild(post);
        setTimeout(() => post.submit(), SIGN_OUT_GRACE_MS);
      };
      setTimeout(finish, SIGN_OUT_TIMEOUT_MS);
      loadClerk(scriptUrl, publishableKey)
        .then((clerk) => clerk.signOut())
        .then(finish, finish);
    };
    document.addEventListener("submit", onSubmit, true);

    loadClerk(scriptUrl, publishableKey).then(
      (clerk) => {
        if (stopped) return;
        push(clerk, true);
        if (typeof clerk.addListener === "function") {
          unsubscribe = clerk.addListener(() => push(clerk, false));
        }
        timer = setInterval(() => push(clerk, false), POLL_MS);
      },
      () => send({ event: "error" }),
    );

    return () => {
      stopped = true;
      if (timer) clearInterval(timer);
      if (typeof unsubscribe === "function") unsubscribe();
      document.removeEventListener("submit", onSubmit, true);
    };
  }, [publishableKey, scriptUrl, signOutPath]);

  return null;
}
