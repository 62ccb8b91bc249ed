/* verdict: accepted
 *
 * A function that tail-calls, on 240 bytes of its caller's stack: under the 256 allowed.
 */
#define CALLER_BYTES 240
#include "tail_call_stack.bpf.c"
