/* verdict: accepted
 *
 * A timer callback runs later, on a stack of its own: 400 bytes in the program that sets it
 * and 400 in the callback are two chains, each under 512.
 */
#define PROG_BYTES 400
#define CALLBACK_BYTES 400
#include "timer_callback.h"
