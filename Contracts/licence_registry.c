/*
 * Licence registry: a department's issuers issue, renew, suspend, reinstate, revoke and transfer
 * licences; anyone verifies one against a holder digest at a time. Only issuers of the department that
 * issued a licence may change it. A department admin may require, per licence type, a valid certificate
 * of a given type from the certificate registry for the holder digest (the cross-department case).
 * Interface: Genesis/contracts/licence_registry.interface.json.
 */
#include "sbp.h"

#define ID_MAX 64
#define TEXT_MAX 256
#define CONDITIONS_MAX 1024
#define DEPARTMENT_MAX 64
#define HISTORY_MAX 1000

enum { ACTIVE = 0, SUSPENDED = 1, REVOKED = 2 };
enum { V_VALID = 0, V_EXPIRED = 1, V_SUSPENDED = 2, V_REVOKED = 3, V_UNKNOWN = 4, V_HOLDER_MISMATCH = 5, V_NOT_YET_VALID = 6 };

typedef struct {
    sbp_bytes id, department, type, holder, conditions, reason;
    u64 valid_from, valid_until, height;
    u8 status;
    u32 history_count;
    /* The issue block's timestamp, stored after history_count by this code (ADR 0023): such a record holds
       its history entry 0 itself, which is then never stored under "H". Records written before lack it. */
    u64 issued_at;
    u8 has_issued_at;
} licence;

static u8 input_buf[8192];
static u8 record_buf[4096];
static u8 store_buf[4096];
static u8 out_buf[16384];
static u8 event_buf[4096];
static u8 key_buf[160];
static u8 dept_buf[DEPARTMENT_MAX];

static sbp_bytes caller_department(void) {
    i32 n = sbp_caller_department(dept_buf, DEPARTMENT_MAX);
    if (n <= 0) sbp_fail("unauthorized: caller has no department");
    sbp_bytes b = {dept_buf, (u32)n};
    return b;
}

static u32 put(u32 at, const u8 *data, u32 n) {
    for (u32 i = 0; i < n; i++) key_buf[at + i] = data[i];
    return at + n;
}

/* 'L' + id */
static u32 licence_key(sbp_bytes id) {
    key_buf[0] = 'L';
    return put(1, id.data, id.len);
}

/* 'H' + u8 idlen + id + u32 index */
static u32 history_key(sbp_bytes id, u32 index) {
    key_buf[0] = 'H';
    key_buf[1] = (u8)id.len;
    u32 at = put(2, id.data, id.len);
    for (int i = 0; i < 4; i++) key_buf[at++] = (u8)(index >> (8 * i));
    return at;
}

/* 'T' + u8 deptlen + dept + type */
static u32 requirement_key(sbp_bytes department, sbp_bytes type) {
    key_buf[0] = 'T';
    key_buf[1] = (u8)department.len;
    u32 at = put(2, department.data, department.len);
    return put(at, type.data, type.len);
}

static void encode(sbp_writer *w, const licence *l) {
    sbp_write_bytes(w, l->id);
    sbp_write_bytes(w, l->department);
    sbp_write_bytes(w, l->type);
    sbp_write_fixed(w, l->holder.data, 32);
    sbp_write_u64(w, l->valid_from);
    sbp_write_u64(w, l->valid_until);
    sbp_write_bytes(w, l->conditions);
    sbp_write_u8(w, l->status);
    sbp_write_bytes(w, l->reason);
    sbp_write_u64(w, l->height);
    sbp_write_u32(w, l->history_count);
}

