/*
 * sbp.h: the SBP contract host API and a small SDK for writing contracts in C.
 *
 * Build a contract with the toolchain's clang (see Tools/build-contracts and docs/contracts.md):
 *   clang --target=wasm32 -O2 -nostdlib -mbulk-memory -Wl,--no-entry -Wl,--export=call \
 *         -Wl,--max-memory=2097152 -I Contracts/include -o NAME.wasm NAME.c
 *
 * A contract exports `void call(void)`. It reads its input (the canonical encoding of a method name and
 * arguments) with sbp_input_size/sbp_input_read, writes its result with sbp_output_write, and fails
 * with sbp_revert. No floating point: the VM rejects any module with a float instruction.
 * The signatures below are checked exactly at deploy time (ContractVM/HostFunction.swift).
 */
#ifndef SBP_H
#define SBP_H

typedef unsigned char u8;
typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;

#define SBP_IMPORT(name) __attribute__((import_module("sbp"), import_name(#name)))
#define SBP_EXPORT(name) __attribute__((export_name(#name)))

/* Input: the call's encoded method name and arguments. */
SBP_IMPORT(input_size) u32 sbp_input_size(void);
SBP_IMPORT(input_read) void sbp_input_read(u8 *out);
/* Output: appended to the call's return data (at most 64 KiB in total). */
SBP_IMPORT(output_write) void sbp_output_write(const u8 *data, u32 len);
/* Ends the call as failed with a message (at most 1 KiB); storage writes and events are dropped. */
SBP_IMPORT(revert) __attribute__((noreturn)) void sbp_revert(const u8 *message, u32 len);
/* Storage of this contract (keys at most 256 bytes, values at most 16 KiB). storage_get returns the
   value's length, or -1 when absent; the value is copied only when it fits in outcap. */
SBP_IMPORT(storage_get) i32 sbp_storage_get(const u8 *key, u32 keylen, u8 *out, u32 outcap);
SBP_IMPORT(storage_set) void sbp_storage_set(const u8 *key, u32 keylen, const u8 *value, u32 valuelen);
SBP_IMPORT(storage_delete) void sbp_storage_delete(const u8 *key, u32 keylen);
/* The caller's 20-byte address; its department identifier (length, or -1 if longer than cap). */
SBP_IMPORT(caller) void sbp_caller(u8 *out20);
SBP_IMPORT(caller_department) i32 sbp_caller_department(u8 *out, u32 cap);
/* 1 when the caller holds the role in its department. */
SBP_IMPORT(caller_has_role) i32 sbp_caller_has_role(u32 role);
SBP_IMPORT(contract_address) void sbp_contract_address(u8 *out20);
SBP_IMPORT(block_height) u64 sbp_block_height(void);
SBP_IMPORT(block_timestamp) u64 sbp_block_timestamp(void);
/* An event: a UTF-8 topic (at most 64 bytes) and canonical data (at most 16 KiB). */
SBP_IMPORT(emit_event) void sbp_emit_event(const u8 *topic, u32 topiclen, const u8 *data, u32 datalen);
SBP_IMPORT(sha256) void sbp_sha256(const u8 *data, u32 len, u8 *out32);
/* Read-only call of another contract; returns the result length, or -1 when it failed. */
SBP_IMPORT(query) i32 sbp_query(const u8 *contract20, const u8 *input, u32 inputlen, u8 *out, u32 outcap);

enum { SBP_ROLE_ADMIN = 0, SBP_ROLE_ISSUER = 1, SBP_ROLE_SUBMITTER = 2, SBP_ROLE_AUDITOR = 3 };

/* ---- Helpers ---------------------------------------------------------------------------------- */

static inline u32 sbp_strlen(const char *text) {
    u32 n = 0;
    while (text[n]) n++;
    return n;
}

static inline __attribute__((noreturn)) void sbp_fail(const char *message) {
    sbp_revert((const u8 *)message, sbp_strlen(message));
}

