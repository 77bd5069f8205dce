#!/usr/bin/env python3
"""An independent check of docs/verification.md's test vector.

Written from the document alone (not from the kiosk's Rust code): base45
(RFC 9285) and the small part of CBOR (RFC 8949) the seal uses are decoded
here; Ed25519 is the `cryptography` package's. Exits non-zero on any
mismatch. Usage: verify_vector.py docs/verification.md
"""
import hashlib
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def b45decode(s):
    out = bytearray()
    for i in range(0, len(s), 3):
        chunk = [B45.index(c) for c in s[i:i + 3]]
        if len(chunk) == 3:
            n = chunk[0] + chunk[1] * 45 + chunk[2] * 45 * 45
            if n > 0xFFFF:
                raise ValueError("base45 value out of range")
            out += bytes([n >> 8, n & 0xFF])
        elif len(chunk) == 2:
            n = chunk[0] + chunk[1] * 45
            if n > 0xFF:
                raise ValueError("base45 value out of range")
            out.append(n)
        else:
            raise ValueError("base45 length")
    return bytes(out)


def cbor(data, i=0):
    """Decodes one CBOR item at data[i]: (value, next index)."""
    head = data[i]
    major, info = head >> 5, head & 0x1F
    i += 1
    if info < 24:
        n = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        n = int.from_bytes(data[i:i + size], "big")
        i += size
    else:
        raise ValueError("indefinite lengths are not used by seals")
    if major == 0:
        return n, i
    if major == 2:
        return bytes(data[i:i + n]), i + n
    if major == 3:
        return data[i:i + n].decode("utf-8"), i + n
    if major == 4:
        items = []
        for _ in range(n):
            v, i = cbor(data, i)
            items.append(v)
        return items, i
    if major == 5:
        m = {}
        for _ in range(n):
            k, i = cbor(data, i)
            v, i = cbor(data, i)
            m[k] = v
        return m, i
    raise ValueError(f"CBOR major type {major} is not used by seals")


def whole(data):
    v, end = cbor(data)
    if end != len(data):
        raise ValueError("trailing bytes")
    return v


def vector(path):
    text = open(path, encoding="utf-8").read()
    block = text.split("## Test vector", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    v = {}
    for line in block.strip().splitlines():
        name, value = line.split(" = ", 1)
        v[name] = value
    return v


def check(v):
    public = bytes.fromhex(v["public"])
    assert hashlib.sha256(public).digest()[:8].hex() == v["key_id"], "key_id"
    code = v["code"]
    seal_bytes = b45decode(code.rsplit("#", 1)[1].replace("%20", " "))
    assert seal_bytes.hex() == v["seal"], "the code's seal is the listed seal"
    fmt, payload, sigs = whole(seal_bytes)
    assert fmt == 1, "format"
    assert payload.hex() == v["payload"], "payload bytes"
    assert len(sigs) == 1
    alg, key_id, sig = sigs[0]
    assert alg == 1 and key_id.hex() == v["key_id"] and sig.hex() == v["signature"], "signature entry"
    key = Ed25519PublicKey.from_public_bytes(public)
    message = b"campus-kiosk/seal/v1" + payload
    key.verify(sig, message)  # raises InvalidSignature
    doc, service, terminal, issued, fields, digest = whole(payload)
    assert (doc, service, terminal, str(issued)) == (v["document_id"], v["service"], v["terminal"], v["issued"])
    expected = {k[len("field "):]: val for k, val in v.items() if k.startswith("field ")}
    assert fields == expected, f"fields {fields} != {expected}"
    assert digest.hex() == v["digest"], "digest"
    # A changed byte anywhere in the payload breaks the signature.
    for i in range(len(payload)):
        bad = bytearray(message)
        bad[len(b"campus-kiosk/seal/v1") + i] ^= 1
        try:
            key.verify(sig, bytes(bad))
        except InvalidSignature:
            continue
        raise AssertionError(f"payload byte {i} changed and still verifies")
    # The seed gives the public key (RFC 8032 test 1).
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization
    derived = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v["seed"])).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert derived == public, "seed and public key"
    # Ed25519 is deterministic: the seed signs the message to the same signature.
    resigned = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v["seed"])).sign(message)
    assert resigned == sig, "signature is reproducible from the seed"


if __name__ == "__main__":
    check(vector(sys.argv[1]))
    print("test vector: valid, and every changed payload byte is rejected")