static int load(sbp_bytes id, licence *l) {
    i32 n = sbp_storage_get(key_buf, licence_key(id), record_buf, sizeof record_buf);
    if (n < 0) return 0;
    sbp_reader r = {record_buf, (u32)n, 0};
    l->id = sbp_read_bytes(&r, ID_MAX);
    l->department = sbp_read_bytes(&r, DEPARTMENT_MAX);
    l->type = sbp_read_bytes(&r, TEXT_MAX);
    l->holder = sbp_read_fixed(&r, 32);
    l->valid_from = sbp_read_u64(&r);
    l->valid_until = sbp_read_u64(&r);
    l->conditions = sbp_read_bytes(&r, CONDITIONS_MAX);
    l->status = sbp_read_u8(&r);
    l->reason = sbp_read_bytes(&r, TEXT_MAX);
    l->height = sbp_read_u64(&r);
    l->history_count = sbp_read_u32(&r);
    l->has_issued_at = r.pos < r.len;
    l->issued_at = l->has_issued_at ? sbp_read_u64(&r) : 0;
    return 1;
}

/* Stores the licence under "L" + id: `get`'s fields, then the issue time when the record holds it. */
static void store(const licence *l) {
    sbp_writer s = {store_buf, sizeof store_buf, 0};
    encode(&s, l);
    if (l->has_issued_at) sbp_write_u64(&s, l->issued_at);
    sbp_storage_set(key_buf, licence_key(l->id), s.data, s.len);
}

/* A history entry: action, height, timestamp, department, detail. */
static void write_entry(sbp_writer *w, const char *action, u64 height, u64 timestamp, sbp_bytes department,
                        sbp_bytes detail) {
    sbp_write_text(w, action);
    sbp_write_u64(w, height);
    sbp_write_u64(w, timestamp);
    sbp_write_bytes(w, department);
    sbp_write_bytes(w, detail);
}

/* Appends a history entry (action, height, timestamp, department, detail), stores the licence, and
   emits the event `topic` with data (id, department, detail). Entry 0 of a record holding its issue time
   is the record's own (`history` rebuilds it), so only later entries are stored under "H". */
static void record(licence *l, const char *action, const char *topic, sbp_bytes detail) {
    if (l->history_count >= HISTORY_MAX) sbp_fail("history full");
    if (!(l->has_issued_at && l->history_count == 0)) {
        sbp_writer h = {event_buf, sizeof event_buf, 0};
        write_entry(&h, action, sbp_block_height(), sbp_block_timestamp(), l->department, detail);
        sbp_storage_set(key_buf, history_key(l->id, l->history_count), h.data, h.len);
    }
    l->history_count++;
    store(l);
    sbp_writer e = {event_buf, sizeof event_buf, 0};
    sbp_write_bytes(&e, l->id);
    sbp_write_bytes(&e, l->department);
    sbp_write_bytes(&e, detail);
    sbp_emit(topic, &e);
}

static sbp_bytes read_id(sbp_reader *r) {
    sbp_bytes id = sbp_read_bytes(r, ID_MAX);
    if (id.len == 0) sbp_fail("bad arguments: empty id");
    return id;
}

/* Loads licence `id` for a change: the caller must be an issuer of the issuing department. */
static void load_for_change(sbp_bytes id, licence *l) {
    if (!sbp_caller_has_role(SBP_ROLE_ISSUER)) sbp_fail("unauthorized: issuer role required");
    sbp_bytes department = caller_department();
    if (!load(id, l)) sbp_fail("unknown licence");
    if (!sbp_equal(l->department.data, l->department.len, department.data, department.len))
        sbp_fail("unauthorized: licence issued by another department");
}

static void check_certificate(sbp_bytes department, sbp_bytes type, sbp_bytes holder) {
    static u8 requirement[512];
    i32 n = sbp_storage_get(key_buf, requirement_key(department, type), requirement, sizeof requirement);
    if (n < 0) return;
    sbp_reader req = {requirement, (u32)n, 0};
    sbp_bytes registry = sbp_read_fixed(&req, 20);
    sbp_bytes certificate_type = sbp_read_bytes(&req, TEXT_MAX);
    static u8 query_in[64];
    sbp_writer q = {query_in, sizeof query_in, 0};
    sbp_write_text(&q, "verifyDocument");
    sbp_write_fixed(&q, holder.data, 32);
    static u8 answer[512];
    i32 m = sbp_query(registry.data, q.data, q.len, answer, sizeof answer);
    if (m < 0) sbp_fail("certificate registry unavailable");
    sbp_reader a = {answer, (u32)m, 0};
    u8 status = sbp_read_u8(&a);
    sbp_read_bytes(&a, ID_MAX);
    sbp_read_bytes(&a, DEPARTMENT_MAX);
    sbp_bytes found_type = sbp_read_bytes(&a, TEXT_MAX);
    if (status != 0 || !sbp_equal(found_type.data, found_type.len, certificate_type.data, certificate_type.len))
        sbp_fail("certificate required");
}

