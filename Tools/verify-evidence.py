#!/usr/bin/env python3
"""An independent SBP evidence verifier, written from docs/evidence.md alone (Python 3 standard library).

Usage: python3 Tools/verify-evidence.py EVIDENCE_FILE GENESIS_JSON

EVIDENCE_FILE is the raw bundle or the 0x-hex of state_getEvidence (bare, quoted, or the whole JSON-RPC
response), as docs/evidence.md §2.4 describes. The script follows §3 (the verification algorithm) step by
step: decoding with every limit and canonical-form rule of §2, the genesis hash of §4, commit certificates
(quorum, vote order, secp256k1 public-key recovery of every vote), the validator-set transitions with
their `sbp.announced` proofs, and the record's state proof. It shares no code with the Swift node: the
curve arithmetic below is plain affine secp256k1 (SEC 1 §4.1.6 recovery), fine for a test tool that checks
a few signatures, not a constant-time implementation for signing.

Prints a JSON report and exits 0 when the bundle verifies; prints the reason and exits 1 when it does not;
exits 2 on a usage error. `EvidenceExampleTests.anIndependentPythonVerifierAgrees` runs it on the example of
docs/evidence.md and on changed copies of it.
"""
import hashlib
import json
import sys

# Limits of docs/evidence.md §2.3.
CHAIN_ID_BYTES_MAX = 64
IDENTIFIER_BYTES_MAX = 64
TRANSITIONS_MAX = 1 << 16
KEY_BYTES_MAX = 1024
VALUE_BYTES_MAX = 64 * 1024
VALIDATORS_MAX = 256
PROOF_SIBLINGS_MAX = 256
FILE_BYTES_MAX = 16 * 1024 * 1024

# secp256k1 (SEC 2 §2.4.1).
P = 2**256 - 2**32 - 977
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
     0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


class NotVerified(Exception):
    pass


# --- hashing (docs/protocol.md §2, docs/state-tree.md §2) ---

def sha256(data):
    return hashlib.sha256(data).digest()


def tagged(domain, data):
    tag = domain.encode()
    return sha256(bytes([len(tag)]) + tag + data)


EMPTY = tagged("sbp/state-empty", b"")


def u32(value):
    return value.to_bytes(4, "little")


def u64(value):
    return value.to_bytes(8, "little")


def length_prefixed(data):
    return u32(len(data)) + data


# --- decoding (docs/evidence.md §2) ---

class Reader:
    def __init__(self, data):
        self.data = data
        self.position = 0

    def take(self, count):
        if count > len(self.data) - self.position:
            raise NotVerified(f"truncated at byte {self.position}: needed {count}")
        chunk = self.data[self.position:self.position + count]
        self.position += count
        return chunk

    def uint(self, width):
        return int.from_bytes(self.take(width), "little")

    def bytes_field(self, name, limit):
        length = self.uint(4)
        if length > limit:
            raise NotVerified(f"{name}: length {length} exceeds the limit {limit}")
        return self.take(length)

    def text(self, name, limit):
        raw = self.bytes_field(name, limit)
        try:
            raw.decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            raise NotVerified(f"{name}: not valid UTF-8")
        return raw

    def count(self, name, limit):
        count = self.uint(4)
        if count > limit:
            raise NotVerified(f"{name}: count {count} exceeds the limit {limit}")
        if count > len(self.data) - self.position:
            raise NotVerified(f"{name}: count {count} exceeds the remaining bytes")
        return count

    def optional_tag(self):
        tag = self.uint(1)
        if tag not in (0, 1):
            raise NotVerified(f"invalid optional tag {tag}")
        return tag == 1


def read_header(reader):
    start = reader.position
    header = {"chainId": reader.text("header.chainId", CHAIN_ID_BYTES_MAX)}
    header["height"] = reader.uint(8)
    header["view"] = reader.uint(8)
    header["timestampMs"] = reader.uint(8)
    header["parentHash"] = reader.take(32)
    header["proposer"] = reader.take(20)
    for field in ("transactionsRoot", "lastCommitHash", "previousReceiptsRoot", "stateRoot", "validatorsHash"):
        header[field] = reader.take(32)
    header["hash"] = tagged("sbp/block-header", reader.data[start:reader.position])
    return header


