"""A local stand-in for a Clerk instance: its JWKS, the Backend API's user endpoints, and token minting.

- ``GET /.well-known/jwks.json``: the instance's public keys in JWKS form (RS256, ``kid``),
  as the Frontend API serves them. Keys can be rotated (``rotate()``) and the endpoint told
  to fail (``fail(status)``) or the whole server stopped (``stop()``: connection refused).
- ``GET /v1/users/{id}`` and ``DELETE /v1/users/{id}`` with ``Authorization: Bearer <secret>``:
  Clerk's User object / deleted object, or Clerk's error JSON (401, 404).
- ``mint(sub, **claims)``: a session token in Clerk's v2 claim shape (``azp exp fva iat iss
  nbf sid sts sub v``) signed with the current key; ``public_pem()`` for ``CLERK_JWT_KEY``.
- For the browser: ``/npm/clerk.browser.js`` is a small stand-in for ClerkJS's headless API
  (``window.Clerk``: ``load()``, ``session.getToken()``, ``addListener()``, ``signOut()``; it
  sets the ``__session`` cookie like ClerkJS), ``/sign-in`` and ``/sign-up`` are the hosted
  pages (a "Continue" link signs in as ``hosted_user`` and goes back to ``redirect_url``, the
  way a development instance hands the session over in the URL), ``/fake/token`` mints the
  session's tokens with ``azp`` = the page's Origin.

Every request is recorded (method, path, Authorization). Runs in a thread on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from vocahire.infra.clerk import encode_publishable_key

SECRET_KEY = "sk_test_vocahire_fake_clerk"
FRONTEND_API_HOST = "clerk.vocahire.test"
PUBLISHABLE_KEY = encode_publishable_key(FRONTEND_API_HOST)
ISSUER = f"https://{FRONTEND_API_HOST}"
APP_ORIGIN = "http://localhost:3000"


def new_rsa_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def jwk_for(key: RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


def clerk_user(
    user_id: str,
    email: str,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    verified: bool = True,
    image_url: str | None = "https://img.clerk.com/ada.png",
) -> dict[str, Any]:
    """A Clerk User object as the Backend API and the user.* webhooks carry it (the fields VocaHire reads,
    and some it doesn't)."""
    email_id = f"idn_{uuid.uuid4().hex[:24]}"
    now_ms = int(time.time() * 1000)
    return {
        "id": user_id,
        "object": "user",
        "username": None,
        "first_name": first_name,
        "last_name": last_name,
        "image_url": image_url,
        "has_image": image_url is not None,
        "primary_email_address_id": email_id,
        "primary_phone_number_id": None,
        "email_addresses": [
            {
                "id": email_id,
                "object": "email_address",
                "email_address": email,
                "verification": {
                    "status": "verified" if verified else "unverified",
                    "strategy": "email_code",
                    "attempts": 1,
                    "expire_at": None,
                },
                "linked_to": [],
            }
        ],
        "phone_numbers": [],
        "external_accounts": [],
        "public_metadata": {},
        "private_metadata": {},
        "unsafe_metadata": {},
        "last_sign_in_at": now_ms,
        "created_at": now_ms,
        "updated_at": now_ms,
    }


@dataclass
class Recorded:
    method: str
    path: str
    authorization: str | None


@dataclass
class FakeClerk:
    secret_key: str = SECRET_KEY
    issuer: str = ISSUER
    azp: str | None = APP_ORIGIN
    keys: dict[str, RSAPrivateKey] = field(default_factory=dict)
    current_kid: str = ""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    jwks_failure: int | None = None
    jwks_delay: float = 0.0
    user_delay: float = 0.0
    hosted_user: str | None = None
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        if not self.keys:
            self.rotate()

    # --- arranging ---
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/.well-known/jwks.json"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/v1"

    def rotate(self, keep_old: bool = True) -> str:
        """A new signing key becomes current (published in the JWKS; older ones too unless
        ``keep_old=False``)."""
        kid = f"ins_{uuid.uuid4().hex[:20]}"
        with self._lock:
            if not keep_old:
                self.keys.clear()
            self.keys[kid] = new_rsa_key()
            self.current_kid = kid
        return kid

    def public_pem(self) -> str:
        return public_pem(self.keys[self.current_kid])

    def add_user(
        self, user_id: str | None = None, email: str = "ada@example.com", **fields: Any
    ) -> dict[str, Any]:
        user_id = user_id or f"user_{uuid.uuid4().hex[:27]}"
        user = clerk_user(user_id, email, **fields)
        self.users[user_id] = user
        return user

    def fail(self, status: int | None) -> None:
        """Make the JWKS endpoint answer ``status`` (``None``: serve again)."""
        self.jwks_failure = status

    def jwks_fetches(self) -> int:
        return len([r for r in self.requests if r.path == "/.well-known/jwks.json"])

    def requests_to(self, prefix: str, method: str | None = None) -> list[Recorded]:
        return [
            r for r in self.requests if r.path.startswith(prefix) and (method is None or r.method == method)
        ]

    def settings_env(self, *, pem: bool = False, **extra: str) -> dict[str, str]:
        """The environment that points VocaHire's Clerk mode at this fake."""
        env = {
            "AUTH_PROVIDER": "clerk",
            "CLERK_PUBLISHABLE_KEY": encode_publishable_key(self.issuer.removeprefix("https://")),
            "CLERK_SECRET_KEY": self.secret_key,
            "CLERK_WEBHOOK_SECRET": "whsec_" + "dGVzdC1zZWNyZXQtZm9yLWNsZXJrLXdlYmhvb2tz",
            "CLERK_API_BASE_URL": self.api_base_url,
            "CLERK_JWKS_URL": self.jwks_url,
            "CLERK_AUTHORIZED_PARTIES": APP_ORIGIN,
        }
        if pem:
            env["CLERK_JWT_KEY"] = self.public_pem()
        env.update(extra)
        return env

    # --- tokens ---
    def claims(
        self, sub: str, /, *, now: float | None = None, lifetime: int = 60, **overrides: Any
    ) -> dict[str, Any]:
        issued = int(now if now is not None else time.time())
        claims: dict[str, Any] = {
            "azp": self.azp,
            "exp": issued + lifetime,
            "fva": [0, -1],
            "iat": issued,
            "iss": self.issuer,
            "nbf": issued - 10,
            "sid": f"sess_{uuid.uuid4().hex[:24]}",
            "sts": "active",
            "sub": sub,
            "v": 2,
        }
        if claims["azp"] is None:
            del claims["azp"]
        for key, value in overrides.items():
            if value is None:
                claims.pop(key, None)
            else:
                claims[key] = value
        return claims

    def mint(
        self,
        sub: str,
        /,
        *,
        kid: str | None = None,
        key: RSAPrivateKey | None = None,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        kid = kid or self.current_kid
        signing_key = key or self.keys[kid]
        return jwt.encode(
            self.claims(sub, **claims),
            signing_key,
            algorithm="RS256",
            headers={"kid": kid, "typ": "JWT", **(headers or {})},
        )

    def e2e_env(self) -> dict[str, str]:
        """Settings for a built app whose browser side talks to this fake (ClerkJS, hosted pages)."""
        env = self.settings_env()
        del env["CLERK_AUTHORIZED_PARTIES"]  # the app's own origin (APP_URL), as in production
        env.update(
            CLERK_JS_URL=f"{self.base_url}/npm/clerk.browser.js",
            CLERK_SIGN_IN_URL=f"{self.base_url}/sign-in",
            CLERK_SIGN_UP_URL=f"{self.base_url}/sign-up",
        )
        return env

    # --- serving ---
    def browser_page(
        self, path: str, query: dict[str, list[str]], origin: str | None
    ) -> tuple[int, Any, str]:
        if path == "/npm/clerk.browser.js":
            return 200, FAKE_CLERK_JS.replace("__BASE__", self.base_url), "application/javascript"
        if path == "/fake/token":
            sub = (query.get("sub") or [""])[0]
            return 200, {"jwt": self.mint(sub, azp=origin or None)}, "application/json"
        page = path.strip("/")
        back = (query.get("redirect_url") or [""])[0]
        if not self.hosted_user or not back.startswith(("http://", "https://")):
            return (
                200,
                f"<h1 id='fake-clerk-{page}'>Fake Clerk {page}</h1><p>No user to sign in.</p>",
                "text/html",
            )
        target = back + ("&" if "?" in back else "?") + urlencode({"__fake_clerk_user": self.hosted_user})
        return (
            200,
            f"<h1 id='fake-clerk-{page}'>Fake Clerk {page}</h1>"
            f"<a id='fake-clerk-continue' href='{target}'>Continue</a>",
            "text/html",
        )

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            return {"keys": [jwk_for(key, kid) for kid, key in self.keys.items()]}

    def handle(self, method: str, path: str, authorization: str | None) -> tuple[int, dict[str, Any]]:
        self.requests.append(Recorded(method, path, authorization))
        if path == "/.well-known/jwks.json" and method == "GET":
            if self.jwks_delay:
                time.sleep(self.jwks_delay)
            if self.jwks_failure:
                return self.jwks_failure, {
                    "errors": [{"code": "internal_error", "message": "JWKS unavailable"}]
                }
            return 200, self.jwks()
        if path.startswith("/v1/users/"):
            if authorization != f"Bearer {self.secret_key}":
                return 401, {
                    "errors": [
                        {
                            "code": "authentication_invalid",
                            "message": "Invalid authentication",
                            "long_message": "The provided Clerk Secret Key is invalid.",
                        }
                    ]
                }
            if self.user_delay:
                time.sleep(self.user_delay)
            user_id = path[len("/v1/users/") :]
            user = self.users.get(user_id)
            if user is None:
                return 404, {
                    "errors": [
                        {
                            "code": "resource_not_found",
                            "message": "not found",
                            "long_message": f"User {user_id} not found",
                        }
                    ]
                }
            if method == "GET":
                return 200, user
            if method == "DELETE":
                del self.users[user_id]
                return 200, {"object": "user", "id": user_id, "deleted": True}
        return 404, {"errors": [{"code": "resource_not_found", "message": "not found"}]}

    def start(self) -> FakeClerk:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _serve(self, method: str) -> None:
                url = urlsplit(self.path)
                content_type = "application/json"
                if method == "GET" and url.path in BROWSER_PATHS:
                    fake.requests.append(Recorded(method, url.path, None))
                    status, body, content_type = fake.browser_page(
                        url.path, parse_qs(url.query), self.headers.get("Origin")
                    )
                else:
                    status, body = fake.handle(method, url.path, self.headers.get("Authorization"))
                data = (json.dumps(body) if isinstance(body, dict) else body).encode()
                self.send_response(status)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Shut the server: connections are refused from now on (the port stays reserved for this fake)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


BROWSER_PATHS = ("/npm/clerk.browser.js", "/fake/token", "/sign-in", "/sign-up")

# ClerkJS's headless surface as the app uses it. Like a development instance, the hosted page hands
# the session over in the URL (here ``__fake_clerk_user``); the session lives in localStorage.
FAKE_CLERK_JS = """
(function () {
  var BASE = "__BASE__";
  var KEY = "fakeClerkUser";
  var listeners = [];
  function cookie(value, maxAge) {
    document.cookie = "__session=" + value + "; path=/; SameSite=Lax" + (maxAge === 0 ? "; max-age=0" : "");
  }
  function session(id) {
    return {
      id: "sess_fake",
      getToken: function () {
        return fetch(BASE + "/fake/token?sub=" + encodeURIComponent(id))
          .then(function (r) { return r.json(); })
          .then(function (body) { cookie(body.jwt); return body.jwt; });
      },
    };
  }
  var clerk = {
    loaded: false,
    session: null,
    load: function () {
      var handed = new URL(window.location.href).searchParams.get("__fake_clerk_user");
      if (handed) window.localStorage.setItem(KEY, handed);
      var id = window.localStorage.getItem(KEY);
      clerk.session = id ? session(id) : null;
      clerk.loaded = true;
      return clerk.session ? clerk.session.getToken().then(function () {}) : Promise.resolve();
    },
    addListener: function (cb) {
      listeners.push(cb);
      return function () { listeners = listeners.filter(function (x) { return x !== cb; }); };
    },
    signOut: function () {
      window.localStorage.removeItem(KEY);
      cookie("", 0);
      clerk.session = null;
      listeners.forEach(function (cb) { cb({ session: null }); });
      return Promise.resolve();
    },
  };
  window.Clerk = clerk;
})();
"""


@contextmanager
def running_fake_clerk(**kwargs: Any) -> Iterator[FakeClerk]:
    fake = FakeClerk(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()
