// The verify page: a licence or certificate id, the holder text (or the document) and the salt. The salted
// digest (docs/evidence.md §7) is computed here with WebCrypto; only the digest is sent to the node.
// Its second form verifies an evidence bundle file against a genesis file offline (evidence.js), trusting
// no node: the same checks as `sbp verify`.
import { call, RPCError } from "./rpc.js";
import { h, hex, fields, statusBadge, seconds, time, number, bytesToHex } from "./format.js";
import { saltedDigest, textBytes } from "./codec.js";
import { errorBox, historyTable } from "./app.js";
import { verifyEvidence, NotVerified, decodeLicence, decodeCertificate, licenceOutcome, FILE_BYTES_MAX } from "./evidence.js";

const VERDICTS = {
  valid: ["ok", "Valid", "The licence is active, the holder matches and the time is inside its validity."],
  expired: ["bad", "Expired", "The holder matches but the time is at or after the licence's valid-until."],
  notYetValid: ["warn", "Not yet valid", "The holder matches but the time is before the licence's valid-from."],
  suspended: ["warn", "Suspended", "The issuing department has suspended this licence; see the history for the reason."],
  revoked: ["bad", "Revoked", "The issuing department has revoked this record; see the history for the reason."],
  holderMismatch: ["bad", "Holder mismatch", "The holder text and salt do not give the digest on record. Check spelling, spaces and capitals exactly as issued, and the salt."],
  documentMismatch: ["bad", "Document mismatch", "The document and salt do not give the digest on record. Use the exact file that was certified and its salt."],
  unknown: ["bad", "Unknown", "No record with this id exists on this chain. Ids are case-sensitive."],
  verified: ["ok", "Verified", "The bundle passed every check of docs/evidence.md §3, as sbp verify makes them, against this genesis file: in this browser, without asking any node."],
  notVerified: ["bad", "Does not verify", ""],
  holderMatches: ["ok", "Holder matches", "The holder text and salt give the salted digest the proven record holds."],
  documentMatches: ["ok", "Document matches", "The document and salt give the salted digest the proven record holds."],
};

export async function verifyPage(main, { kind = "licence", id = "" }) {
  const kindSelect = h("select", { id: "verify-kind", name: "kind" },
    h("option", { value: "licence" }, "Licence"), h("option", { value: "certificate" }, "Certificate"));
  kindSelect.value = kind || "licence";
  const idInput = h("input", { id: "verify-id", name: "id", required: true, autocomplete: "off", spellcheck: "false", value: id });
  const holderInput = h("input", { id: "verify-holder", name: "holder", autocomplete: "off", spellcheck: "false" });
  const fileInput = h("input", { id: "verify-file", name: "document", type: "file" });
  const saltInput = h("input", { id: "verify-salt", name: "salt", autocomplete: "off", spellcheck: "false" });
  const atInput = h("input", { id: "verify-at", name: "at", inputmode: "numeric", autocomplete: "off", placeholder: "now" });
  const holderLabel = h("label", { for: "verify-holder" }, "Holder",
    h("span", { class: "hint" }, "exactly as issued: spaces and capitals count"));
  const fileLabel = h("label", { for: "verify-file" }, "Document file",
    h("span", { class: "hint" }, "the certified file; it is read here and never uploaded"));
  const atLabel = h("label", { for: "verify-at" }, "At time",
    h("span", { class: "hint" }, "Unix seconds, or empty for now (licences are valid from valid-from until valid-until)"));
  const result = h("div", { id: "verify-result", "aria-live": "polite" });
  const sync = () => {
    const licence = kindSelect.value === "licence";
    holderLabel.hidden = holderInput.hidden = !licence;
    atLabel.hidden = atInput.hidden = !licence;
    fileLabel.hidden = fileInput.hidden = licence;
  };
  kindSelect.addEventListener("change", sync);
  sync();
  const form = h("form", { class: "stack", id: "verify-form" },
    h("label", { for: "verify-kind" }, "What to verify"), kindSelect,
    h("label", { for: "verify-id" }, "Id", h("span", { class: "hint" }, "for example L-1")), idInput,
    holderLabel, holderInput, fileLabel, fileInput,
    h("label", { for: "verify-salt" }, "Salt", h("span", { class: "hint" }, "the text the issuer chose")), saltInput,
    atLabel, atInput,
    h("button", { type: "submit", id: "verify-submit" }, "Verify"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.replaceChildren(h("p", { class: "muted" }, "Checking…"));
    try {
      result.replaceChildren(...(kindSelect.value === "licence"
        ? await verifyLicence(idInput.value, holderInput.value, saltInput.value, atInput.value)
        : await verifyCertificate(idInput.value, fileInput.files[0], saltInput.value)));
    } catch (error) {
      result.replaceChildren(errorBox(error));
    }
    result.querySelector(".verdict")?.focus();
  });
  main.replaceChildren(
    h("h1", {}, "Verify a licence or certificate"),
    h("p", {}, "The holder's identity (or the document) and the salt are hashed in this browser; only the digest goes to the node."),
    form, result,
    evidenceSection());
  if (id) idInput.focus();
}

