#!/usr/bin/env python3
"""Cross-checks `sbp keys verify` against an independent secp256k1 implementation (OpenSSL).

Usage: python3 Tools/crosscheck-verify.py PATH_TO_SBP

Independent implementation: Python's `cryptography` package, which calls OpenSSL. OpenSSL signs, and
OpenSSL's ECDSA verify decides validity. OpenSSL alone accepts high-S signatures and, through its BER
tolerance, some non-strict DER; SBP's policy (DESIGN §4) refuses both, so the independent verdict is:

    valid  <=>  OpenSSL verifies the signature over SHA-256(message)
                AND s <= n/2 (low-S)
                AND, for DER input, the bytes are the strict DER re-encoding of (r, s)
                AND, for compact input, 1 <= r, s < n

Cases come from a seeded loop over 60 keys: valid DER and compact signatures, OpenSSL's raw output
(about half are high-S), tampered messages, tampered signature bytes, high-S twins (n - s) in both
encodings, a wrong public key, an uncompressed public key, and constructed malformed input (bad hex,
truncated or non-strict DER, garbage bytes, 63/65-byte compact, r or s >= n, bad public keys).

Assertions per case: `sbp keys verify` exits 0 (printing "valid") exactly when the independent verdict
is valid; otherwise it exits 1 (printing "invalid") or 2; constructed malformed cases must exit 2.
Prints `crosscheck: N passed, M failed` and exits non-zero on any failure.
"""
import concurrent.futures
import hashlib
import random
import subprocess
import sys

try:
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
except ImportError:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "cryptography"], check=True)
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

SEED = 20240601
KEY_COUNT = 60
# secp256k1 group order n and field prime p.
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
P = 2**256 - 2**32 - 977
CURVE = ec.SECP256K1()


def compact(r, s):
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def low(s):
    return min(s, N - s)


