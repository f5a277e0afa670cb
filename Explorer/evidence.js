// Offline verification of an evidence bundle against a genesis document, in the browser: every check of
// docs/evidence.md §2–§4, as `sbp verify` and Tools/verify-evidence.py make them. Nothing here talks to a
// node. Hashes are WebCrypto's SHA-256; secp256k1 public-key recovery is Debian's libsecp256k1 compiled to
// WebAssembly (secp256k1.wasm, built by Tools/build-secp256k1-wasm), not curve arithmetic written here.

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/** A bundle that does not verify; the message says which check failed. */
export class NotVerified extends Error {}

// docs/evidence.md §2.3.
const CHAIN_ID_BYTES_MAX = 64;
const IDENTIFIER_BYTES_MAX = 64;
const TRANSITIONS_MAX = 65536;
const KEY_BYTES_MAX = 1024;
const VALUE_BYTES_MAX = 65536;
const VALIDATORS_MAX = 256;
const PROOF_SIBLINGS_MAX = 256;
export const FILE_BYTES_MAX = 16 * 1024 * 1024;
const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// --- bytes and hashes (docs/evidence.md §1) ---

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function toHex(bytes) {
  return "0x" + Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function u8(value) {
  return Uint8Array.of(value);
}

function u32(value) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, Number(value), true);
  return out;
}

function u64(value) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
  return out;
}

function lengthPrefixed(bytes) {
  return concat(u32(bytes.length), bytes);
}

async function sha256(bytes) {
  if (!globalThis.crypto?.subtle) {
    throw new Error("This browser computes SHA-256 (WebCrypto) only on secure pages: open the explorer over HTTPS, or on this machine as 127.0.0.1 or localhost.");
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** tagged(domain, data) = SHA-256(u8(len(domain)) ‖ domain ‖ data). */
async function tagged(domain, data) {
  const tag = utf8.encode(domain);
  return sha256(concat(u8(tag.length), tag, data));
}

let emptyHash = null;
async function empty() {
  emptyHash ??= await tagged("sbp/state-empty", new Uint8Array(0));
  return emptyHash;
}

// --- decoding (docs/evidence.md §2) ---

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.position = 0;
  }
  take(count) {
    if (count > this.bytes.length - this.position) throw new NotVerified(`not an evidence bundle: truncated at byte ${this.position}`);
    const chunk = this.bytes.subarray(this.position, this.position + count);
    this.position += count;
    return chunk;
  }
  uint(width) {
    const chunk = this.take(width);
    let value = 0n;
    for (let i = width - 1; i >= 0; i--) value = (value << 8n) | BigInt(chunk[i]);
    return value;
  }
  small(width) {
    return Number(this.uint(width));
  }
  bytesField(name, limit) {
    const length = this.small(4);
    if (length > limit) throw new NotVerified(`not an evidence bundle: ${name} is ${length} bytes, above the limit ${limit}`);
    return this.take(length);
  }
  text(name, limit) {
    const raw = this.bytesField(name, limit);
    try {
      return utf8Strict.decode(raw);
    } catch {
      throw new NotVerified(`not an evidence bundle: ${name} is not valid UTF-8`);
    }
  }
  count(name, limit) {
    const count = this.small(4);
    if (count > limit) throw new NotVerified(`not an evidence bundle: ${name} count ${count} exceeds the limit ${limit}`);
    if (count > this.bytes.length - this.position) throw new NotVerified(`not an evidence bundle: ${name} count ${count} exceeds the remaining bytes`);
    return count;
  }
  optional(name) {
    const tag = this.small(1);
    if (tag > 1) throw new NotVerified(`not an evidence bundle: ${name} has optional tag ${tag}`);
    return tag === 1;
  }
}

