// The SBP block explorer: pages rendered in the browser from the node's JSON-RPC API (docs/explorer.md).
// Routes live in the URL fragment (#/block/5), so every page is a link that can be shared and bookmarked.
import { call, followHeads, RPCError } from "./rpc.js";
import { h, hex, number, time, seconds, duration, fields, table, badge, statusBadge, hexToBytes, bytesToHex } from "./format.js";
import { decodePayload } from "./codec.js";
import { verifyPage } from "./verify.js";

const main = document.getElementById("main");
let stopPage = null;

const routes = [
  [/^\/?$/, overviewPage],
  [/^\/block\/(.+)$/, blockPage],
  [/^\/tx\/(0x[0-9a-fA-F]{64})$/, transactionPage],
  [/^\/licence\/(.+)$/, (id) => recordPage("licence", decodeURIComponent(id))],
  [/^\/certificate\/(.+)$/, (id) => recordPage("certificate", decodeURIComponent(id))],
  [/^\/account\/(0x[0-9a-fA-F]{40})$/, accountPage],
  [/^\/contract\/(0x[0-9a-fA-F]{40})$/, contractPage],
  [/^\/departments$/, departmentsPage],
  [/^\/validators$/, validatorsPage],
  [/^\/governance$/, governancePage],
  [/^\/verify(?:\/(licence|certificate)\/(.+))?$/, (kind, id) => verifyPage(main, { kind, id: id ? decodeURIComponent(id) : "" })],
  [/^\/search\/(.*)$/, (query) => searchPage(decodeURIComponent(query))],
  [/^\/about$/, aboutPage],
];