static void issue(sbp_reader *r) {
    licence l;
    l.id = read_id(r);
    l.type = sbp_read_bytes(r, TEXT_MAX);
    l.holder = sbp_read_fixed(r, 32);
    l.valid_from = sbp_read_u64(r);
    l.valid_until = sbp_read_u64(r);
    l.conditions = sbp_read_bytes(r, CONDITIONS_MAX);
    sbp_finish(r);
    if (!sbp_caller_has_role(SBP_ROLE_ISSUER)) sbp_fail("unauthorized: issuer role required");
    l.department = caller_department();
    if (l.type.len == 0) sbp_fail("bad arguments: empty licence type");
    if (l.valid_from >= l.valid_until) sbp_fail("bad arguments: validFrom must precede validUntil");
    if (sbp_storage_get(key_buf, licence_key(l.id), 0, 0) >= 0) sbp_fail("duplicate id");
    check_certificate(l.department, l.type, l.holder);
    l.status = ACTIVE;
    l.reason.data = 0;
    l.reason.len = 0;
    l.height = sbp_block_height();
    l.history_count = 0;
    l.issued_at = sbp_block_timestamp();
    l.has_issued_at = 1;
    record(&l, "issue", "LicenceIssued", l.type);
}

static void renew(sbp_reader *r) {
    sbp_bytes id = read_id(r);
    u64 valid_until = sbp_read_u64(r);
    sbp_finish(r);
    licence l;
    load_for_change(id, &l);
    if (l.status == REVOKED) sbp_fail("licence revoked");
    if (valid_until <= l.valid_until) sbp_fail("bad arguments: validUntil must increase");
    l.valid_until = valid_until;
    static u8 detail_buf[8];
    sbp_writer d = {detail_buf, sizeof detail_buf, 0};
    sbp_write_u64(&d, valid_until);
    sbp_bytes detail = {d.data, d.len};
    record(&l, "renew", "LicenceRenewed", detail);
}

static void change_status(sbp_reader *r, int with_reason, u8 from_mask, u8 to, const char *action,
                          const char *topic, const char *refusal) {
    sbp_bytes id = read_id(r);
    sbp_bytes reason = {0, 0};
    if (with_reason) reason = sbp_read_bytes(r, TEXT_MAX);
    sbp_finish(r);
    if (with_reason && reason.len == 0) sbp_fail("bad arguments: empty reason");
    licence l;
    load_for_change(id, &l);
    if (!(from_mask & (1u << l.status))) sbp_fail(refusal);
    l.status = to;
    l.reason = reason;
    record(&l, action, topic, reason);
}

static void transfer(sbp_reader *r) {
    sbp_bytes id = read_id(r);
    sbp_bytes holder = sbp_read_fixed(r, 32);
    sbp_finish(r);
    licence l;
    load_for_change(id, &l);
    if (l.status == REVOKED) sbp_fail("licence revoked");
    if (sbp_equal(l.holder.data, 32, holder.data, 32)) sbp_fail("bad arguments: same holder");
    l.holder = holder;
    record(&l, "transfer", "LicenceTransferred", holder);
}

static void get(sbp_reader *r) {
    sbp_bytes id = read_id(r);
    sbp_finish(r);
    licence l;
    if (!load(id, &l)) sbp_fail("unknown licence");
    sbp_writer w = {out_buf, sizeof out_buf, 0};
    encode(&w, &l);
    sbp_output_write(w.data, w.len);
}