async function readHeader(reader) {
  const start = reader.position;
  const header = { chainId: reader.text("header chain id", CHAIN_ID_BYTES_MAX) };
  header.height = reader.uint(8);
  header.view = reader.uint(8);
  header.timestampMs = reader.uint(8);
  header.parentHash = reader.take(32);
  header.proposer = reader.take(20);
  for (const field of ["transactionsRoot", "lastCommitHash", "previousReceiptsRoot", "stateRoot", "validatorsHash"]) {
    header[field] = reader.take(32);
  }
  header.hash = await tagged("sbp/block-header", reader.bytes.subarray(start, reader.position));
  return header;
}

function readSignature(reader) {
  const compact = reader.take(65);
  let r = 0n;
  let s = 0n;
  for (let i = 0; i < 32; i++) {
    r = (r << 8n) | BigInt(compact[i]);
    s = (s << 8n) | BigInt(compact[32 + i]);
  }
  if (compact[64] > 3) throw new NotVerified(`not an evidence bundle: signature recovery id ${compact[64]} is above 3`);
  if (r < 1n || r >= ORDER || s < 1n || s >= ORDER) throw new NotVerified("not an evidence bundle: a signature scalar is out of range");
  if (s > ORDER >> 1n) throw new NotVerified("not an evidence bundle: a high-S signature (only low-S is canonical)");
  return compact;
}

function readCertificate(reader) {
  const certificate = { height: reader.uint(8), view: reader.uint(8), blockHash: reader.take(32), votes: [] };
  const count = reader.count("certificate votes", VALIDATORS_MAX);
  for (let i = 0; i < count; i++) {
    const index = reader.small(2);
    if (i > 0 && index <= certificate.votes[i - 1].index) {
      throw new NotVerified("not an evidence bundle: certificate votes are not in strictly ascending validator order");
    }
    certificate.votes.push({ index, signature: readSignature(reader) });
  }
  return certificate;
}

function readValidatorSet(reader) {
  const start = reader.position;
  const count = reader.count("validators", VALIDATORS_MAX);
  if (count === 0) throw new NotVerified("not an evidence bundle: an empty validator set");
  const members = [];
  for (let i = 0; i < count; i++) {
    const name = reader.text("validator name", IDENTIFIER_BYTES_MAX);
    const department = reader.text("validator department", IDENTIFIER_BYTES_MAX);
    const publicKey = reader.take(33);
    if (publicKey[0] !== 2 && publicKey[0] !== 3) throw new NotVerified("not an evidence bundle: a validator key is not a compressed secp256k1 key");
    members.push({ name, department, publicKey });
  }
  if (new Set(members.map((m) => toHex(m.publicKey))).size !== count || new Set(members.map((m) => m.name)).size !== count) {
    throw new NotVerified("not an evidence bundle: duplicate validator key or name");
  }
  return { members, encoding: reader.bytes.slice(start, reader.position) };
}

async function readProof(reader) {
  const count = reader.count("proof siblings", PROOF_SIBLINGS_MAX);
  const siblings = Array.from({ length: count }, () => reader.take(32));
  const leaf = reader.optional("proof leaf") ? { keyHash: reader.take(32), valueHash: reader.take(32) } : null;
  if (count > 0 && equal(siblings[count - 1], await empty())) {
    throw new NotVerified("not an evidence bundle: the last proof sibling is the empty hash");
  }
  return { siblings, leaf };
}

/** Decodes a bundle by docs/evidence.md §2, with every limit and canonical-form rule of §2.3. */
export async function decodeBundle(bytes) {
  const reader = new Reader(bytes);
  const version = reader.small(1);
  if (version !== 1) throw new NotVerified(`not an evidence bundle: format version ${version}, expected 1`);
  const bundle = { chainId: reader.text("chain id", CHAIN_ID_BYTES_MAX), genesisHash: reader.take(32), transitions: [] };
  const transitions = reader.count("transitions", TRANSITIONS_MAX);
  for (let i = 0; i < transitions; i++) {
    const activationHeight = reader.uint(8);
    const validators = readValidatorSet(reader);
    const header = await readHeader(reader);
    const certificate = readCertificate(reader);
    bundle.transitions.push({ activationHeight, validators, header, certificate, proof: await readProof(reader) });
  }
  bundle.contract = reader.take(20);
  bundle.key = reader.bytesField("key", KEY_BYTES_MAX);
  bundle.value = reader.optional("value") ? reader.bytesField("value", VALUE_BYTES_MAX) : null;
  bundle.height = reader.uint(8);
  bundle.proof = await readProof(reader);
  bundle.header = await readHeader(reader);
  bundle.certificate = readCertificate(reader);
  if (reader.position !== bytes.length) throw new NotVerified(`not an evidence bundle: ${bytes.length - reader.position} bytes after the end`);
  return bundle;
}