/** Renders the page for the current fragment. */
async function route() {
  if (stopPage) stopPage();
  stopPage = null;
  const path = location.hash.replace(/^#/, "") || "/";
  for (const link of document.querySelectorAll(".top nav a")) {
    const target = link.getAttribute("href").slice(1);
    if (target === path || (target !== "/" && path.startsWith(target))) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  main.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  main.setAttribute("aria-busy", "true");
  try {
    const found = routes.find(([pattern]) => pattern.test(path));
    if (!found) {
      show(h("h1", {}, "No such page"), h("p", {}, "Use the menu or the search box above."));
    } else {
      const stop = await found[1](...path.match(found[0]).slice(1));
      if (typeof stop === "function") stopPage = stop;
    }
  } catch (error) {
    show(h("h1", {}, "Something went wrong"), errorBox(error));
  } finally {
    main.removeAttribute("aria-busy");
    document.title = `${main.querySelector("h1")?.textContent ?? "SBP"} · SBP explorer`;
  }
}

/** Replaces the page content (keyboard focus moves to it after each navigation, in the hashchange handler). */
function show(...children) {
  main.replaceChildren(...children.filter((child) => child !== null && child !== undefined && child !== false));
}

/** What went wrong, and what to do about it. */
export function errorBox(error) {
  let advice = "";
  if (error instanceof RPCError) {
    if (error.code === -32001) advice = "Nothing with that name exists on this chain. Check the spelling (ids are case-sensitive).";
    else if (error.code === -32002) advice = `That block does not exist yet; the latest is ${error.data?.latestHeight ?? "lower"}.`;
    else if (error.code === -32003) advice = "This node has pruned that data; ask a node that keeps full history.";
    else if (error.code === -32602) advice = "The value has the wrong form; hashes are 0x and 64 hex digits, addresses 0x and 40.";
    else advice = "Try again; if it persists, the node's log says more.";
  }
  return h("div", { class: "error", role: "alert" }, h("p", {}, error.message), advice ? h("p", {}, advice) : null);
}

const link = {
  block: (height) => h("a", { href: `#/block/${height}` }, number(height)),
  tx: (hash) => hex(hash, `#/tx/${hash}`),
  account: (address) => hex(address, `#/account/${address}`),
  contract: (address) => hex(address, `#/contract/${address}`),
};

// ---- Overview -------------------------------------------------------------------------------------------

async function overviewPage() {
  const [status, health, consensus] = await Promise.all([call("node_status"), call("node_health"), call("consensus_getStatus")]);
  const latest = Number(status.latestHeight);
  const headers = latest >= 1 ? await call("chain_getHeaders", { from: Math.max(1, latest - 14), to: latest }) : [];
  const heightValue = h("span", { id: "latest-height", "data-height": String(latest) }, number(latest));
  const liveState = h("span", { class: "live", id: "live-state", role: "status" }, "connecting…");
  const rows = h("tbody", { id: "blocks" });
  // Rows stay in height order, newest first, whichever of the catch-up read and the live stream brings a block first.
  const addRow = (item, fresh) => {
    const header = item.header;
    const height = Number(header.height);
    if (rows.querySelector(`tr[data-height="${height}"]`)) return;
    const row = h("tr", { class: fresh ? "new" : "", "data-height": String(height) },
      h("td", {}, link.block(header.height)), h("td", {}, hex(item.hash, `#/block/${item.hash}`)),
      h("td", {}, time(header.timestampMs)), h("td", { class: "hide-narrow" }, number(header.view)));
    const below = Array.from(rows.children).find((other) => Number(other.dataset.height) < height);
    rows.insertBefore(row, below ?? null);
    while (rows.children.length > 15) rows.lastElementChild.remove();
    if (height > Number(heightValue.dataset.height)) {
      heightValue.textContent = number(height);
      heightValue.dataset.height = String(height);
    }
  };
  for (const item of headers) addRow(item, false);
  show(
    h("h1", {}, `Chain ${status.chainId}`),
    h("div", { class: "cards" },
      card("Latest block", heightValue),
      card("Node", status.nodeId),
      card("View / phase", `${number(consensus.view)} · ${consensus.phase}`),
      card("Primary", consensus.primaryName),
      card("Peers", `${status.peersConnected} connected`),
      card("Ready", health.ready ? badge("ready", "ok") : badge("not ready", "bad")),
      card("Pending transactions", number(health.pendingTransactions))),
    h("h2", {}, "Latest blocks ", liveState),
    h("div", { class: "table-wrap" },
      h("table", {}, h("caption", { class: "visually-hidden" }, "Latest blocks, newest first"),
        h("thead", {}, h("tr", {}, ["Height", "Hash", "Time", "View"].map((t, i) => h("th", { scope: "col", class: i === 3 ? "hide-narrow" : "" }, t)))),
        rows)),
    h("p", { class: "muted" }, "New blocks appear as validators commit them (WebSocket newHeads; after a lost connection the page resumes from the last block it showed)."));
  // Blocks committed between the reads above and the subscription's start are read once it is live.
  const catchUp = async () => {
    const now = Number(await call("chain_getLatestHeight"));
    const from = Math.max(1, Number(heightValue.dataset.height) + 1, now - 14);
    if (now >= from) for (const item of await call("chain_getHeaders", { from, to: now })) addRow(item, true);
  };
  return followHeads((item) => addRow(item, true), (state, why) => {
    liveState.textContent = state === "live" ? "live" : `reconnecting${why ? ": " + why : ""}…`;
    liveState.className = `live ${state === "live" ? "on" : "off"}`;
    if (state === "live") catchUp().catch(() => {});
  });
}

function card(label, value) {
  return h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
}

// ---- Block ----------------------------------------------------------------------------------------------

async function blockPage(which) {
  const block = /^0x[0-9a-fA-F]{64}$/.test(which)
    ? await call("chain_getBlockByHash", { hash: which, txs: "full" })
    : await call("chain_getBlockByHeight", { height: which, txs: "full" });
  if (!block) {
    show(h("h1", {}, "Block not found"), h("p", {}, "No committed block has that hash (yet)."));
    return;
  }
  const header = block.header;
  const height = Number(header.height);
  const [validators, commit] = await Promise.all([
    call("consensus_getValidators", { height }),
    call("chain_getCommit", { height }).catch(() => null),
  ]);
  const names = validators.validators.map((v) => v.name);
  const signers = (certificate) => certificate
    ? h("span", {}, `${certificate.votes.length} of ${names.length} (view ${number(certificate.view)}): `,
      certificate.votes.map((vote) => names[vote.validatorIndex] ?? `#${vote.validatorIndex}`).join(", "))
    : h("span", { class: "muted" }, "none");
  show(
    h("h1", {}, `Block ${number(height)}`),
    h("p", {}, height > 1 ? h("a", { href: `#/block/${height - 1}` }, "← previous") : null, " ",
      h("a", { href: `#/block/${height + 1}` }, "next →")),
    fields([
      ["Hash", hex(block.hash, null, true)],
      ["Time", time(header.timestampMs)],
      ["Proposer", hex(header.proposer)],
      ["View", number(header.view)],
      ["Parent", hex(header.parentHash, height > 1 ? `#/block/${height - 1}` : null)],
      ["State root", hex(header.stateRoot)],
      ["Transactions root", hex(header.transactionsRoot)],
      ["Validators hash", hex(header.validatorsHash)],
      ["Chain", header.chainId],
      ["Committed by", signers(commit)],
      ["Carries the commit of block " + (height - 1), signers(block.lastCommit)],
    ]),
    h("h2", {}, `Transactions (${block.transactionCount})`),
    block.transactionCount === 0 ? h("p", { class: "muted" }, "This block holds no transactions.")
      : table(["#", "Hash", "Sender", "What"], await Promise.all((block.transactions ?? []).map(async (tx, index) =>
        [String(index), link.tx(tx.hash), link.account(tx.sender), await summary(tx)])), "Transactions"));
}

/** A transaction in a few words: a call's method and first argument, an account or governance action. */
async function summary(tx) {
  try {
    const payload = await decodePayload(tx.kind, tx.payload, interfaceFor);
    if (tx.kind === "call") {
      const first = payload.arguments ? Object.values(payload.arguments)[0] : undefined;
      return `call ${payload.method ?? "?"}${typeof first === "string" && first.length <= 64 ? ` ${first}` : ""}`;
    }
    if (tx.kind === "deploy") return `deploy ${payload.name}`;
    return `${tx.kind} ${payload.action ?? ""}`.trim();
  } catch {
    return tx.kind;
  }
}

// ---- Transaction ----------------------------------------------------------------------------------------

const interfaces = new Map();
async function interfaceFor(address) {
  if (!interfaces.has(address)) {
    interfaces.set(address, call("contract_getInfo", { address }).then((info) => info.interface).catch(() => null));
  }
  return interfaces.get(address);
}

async function transactionPage(hash) {
  const [committed, receipt] = await Promise.all([call("tx_getByHash", { hash }), call("tx_getReceipt", { hash })]);
  if (!committed) {
    show(h("h1", {}, "Transaction not committed"),
      h("p", {}, "No committed block holds this transaction. It may be pending: reload in a few seconds."), hex(hash, null, true));
    return;
  }
  const tx = committed.transaction;
  let payload;
  try {
    payload = await decodePayload(tx.kind, tx.payload, interfaceFor);
  } catch (error) {
    payload = { payload: tx.payload, problem: error.message };
  }
  const height = Number(committed.height);
  const events = await eventsOf(height, hash);
  show(
    h("h1", {}, "Transaction"),
    fields([
      ["Hash", hex(tx.hash, null, true)],
      ["Status", statusBadge(committed.status)],
      ["Block", h("span", {}, link.block(height), ` position ${committed.index}`)],
      ["Sender", link.account(tx.sender)],
      ["Nonce", number(tx.nonce)],
      ["Kind", tx.kind],
      ["Fuel", receipt ? `${number(receipt.fuelUsed)} used of ${number(tx.fuelLimit)}` : number(tx.fuelLimit)],
      receipt?.errorMessage ? ["Error", receipt.errorMessage] : null,
      ["Expires after block", number(tx.expiryHeight)],
    ]),
    h("h2", {}, "Payload"),
    valueFields(payload),
    h("h2", {}, `Events (${events.length})`),
    events.length === 0 ? h("p", { class: "muted" }, "No events.")
      : table(["Contract", "Topic", "Fields"], events.map((event) =>
        [link.contract(event.contract), event.topic, event.decoded ? valueFields(event.decoded) : hex(event.data)]), "Events"),
    receipt && receipt.returnData !== "0x" ? h("p", {}, "Return data: ", hex(receipt.returnData)) : null);
}

/** The events of one transaction, decoded (events_query over its block). */
async function eventsOf(height, hash) {
  const events = [];
  let cursor = null;
  for (let page = 0; page < 20; page++) {
    const result = await call("events_query", { filter: { fromHeight: height, toHeight: height }, cursor, limit: 100 });
    events.push(...result.events.filter((event) => event.transactionHash === hash));
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return events;
}

/** An object's members as a definition list; licence and certificate ids become links. */
function valueFields(object) {
  return fields(Object.entries(object).map(([name, value]) => [name, valueNode(name, value)]));
}

function valueNode(name, value) {
  if (value === null || value === undefined) return h("span", { class: "muted" }, "none");
  if (Array.isArray(value)) return value.length === 0 ? "[]" : h("ol", {}, value.map((item) => h("li", {}, typeof item === "object" ? valueFields(item) : valueNode(name, item))));
  if (typeof value === "object") return valueFields(value);
  const text = String(value);
  if (text === "") return h("span", { class: "muted" }, "(empty)");
  if ((name === "detail" || name === "reason") && /^0x[0-9a-f]+$/.test(text)) {
    const readable = printable(text);
    if (readable !== null) return h("span", {}, `“${readable}”`);
  }
  if (/^0x[0-9a-f]{40}$/.test(text)) return name === "contract" ? link.contract(text) : link.account(text);
  if (/^0x[0-9a-f]+$/.test(text)) return hex(text);
  if (/^(validFrom|validUntil|atTime)$/.test(name)) return seconds(value);
  if (/(Height)$/.test(name)) return link.block(value);
  if (/TimeMs$|Timestamp$/.test(name)) return time(value);
  return typeof value === "number" ? number(value) : text;
}

/** Bytes that are printable UTF-8 text (a licence type, a reason), or null. */
function printable(hexText) {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(hexToBytes(hexText));
    return /^[^\u0000-\u001f\u007f]+$/u.test(text) ? text : null;
  } catch {
    return null;
  }
}

// ---- Licences and certificates --------------------------------------------------------------------------

async function recordPage(kind, id) {
  const info = await call(kind === "licence" ? "records_getLicence" : "records_getCertificate", { id });
  const record = info.record ?? {};
  show(
    h("h1", {}, `${kind === "licence" ? "Licence" : "Certificate"} ${id}`),
    h("p", {}, "Status: ", statusBadge(String(record.status)), " ",
      h("a", { href: `#/verify/${kind}/${encodeURIComponent(id)}` }, `Verify this ${kind} with its holder and salt →`)),
    valueFields(record),
    h("p", { class: "muted" }, "As of block ", link.block(info.height), " in registry ", link.contract(info.contract), "."),
    evidenceDownload(kind, id, info.contract),
    h("h2", {}, `History (${info.history.length})`),
    historyTable(info.history));
}

/** Saves `text` as a file named `name` through a temporary blob: link (nothing leaves the browser). */
function saveFile(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const anchor = h("a", { href: url, download: name });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// The genesis members that are integers: the RPC writes u64 values above 2^53 as decimal strings, a genesis
// file as JSON numbers (docs/evidence.md §4), so the saved file loads and hashes like the original.
const GENESIS_INTEGERS = new Set(["genesisTimeMs", "protocolVersion", "checkpointInterval", "watermarkWindow",
  "viewChangeTimeoutTicks", "viewChangeTimeoutTicksMax", "tickMs", "blockTransactionsMax", "blockBytesMax", "blockFuelMax",
  "timestampDriftMsMax", "transactionFuelMax", "blockWriteBytesMax", "thresholdNumerator", "thresholdDenominator",
  "proposalLifetimeBlocks"]);

/** chain_getGenesis's document as a genesis file: integers above 2^53 written as JSON numbers again. */
export function genesisFileText(document) {
  const marker = "sbp-integer:";
  const text = JSON.stringify(document, (key, value) =>
    GENESIS_INTEGERS.has(key) && typeof value === "string" && /^\d+$/.test(value) ? marker + value : value, 2);
  return text.replace(new RegExp(`"${marker}(\\d+)"`, "g"), "$1") + "\n";
}

/**
 * Buttons that save the record's evidence bundle (state_getEvidence of "L"/"C" ‖ id, docs/evidence.md §6) and
 * this node's genesis document, for the offline check on the verify page or with `sbp verify`.
 */
function evidenceDownload(kind, id, contract) {
  const status = h("p", { class: "muted", role: "status", id: "evidence-download-status" });
  const key = bytesToHex(new TextEncoder().encode((kind === "licence" ? "L" : "C") + id));
  const bundleButton = h("button", { type: "button", id: "download-evidence" }, "Download evidence");
  bundleButton.addEventListener("click", async () => {
    status.textContent = "Asking the node for the evidence bundle…";
    try {
      // The state this page shows (the latest block's) is proven once the next block certifies it: a record
      // issued in the latest block would otherwise be proven absent. Wait for that block, up to half a minute.
      const info = await call(kind === "licence" ? "records_getLicence" : "records_getCertificate", { id });
      let evidence = null;
      for (let attempt = 0; evidence === null; attempt++) {
        try {
          evidence = await call("state_getEvidence", { contract, key, height: info.height });
        } catch (error) {
          if (!(error instanceof RPCError && error.code === -32002) || attempt >= 30) throw error;
          status.textContent = `Waiting for block ${number(info.height + 1)} to certify the state after block ${number(info.height)}…`;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
      const name = `${kind}-${id.replace(/[^A-Za-z0-9._-]/g, "_")}.evidence.hex`;
      saveFile(name, evidence + "\n", "text/plain");
      status.textContent = `Saved ${name}: it proves this ${kind} as it stood after block ${number(info.height)}. Verify it offline on the Verify page, or with sbp verify, against the chain's genesis file.`;
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  });
  const genesisButton = h("button", { type: "button", id: "download-genesis" }, "Download this node's genesis");
  genesisButton.addEventListener("click", async () => {
    try {
      const genesis = await call("chain_getGenesis", {});
      saveFile("genesis.json", genesisFileText(genesis.document), "application/json");
      status.textContent = `Saved genesis.json (hash ${genesis.hash}). A genesis file from the node you are checking proves nothing by itself: compare its hash with the one the departments publish.`;
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  });
  return h("section", { "aria-labelledby": "evidence-download-heading" },
    h("h2", { id: "evidence-download-heading" }, "Evidence"),
    h("p", {}, `An evidence bundle proves this ${kind} as it stands now (once the next block certifies it) to anyone with the chain's genesis file, without trusting this node. `,
      h("a", { href: "#/verify" }, "Verify it offline"), " on the Verify page."),
    h("p", { class: "actions" }, bundleButton, " ", genesisButton), status);
}

export function historyTable(history) {
  if (history.length === 0) return h("p", { class: "muted" }, "No events.");
  return table(["Block", "Event", "Details", "Transaction"], history.map((event) => [
    link.block(event.height), event.topic,
    event.decoded ? valueFields(Object.fromEntries(Object.entries(event.decoded).filter(([k]) => k !== "id"))) : hex(event.data),
    link.tx(event.transactionHash),
  ]), "History, oldest first");
}

// ---- Accounts, contracts, departments -------------------------------------------------------------------

async function accountPage(address) {
  let account = null;
  try {
    account = await call("membership_getAccount", { address });
  } catch (error) {
    if (!(error instanceof RPCError && error.code === -32001)) throw error;
  }
  if (!account) {
    const contract = await call("contract_getInfo", { address }).catch(() => null);
    if (contract) return contractPage(address);
  }
  const page = await call("tx_search", { filter: { sender: address }, limit: 50 });
  show(
    h("h1", {}, "Account"),
    hex(address, null, true),
    account ? fields([
      ["Department", account.department],
      ["Roles", account.roles.join(", ") || "none"],
      ["Suspended", account.suspended ? badge("suspended", "bad") : badge("no", "ok")],
      ["Next nonce", number(account.nonce)],
    ]) : h("p", { class: "muted" }, "Not a registered account or contract."),
    h("h2", {}, "Transactions sent (oldest first)"),
    page.transactions.length === 0 ? h("p", { class: "muted" }, "None found.")
      : table(["Block", "Hash", "Kind", "Status"], page.transactions.map((t) =>
        [link.block(t.height), link.tx(t.transaction.hash), t.transaction.kind, statusBadge(t.status)]), "Transactions"),
    page.nextCursor ? h("p", { class: "muted" }, "More transactions exist than shown here.") : null);
}

async function contractPage(address) {
  const info = await call("contract_getInfo", { address });
  show(
    h("h1", {}, `Contract ${info.name}`),
    fields([
      ["Address", hex(info.address, null, true)],
      ["Department", info.department || "—"],
      ["Standard contract", info.isStandard ? "yes" : "no"],
      ["Code hash", hex(info.codeHash)],
      ["Code size", `${number(info.codeBytes)} bytes`],
      ["Deployed at", link.block(info.deployedHeight)],
      ["Deployer", link.account(info.deployer)],
    ]),
    info.interface ? h("h2", {}, "Methods") : null,
    info.interface ? table(["Method", "Arguments", "Read-only"], info.interface.methods.map((m) =>
      [h("code", {}, m.name), m.arguments.map((a) => `${a.name}: ${a.type}`).join(", "), m.readOnly ? "yes" : "no"]), "Methods") : null);
}

async function departmentsPage() {
  const departments = await call("membership_getDepartments");
  const sections = await Promise.all(departments.map(async (department) =>
    accountsSection(department, await call("membership_listAccounts", { department: department.id, limit: accountsPageItems }))));
  show(
    h("h1", {}, "Departments"),
    table(["Id", "Name", "Validators", "Admin keys"], departments.map((d) =>
      [h("strong", {}, d.id), d.name, d.validators.join(", ") || "none", d.adminKeys.map((key) => hex(key))]), "Departments"),
    h("h2", {}, "Accounts and roles"),
    h("p", { class: "muted" }, "Roles: admin (manages the department's accounts and votes), issuer (issues and changes records), submitter, auditor."),
    ...sections,
    h("h2", {}, "Look up an account"),
    lookupForm("account-address", "Account address", "0x and 40 hex digits", (value) => `#/account/${value.trim()}`));
}

/** Accounts read per membership_listAccounts page (the server's most). */
const accountsPageItems = 100;

/** A department's accounts with their roles, a page at a time (membership_listAccounts). */
function accountsSection(department, firstPage) {
  const rows = [];
  let cursor = null;
  const holder = h("div", {});
  const more = h("button", { type: "button" }, "Show more accounts");
  const render = (page) => {
    rows.push(...page.accounts.map((account) => [
      h("a", { href: `#/account/${account.address}`, class: "mono", title: account.address }, account.address),
      account.roles.join(", ") || "none",
      account.suspended ? badge("suspended", "bad") : badge("active", "ok"),
    ]));
    cursor = page.nextCursor;
    holder.replaceChildren(rows.length === 0 ? h("p", { class: "muted" }, "No accounts.")
      : table(["Account", "Roles", "Status"], rows, `Accounts of ${department.id}`));
    more.hidden = !cursor;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      render(await call("membership_listAccounts", { department: department.id, cursor, limit: accountsPageItems }));
    } finally {
      more.disabled = false;
    }
  });
  render(firstPage);
  return h("section", { class: "department-accounts", "data-department": department.id, "aria-label": `Accounts of ${department.id}` },
    h("h3", {}, `${department.id}: ${department.name}`), holder, more);
}

function lookupForm(id, label, hint, target) {
  const input = h("input", { id, required: true, spellcheck: "false", autocomplete: "off" });
  return h("form", { class: "stack", onsubmit: (event) => { event.preventDefault(); location.hash = target(input.value); } },
    h("label", { for: id }, label, h("span", { class: "hint" }, hint)), input, h("button", { type: "submit" }, "Open"));
}

// ---- Validators and consensus ---------------------------------------------------------------------------

async function validatorsPage() {
  const [epoch, consensus, health, parameters] = await Promise.all([
    call("consensus_getValidators"), call("consensus_getStatus"), call("node_health"), call("consensus_getParams"),
  ]);
  const peers = new Map(consensus.peers.map((peer) => [peer.name, peer]));
  const last = consensus.lastViewChange;
  show(
    h("h1", {}, "Validators"),
    fields([
      ["Set", `${epoch.count} validators since block ${number(epoch.firstHeight)}; quorum ${epoch.quorum}, tolerates ${epoch.faultsTolerated} faulty`],
      ["View", number(consensus.view)],
      ["Phase", statusBadge(consensus.phase)],
      ["Primary", consensus.primaryName],
      ["Committed height", link.block(consensus.height)],
      ["Last commit", `${duration(consensus.lastCommitAgeMs)} ago`],
      ["View changes", `${number(consensus.viewChanges)} started by this node since it started`],
      ["Last view change", last ? `to view ${number(last.view)}, ${duration(last.ageMs)} ago: ${last.reason}` : "none since this node started"],
      consensus.haltedReason ? ["Halted", consensus.haltedReason] : null,
      ["This node", health.ready ? badge("ready", "ok") : badge("not ready", "bad")],
      ["Protocol version", String(parameters.protocolVersion)],
    ]),
    h("h2", {}, "Members"),
    table(["#", "Name", "Department", "Health (seen by this node)", "Key"], epoch.validators.map((v, index) => {
      const peer = peers.get(v.name);
      const self = consensus.validatorIndex === index;
      const healthCell = self ? badge("this node", "ok")
        : peer ? badge(`connected, last message ${duration(peer.lastMessageAgeMs)} ago`, peer.lastMessageAgeMs !== null && peer.lastMessageAgeMs < 10000 ? "ok" : "warn")
          : badge("not connected", "bad");
      return [String(index), h("strong", {}, v.name, index === consensus.primaryIndex ? " (primary)" : ""), v.department, healthCell,
        hex(v.publicKey ?? v.consensusPublicKey ?? "")];
    }), "Validators"));
}

// ---- Governance -----------------------------------------------------------------------------------------

async function governancePage() {
  const list = h("div", {});
  const more = h("button", { type: "button", class: "secondary" }, "Show older proposals");
  let cursor = null;
  const load = async () => {
    const page = await call("governance_getProposals", { cursor, limit: 20 });
    for (const proposal of page.proposals) list.append(proposalView(proposal));
    cursor = page.nextCursor;
    more.hidden = !cursor;
    if (!list.children.length) list.append(h("p", { class: "muted" }, "No proposals yet."));
  };
  more.addEventListener("click", () => load().catch((error) => list.append(errorBox(error))));
  await load();
  show(h("h1", {}, "Governance proposals"),
    h("p", { class: "muted" }, "Newest first. Each department votes once; a proposal passes at the governance threshold and activates at its activation height."),
    list, more);
}

function proposalView(proposal) {
  const change = { ...proposal.change };
  const kind = change.kind;
  delete change.kind;
  if (change.caCertificate) change.caCertificate = `${change.caCertificate.length} characters of PEM`;
  if (change.tlsCertificate) change.tlsCertificate = `${change.tlsCertificate.length} characters of PEM`;
  return h("section", { class: "card", "aria-labelledby": `proposal-${proposal.id}` },
    h("h2", { id: `proposal-${proposal.id}` }, `#${proposal.id} ${kind} `, statusBadge(proposal.status)),
    proposal.description ? h("p", {}, proposal.description) : null,
    fields([
      ["Proposed by", h("span", {}, proposal.department, " · ", link.account(proposal.proposer))],
      ["Created", link.block(proposal.createdHeight)],
      ["Expires", link.block(proposal.expiresHeight)],
      ["Activation", Number(proposal.activationHeight) ? link.block(proposal.activationHeight) : "when passed"],
      ["Status since", link.block(proposal.statusHeight)],
      proposal.failure ? ["Failure", proposal.failure] : null,
      ["Change", Object.keys(change).length ? valueFields(change) : "—"],
      ["Votes", proposal.votes.length === 0 ? "none" : h("ul", {}, proposal.votes.map((vote) =>
        h("li", {}, `${vote.department}: `, statusBadge(vote.approve ? "approve" : "reject"), vote.height !== undefined ? h("span", {}, " at block ", link.block(vote.height)) : null)))],
    ]));
}

// ---- Search ---------------------------------------------------------------------------------------------

async function searchPage(query) {
  const text = query.trim();
  document.getElementById("search-input").value = text;
  if (!text) {
    show(h("h1", {}, "Search"), h("p", {}, "Type a block height, a block or transaction hash, an address, or a licence or certificate id."));
    return;
  }
  if (/^\d+$/.test(text)) { location.replace(`#/block/${text}`); return; }
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) {
    const hash = text.toLowerCase();
    if (await call("tx_getByHash", { hash })) { location.replace(`#/tx/${hash}`); return; }
    if (await call("chain_getBlockByHash", { hash, txs: "none" })) { location.replace(`#/block/${hash}`); return; }
    show(h("h1", {}, "Nothing found"), h("p", {}, "No committed transaction or block has this hash. A transaction may still be pending: try again in a few seconds."));
    return;
  }
  if (/^0x[0-9a-fA-F]{40}$/.test(text)) { location.replace(`#/account/${text.toLowerCase()}`); return; }
  const found = [];
  for (const [kind, method] of [["licence", "records_getLicence"], ["certificate", "records_getCertificate"]]) {
    try {
      await call(method, { id: text });
      found.push(kind);
    } catch (error) {
      if (!(error instanceof RPCError && (error.code === -32001 || error.code === -32602))) throw error;
    }
  }
  if (found.length === 1) { location.replace(`#/${found[0]}/${encodeURIComponent(text)}`); return; }
  if (found.length === 2) {
    show(h("h1", {}, `Results for “${text}”`), h("ul", {}, found.map((kind) => h("li", {}, h("a", { href: `#/${kind}/${encodeURIComponent(text)}` }, `${kind} ${text}`)))));
    return;
  }
  show(h("h1", {}, "Nothing found"),
    h("p", {}, `No block, transaction, account, licence or certificate matches “${text}”.`),
    h("p", {}, "Heights are plain numbers, hashes 0x and 64 hex digits, addresses 0x and 40; licence and certificate ids are case-sensitive."));
}

async function aboutPage() {
  const genesis = await call("chain_getGenesis");
  show(h("h1", {}, "About this explorer"),
    h("p", {}, "Every page is built in your browser from the node's public JSON-RPC API; nothing is loaded from other sites, and the verify page computes salted digests locally, so holder names and salts never leave your machine."),
    fields([["Chain", genesis.document.chainId], ["Genesis hash", hex(genesis.hash, null, true)]]),
    h("p", {}, "To check a record without trusting this node, export an evidence bundle (", h("code", {}, "sbp evidence export"),
      ") and verify it offline against the genesis document with ", h("code", {}, "sbp verify"), " (docs/evidence.md)."));
}

// ---- Start ----------------------------------------------------------------------------------------------

document.getElementById("search").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = document.getElementById("search-input").value;
  location.hash = `#/search/${encodeURIComponent(value.trim())}`;
});
window.addEventListener("hashchange", () => route().then(() => main.focus({ preventScroll: false })));
route();
