/* verdict: accepted
 *
 * A bpf_loop callback runs on its caller's stack: 256 bytes in the program and 256 in the
 * callback make one chain of 512, the most a chain may use.
 */
#define CALLBACK_BYTES 256
#include "loop_callback_stack.bpf.c"