/**
 * The bundle bytes in an evidence file (docs/evidence.md §2.4): raw (first byte 01), the 0x-hex that
 * state_getEvidence returns (bare, quoted, with surrounding whitespace), or the whole JSON-RPC response.
 */
export function evidenceFileBytes(contents) {
  if (contents.length > FILE_BYTES_MAX) throw new NotVerified(`the evidence file is larger than ${FILE_BYTES_MAX} bytes`);
  if (contents[0] === 1) return contents;
  let text;
  try {
    text = utf8Strict.decode(contents).replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, "");
  } catch {
    throw new NotVerified("the evidence file is neither a raw bundle (first byte 01) nor hex text");
  }
  if (text.startsWith("{")) {
    let response;
    try {
      response = JSON.parse(text);
    } catch {
      throw new NotVerified("the evidence file starts with { but is not JSON");
    }
    if (response?.error !== undefined) throw new NotVerified(`the evidence file is a JSON-RPC error, not evidence: ${JSON.stringify(response.error)}`);
    if (typeof response?.result !== "string") throw new NotVerified("the JSON evidence file has no result string");
    text = response.result;
  }
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1);
  if (text.startsWith("0x") || text.startsWith("0X")) text = text.slice(2);
  if (text.length % 2 !== 0 || /[^0-9a-fA-F]/.test(text)) throw new NotVerified("the evidence file is not hex: it has an odd length or a character that is not a hex digit");
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

// --- the genesis document (docs/evidence.md §4) ---

/**
 * Parses JSON keeping every integer exact as a BigInt (genesis numbers are u64, beyond a double's 2^53),
 * with JSON's own grammar; fractions and exponents are refused, since no genesis member has them.
 */