def read_signature(reader):
    r, s, recovery = reader.take(32), reader.take(32), reader.uint(1)
    r_value, s_value = int.from_bytes(r, "big"), int.from_bytes(s, "big")
    if recovery > 3:
        raise NotVerified(f"signature recovery id {recovery} is above 3")
    if not (1 <= r_value < N and 1 <= s_value < N):
        raise NotVerified("signature scalar out of range")
    if s_value > N // 2:
        raise NotVerified("high-S signature")
    return r_value, s_value, recovery


def read_certificate(reader):
    certificate = {"height": reader.uint(8), "view": reader.uint(8), "blockHash": reader.take(32), "votes": []}
    for _ in range(reader.count("certificate.votes", VALIDATORS_MAX)):
        index = reader.uint(2)
        if certificate["votes"] and index <= certificate["votes"][-1][0]:
            raise NotVerified("certificate votes are not in strictly ascending validator order")
        certificate["votes"].append((index, read_signature(reader)))
    return certificate


def read_validator_set(reader):
    start = reader.position
    members = []
    count = reader.count("validators", VALIDATORS_MAX)
    if count == 0:
        raise NotVerified("an empty validator set")
    for _ in range(count):
        name = reader.text("validator.name", IDENTIFIER_BYTES_MAX)
        department = reader.text("validator.department", IDENTIFIER_BYTES_MAX)
        key = reader.take(33)
        if key[0] not in (2, 3):
            raise NotVerified("validator key is not a compressed secp256k1 key")
        members.append((name, department, key))
    if len({m[2] for m in members}) != count or len({m[0] for m in members}) != count:
        raise NotVerified("duplicate validator key or name")
    return {"members": members, "encoding": reader.data[start:reader.position]}


def read_proof(reader):
    siblings = [reader.take(32) for _ in range(reader.count("proof.siblings", PROOF_SIBLINGS_MAX))]
    leaf = (reader.take(32), reader.take(32)) if reader.optional_tag() else None
    if siblings and siblings[-1] == EMPTY:
        raise NotVerified("the last proof sibling is the empty hash")
    return {"siblings": siblings, "leaf": leaf}


def read_bundle(data):
    reader = Reader(data)
    if reader.uint(1) != 1:
        raise NotVerified("unknown bundle version")
    bundle = {"chainId": reader.text("chainId", CHAIN_ID_BYTES_MAX), "genesisHash": reader.take(32), "transitions": []}
    for _ in range(reader.count("transitions", TRANSITIONS_MAX)):
        bundle["transitions"].append({
            "activationHeight": reader.uint(8), "validators": read_validator_set(reader),
            "header": read_header(reader), "certificate": read_certificate(reader), "proof": read_proof(reader)})
    bundle["contract"] = reader.take(20)
    bundle["key"] = reader.bytes_field("key", KEY_BYTES_MAX)
    bundle["value"] = reader.bytes_field("value", VALUE_BYTES_MAX) if reader.optional_tag() else None
    bundle["height"] = reader.uint(8)
    bundle["proof"] = read_proof(reader)
    bundle["header"] = read_header(reader)
    bundle["certificate"] = read_certificate(reader)
    if reader.position != len(data):
        raise NotVerified(f"{len(data) - reader.position} trailing bytes")
    return bundle


def read_evidence_file(path):
    with open(path, "rb") as handle:
        contents = handle.read(FILE_BYTES_MAX + 1)
    if len(contents) > FILE_BYTES_MAX:
        raise NotVerified("file too large")
    if contents[:1] == b"\x01":
        return contents
    text = contents.decode("utf-8").strip()
    if text.startswith("{"):
        response = json.loads(text)
        if "error" in response:
            raise NotVerified(f"JSON-RPC error response: {response['error']}")
        text = response["result"]
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    if text[:2] in ("0x", "0X"):
        text = text[2:]
    return bytes.fromhex(text)


# --- genesis (docs/evidence.md §4) ---

