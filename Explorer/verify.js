// The verify page: a licence or certificate id, the holder text (or the document) and the salt. The salted
// digest (docs/evidence.md §7) is computed here with WebCrypto; only the digest is sent to the node.
import { call, RPCError } from "./rpc.js";
import { h, hex, fields, statusBadge, seconds, time } from "./format.js";
import { saltedDigest, textBytes } from "./codec.js";
import { errorBox, historyTable } from "./app.js";

const VERDICTS = {
  valid: ["ok", "Valid", "The licence is active, the holder matches and the time is inside its validity."],
  expired: ["bad", "Expired", "The holder matches but the time is at or after the licence's valid-until."],
  notYetValid: ["warn", "Not yet valid", "The holder matches but the time is before the licence's valid-from."],
  suspended: ["warn", "Suspended", "The issuing department has suspended this licence; see the history for the reason."],
  revoked: ["bad", "Revoked", "The issuing department has revoked this record; see the history for the reason."],
  holderMismatch: ["bad", "Holder mismatch", "The holder text and salt do not give the digest on record. Check spelling, spaces and capitals exactly as issued, and the salt."],
  documentMismatch: ["bad", "Document mismatch", "The document and salt do not give the digest on record. Use the exact file that was certified and its salt."],
  unknown: ["bad", "Unknown", "No record with this id exists on this chain. Ids are case-sensitive."],
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
    h("h2", {}, "Evidence bundles"),
    h("p", {}, "To check a record without trusting any node, export its evidence (", h("code", {}, "sbp evidence export --licence ID --out FILE"),
      ") and verify it offline against the genesis document with ", h("code", {}, "sbp verify FILE --genesis genesis.json"),
      " or ", h("code", {}, "Tools/verify-evidence.py"), ". This page does not verify bundle files yet."));
  if (id) idInput.focus();
}

function verdict(outcome, detail = null) {
  const [tone, title, text] = VERDICTS[outcome] ?? ["warn", outcome, ""];
  return h("div", { class: `verdict ${tone}`, id: "verdict", "data-outcome": outcome, tabindex: "-1", role: "status" },
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