/** Reads a chosen file as bytes, refusing files larger than `limit`. */
async function fileBytes(file, what, limit = FILE_BYTES_MAX) {
  if (!file) throw new Error(`Choose the ${what}.`);
  if (file.size > limit) throw new Error(`The ${what} is ${number(file.size)} bytes; at most ${number(limit)} are read.`);
  return new Uint8Array(await file.arrayBuffer());
}

/**
 * Offline verification of an evidence bundle file against a genesis file (docs/evidence.md §3), with the
 * optional holder or document check of `sbp verify --holder/--document-file --salt [--at]`.
 */
function evidenceSection() {
  const bundleInput = h("input", { id: "evidence-file", name: "evidence", type: "file" });
  const genesisInput = h("input", { id: "evidence-genesis", name: "genesis", type: "file", accept: ".json,application/json" });
  const holderInput = h("input", { id: "evidence-holder", name: "holder", autocomplete: "off", spellcheck: "false" });
  const documentInput = h("input", { id: "evidence-document", name: "document", type: "file" });
  const saltInput = h("input", { id: "evidence-salt", name: "salt", autocomplete: "off", spellcheck: "false" });
  const atInput = h("input", { id: "evidence-at", name: "at", inputmode: "numeric", autocomplete: "off", placeholder: "now" });
  const result = h("div", { id: "evidence-result", "aria-live": "polite" });
  const form = h("form", { class: "stack", id: "evidence-form" },
    h("label", { for: "evidence-file" }, "Evidence bundle file",
      h("span", { class: "hint" }, "from Download evidence on a licence or certificate page, sbp evidence export, or state_getEvidence (raw, hex or the JSON-RPC response)")),
    bundleInput,
    h("label", { for: "evidence-genesis" }, "Genesis file",
      h("span", { class: "hint" }, "the chain's genesis.json from a source you trust (the departments' published copy), not from the node you are checking")),
    genesisInput,
    h("label", { for: "evidence-holder" }, "Holder (optional)", h("span", { class: "hint" }, "for a licence: checked against the proven record's salted holder digest")),
    holderInput,
    h("label", { for: "evidence-document" }, "Document file (optional)", h("span", { class: "hint" }, "for a certificate: checked against the proven document digest")),
    documentInput,
    h("label", { for: "evidence-salt" }, "Salt (with a holder or document)"), saltInput,
    h("label", { for: "evidence-at" }, "At time (with a holder)", h("span", { class: "hint" }, "Unix seconds, or empty for now: the licence's verdict on the proven record")),
    atInput,
    h("button", { type: "submit", id: "evidence-submit" }, "Verify bundle offline"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.replaceChildren(h("p", { class: "muted" }, "Checking signatures and proofs…"));
    try {
      result.replaceChildren(...await checkEvidence({
        bundle: await fileBytes(bundleInput.files[0], "evidence bundle file"),
        genesis: new TextDecoder().decode(await fileBytes(genesisInput.files[0], "genesis file")),
        holder: holderInput.value, document: documentInput.files[0] ?? null, salt: saltInput.value, at: atInput.value,
      }));
    } catch (error) {
      result.replaceChildren(errorBox(error));
    }
    result.querySelector(".verdict")?.focus();
  });
  return h("section", { "aria-labelledby": "evidence-heading" },
    h("h2", { id: "evidence-heading" }, "Verify an evidence bundle offline"),
    h("p", {}, "An evidence bundle proves a record to anyone holding the chain's genesis document, without trusting any node — not even this one. ",
      "Both files are read in this browser and nothing is sent. The page makes the checks of docs/evidence.md §3, as ", h("code", {}, "sbp verify"),
      " does: the genesis hash, every validator-set change since genesis, a quorum of secp256k1 signatures on each commit certificate ",
      "(checked by libsecp256k1, compiled to WebAssembly), and the state proof of the record."),
    form, result);
}

