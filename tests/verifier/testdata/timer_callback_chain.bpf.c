/* verdict: combined stack size of 2 calls is 544. Too large
 *
 * A timer callback roots a chain of its own, and what it calls counts in that chain: 256 bytes
 * in the callback and 288 in the function it calls make 544, however little the program that
 * sets the timer uses.
 */
#define PROG_BYTES 8
#define CALLBACK_BYTES 256
#define CALLEE_BYTES 288
#include "timer_callback.h"