def independent_verdict(public_key, message, signature):
    """OpenSSL's verdict plus SBP's policy (low-S, strict DER, scalars in range); False for malformed."""
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(CURVE, public_key)
    except ValueError:
        return False
    if len(public_key) not in (33, 65) or public_key[0] not in ((2, 3) if len(public_key) == 33 else (4,)):
        return False
    if len(signature) == 64:
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        if not (1 <= r < N and 1 <= s < N):
            return False
        der = encode_dss_signature(r, s)
    elif signature[:1] == b"\x30":
        try:
            r, s = decode_dss_signature(signature)
        except ValueError:
            return False
        if encode_dss_signature(r, s) != signature:
            return False
        der = signature
    else:
        return False
    try:
        key.verify(der, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return s <= N // 2


def point_bytes(private_key, compressed=True):
    form = serialization.PublicFormat.CompressedPoint if compressed else serialization.PublicFormat.UncompressedPoint
    return private_key.public_key().public_bytes(serialization.Encoding.X962, form)


def sign(private_key, message):
    """OpenSSL ECDSA over SHA-256; RFC 6979 nonces when this OpenSSL has them (reproducible runs)."""
    try:
        algorithm = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
        return private_key.sign(message, algorithm)
    except (TypeError, UnsupportedAlgorithm):
        return private_key.sign(message, ec.ECDSA(hashes.SHA256()))


def not_on_curve_x(rng):
    while True:
        x = rng.randrange(1, P)
        if pow((x**3 + 7) % P, (P - 1) // 2, P) != 1:
            return x


def build_cases():
    """Returns (label, public key hex, message hex, signature hex, constructed_malformed, independent verdict)."""
    rng = random.Random(SEED)
    keys = [ec.derive_private_key(rng.randrange(1, N), CURVE) for _ in range(KEY_COUNT)]
    cases = []

    def add(label, public_key, message, signature, malformed=False):
        verdict = independent_verdict(public_key, message, signature)
        cases.append((label, public_key.hex(), message.hex(), signature.hex(), malformed, verdict))

    def add_raw(label, public_hex, message_hex, signature_hex):
        cases.append((label, public_hex, message_hex, signature_hex, True, False))

    for index, key in enumerate(keys):
        public_key = point_bytes(key)
        message = rng.randbytes(rng.randrange(0, 80))
        raw = sign(key, message)
        r, s = decode_dss_signature(raw)
        good_der = encode_dss_signature(r, low(s))
        good_compact = compact(r, low(s))
        high_s = N - low(s)
        tampered_message = bytearray(message or b"\x00")
        tampered_message[rng.randrange(len(tampered_message))] ^= 1 << rng.randrange(8)
        tampered_compact = bytearray(good_compact)
        tampered_compact[rng.randrange(64)] ^= 1 << rng.randrange(8)
        tampered_der = bytearray(good_der)
        tampered_der[-1 - rng.randrange(8)] ^= 1 << rng.randrange(8)

        add(f"key{index}/valid-der", public_key, message, good_der)
        add(f"key{index}/valid-compact", public_key, message, good_compact)
        add(f"key{index}/openssl-raw-der", public_key, message, raw)
        add(f"key{index}/tampered-message-der", public_key, bytes(tampered_message), good_der)
        add(f"key{index}/tampered-message-compact", public_key, bytes(tampered_message), good_compact)
        add(f"key{index}/tampered-signature-der", public_key, message, bytes(tampered_der))
        add(f"key{index}/tampered-signature-compact", public_key, message, bytes(tampered_compact))
        add(f"key{index}/high-s-der", public_key, message, encode_dss_signature(r, high_s))
        add(f"key{index}/high-s-compact", public_key, message, compact(r, high_s))
        add(f"key{index}/wrong-public-key", point_bytes(keys[(index + 1) % KEY_COUNT]), message, good_der)
        add(f"key{index}/uncompressed-public-key", point_bytes(key, compressed=False), message,
            good_compact if index % 2 else good_der)

        # Constructed malformed input; every key gets all of them (cheap, and each varies with the key).
        garbage = bytearray(rng.randbytes(rng.choice([1, 10, 33, 40, 63, 65, 80])))
        if garbage[0] == 0x30:
            garbage[0] = 0x31
        add(f"key{index}/malformed-garbage", public_key, message, bytes(garbage), malformed=True)
        add(f"key{index}/malformed-truncated-der", public_key, message, good_der[:-1 - rng.randrange(4)], malformed=True)
        add(f"key{index}/malformed-der-trailing-byte", public_key, message, good_der + b"\x00", malformed=True)
        r_bytes = r.to_bytes(32, "big").lstrip(b"\x00")
        r_bytes = b"\x00" + r_bytes if r_bytes[0] & 0x80 else r_bytes
        s_bytes = low(s).to_bytes(32, "big").lstrip(b"\x00")
        s_bytes = b"\x00" + s_bytes if s_bytes[0] & 0x80 else s_bytes
        padded_r = b"\x00" + r_bytes  # one zero byte more than strict DER allows
        body = b"\x02" + bytes([len(padded_r)]) + padded_r + b"\x02" + bytes([len(s_bytes)]) + s_bytes
        add(f"key{index}/malformed-der-padded-r", public_key, message, b"\x30" + bytes([len(body)]) + body, malformed=True)
        add(f"key{index}/malformed-compact-63", public_key, message, good_compact[:63], malformed=True)
        long_compact = bytearray(good_compact + b"\x01")
        if long_compact[0] == 0x30:
            long_compact[0] = 0x31
        add(f"key{index}/malformed-compact-65", public_key, message, bytes(long_compact), malformed=True)
        excess = rng.randrange(0, 2**32)
        add(f"key{index}/malformed-r-ge-n-compact", public_key, message, compact(N + excess if N + excess < 2**256 else N, low(s)), malformed=True)
        add(f"key{index}/malformed-s-ge-n-compact", public_key, message, compact(r, N + excess if N + excess < 2**256 else N), malformed=True)
        add(f"key{index}/malformed-r-ge-n-der", public_key, message, encode_dss_signature(N + excess, low(s)), malformed=True)
        add(f"key{index}/malformed-s-ge-n-der", public_key, message, encode_dss_signature(r, N + excess), malformed=True)
        add(f"key{index}/malformed-r-zero-compact", public_key, message, compact(0, low(s)), malformed=True)
        bad_x = not_on_curve_x(rng)
        add(f"key{index}/malformed-public-key-off-curve", bytes([2 + index % 2]) + bad_x.to_bytes(32, "big"), message, good_der, malformed=True)
        add(f"key{index}/malformed-public-key-prefix", b"\x05" + public_key[1:], message, good_der, malformed=True)
        add(f"key{index}/malformed-public-key-length", public_key[:32], message, good_der, malformed=True)
        add_raw(f"key{index}/malformed-signature-hex", public_key.hex(), message.hex(), "zz" + good_der.hex()[2:])
        add_raw(f"key{index}/malformed-signature-odd-hex", public_key.hex(), message.hex(), good_compact.hex()[:-1])
        add_raw(f"key{index}/malformed-message-hex", public_key.hex(), message.hex() + "g0", good_der.hex())
        add_raw(f"key{index}/malformed-public-key-hex", "0x" + public_key.hex()[:-2] + "xy", message.hex(), good_der.hex())
    return cases


# Labels whose independent verdict must be valid / invalid by construction: if OpenSSL disagreed, the
# harness itself would be broken, so that is reported as a failure too.
MUST_BE_VALID = ("valid-der", "valid-compact", "uncompressed-public-key")
MUST_BE_INVALID = ("tampered-message", "high-s", "wrong-public-key", "malformed")


def run_case(sbp, case):
    label, public_hex, message_hex, signature_hex, malformed, verdict = case
    kind = label.split("/", 1)[1]
    problems = []
    if kind.startswith(MUST_BE_VALID) and not verdict:
        problems.append("harness: OpenSSL rejects a case built to be valid")
    if kind.startswith(MUST_BE_INVALID) and verdict:
        problems.append("harness: OpenSSL accepts a case built to be invalid")
    result = subprocess.run(
        [sbp, "keys", "verify", "--public-key", public_hex, "--message", message_hex, "--signature", signature_hex],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    code, output = result.returncode, result.stdout.strip()
    if verdict:
        if code != 0 or output != "valid":
            problems.append(f"independent verdict valid, sbp exited {code} printing {output!r}")
    else:
        if code not in (1, 2):
            problems.append(f"independent verdict invalid, sbp exited {code} printing {output!r}")
        elif malformed and code != 2:
            problems.append(f"malformed input, sbp exited {code} (expected 2)")
        elif code == 1 and output != "invalid":
            problems.append(f"exit 1 but printed {output!r}")
    if problems:
        detail = f"{label}: {'; '.join(problems)} [stderr: {result.stderr.strip()}]"
        return False, detail
    return True, None


def main():
    if len(sys.argv) != 2:
        print("usage: python3 Tools/crosscheck-verify.py PATH_TO_SBP", file=sys.stderr)
        return 2
    sbp = sys.argv[1]
    cases = build_cases()
    valid = sum(1 for case in cases if case[5])
    print(f"{len(cases)} cases from {KEY_COUNT} keys ({valid} independently valid, "
          f"{sum(1 for case in cases if case[4])} constructed malformed)", file=sys.stderr)
    passed, failures = 0, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for ok, detail in pool.map(lambda case: run_case(sbp, case), cases):
            if ok:
                passed += 1
            else:
                failures.append(detail)
    for detail in failures[:30]:
        print("FAIL " + detail, file=sys.stderr)
    print(f"crosscheck: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
