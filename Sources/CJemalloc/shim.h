// jemalloc's control interface only (jemalloc/jemalloc.h also declares malloc and free, which would clash with
// the C library's declarations in Swift). Linking the library is what replaces the process's allocator (ADR 0024).
#include <stddef.h>

int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);

// glibc's dladdr and Dl_info, which <dlfcn.h> declares only under _GNU_SOURCE (not in Swift's Glibc module):
// which shared object defines an address (ProcessAllocator asks it of `malloc`).
typedef struct {
    const char *dli_fname;
    void *dli_fbase;
    const char *dli_sname;
    void *dli_saddr;
} sbp_dl_info;
int dladdr(const void *address, sbp_dl_info *info);