static void verify(sbp_reader *r) {
    sbp_bytes id = read_id(r);
    sbp_bytes holder = sbp_read_fixed(r, 32);
    u64 at = sbp_read_u64(r);
    sbp_finish(r);
    licence l;
    u8 outcome;
    if (!load(id, &l)) outcome = V_UNKNOWN;
    else if (l.status == REVOKED) outcome = V_REVOKED;
    else if (l.status == SUSPENDED) outcome = V_SUSPENDED;
    else if (!sbp_equal(l.holder.data, 32, holder.data, 32)) outcome = V_HOLDER_MISMATCH;
    else if (at < l.valid_from) outcome = V_NOT_YET_VALID;
    else if (at >= l.valid_until) outcome = V_EXPIRED;
    else outcome = V_VALID;
    sbp_output_write(&outcome, 1);
}

static void history(sbp_reader *r) {
    sbp_bytes id = read_id(r);
    sbp_finish(r);
    licence l;
    if (!load(id, &l)) sbp_fail("unknown licence");
    sbp_writer w = {out_buf, sizeof out_buf, 0};
    sbp_write_u32(&w, l.history_count);
    u32 i = 0;
    if (l.history_count > 0 && l.has_issued_at) {
        /* The entry `record` would have stored at issue: the type, department and height never change. */
        write_entry(&w, "issue", l.height, l.issued_at, l.department, l.type);
        i = 1;
    }
    for (; i < l.history_count; i++) {
        i32 n = sbp_storage_get(key_buf, history_key(id, i), event_buf, sizeof event_buf);
        if (n < 0) sbp_fail("history entry missing");
        sbp_write_fixed(&w, event_buf, (u32)n);
    }
    sbp_output_write(w.data, w.len);
}

/* requireCertificate(licenceType, registry, certificateType): admin of the caller's department. */
static void require_certificate(sbp_reader *r) {
    sbp_bytes type = sbp_read_bytes(r, TEXT_MAX);
    sbp_bytes registry = sbp_read_fixed(r, 20);
    sbp_bytes certificate_type = sbp_read_bytes(r, TEXT_MAX);
    sbp_finish(r);
    if (!sbp_caller_has_role(SBP_ROLE_ADMIN)) sbp_fail("unauthorized: admin role required");
    sbp_bytes department = caller_department();
    if (type.len == 0 || certificate_type.len == 0) sbp_fail("bad arguments: empty type");
    sbp_writer v = {store_buf, sizeof store_buf, 0};
    sbp_write_fixed(&v, registry.data, 20);
    sbp_write_bytes(&v, certificate_type);
    sbp_storage_set(key_buf, requirement_key(department, type), v.data, v.len);
    sbp_writer e = {event_buf, sizeof event_buf, 0};
    sbp_write_bytes(&e, department);
    sbp_write_bytes(&e, type);
    sbp_write_fixed(&e, registry.data, 20);
    sbp_write_bytes(&e, certificate_type);
    sbp_emit("LicenceTypeRequirementSet", &e);
}

#define M(name) sbp_equal_text(method.data, method.len, name)

SBP_EXPORT(call) void call(void) {
    sbp_reader r = sbp_input(input_buf, sizeof input_buf);
    sbp_bytes method = sbp_read_bytes(&r, 64);
    if (M("issue")) issue(&r);
    else if (M("renew")) renew(&r);
    else if (M("suspend"))
        change_status(&r, 1, 1u << ACTIVE, SUSPENDED, "suspend", "LicenceSuspended", "licence not active");
    else if (M("reinstate"))
        change_status(&r, 0, 1u << SUSPENDED, ACTIVE, "reinstate", "LicenceReinstated", "licence not suspended");
    else if (M("revoke"))
        change_status(&r, 1, (1u << ACTIVE) | (1u << SUSPENDED), REVOKED, "revoke", "LicenceRevoked", "licence revoked");
    else if (M("transfer")) transfer(&r);
    else if (M("get")) get(&r);
    else if (M("verify")) verify(&r);
    else if (M("history")) history(&r);
    else if (M("requireCertificate")) require_certificate(&r);
    else sbp_fail("unknown method");
}