export function parseJSONExact(text) {
  let i = 0;
  const fail = (what) => {
    throw new NotVerified(`the genesis file is not valid JSON: ${what} at character ${i}`);
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const value = () => {
    space();
    const c = text[i];
    if (c === "{") {
      i++;
      const object = {};
      space();
      if (text[i] === "}") {
        i++;
        return object;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail("expected a member name");
        const name = string();
        space();
        if (text[i++] !== ":") fail("expected ':'");
        object[name] = value();
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return object;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const array = [];
      space();
      if (text[i] === "]") {
        i++;
        return array;
      }
      for (;;) {
        array.push(value());
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return array;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    for (const [word, result] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return result;
      }
    }
    const number = /^-?(0|[1-9][0-9]*)([.eE])?/.exec(text.slice(i, i + 32));
    if (!number) fail("unexpected character");
    if (number[2]) fail("a number that is not an integer");
    i += number[0].length;
    return BigInt(number[0]);
  };
  const string = () => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) fail("an unterminated string");
      if (text[i] === "\\") i += 2;
      else if (text[i] === '"') break;
      else i++;
    }
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const result = value();
  space();
  if (i !== text.length) fail("text after the document");
  return result;
}

function member(object, name, where) {
  if (object === null || typeof object !== "object" || !(name in object)) throw new NotVerified(`the genesis file has no ${where}${name}`);
  return object[name];
}

function integer(object, name, bits, where = "") {
  const value = member(object, name, where);
  if (typeof value !== "bigint" || value < 0n || value >= 1n << BigInt(bits)) throw new NotVerified(`genesis ${where}${name} is not a ${bits}-bit unsigned integer`);
  return value;
}

function textMember(object, name, where = "") {
  const value = member(object, name, where);
  if (typeof value !== "string") throw new NotVerified(`genesis ${where}${name} is not a string`);
  return utf8.encode(value);
}

function hexMember(object, name, where = "", length = null) {
  const value = member(object, name, where);
  const digits = typeof value === "string" && (value.startsWith("0x") || value.startsWith("0X")) ? value.slice(2) : value;
  if (typeof digits !== "string" || digits.length % 2 !== 0 || /[^0-9a-fA-F]/.test(digits)) throw new NotVerified(`genesis ${where}${name} is not hex`);
  const bytes = new Uint8Array(digits.length / 2);
  for (let k = 0; k < bytes.length; k++) bytes[k] = parseInt(digits.slice(2 * k, 2 * k + 2), 16);
  if (length !== null && bytes.length !== length) throw new NotVerified(`genesis ${where}${name} is not ${length} bytes`);
  return bytes;
}

function list(object, name) {
  const value = member(object, name, "");
  if (!Array.isArray(value)) throw new NotVerified(`genesis ${name} is not an array`);
  return value;
}

/** E of docs/evidence.md §4: the genesis document's canonical encoding, member by member. */
export function genesisEncoding(document) {
  const parts = [lengthPrefixed(textMember(document, "chainId")), u64(integer(document, "genesisTimeMs", 64)), u32(integer(document, "protocolVersion", 32))];
  const departments = list(document, "departments");
  parts.push(u32(departments.length));
  for (const department of departments) {
    parts.push(lengthPrefixed(textMember(department, "id", "department ")), lengthPrefixed(textMember(department, "name", "department ")));
    const keys = member(department, "adminKeys", "department ");
    if (!Array.isArray(keys)) throw new NotVerified("genesis department adminKeys is not an array");
    parts.push(u32(keys.length));
    for (const key of keys) parts.push(lengthPrefixed(hexMember({ key }, "key", "department admin ")));
    parts.push(lengthPrefixed(textMember(department, "caCertificate", "department ")));
  }
  const validators = list(document, "validators");
  parts.push(u32(validators.length));
  for (const validator of validators) {
    parts.push(lengthPrefixed(textMember(validator, "name", "validator ")), lengthPrefixed(textMember(validator, "department", "validator ")));
    parts.push(lengthPrefixed(hexMember(validator, "consensusPublicKey", "validator ")), lengthPrefixed(textMember(validator, "tlsCertificate", "validator ")));
  }
  const accounts = list(document, "accounts");
  parts.push(u32(accounts.length));
  for (const account of accounts) {
    parts.push(hexMember(account, "address", "account ", 20), lengthPrefixed(textMember(account, "department", "account ")));
    const roles = member(account, "roles", "account ");
    if (!Array.isArray(roles)) throw new NotVerified("genesis account roles is not an array");
    parts.push(u32(roles.length));
    for (const role of roles) parts.push(lengthPrefixed(textMember({ role }, "role", "account ")));
  }
  const consensus = member(document, "consensus", "");
  for (const name of ["checkpointInterval", "watermarkWindow", "viewChangeTimeoutTicks", "viewChangeTimeoutTicksMax", "tickMs"]) {
    parts.push(u64(integer(consensus, name, 64, "consensus.")));
  }
  parts.push(u32(integer(consensus, "blockTransactionsMax", 32, "consensus.")), u32(integer(consensus, "blockBytesMax", 32, "consensus.")));
  const blockFuelMax = integer(consensus, "blockFuelMax", 64, "consensus.");
  parts.push(u64(blockFuelMax), u64(integer(consensus, "timestampDriftMsMax", 64, "consensus.")));
  const fuelDefault = blockFuelMax / 8n > 1n ? blockFuelMax / 8n : 1n;
  parts.push(u64(consensus.transactionFuelMax === undefined ? fuelDefault : integer(consensus, "transactionFuelMax", 64, "consensus.")));
  parts.push(u64(consensus.blockWriteBytesMax === undefined ? 8388608n : integer(consensus, "blockWriteBytesMax", 64, "consensus.")));
  const governance = member(document, "governance", "");
  parts.push(u32(integer(governance, "thresholdNumerator", 32, "governance.")), u32(integer(governance, "thresholdDenominator", 32, "governance.")));
  parts.push(u64(integer(governance, "proposalLifetimeBlocks", 64, "governance.")));
  const mayDeploy = member(governance, "departmentsMayDeploy", "governance.");
  if (typeof mayDeploy !== "boolean") throw new NotVerified("genesis governance.departmentsMayDeploy is not true or false");
  parts.push(u8(mayDeploy ? 1 : 0));
  const contracts = list(document, "contracts");
  parts.push(u32(contracts.length));
  for (const contract of contracts) {
    parts.push(lengthPrefixed(textMember(contract, "name", "contract ")), hexMember(contract, "address", "contract ", 20));
    parts.push(lengthPrefixed(textMember(contract, "codeFile", "contract ")), hexMember(contract, "codeHash", "contract ", 32));
  }
  // Validators' endpoints (issue 16): hashed only when some validator lists one.
  if (validators.some((validator) => Array.isArray(validator.endpoints) && validator.endpoints.length > 0)) {
    for (const validator of validators) {
      const endpoints = validator.endpoints ?? [];
      if (!Array.isArray(endpoints)) throw new NotVerified("genesis validator endpoints is not an array");
      parts.push(u32(endpoints.length));
      for (const endpoint of endpoints) parts.push(lengthPrefixed(textMember({ endpoint }, "endpoint", "validator ")));
    }
  }
  return concat(...parts);
}

function genesisValidatorSet(document) {
  const validators = list(document, "validators");
  if (validators.length < 1 || validators.length > VALIDATORS_MAX) throw new NotVerified(`genesis has ${validators.length} validators; 1 to ${VALIDATORS_MAX} are allowed`);
  const members = validators.map((validator) => ({
    name: utf8Strict.decode(textMember(validator, "name", "validator ")),
    department: utf8Strict.decode(textMember(validator, "department", "validator ")),
    publicKey: hexMember(validator, "consensusPublicKey", "validator ", 33),
  }));
  const parts = [u32(members.length)];
  for (const m of members) parts.push(lengthPrefixed(utf8.encode(m.name)), lengthPrefixed(utf8.encode(m.department)), m.publicKey);
  return { members, encoding: concat(...parts) };
}

// --- secp256k1 recovery: libsecp256k1 in WebAssembly ---

let secp256k1 = null;

/** Loads secp256k1.wasm from the node that served the page (the page's CSP allows 'wasm-unsafe-eval' for it). */
export async function loadSecp256k1(source = null) {
  if (secp256k1) return secp256k1;
  let bytes = source;
  if (!bytes) {
    const response = await fetch(new URL("./secp256k1.wasm", import.meta.url));
    if (!response.ok) throw new Error(`cannot load secp256k1.wasm: HTTP ${response.status}`);
    bytes = await response.arrayBuffer();
  }
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const exports = instance.exports;
  secp256k1 = {
    /** The 33-byte compressed key that made `signature` (r ‖ s ‖ recovery id) over `digest`, or null. */
    recover(signature, digest) {
      const buffer = new Uint8Array(exports.memory.buffer, exports.sbp_buffer(), 65 + 32 + 33);
      buffer.set(signature, 0);
      buffer.set(digest, 65);
      if (exports.sbp_recover() !== 1) return null;
      return new Uint8Array(exports.memory.buffer, exports.sbp_buffer() + 97, 33).slice();
    },
  };
  return secp256k1;
}

// --- verification (docs/evidence.md §3) ---

function quorum(count) {
  const faults = Math.floor((count - 1) / 3);
  return Math.floor((count + faults + 2) / 2);
}

async function checkCertified(header, certificate, validators, chainId, stats) {
  if (header.chainId !== chainId) throw new NotVerified(`header ${header.height}: for chain ${header.chainId}`);
  if (!equal(header.validatorsHash, await tagged("sbp/validator-set", validators.encoding))) {
    throw new NotVerified(`header ${header.height}: names another validator set than the one in force after the bundle's validator-set changes (is a change missing from the bundle?)`);
  }
  if (certificate.height !== header.height || !equal(certificate.blockHash, header.hash)) {
    throw new NotVerified(`commit certificate of ${header.height}: is for another block`);
  }
  const members = validators.members;
  const needed = quorum(members.length);
  if (certificate.votes.length < needed) {
    throw new NotVerified(`commit certificate of ${header.height}: ${certificate.votes.length} votes, fewer than the quorum ${needed} of ${members.length}`);
  }
  const digest = await tagged("sbp/consensus-message",
    concat(lengthPrefixed(utf8.encode(chainId)), u8(3), u64(certificate.view), u64(certificate.height), certificate.blockHash));
  const curve = await loadSecp256k1();
  for (const vote of certificate.votes) {
    if (vote.index >= members.length) throw new NotVerified(`commit certificate of ${header.height}: vote index ${vote.index} is not a validator (${members.length} in the set)`);
    const key = curve.recover(vote.signature, digest);
    if (key === null || !equal(key, members[vote.index].publicKey)) {
      throw new NotVerified(`commit certificate of ${header.height}: the vote of ${members[vote.index].name} (index ${vote.index}) is not its signature`);
    }
    stats.signatures++;
  }
}

async function stateKey(namespace, key) {
  return tagged("sbp/state-key", concat(lengthPrefixed(namespace), lengthPrefixed(key)));
}

async function proofVerifies(proof, keyHash, value, root) {
  const { siblings, leaf } = proof;
  const bit = (bytes, index) => (bytes[index >> 3] >> (7 - (index & 7))) & 1;
  let current;
  if (leaf && value !== null) {
    if (!equal(leaf.keyHash, keyHash) || !equal(leaf.valueHash, await tagged("sbp/state-value", value))) return false;
    current = await tagged("sbp/state-leaf", concat(leaf.keyHash, leaf.valueHash));
  } else if (leaf) {
    if (equal(leaf.keyHash, keyHash)) return false;
    for (let i = 0; i < siblings.length; i++) if (bit(leaf.keyHash, i) !== bit(keyHash, i)) return false;
    current = await tagged("sbp/state-leaf", concat(leaf.keyHash, leaf.valueHash));
  } else if (value === null) {
    current = await empty();
  } else {
    return false;
  }
  for (let i = siblings.length - 1; i >= 0; i--) {
    current = await tagged("sbp/state-node", bit(keyHash, i) === 0 ? concat(current, siblings[i]) : concat(siblings[i], current));
  }
  return equal(current, root);
}

/**
 * Verifies an evidence file's bytes against a genesis document's text (docs/evidence.md §3). Returns what the
 * bundle proves; throws NotVerified naming the first failed check.
 */
export async function verifyEvidence(evidenceFile, genesisText) {
  const bundle = await decodeBundle(evidenceFileBytes(evidenceFile));
  const genesis = parseJSONExact(genesisText);
  const genesisChain = utf8Strict.decode(textMember(genesis, "chainId"));
  if (bundle.chainId !== genesisChain) throw new NotVerified(`the evidence is for chain ${bundle.chainId}, the genesis is for ${genesisChain}`);
  const genesisHash = await tagged("sbp/genesis", genesisEncoding(genesis));
  if (!equal(bundle.genesisHash, genesisHash)) {
    throw new NotVerified(`the evidence names genesis ${toHex(bundle.genesisHash)}, the given genesis is ${toHex(genesisHash)}`);
  }
  const stats = { signatures: 0 };
  let validators = genesisValidatorSet(genesis);
  let inForceFrom = 1n;
  const header = bundle.header;
  for (const transition of bundle.transitions) {
    const activation = transition.activationHeight;
    if (activation > header.height) {
      throw new NotVerified(`validator-set change activating at height ${activation} comes after the certified header (height ${header.height}): a bundle lists only the changes activating at or before its header`);
    }
    if (!(activation > inForceFrom && transition.header.height === activation - 1n)) {
      throw new NotVerified(`validator-set change at ${activation} is out of order or not announced a block ahead`);
    }
    await checkCertified(transition.header, transition.certificate, validators, bundle.chainId, stats);
    const key = await stateKey(utf8.encode("sbp.announced"), u64(activation));
    if (!(await proofVerifies(transition.proof, key, transition.validators.encoding, transition.header.stateRoot))) {
      throw new NotVerified(`state proof: the validator set announced for height ${activation} is not in the state`);
    }
    validators = transition.validators;
    inForceFrom = activation;
  }
  if (header.height < 1n || header.height - 1n !== bundle.height) {
    throw new NotVerified(`header ${header.height}: does not carry the state after height ${bundle.height}`);
  }
  await checkCertified(header, bundle.certificate, validators, bundle.chainId, stats);
  if (!(await proofVerifies(bundle.proof, await stateKey(bundle.contract, bundle.key), bundle.value, header.stateRoot))) {
    throw new NotVerified(`state proof: the record does not match the state root of block ${header.height}`);
  }
  const contractHex = toHex(bundle.contract);
  const normal = (address) => "0x" + address.replace(/^0[xX]/, "").toLowerCase();
  const contract = list(genesis, "contracts").find((c) => typeof c.address === "string" && normal(c.address) === contractHex);
  return {
    chainId: bundle.chainId,
    contract: contractHex,
    contractName: contract?.name ?? null,
    key: bundle.key,
    value: bundle.value,
    height: bundle.height,
    certifyingHeight: header.height,
    certifyingBlock: toHex(header.hash),
    certifyingTimeMs: header.timestampMs,
    signers: bundle.certificate.votes.length,
    validators: validators.members.length,
    transitions: bundle.transitions.length,
    signaturesChecked: stats.signatures,
  };
}

// --- the standard registries' records (docs/evidence.md §6) ---

function recordReader(value) {
  const reader = new Reader(value);
  const finish = (record) => {
    if (reader.position !== value.length) throw new NotVerified("the record has bytes after its last field");
    return record;
  };
  const status = (names) => {
    const code = reader.small(1);
    if (code >= names.length) throw new NotVerified(`status ${code}`);
    return names[code];
  };
  return { reader, finish, status };
}

/** A licence registry record (§6.1), or null when `value` is not one. */
export function decodeLicence(value) {
  try {
    const { reader, finish, status } = recordReader(value);
    const text = (limit) => utf8Strict.decode(reader.bytesField("field", limit));
    const licence = {
      id: text(64), department: text(64), licenceType: text(256), holderDigest: toHex(reader.take(32)),
      validFrom: reader.uint(8), validUntil: reader.uint(8), conditions: text(1024),
      status: status(["active", "suspended", "revoked"]), reason: text(256),
      issuedHeight: reader.uint(8), historyCount: reader.small(4),
    };
    // Records stored since ADR 0023 carry the issue block's time last; older ones end at historyCount.
    if (reader.position < value.length) licence.issuedTimeMs = reader.uint(8);
    return finish(licence);
  } catch {
    return null;
  }
}

/** A certificate registry record (§6.2), or null when `value` is not one. */
export function decodeCertificate(value) {
  try {
    const { reader, finish, status } = recordReader(value);
    const text = (limit) => utf8Strict.decode(reader.bytesField("field", limit));
    return finish({
      id: text(64), department: text(64), documentDigest: toHex(reader.take(32)), certificateType: text(256),
      metadataDigest: toHex(reader.take(32)), issuedHeight: reader.uint(8), issuedTimeMs: reader.uint(8),
      status: status(["valid", "revoked"]), reason: text(256),
    });
  } catch {
    return null;
  }
}

/** The licence registry's `verify` decided offline on a proven record, with §6.1's precedence. */
export function licenceOutcome(record, holderDigest, at) {
  if (record.status === "revoked") return "revoked";
  if (record.status === "suspended") return "suspended";
  if (holderDigest !== record.holderDigest) return "holderMismatch";
  if (at < record.validFrom) return "notYetValid";
  if (at >= record.validUntil) return "expired";
  return "valid";
}
