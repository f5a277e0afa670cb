/*
 * Certificate registry: departments issue certificates for document digests, revoke them with a reason,
 * and anyone verifies a document by its digest. Only digests go on chain (DESIGN §6): a document's
 * salted SHA-256, never the document. Interface: Genesis/contracts/certificate_registry.interface.json.
 */
#include "sbp.h"

#define ID_MAX 64
#define TEXT_MAX 256
#define DEPARTMENT_MAX 64

enum { CERT_VALID = 0, CERT_REVOKED = 1, CERT_UNKNOWN = 2 };

typedef struct {
    sbp_bytes id, department, document, type, metadata, reason;
    u64 height, timestamp;
    u8 status;
} certificate;

static u8 input_buf[8192];
static u8 record_buf[2048];
static u8 out_buf[4096];
static u8 key_buf[128];
static u8 dept_buf[DEPARTMENT_MAX];

static sbp_bytes caller_department(void) {
    i32 n = sbp_caller_department(dept_buf, DEPARTMENT_MAX);
    if (n <= 0) sbp_fail("unauthorized: caller has no department");
    sbp_bytes b = {dept_buf, (u32)n};
    return b;
}

static void require_issuer(void) {
    if (!sbp_caller_has_role(SBP_ROLE_ISSUER)) sbp_fail("unauthorized: issuer role required");
}

static u32 key(u8 prefix, sbp_bytes b) {
    key_buf[0] = prefix;
    for (u32 i = 0; i < b.len; i++) key_buf[1 + i] = b.data[i];
    return 1 + b.len;
}

static void encode(sbp_writer *w, const certificate *c) {
    sbp_write_bytes(w, c->id);
    sbp_write_bytes(w, c->department);
    sbp_write_fixed(w, c->document.data, 32);
    sbp_write_bytes(w, c->type);
    sbp_write_fixed(w, c->metadata.data, 32);
    sbp_write_u64(w, c->height);
    sbp_write_u64(w, c->timestamp);
    sbp_write_u8(w, c->status);
    sbp_write_bytes(w, c->reason);
}

/* Loads certificate `id` into c (views into record_buf); 0 when absent. */
static int load(sbp_bytes id, certificate *c) {
    i32 n = sbp_storage_get(key_buf, key('C', id), record_buf, sizeof record_buf);
    if (n < 0) return 0;
    sbp_reader r = {record_buf, (u32)n, 0};
    c->id = sbp_read_bytes(&r, ID_MAX);
    c->department = sbp_read_bytes(&r, DEPARTMENT_MAX);
    c->document = sbp_read_fixed(&r, 32);
    c->type = sbp_read_bytes(&r, TEXT_MAX);
    c->metadata = sbp_read_fixed(&r, 32);
    c->height = sbp_read_u64(&r);
    c->timestamp = sbp_read_u64(&r);
    c->status = sbp_read_u8(&r);
    c->reason = sbp_read_bytes(&r, TEXT_MAX);
    return 1;
}

static void store(const certificate *c) {
    static u8 buf[2048];
    sbp_writer w = {buf, sizeof buf, 0};
    encode(&w, c);
    sbp_storage_set(key_buf, key('C', c->id), buf, w.len);
}

static sbp_bytes read_id(sbp_reader *r) {
    sbp_bytes id = sbp_read_bytes(r, ID_MAX);
    if (id.len == 0) sbp_fail("bad arguments: empty id");
    return id;
}