static inline int sbp_equal(const u8 *a, u32 alen, const u8 *b, u32 blen) {
    if (alen != blen) return 0;
    for (u32 i = 0; i < alen; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static inline int sbp_equal_text(const u8 *a, u32 alen, const char *text) {
    return sbp_equal(a, alen, (const u8 *)text, sbp_strlen(text));
}

/* ---- Canonical encoding (docs/protocol.md): little-endian integers, u32-prefixed bytes ---------- */

/* A field view into a buffer: bytes and length (text, bytes), or a fixed-size value. */
typedef struct { const u8 *data; u32 len; } sbp_bytes;

typedef struct { const u8 *data; u32 len; u32 pos; } sbp_reader;

static inline void sbp_need(sbp_reader *r, u32 n) {
    if (n > r->len - r->pos) sbp_fail("bad arguments: truncated input");
}
static inline u8 sbp_read_u8(sbp_reader *r) {
    sbp_need(r, 1);
    return r->data[r->pos++];
}
static inline u32 sbp_read_u32(sbp_reader *r) {
    sbp_need(r, 4);
    u32 v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | r->data[r->pos + i];
    r->pos += 4;
    return v;
}
static inline u64 sbp_read_u64(sbp_reader *r) {
    sbp_need(r, 8);
    u64 v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | r->data[r->pos + i];
    r->pos += 8;
    return v;
}
/* Variable-length bytes or text of at most max bytes. */
static inline sbp_bytes sbp_read_bytes(sbp_reader *r, u32 max) {
    u32 n = sbp_read_u32(r);
    if (n > max) sbp_fail("bad arguments: field too long");
    sbp_need(r, n);
    sbp_bytes b = {r->data + r->pos, n};
    r->pos += n;
    return b;
}
/* Bytes whose length the type fixes (hash: 32, address: 20). */
static inline sbp_bytes sbp_read_fixed(sbp_reader *r, u32 n) {
    sbp_need(r, n);
    sbp_bytes b = {r->data + r->pos, n};
    r->pos += n;
    return b;
}
static inline void sbp_finish(sbp_reader *r) {
    if (r->pos != r->len) sbp_fail("bad arguments: trailing bytes");
}

typedef struct { u8 *data; u32 cap; u32 len; } sbp_writer;

static inline void sbp_room(sbp_writer *w, u32 n) {
    if (n > w->cap - w->len) sbp_fail("result too large");
}
static inline void sbp_write_u8(sbp_writer *w, u8 v) {
    sbp_room(w, 1);
    w->data[w->len++] = v;
}
static inline void sbp_write_u32(sbp_writer *w, u32 v) {
    sbp_room(w, 4);
    for (int i = 0; i < 4; i++) w->data[w->len++] = (u8)(v >> (8 * i));
}
static inline void sbp_write_u64(sbp_writer *w, u64 v) {
    sbp_room(w, 8);
    for (int i = 0; i < 8; i++) w->data[w->len++] = (u8)(v >> (8 * i));
}
static inline void sbp_write_fixed(sbp_writer *w, const u8 *data, u32 n) {
    sbp_room(w, n);
    for (u32 i = 0; i < n; i++) w->data[w->len++] = data[i];
}
static inline void sbp_write_bytes(sbp_writer *w, sbp_bytes b) {
    sbp_write_u32(w, b.len);
    sbp_write_fixed(w, b.data, b.len);
}
static inline void sbp_write_text(sbp_writer *w, const char *text) {
    sbp_bytes b = {(const u8 *)text, sbp_strlen(text)};
    sbp_write_bytes(w, b);
}

/* Reads the whole call input into buf (cap bytes) and returns a reader over it. */
static inline sbp_reader sbp_input(u8 *buf, u32 cap) {
    u32 n = sbp_input_size();
    if (n > cap) sbp_fail("bad arguments: input too large");
    sbp_input_read(buf);
    sbp_reader r = {buf, n, 0};
    return r;
}

/* Emits an event whose data is the writer's bytes. */
static inline void sbp_emit(const char *topic, const sbp_writer *w) {
    sbp_emit_event((const u8 *)topic, sbp_strlen(topic), w->data, w->len);
}

#endif