function printableKey(key) {
  const text = new TextDecoder().decode(key);
  return /^[\x20-\x7e]+$/.test(text) ? `"${text}"` : bytesToHex(key);
}

async function checkEvidence({ bundle, genesis, holder, document, salt, at }) {
  let report;
  try {
    report = await verifyEvidence(bundle, genesis);
  } catch (error) {
    if (!(error instanceof NotVerified)) throw error;
    return [verdict("notVerified", `${error.message}. The bundle was changed, is for another chain or genesis, or is not an evidence bundle: get a fresh one from a node and check that the genesis file is the chain's.`, "evidence-verdict")];
  }
  const licence = report.contractName === "licence_registry" && report.value ? decodeLicence(report.value) : null;
  const certificate = report.contractName === "certificate_registry" && report.value ? decodeCertificate(report.value) : null;
  const record = licence ?? certificate;
  const out = [verdict("verified", null, "evidence-verdict")];
  const subject = await checkSubject({ report, licence, certificate, holder, document, salt, at });
  if (subject) out.push(subject);
  out.push(fields([
    ["Chain", report.chainId],
    ["Contract", h("span", {}, hex(report.contract), report.contractName ? ` (${report.contractName})` : "")],
    ["Key", printableKey(report.key)],
    ["Proves", report.value === null
      ? `the key had NO value in the state after block ${report.height}`
      : `this record in the state after block ${report.height}`],
    ["Certified by block", h("span", {}, number(String(report.certifyingHeight)), " ", hex(report.certifyingBlock))],
    ["As of", time(Number(report.certifyingTimeMs))],
    ["Signatures", `${report.signers} of ${report.validators} validators on the certifying block; ${report.signaturesChecked} signatures checked in all`],
    ["Validator-set changes since genesis", String(report.transitions)],
  ]));
  if (record) {
    out.push(h("h3", {}, licence ? "The proven licence record" : "The proven certificate record"));
    out.push(fields(Object.entries(record).map(([name, value]) => [name,
      name === "validFrom" || name === "validUntil" ? seconds(Number(value))
        : name === "issuedTimeMs" ? time(Number(value))
          : name === "status" ? statusBadge(value)
            : name.endsWith("Digest") ? hex(value) : String(value)])));
  } else if (report.value) {
    out.push(fields([["Value", hex(bytesToHex(report.value))]]));
  }
  out.push(h("p", { class: "muted" }, "This proves the record as it stood at the certifying block, not now: a later suspension, revocation or renewal ",
    "does not stop a bundle verifying. Judge its age yourself, or get a fresh bundle (docs/evidence.md §5)."));
  return out;
}

