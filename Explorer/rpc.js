// JSON-RPC 2.0 to the node that served this page: POST / for calls, WebSocket /ws for subscriptions.

/** An error answer of the node, with its JSON-RPC code and data. */
export class RPCError extends Error {
  constructor(method, error) {
    super(`${method}: ${error.message} (${error.code})`);
    this.code = error.code;
    this.data = error.data;
    this.rpcMessage = error.message;
  }
}

let nextId = 1;

/** Calls `method` with named `params`; throws RPCError for an error answer and Error when the node is unreachable. */
export async function call(method, params = {}) {
  let response;
  try {
    response = await fetch("/", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
    });
  } catch (error) {
    throw new Error(`The node does not answer (${error.message}). Is it running? Reload the page once it is.`);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new Error(`The node answered HTTP ${response.status} without JSON to ${method}.`);
  }
  if (body.error) {
    if (body.error.code === -32007) {
      const wait = body.error.data?.retryAfterMs ?? 1000;
      await new Promise((resolve) => setTimeout(resolve, wait));
      return call(method, params);
    }
    throw new RPCError(method, body.error);
  }
  return body.result;
}

/**
 * Follows finalized block headers over WebSocket `/ws` (`subscribe` newHeads). When the connection drops
 * it reconnects with the cursor of the last header received, so no block is missed or shown twice.
 * `onHeader(hashedHeader)` gets each header; `onState("live" | "reconnecting")` the connection state.
 */
export function followHeads(onHeader, onState) {
  let cursor = null;
  let socket = null;
  let stopped = false;
  let delay = 500;
  const open = () => {
    if (stopped) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/ws`);
    socket.addEventListener("open", () => {
      const params = { kind: "newHeads" };
      if (cursor) params.cursor = cursor;
      socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "subscribe", params }));
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.id === 1) {
        if (message.error) {
          if (message.error.code === -32003) cursor = null;
          onState("reconnecting", message.error.message);
          socket.close();
          return;
        }
        if (!cursor) cursor = message.result.cursor;
        delay = 500;
        onState("live");
        return;
      }
      if (message.method !== "subscription") return;
      const note = message.params;
      if (note.error) {
        // A cursor below the node's retained history (-32003) cannot be resumed: start again from the head.
        if (note.error.code === -32003) cursor = null;
        onState("reconnecting", note.error.message);
        socket.close();
        return;
      }
      cursor = note.cursor;
      onHeader(note.result);
    });
    socket.addEventListener("close", () => {
      if (stopped) return;
      onState("reconnecting");
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 10000);
    });
  };
  open();
  return () => {
    stopped = true;
    if (socket) socket.close();
  };
}
