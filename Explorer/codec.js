// The chain's canonical encoding (docs/protocol.md §1), enough to show transaction payloads, and the
// salted digest of docs/evidence.md §7.
import { bytesToHex } from "./format.js";

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/** Reads canonical values front to back; throws Error naming the offset on truncation. */
export class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.offset = 0;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(count) {
    if (this.offset + count > this.bytes.length) throw new Error(`truncated at byte ${this.offset}`);
  }
  u8() { this.need(1); return this.bytes[this.offset++]; }
  u16() { this.need(2); const v = this.view.getUint16(this.offset, true); this.offset += 2; return v; }
  u32() { this.need(4); const v = this.view.getUint32(this.offset, true); this.offset += 4; return v; }
  u64() {
    this.need(8);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  }
  fixed(count) { this.need(count); const v = this.bytes.slice(this.offset, this.offset + count); this.offset += count; return v; }
  bytes_() { return this.fixed(this.u32()); }
  text() { return utf8Strict.decode(this.bytes_()); }
  bool() { const v = this.u8(); if (v > 1) throw new Error(`bool ${v} at byte ${this.offset - 1}`); return v === 1; }
  get done() { return this.offset === this.bytes.length; }
}

/** Decodes ABI values described by interface fields (docs/contracts.md §4) into a plain object. */
export function decodeFields(reader, fieldList) {
  const result = {};
  for (const field of fieldList) result[field.name] = decodeValue(reader, field);
  return result;
}

function decodeValue(reader, field) {
  switch (field.type) {
    case "u8": { const v = reader.u8(); return field.values?.[v] ?? v; }
    case "u32": return reader.u32();
    case "u64": return reader.u64();
    case "bool": return reader.bool();
    case "text": return reader.text();
    case "bytes": return bytesToHex(reader.bytes_());
    case "hash": return bytesToHex(reader.fixed(32));
    case "address": return bytesToHex(reader.fixed(20));
    case "sequence": {
      const count = reader.u32();
      if (count > reader.bytes.length) throw new Error("sequence count beyond the data");
      return Array.from({ length: count }, () => decodeFields(reader, field.elements ?? []));
    }
    default: throw new Error(`unknown ABI type ${field.type}`);
  }
}

const ROLES = ["admin", "issuer", "submitter", "auditor"];
const CHANGES = ["", "addDepartment", "removeDepartment", "addValidator", "removeValidator", "rotateValidator",
  "revokeCertificate", "upgradeContract", "setConsensusParameters", "setGovernanceParameters", "setProtocolVersion"];

/**
 * A transaction's payload decoded by its kind (docs/protocol.md §5.1). Call inputs are decoded with the
 * contract's interface when `interfaceFor(address)` finds one. Returns plain fields for display.
 */
export async function decodePayload(kind, payloadHex, interfaceFor) {
  const bytes = hexOf(payloadHex);
  const reader = new Reader(bytes);
  switch (kind) {
    case "deploy": {
      const name = reader.text();
      const code = reader.bytes_();
      return { name, codeBytes: code.length };
    }
    case "call": {
      const contract = bytesToHex(reader.fixed(20));
      const input = reader.bytes_();
      const decoded = { contract };
      const inner = new Reader(input);
      try {
        decoded.method = inner.text();
        const contractInterface = await interfaceFor(contract);
        const method = contractInterface?.methods?.find((m) => m.name === decoded.method);
        if (method) decoded.arguments = decodeFields(inner, method.arguments);
        else decoded.input = bytesToHex(input);
      } catch {
        decoded.input = bytesToHex(input);
      }
      return decoded;
    }
    case "governance": {
      const action = reader.u8();
      if (action === 2) return { action: "vote", proposal: reader.u64(), approve: reader.bool() };
      if (action === 1) {
        const change = reader.u8();
        return { action: "propose", change: CHANGES[change] ?? `change ${change}`, note: "the proposal's full contents are on the governance page" };
      }
      return { action: `action ${action}` };
    }
    case "account": {
      const action = reader.u8();
      const names = ["", "add", "suspend", "reinstate", "setRoles"];
      const decoded = { action: names[action] ?? `action ${action}`, address: bytesToHex(reader.fixed(20)) };
      if (action === 1 || action === 4) {
        const count = reader.u32();
        decoded.roles = Array.from({ length: Math.min(count, 4) }, () => ROLES[reader.u8()] ?? "?");
      }
      return decoded;
    }
    default:
      return { payload: payloadHex };
  }
}

function hexOf(text) {
  const digits = text.startsWith("0x") ? text.slice(2) : text;
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function lengthPrefixed(bytes) {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, true);
  out.set(bytes, 4);
  return out;
}

/**
 * saltedDigest(input, salt) = SHA-256( text("sbp/salted-digest") ‖ text(salt) ‖ bytes(input) ), docs/evidence.md §7:
 * lengths are u32 little-endian, the salt is UTF-8 text, `input` is bytes (a holder's UTF-8 text as typed, or a file).
 * Computed with WebCrypto in the browser; neither the input nor the salt is sent anywhere.
 */
export async function saltedDigest(input, salt) {
  const parts = [lengthPrefixed(utf8.encode("sbp/salted-digest")), lengthPrefixed(utf8.encode(salt)), lengthPrefixed(input)];
  const all = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  if (!crypto.subtle) throw new Error("This browser computes digests (WebCrypto) only on secure pages: open the explorer over HTTPS, or on this machine as 127.0.0.1 or localhost (an SSH tunnel works).");
  return bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", all)));
}

/** UTF-8 bytes of a text, exactly as typed (no trimming, no normalisation). */
export function textBytes(text) {
  return utf8.encode(text);
}
