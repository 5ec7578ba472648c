"""A small stand-in OpenID Connect provider for the tests: discovery, an
authorization endpoint that signs in whoever the test says (no login page),
a token endpoint that checks the client, the redirect URI and PKCE (S256),
and a JWKS. ``misbehave`` makes it send what a relying party must refuse."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, redirect, request

CLIENT_ID = "ontzorging"
CLIENT_SECRET = "stand-in secret"


class Provider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.issuer = ""  # set once the server has a port
        self.claims: dict[str, Any] = {}
        self.misbehave: str | None = None  # "nonce" | "audience" | "unsigned" | "other_key"
        self.codes: dict[str, dict[str, str]] = {}
        self.app = Flask("oidc-stand-in")
        self.app.add_url_rule("/.well-known/openid-configuration", "meta", self.meta)
        self.app.add_url_rule("/authorize", "authorize", self.authorize)
        self.app.add_url_rule("/token", "token", self.token, methods=["POST"])
        self.app.add_url_rule("/jwks", "jwks", self.jwks)

    def meta(self) -> Any:
        return jsonify(
            issuer=self.issuer,
            authorization_endpoint=f"{self.issuer}/authorize",
            token_endpoint=f"{self.issuer}/token",
            jwks_uri=f"{self.issuer}/jwks",
            response_types_supported=["code"],
            code_challenge_methods_supported=["S256"],
        )

    def authorize(self) -> Any:
        args = request.args
        if args.get("client_id") != CLIENT_ID or args.get("code_challenge_method") != "S256":
            return "bad request", 400
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "challenge": args["code_challenge"],
            "nonce": args["nonce"],
            "redirect_uri": args["redirect_uri"],
        }
        return redirect(f"{args['redirect_uri']}?code={code}&state={args['state']}")

    def token(self) -> Any:
        form = request.form
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("client_secret") != CLIENT_SECRET:
            return jsonify(error="invalid_grant"), 400
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if (
            challenge.decode() != grant["challenge"]
            or form["redirect_uri"] != grant["redirect_uri"]
        ):
            return jsonify(error="invalid_grant"), 400
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": "someone-else" if self.misbehave == "audience" else CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": "other" if self.misbehave == "nonce" else grant["nonce"],
            **self.claims,
        }
        if self.misbehave == "unsigned":
            id_token = jwt.encode(claims, None, algorithm="none")
        else:
            key = (
                rsa.generate_private_key(65537, 2048) if self.misbehave == "other_key" else self.key
            )
            id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        return jsonify(access_token="unused", token_type="Bearer", id_token=id_token)

    def jwks(self) -> Any:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return jsonify(keys=[{**public, "kid": "k1", "use": "sig", "alg": "RS256"}])