static void issue(sbp_reader *r) {
    certificate c;
    c.id = read_id(r);
    c.document = sbp_read_fixed(r, 32);
    c.type = sbp_read_bytes(r, TEXT_MAX);
    c.metadata = sbp_read_fixed(r, 32);
    sbp_finish(r);
    require_issuer();
    c.department = caller_department();
    certificate existing;
    if (load(c.id, &existing)) sbp_fail("duplicate id");
    if (sbp_storage_get(key_buf, key('D', c.document), 0, 0) >= 0) sbp_fail("duplicate document");
    if (c.type.len == 0) sbp_fail("bad arguments: empty certificate type");
    c.height = sbp_block_height();
    c.timestamp = sbp_block_timestamp();
    c.status = CERT_VALID;
    c.reason.data = 0;
    c.reason.len = 0;
    store(&c);
    sbp_storage_set(key_buf, key('D', c.document), c.id.data, c.id.len);
    sbp_writer w = {out_buf, sizeof out_buf, 0};
    sbp_write_bytes(&w, c.id);
    sbp_write_bytes(&w, c.department);
    sbp_write_fixed(&w, c.document.data, 32);
    sbp_write_bytes(&w, c.type);
    sbp_emit("CertificateIssued", &w);
}

static void revoke(sbp_reader *r) {
    sbp_bytes id = read_id(r);
    sbp_bytes reason = sbp_read_bytes(r, TEXT_MAX);
    sbp_finish(r);
    require_issuer();
    sbp_bytes department = caller_department();
    certificate c;
    if (!load(id, &c)) sbp_fail("unknown certificate");
    if (!sbp_equal(c.department.data, c.department.len, department.data, department.len))
        sbp_fail("unauthorized: certificate issued by another department");
    if (c.status == CERT_REVOKED) sbp_fail("certificate revoked");
    if (reason.len == 0) sbp_fail("bad arguments: empty reason");
    c.status = CERT_REVOKED;
    c.reason = reason;
    store(&c);
    sbp_writer w = {out_buf, sizeof out_buf, 0};
    sbp_write_bytes(&w, c.id);
    sbp_write_bytes(&w, c.department);
    sbp_write_bytes(&w, reason);
    sbp_emit("CertificateRevoked", &w);
}

static void get(sbp_reader *r) {
    sbp_bytes id = read_id(r);
    sbp_finish(r);
    certificate c;
    if (!load(id, &c)) sbp_fail("unknown certificate");
    sbp_writer w = {out_buf, sizeof out_buf, 0};
    encode(&w, &c);
    sbp_output_write(w.data, w.len);
}

/* verifyDocument(digest) -> (status, id, department, certificateType, height); never reverts on an
   unknown digest, so other contracts can query it. */
static void verify_document(sbp_reader *r) {
    sbp_bytes document = sbp_read_fixed(r, 32);
    sbp_finish(r);
    static u8 id_buf[ID_MAX];
    sbp_writer w = {out_buf, sizeof out_buf, 0};
    i32 n = sbp_storage_get(key_buf, key('D', document), id_buf, ID_MAX);
    certificate c;
    sbp_bytes id = {id_buf, n < 0 ? 0 : (u32)n};
    if (n < 0 || !load(id, &c)) {
        sbp_bytes empty = {0, 0};
        sbp_write_u8(&w, CERT_UNKNOWN);
        sbp_write_bytes(&w, empty);
        sbp_write_bytes(&w, empty);
        sbp_write_bytes(&w, empty);
        sbp_write_u64(&w, 0);
    } else {
        sbp_write_u8(&w, c.status);
        sbp_write_bytes(&w, c.id);
        sbp_write_bytes(&w, c.department);
        sbp_write_bytes(&w, c.type);
        sbp_write_u64(&w, c.height);
    }
    sbp_output_write(w.data, w.len);
}

SBP_EXPORT(call) void call(void) {
    sbp_reader r = sbp_input(input_buf, sizeof input_buf);
    sbp_bytes method = sbp_read_bytes(&r, 64);
    if (sbp_equal_text(method.data, method.len, "issue")) issue(&r);
    else if (sbp_equal_text(method.data, method.len, "revoke")) revoke(&r);
    else if (sbp_equal_text(method.data, method.len, "get")) get(&r);
    else if (sbp_equal_text(method.data, method.len, "verifyDocument")) verify_document(&r);
    else sbp_fail("unknown method");
}