def genesis_encoding(document):
    out = bytearray(length_prefixed(document["chainId"].encode()))
    out += u64(document["genesisTimeMs"]) + u32(document["protocolVersion"])
    out += u32(len(document["departments"]))
    for department in document["departments"]:
        out += length_prefixed(department["id"].encode()) + length_prefixed(department["name"].encode())
        out += u32(len(department["adminKeys"]))
        for key in department["adminKeys"]:
            out += length_prefixed(hex_bytes(key))
        out += length_prefixed(department["caCertificate"].encode())
    out += u32(len(document["validators"]))
    for validator in document["validators"]:
        out += length_prefixed(validator["name"].encode()) + length_prefixed(validator["department"].encode())
        out += length_prefixed(hex_bytes(validator["consensusPublicKey"]))
        out += length_prefixed(validator["tlsCertificate"].encode())
    out += u32(len(document["accounts"]))
    for account in document["accounts"]:
        out += hex_bytes(account["address"]) + length_prefixed(account["department"].encode())
        out += u32(len(account["roles"]))
        for role in account["roles"]:
            out += length_prefixed(role.encode())
    consensus = document["consensus"]
    for field in ("checkpointInterval", "watermarkWindow", "viewChangeTimeoutTicks", "viewChangeTimeoutTicksMax", "tickMs"):
        out += u64(consensus[field])
    out += u32(consensus["blockTransactionsMax"]) + u32(consensus["blockBytesMax"])
    out += u64(consensus["blockFuelMax"]) + u64(consensus["timestampDriftMsMax"])
    out += u64(consensus.get("transactionFuelMax", max(1, consensus["blockFuelMax"] // 8)))
    out += u64(consensus.get("blockWriteBytesMax", 8 * 1024 * 1024))
    governance = document["governance"]
    out += u32(governance["thresholdNumerator"]) + u32(governance["thresholdDenominator"])
    out += u64(governance["proposalLifetimeBlocks"]) + bytes([1 if governance["departmentsMayDeploy"] else 0])
    out += u32(len(document["contracts"]))
    for contract in document["contracts"]:
        out += length_prefixed(contract["name"].encode()) + hex_bytes(contract["address"])
        out += length_prefixed(contract["codeFile"].encode()) + hex_bytes(contract["codeHash"])
    # Validators' endpoints (issue 16): only when some validator lists one, every validator's list in order.
    if any(validator.get("endpoints") for validator in document["validators"]):
        for validator in document["validators"]:
            endpoints = validator.get("endpoints") or []
            out += u32(len(endpoints))
            for endpoint in endpoints:
                out += length_prefixed(endpoint.encode())
    return bytes(out)


def hex_bytes(text):
    return bytes.fromhex(text[2:] if text[:2] in ("0x", "0X") else text)


def genesis_validator_set(document):
    encoding = bytearray(u32(len(document["validators"])))
    members = []
    for validator in document["validators"]:
        key = hex_bytes(validator["consensusPublicKey"])
        members.append((validator["name"].encode(), validator["department"].encode(), key))
        encoding += length_prefixed(members[-1][0]) + length_prefixed(members[-1][1]) + key
    return {"members": members, "encoding": bytes(encoding)}


# --- secp256k1 public-key recovery (SEC 1 §4.1.6) ---

def point_add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % P == 0:
        return None
    if a == b:
        slope = 3 * a[0] * a[0] * pow(2 * a[1], -1, P) % P
    else:
        slope = (b[1] - a[1]) * pow(b[0] - a[0], -1, P) % P
    x = (slope * slope - a[0] - b[0]) % P
    return x, (slope * (a[0] - x) - a[1]) % P


def point_multiply(scalar, point):
    result = None
    while scalar:
        if scalar & 1:
            result = point_add(result, point)
        point = point_add(point, point)
        scalar >>= 1
    return result


def recover_compressed(digest, r, s, recovery):
    x = r + (recovery >> 1) * N
    if x >= P:
        raise NotVerified("signature does not recover a key")
    y_squared = (pow(x, 3, P) + 7) % P
    y = pow(y_squared, (P + 1) // 4, P)
    if y * y % P != y_squared:
        raise NotVerified("signature does not recover a key")
    if y & 1 != recovery & 1:
        y = P - y
    e = int.from_bytes(digest, "big")
    r_inverse = pow(r, -1, N)
    q = point_add(point_multiply(s * r_inverse % N, (x, y)), point_multiply((-e * r_inverse) % N, G))
    if q is None:
        raise NotVerified("signature recovers the point at infinity")
    return bytes([2 + (q[1] & 1)]) + q[0].to_bytes(32, "big")


# --- verification (docs/evidence.md §3) ---

def quorum(count):
    faults = (count - 1) // 3
    return (count + faults + 2) // 2


def check_certified(header, certificate, validators, chain_id, stats):
    if header["chainId"] != chain_id:
        raise NotVerified(f"header {header['height']} is for another chain")
    if header["validatorsHash"] != tagged("sbp/validator-set", validators["encoding"]):
        raise NotVerified(f"header {header['height']} names another validator set")
    if certificate["height"] != header["height"] or certificate["blockHash"] != header["hash"]:
        raise NotVerified(f"certificate of {header['height']} is for another block")
    members = validators["members"]
    if len(certificate["votes"]) < quorum(len(members)):
        raise NotVerified(f"certificate of {header['height']} has fewer votes than a quorum")
    digest = tagged("sbp/consensus-message", length_prefixed(chain_id) + bytes([3]) + u64(certificate["view"])
                    + u64(certificate["height"]) + certificate["blockHash"])
    for index, (r, s, recovery) in certificate["votes"]:
        if index >= len(members):
            raise NotVerified(f"vote index {index} out of range")
        if recover_compressed(digest, r, s, recovery) != members[index][2]:
            raise NotVerified(f"vote of validator {index} in the certificate of {header['height']} is not its signature")
        stats["signatures"] += 1


def state_key(namespace, key):
    return tagged("sbp/state-key", length_prefixed(namespace) + length_prefixed(key))


def proof_verifies(proof, key_hash, value, root):
    siblings, leaf = proof["siblings"], proof["leaf"]
    depth = len(siblings)
    bit = lambda index: (key_hash[index // 8] >> (7 - index % 8)) & 1
    if leaf is not None and value is not None:
        if leaf[0] != key_hash or leaf[1] != tagged("sbp/state-value", value):
            return False
        current = tagged("sbp/state-leaf", leaf[0] + leaf[1])
    elif leaf is not None:
        if leaf[0] == key_hash or any(bit(i) != (leaf[0][i // 8] >> (7 - i % 8)) & 1 for i in range(depth)):
            return False
        current = tagged("sbp/state-leaf", leaf[0] + leaf[1])
    elif value is None:
        current = EMPTY
    else:
        return False
    for index in range(depth - 1, -1, -1):
        pair = current + siblings[index] if bit(index) == 0 else siblings[index] + current
        current = tagged("sbp/state-node", pair)
    return current == root


def verify(bundle, genesis):
    chain_id = bundle["chainId"]
    if chain_id != genesis["chainId"].encode():
        raise NotVerified("the bundle is for another chain")
    if bundle["genesisHash"] != tagged("sbp/genesis", genesis_encoding(genesis)):
        raise NotVerified("the bundle names another genesis")
    stats = {"signatures": 0}
    validators = genesis_validator_set(genesis)
    in_force_from = 1
    header = bundle["header"]
    for transition in bundle["transitions"]:
        activation = transition["activationHeight"]
        if activation > header["height"]:
            raise NotVerified(f"validator-set change at {activation} comes after the certified header {header['height']}")
        if not (activation > in_force_from and transition["header"]["height"] == activation - 1):
            raise NotVerified(f"validator-set change at {activation} is out of order")
        check_certified(transition["header"], transition["certificate"], validators, chain_id, stats)
        key = state_key(b"sbp.announced", u64(activation))
        if not proof_verifies(transition["proof"], key, transition["validators"]["encoding"], transition["header"]["stateRoot"]):
            raise NotVerified(f"the set announced for {activation} is not in the state")
        validators, in_force_from = transition["validators"], activation
    if header["height"] < 1 or header["height"] - 1 != bundle["height"]:
        raise NotVerified("the header does not carry the state after the bundle's height")
    check_certified(header, bundle["certificate"], validators, chain_id, stats)
    if not proof_verifies(bundle["proof"], state_key(bundle["contract"], bundle["key"]), bundle["value"], header["stateRoot"]):
        raise NotVerified("the record does not match the certified state root")
    return {
        "verified": True, "chainId": chain_id.decode(), "contract": "0x" + bundle["contract"].hex(),
        "key": "0x" + bundle["key"].hex(), "value": None if bundle["value"] is None else "0x" + bundle["value"].hex(),
        "height": bundle["height"], "certifyingHeight": header["height"], "certifyingTimeMs": header["timestampMs"],
        "certifyingBlock": "0x" + header["hash"].hex(), "validatorSetChanges": len(bundle["transitions"]),
        "signaturesChecked": stats["signatures"],
    }


def main():
    if len(sys.argv) != 3:
        print("usage: python3 Tools/verify-evidence.py EVIDENCE_FILE GENESIS_JSON", file=sys.stderr)
        return 2
    try:
        with open(sys.argv[2], encoding="utf-8") as handle:
            genesis = json.load(handle)
        report = verify(read_bundle(read_evidence_file(sys.argv[1])), genesis)
    except (NotVerified, ValueError, KeyError, TypeError, UnicodeDecodeError, OSError) as error:
        print(json.dumps({"verified": False, "reason": str(error)}))
        return 1
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
