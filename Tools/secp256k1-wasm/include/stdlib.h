/* Freestanding shim: libsecp256k1's allocating context functions name these; the explorer's module only
   uses secp256k1_context_static, so malloc and realloc always fail and nothing is ever freed. */
#ifndef SBP_SHIM_STDLIB_H
#define SBP_SHIM_STDLIB_H
#include <stddef.h>
void *malloc(size_t size);
void *realloc(void *pointer, size_t size);
void free(void *pointer);
void abort(void);
#endif