async function checkSubject({ report, licence, certificate, holder, document, salt, at }) {
  if (!holder && !document) return null;
  if (!report.value) return verdict("notVerified", `The bundle proves the record ABSENT after block ${report.height}: there is no digest to check the holder or document against.`, "evidence-subject");
  if (document) {
    if (!certificate) return verdict("notVerified", "A document file needs a certificate registry record; this bundle proves another contract's value.", "evidence-subject");
    const digest = await saltedDigest(await fileBytes(document, "document file"), salt);
    return digest === certificate.documentDigest ? verdict("documentMatches", null, "evidence-subject") : verdict("documentMismatch", null, "evidence-subject");
  }
  if (!licence) return verdict("notVerified", "A holder needs a licence registry record; this bundle proves another contract's value.", "evidence-subject");
  const atText = at.trim();
  if (atText && !/^\d{1,19}$/.test(atText)) throw new Error("The time must be Unix seconds (digits only), or empty for now.");
  const atTime = atText ? BigInt(atText) : BigInt(Math.floor(Date.now() / 1000));
  const digest = await saltedDigest(textBytes(holder), salt);
  const outcome = licenceOutcome(licence, digest, atTime);
  return verdict(outcome, outcome === "valid"
    ? `The proven record is active, the holder matches, and ${atTime} is inside its validity (as of the certifying block).`
    : null, "evidence-subject");
}

function verdict(outcome, detail = null, id = "verdict") {
  const [tone, title, text] = VERDICTS[outcome] ?? ["warn", outcome, ""];
  return h("div", { class: `verdict ${tone}`, id, "data-outcome": outcome, tabindex: "-1", role: "status" },
    title, h("p", { class: "muted" }, detail ?? text));
}

async function record(method, id) {
  try {
    return await call(method, { id });
  } catch (error) {
    if (error instanceof RPCError && error.code === -32001) return null;
    throw error;
  }
}

async function verifyLicence(id, holder, salt, at) {
  if (!id) throw new Error("Enter the licence id.");
  const atText = at.trim();
  if (atText && !/^\d{1,15}$/.test(atText)) throw new Error("The time must be Unix seconds (digits only), or empty for now.");
  const atTime = atText ? Number(atText) : Math.floor(Date.now() / 1000);
  const digest = await saltedDigest(textBytes(holder), salt);
  const info = await record("records_getLicence", id);
  if (!info) return [verdict("unknown")];
  const answer = await call("contract_call", { contract: info.contract, input: { method: "verify", args: [id, digest, atTime] } });
  if (answer.status !== "success") throw new Error(`The registry could not verify: ${answer.errorMessage ?? answer.status}`);
  const outcome = answer.decoded?.outcome ?? "unknown";
  const r = info.record;
  return [
    verdict(outcome),
    fields([
      ["Licence", h("a", { href: `#/licence/${encodeURIComponent(id)}` }, id)],
      ["Issued by", r.department],
      ["Type", r.licenceType],
      ["Status", statusBadge(String(r.status))],
      r.reason ? ["Reason", r.reason] : null,
      ["Valid from", seconds(r.validFrom)],
      ["Valid until", seconds(r.validUntil)],
      ["Checked at", seconds(atTime)],
      ["Holder digest computed here", hex(digest)],
      ["Answered as of block", String(answer.height)],
    ]),
    h("h2", {}, "History"),
    historyTable(info.history),
  ];
}

async function verifyCertificate(id, file, salt) {
  if (!id) throw new Error("Enter the certificate id.");
  if (!file) throw new Error("Choose the document file that was certified.");
  const digest = await saltedDigest(new Uint8Array(await file.arrayBuffer()), salt);
  const info = await record("records_getCertificate", id);
  if (!info) return [verdict("unknown")];
  const r = info.record;
  const outcome = r.status === "revoked" ? "revoked" : r.documentDigest === digest ? "valid" : "documentMismatch";
  return [
    verdict(outcome, outcome === "valid" ? "The certificate is valid and this document is the one certified." : null),
    fields([
      ["Certificate", h("a", { href: `#/certificate/${encodeURIComponent(id)}` }, id)],
      ["Issued by", r.department],
      ["Type", r.certificateType],
      ["Issued", r.issuedTimestamp !== undefined ? time(r.issuedTimestamp) : String(r.issuedHeight)],
      ["Status", statusBadge(String(r.status))],
      r.reason ? ["Reason", r.reason] : null,
      ["Document digest computed here", hex(digest)],
    ]),
    h("h2", {}, "History"),
    historyTable(info.history),
  ];
}
