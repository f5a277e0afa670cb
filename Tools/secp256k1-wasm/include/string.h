/* Freestanding shim for libsecp256k1 in WebAssembly (Tools/build-secp256k1-wasm): the three functions it calls. */
#ifndef SBP_SHIM_STRING_H
#define SBP_SHIM_STRING_H
#include <stddef.h>
void *memcpy(void *destination, const void *source, size_t count);
void *memset(void *destination, int value, size_t count);
int memcmp(const void *left, const void *right, size_t count);
#endif
