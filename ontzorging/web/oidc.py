"""Single sign-on with OpenID Connect: authorization code flow with PKCE
(S256), state and nonce, for Entra ID, Keycloak or AD FS.

The relying party checks what ASVS 5.0 V10 asks: the code flow is bound to
this browser (state in an HttpOnly cookie, PKCE verifier), the ID token's
signature (the provider's JWKS; unsigned tokens are refused), issuer,
audience, expiry and nonce. Users are known by issuer + subject, never by
e-mail. Roles and the coach name come from claims (``web.oidc_roles_claim``,
``web.oidc_coach_claim``); a user with none of our roles is refused. No
access or refresh token is kept."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import jwt

from ontzorging.adapters.schema import WEB_ROLES
from ontzorging.domain.errors import Refused
from ontzorging.settings import OidcSettings

HTTP_TIMEOUT_SECONDS: Final = 10
FLOW_COOKIE_MAX_AGE: Final = 600  # ten minutes to log in at the provider
ALGORITHMS: Final = ["RS256", "PS256", "ES256"]  # asymmetric only: no "none", no HS256


class OidcRefused(Refused):
    """The provider's answer cannot be trusted or gives no access."""


@dataclass(frozen=True)
class Flow:
    """What the browser carries (in an HttpOnly cookie) between going to the
    provider and coming back."""

    state: str
    nonce: str
    verifier: str

    def cookie(self) -> str:
        return f"{self.state}.{self.nonce}.{self.verifier}"

    @classmethod
    def from_cookie(cls, text: str) -> Flow:
        parts = text.split(".")
        if len(parts) != 3 or not all(parts):
            raise OidcRefused("single sign-on: the login started elsewhere or expired")
        return cls(*parts)


@dataclass(frozen=True)
class Identity:
    subject: str  # "issuer subject"
    name: str
    roles: tuple[str, ...]
    coach: str | None


def _get_json(url: str, data: dict[str, str] | None = None) -> Any:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
        return json.loads(response.read(1_000_000))


@lru_cache(maxsize=8)
def discovery(issuer: str) -> dict[str, Any]:
    found: dict[str, Any] = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if found.get("issuer") != issuer:
        raise OidcRefused("single sign-on: the provider names another issuer than configured")
    return found


@lru_cache(maxsize=8)
def _jwks(uri: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(uri, cache_keys=True, timeout=HTTP_TIMEOUT_SECONDS)


def start(settings: OidcSettings) -> tuple[str, Flow]:
    """The provider's authorization URL and the flow to remember."""
    flow = Flow(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(flow.verifier.encode()).digest())
    query = {
        "response_type": "code",
        "client_id": settings.client_id,
        "redirect_uri": settings.redirect_uri,
        "scope": "openid profile email",
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    endpoint = discovery(settings.issuer)["authorization_endpoint"]
    return f"{endpoint}?{urllib.parse.urlencode(query)}", flow


def finish(settings: OidcSettings, flow: Flow, state: str, code: str) -> Identity:
    """Exchange the code and check the ID token; the identity it proves."""
    if not code or not secrets.compare_digest(state, flow.state):
        raise OidcRefused("single sign-on: the answer does not belong to this login")
    meta = discovery(settings.issuer)
    token = _get_json(
        meta["token_endpoint"],
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": settings.redirect_uri,
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
            "code_verifier": flow.verifier,
        },
    )
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise OidcRefused("single sign-on: the provider sent no ID token")
    try:
        key = _jwks(meta["jwks_uri"]).get_signing_key_from_jwt(id_token)
        claims = jwt.decode(
            id_token,
            key.key,
            algorithms=ALGORITHMS,
            audience=settings.client_id,
            issuer=settings.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
        )
    except jwt.PyJWTError as exc:
        raise OidcRefused(f"single sign-on: the ID token is not valid ({exc})") from None
    if not secrets.compare_digest(str(claims["nonce"]), flow.nonce):
        raise OidcRefused("single sign-on: the ID token is not for this login (nonce)")
    return _identity(settings, claims)


def _identity(settings: OidcSettings, claims: dict[str, Any]) -> Identity:
    found = claims.get(settings.roles_claim) or []
    roles = tuple(sorted({r for r in found if r in WEB_ROLES})) if isinstance(found, list) else ()
    coach = claims.get(settings.coach_claim)
    name = str(claims.get("preferred_username") or claims.get("email") or claims["sub"])[:100]
    return Identity(
        subject=f"{claims['iss']} {claims['sub']}"[:255],
        name=name,
        roles=roles,
        coach=str(coach) if coach else None,
    )
