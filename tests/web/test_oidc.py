"""Single sign-on against a stand-in OpenID Connect provider (authorization
code + PKCE, state, nonce, signed ID token): a coach and a finance user log
in with roles from the provider; what a relying party must refuse is."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask

from tests.web.conftest import WebHome
from tests.web.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

pytest.importorskip("cryptography", reason="the stand-in provider signs with cryptography")
pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    import waitress.server

    stand_in = Provider()
    server = waitress.server.create_server(stand_in.app, host="127.0.0.1", port=0, threads=2)
    stand_in.issuer = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    threading.Thread(target=server.run, daemon=True).start()
    yield stand_in
    server.close()


@pytest.fixture(scope="module")
def sso_app(web_home: WebHome, provider: Provider) -> Iterator[Flask]:
    from ontzorging.web.app import create_app

    app = web_home.app()
    web = app.settings.web
    oidc = replace(
        web.oidc,
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri="http://localhost/login/oidc/callback",
    )
    settings = replace(app.settings, web=replace(web, oidc=oidc))
    yield create_app(replace(app, settings=settings))
    app.engine.dispose()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def sso(sso_app: Flask, provider: Provider, claims: dict[str, Any]) -> tuple[Any, Any]:
    """Start at /login/oidc, pass the provider, come back; (client, answer)."""
    provider.claims = claims
    client = sso_app.test_client()
    start = client.get("/login/oidc")
    assert start.status_code == 302
    location = start.headers["Location"]
    assert location.startswith(provider.issuer + "/authorize?")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    try:
        urllib.request.build_opener(NoRedirect).open(location)
        raise AssertionError("the provider did not redirect back")
    except urllib.error.HTTPError as back:
        callback = back.headers["Location"]
    answer = client.get(callback.replace("http://localhost", ""))
    return client, answer


def test_a_coach_signs_in_with_the_organisation_account(
    sso_app: Flask, provider: Provider, web_home: WebHome
) -> None:
    provider.misbehave = None
    login_page = sso_app.test_client().get("/login").text
    assert 'href="/login/oidc"' in login_page
    client, answer = sso(
        sso_app,
        provider,
        {
            "sub": "u-123",
            "preferred_username": "a.bakker",
            "roles": ["coach"],
            "coach": "Coach Bakker",
        },
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert 'href="/households/D"' in client.get("/").text
    assert client.get("/households/A").status_code == 404
    users: Any = web_home.json("users", "list")
    made = next(u for u in users if u["name"] == "a.bakker")
    assert made["single_sign_on"] and made["roles"] == ["coach"]


def test_roles_follow_the_provider(sso_app: Flask, provider: Provider) -> None:
    provider.misbehave = None
    claims = {"sub": "u-456", "preferred_username": "f.smit", "roles": ["finance", "other"]}
    client, _answer = sso(sso_app, provider, claims)
    assert client.get("/batches").status_code == 200
    client, answer = sso(sso_app, provider, {**claims, "roles": []})
    assert answer.status_code == 403 and "geen toegang" in answer.text.lower()


@pytest.mark.parametrize("misbehave", ["nonce", "audience", "unsigned", "other_key"])
def test_a_token_that_cannot_be_trusted_is_refused(
    sso_app: Flask, provider: Provider, misbehave: str
) -> None:
    provider.misbehave = misbehave
    try:
        client, answer = sso(
            sso_app, provider, {"sub": "u-789", "preferred_username": "x", "roles": ["beheer"]}
        )
    finally:
        provider.misbehave = None
    assert answer.status_code == 401
    assert client.get("/runs").status_code == 302  # not signed in


def test_an_answer_for_another_login_is_refused(sso_app: Flask, provider: Provider) -> None:
    provider.claims = {"sub": "u-1", "preferred_username": "y", "roles": ["beheer"]}
    victim = sso_app.test_client()
    victim.get("/login/oidc")  # the victim's own flow (its state is in its cookie)
    attacker = sso_app.test_client()
    location = attacker.get("/login/oidc").headers["Location"]
    try:
        urllib.request.build_opener(NoRedirect).open(location)
    except urllib.error.HTTPError as back:
        callback = back.headers["Location"].replace("http://localhost", "")
    assert victim.get(callback).status_code == 401  # login CSRF: state does not match
    assert sso_app.test_client().get(callback).status_code == 401  # no flow cookie at all


def test_a_local_account_is_not_taken_over(sso_app: Flask, provider: Provider) -> None:
    provider.misbehave = None
    _client, answer = sso(
        sso_app,
        provider,
        {"sub": "u-evil", "preferred_username": "fin.devries", "roles": ["finance"]},
    )
    assert answer.status_code == 403
