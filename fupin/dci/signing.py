"""Signed DCI messages: the `signature` of an envelope, fupin's own signing key and its JWKS.

A signature is an HTTP-signature-style string, as the standard's `MsgSignature` shows:

    Signature: namespace="dci", keyId="{sender_id}|{key_id}|{algorithm}", algorithm="ed25519",
    created="1606970629", expires="1607030629", headers="(created) (expires) digest", signature="<base64>"

(`kidId`, the samples' spelling, is accepted too.) What is signed is the three lines

    (created): 1606970629
    (expires): 1607030629
    digest: BLAKE-512=<base64 of BLAKE2b-512 over the canonical JSON of {"header": …, "message": …}>

The canonical JSON (keys sorted, no spaces, UTF-8 as is) makes the digest independent of how a transport spaced or
ordered the body. Ed25519 signs the lines as they are; RSA signs them with PKCS#1 v1.5 and SHA-256.
"""

import base64
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from django.conf import settings

ALGORITHMS = ("ed25519", "rsa-sha256")
_PARAM = re.compile(r'(\w+)\s*=\s*"([^"]*)"')


class SignatureError(Exception):
    """A signature that is missing, malformed, expired, by an unknown key or wrong; `code` is the DCI error."""

    def __init__(self, message: str, code: str = "err.signature.invalid"):
        self.code = code
        super().__init__(message)


def canonical(header: dict, message) -> bytes:
    return json.dumps({"header": header, "message": message}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def digest(header: dict, message) -> str:
    return "BLAKE-512=" + base64.b64encode(hashlib.blake2b(canonical(header, message), digest_size=64).digest()
                                           ).decode("ascii")


def signing_string(created: str, expires: str, header: dict, message) -> bytes:
    return f"(created): {created}\n(expires): {expires}\ndigest: {digest(header, message)}".encode()


@dataclass(frozen=True)
class ParsedSignature:
    sender_id: str
    key_id: str
    algorithm: str
    created: str
    expires: str
    value: bytes


def parse(signature: str) -> ParsedSignature:
    text = signature.strip()
    if text.lower().startswith("signature:"):
        text = text[len("signature:"):]
    params = {name.lower(): value for name, value in _PARAM.findall(text)}
    key = params.get("keyid") or params.get("kidid")
    if not key or key.count("|") != 2:
        raise SignatureError('The signature has no keyId="{sender_id}|{key_id}|{algorithm}".')
    sender_id, key_id, algorithm = key.split("|")
    algorithm = algorithm.lower()
    if params.get("algorithm", algorithm).lower() != algorithm or algorithm not in ALGORITHMS:
        raise SignatureError(f"Unsupported signature algorithm “{algorithm}” (ed25519 or rsa-sha256).")
    if params.get("headers", "(created) (expires) digest").split() != ["(created)", "(expires)", "digest"]:
        raise SignatureError('The signature must cover headers="(created) (expires) digest".')
    created, expires = params.get("created", ""), params.get("expires", "")
    if not created.isdigit() or not expires.isdigit():
        raise SignatureError("The signature's created and expires must be Unix times.")
    try:
        value = base64.b64decode(params.get("signature", ""), validate=True)
    except ValueError:
        raise SignatureError("The signature value is not Base64.") from None
    if not value:
        raise SignatureError("The signature has no value.")
    return ParsedSignature(sender_id, key_id, algorithm, created, expires, value)


def load_public_key(pem: str, algorithm: str):
    """A PEM public key of the algorithm, or ValueError saying why not."""
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise ValueError(f"not a PEM public key: {exc}") from None
    expected = ed25519.Ed25519PublicKey if algorithm == "ed25519" else rsa.RSAPublicKey
    if not isinstance(key, expected):
        raise ValueError(f"the key is not an {algorithm} key")
    if algorithm == "rsa-sha256" and key.key_size < 2048:
        raise ValueError("an RSA key must have at least 2048 bits")
    return key


def verify(parsed: ParsedSignature, public_key, header: dict, message, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    skew = getattr(settings, "FUPIN_DCI_CLOCK_SKEW_SECONDS", 300)
    if int(parsed.created) > now + skew:
        raise SignatureError("The signature was created in the future.")
    if int(parsed.expires) < now - skew:
        raise SignatureError("The signature has expired.")
    data = signing_string(parsed.created, parsed.expires, header, message)
    try:
        if parsed.algorithm == "ed25519":
            public_key.verify(parsed.value, data)
        else:
            public_key.verify(parsed.value, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureError("The signature does not match the message.") from None


def sign_with(private_key, *, sender_id: str, key_id: str, header: dict, message, lifetime: int = 600,
              now: float | None = None) -> str:
    """The signature string of an envelope signed with `private_key` (Ed25519 or RSA)."""
    created = int(time.time() if now is None else now)
    expires = created + lifetime
    data = signing_string(str(created), str(expires), header, message)
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        algorithm, value = "ed25519", private_key.sign(data)
    else:
        algorithm, value = "rsa-sha256", private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return (f'Signature: namespace="dci", keyId="{sender_id}|{key_id}|{algorithm}", algorithm="{algorithm}", '
            f'created="{created}", expires="{expires}", headers="(created) (expires) digest", '
            f'signature="{base64.b64encode(value).decode("ascii")}"')


# fupin's own key -----------------------------------------------------------------------------------------------

def sender_id() -> str:
    return getattr(settings, "FUPIN_DCI_SENDER_ID", "fupin")


def _key_file() -> Path:
    configured = getattr(settings, "FUPIN_DCI_SIGNING_KEY_FILE", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "dci" / "signing-key.pem"


_server_key: tuple[Path, ed25519.Ed25519PrivateKey] | None = None


def server_key() -> ed25519.Ed25519PrivateKey:
    """fupin's Ed25519 signing key, made on first use and kept (owner-only) in FUPIN_DCI_SIGNING_KEY_FILE."""
    global _server_key
    path = _key_file()
    if _server_key is not None and _server_key[0] == path:
        return _server_key[1]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        # Written under another name and renamed, so that two processes never read half a key.
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        if not path.exists():
            os.replace(partial, path)
        else:
            partial.unlink()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    _server_key = (path, key)
    return key


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def server_key_id() -> str:
    """The key's RFC 7638 thumbprint (what the JWKS calls `kid`)."""
    raw = server_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}, separators=(",", ":"),
                         sort_keys=True)
    return _b64url(hashlib.sha256(members.encode()).digest())


def jwks() -> dict:
    raw = server_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": server_key_id(), "use": "sig",
                      "alg": "EdDSA"}]}


def public_key_from_jwk(jwk: dict):
    """The public key of an Ed25519 (OKP) or RSA JWK, as another registry publishes it."""
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
        return ed25519.Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "=="))
    if jwk.get("kty") == "RSA":
        n = int.from_bytes(base64.urlsafe_b64decode(jwk["n"] + "=="), "big")
        e = int.from_bytes(base64.urlsafe_b64decode(jwk["e"] + "=="), "big")
        return rsa.RSAPublicNumbers(e, n).public_key()
    raise ValueError("unsupported JWK")


def sign(header: dict, message) -> str:
    """fupin's signature of an envelope it sends (responses and callbacks)."""
    return sign_with(server_key(), sender_id=sender_id(), key_id=server_key_id(), header=header, message=message)
