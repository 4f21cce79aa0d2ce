"""RSA for the fake's RS256 JWTs, with the standard library alone: keys, PKCS #1 v1.5 signatures, JWKs.

Real trusted token issuers sign their JWTs with RSA keys (RS256) published
as a JWKS. RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017, section 8.2) is a
padding rule and one modular exponentiation, which Python's integers do, so
the fake needs no crypto package for it. This is for tests only: key
generation and signing here are not hardened (not constant-time, no
blinding), which a fake on 127.0.0.1 signing its own test tokens does not need.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any, Dict, NamedTuple

PUBLIC_EXPONENT = 65537
DEFAULT_BITS = 2048
"""RFC 7518 requires RS256 keys of 2048 bits or more."""

# DER of DigestInfo's AlgorithmIdentifier for SHA-256 (RFC 8017, section 9.2, note 1)
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
_SMALL_PRIMES = tuple(p for p in range(3, 2000, 2) if all(p % q for q in range(3, int(p**0.5) + 1, 2)))


class PublicKey(NamedTuple):
    n: int
    e: int

    def jwk(self, kid: str) -> Dict[str, Any]:
        """This key as a JWK (RFC 7517, 7518 section 6.3) for a JWKS document."""
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": kid,
            "n": _b64_int(self.n),
            "e": _b64_int(self.e),
        }

    @classmethod
    def from_jwk(cls, jwk: Dict[str, Any]) -> PublicKey:
        return cls(_int_b64(jwk["n"]), _int_b64(jwk["e"]))

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's RS256 signature of ``message``."""
        size = (self.n.bit_length() + 7) // 8
        if len(signature) != size:
            return False
        value = int.from_bytes(signature, "big")
        if value >= self.n:
            return False
        return secrets.compare_digest(
            pow(value, self.e, self.n).to_bytes(size, "big"), _encode(message, size)
        )


class PrivateKey(NamedTuple):
    n: int
    e: int
    d: int

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.n, self.e)

    def sign(self, message: bytes) -> bytes:
        """The RS256 signature of ``message`` (RSASSA-PKCS1-v1_5 with SHA-256)."""
        size = (self.n.bit_length() + 7) // 8
        encoded = int.from_bytes(_encode(message, size), "big")
        return pow(encoded, self.d, self.n).to_bytes(size, "big")

    def __repr__(self) -> str:
        return f"PrivateKey(bits={self.n.bit_length()})"  # the private exponent stays out of reprs


def generate(bits: int = DEFAULT_BITS) -> PrivateKey:
    """A new key pair: two random primes of ``bits / 2`` bits each, e = 65537."""
    while True:
        p, q = _prime(bits // 2), _prime(bits - bits // 2)
        n = p * q
        phi = (p - 1) * (q - 1)
        if p != q and n.bit_length() == bits and phi % PUBLIC_EXPONENT:
            return PrivateKey(n, PUBLIC_EXPONENT, pow(PUBLIC_EXPONENT, -1, phi))


def _encode(message: bytes, size: int) -> bytes:
    """EMSA-PKCS1-v1_5 (RFC 8017, section 9.2) of SHA-256(message), ``size`` bytes long."""
    digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    padding = size - len(digest_info) - 3
    if padding < 8:
        raise ValueError("key too small for RS256")
    return b"\x00\x01" + b"\xff" * padding + b"\x00" + digest_info


def _prime(bits: int) -> int:
    while True:
        candidate = (
            secrets.randbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        )  # top two bits: n has all its bits
        if all(candidate % p for p in _SMALL_PRIMES) and _probably_prime(candidate):
            return candidate


def _probably_prime(n: int, rounds: int = 40) -> bool:
    """Miller-Rabin with random bases (error below 4^-40)."""
    d, s = n - 1, 0
    while not d % 2:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _b64_int(value: int) -> str:
    data = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4)), "big")
