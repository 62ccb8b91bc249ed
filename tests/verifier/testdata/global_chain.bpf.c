/* verdict: the call stack of 8 frames is too deep !
 *
 * Nine frames of global functions: each is verified on its own, so the interpreter never
 * holds them all; the stack-depth walk after it counts the chain (and says so with a "!").
 */
#define LINKAGE
#include "static_chain.bpf.c"
