/* Freestanding shim: only libsecp256k1's test macros print, and this build compiles none of them. */
#ifndef SBP_SHIM_STDIO_H
#define SBP_SHIM_STDIO_H
typedef struct sbp_shim_file FILE;
extern FILE *stderr;
int fprintf(FILE *stream, const char *format, ...);
#endif
