/* The range each cgroup and socket-level program type's exit must return in (the types the
 * retval family does not cover): one case inside the range and one just outside. */
#include "corpus.h"

/* cgroup/sock_create may return 0 or 1 */
ASM_CASE("cgroup/sock_create", sock_create_returns_1, "r0 = 1; exit;")
ASM_CASE("cgroup/sock_create", sock_create_returns_2, "r0 = 2; exit;")
/* sockops: 0 or 1 */
ASM_CASE("sockops", sockops_returns_1, "r0 = 1; exit;")
ASM_CASE("sockops", sockops_returns_2, "r0 = 2; exit;")
/* cgroup/dev: 0 or 1 */
ASM_CASE("cgroup/dev", dev_returns_0, "r0 = 0; exit;")
ASM_CASE("cgroup/dev", dev_returns_negative, "r0 = -1; exit;")
/* cgroup/sysctl: 0 or 1 */
ASM_CASE("cgroup/sysctl", sysctl_returns_1, "r0 = 1; exit;")
ASM_CASE("cgroup/sysctl", sysctl_returns_3, "r0 = 3; exit;")
/* cgroup/getsockopt and setsockopt: 0 or 1 */
ASM_CASE("cgroup/getsockopt", getsockopt_returns_1, "r0 = 1; exit;")
ASM_CASE("cgroup/getsockopt", getsockopt_returns_2, "r0 = 2; exit;")
ASM_CASE("cgroup/setsockopt", setsockopt_returns_2, "r0 = 2; exit;")
/* sk_lookup: 0 or 1 */
ASM_CASE("sk_lookup", sk_lookup_returns_1, "r0 = 1; exit;")
ASM_CASE("sk_lookup", sk_lookup_returns_2, "r0 = 2; exit;")
/* bind hooks may also ask to bypass the port check: 0 to 3 */
ASM_CASE("cgroup/bind4", bind4_returns_3, "r0 = 3; exit;")
ASM_CASE("cgroup/bind4", bind4_returns_4, "r0 = 4; exit;")
/* connect hooks: 0 or 1 */
ASM_CASE("cgroup/connect4", connect4_returns_1, "r0 = 1; exit;")
ASM_CASE("cgroup/connect4", connect4_returns_2, "r0 = 2; exit;")
/* recvmsg hooks may not refuse: exactly 1 */
ASM_CASE("cgroup/recvmsg4", recvmsg4_returns_1, "r0 = 1; exit;")
ASM_CASE("cgroup/recvmsg4", recvmsg4_returns_0, "r0 = 0; exit;")
/* getpeername hooks: exactly 1 */
ASM_CASE("cgroup/getpeername4", getpeername4_returns_0, "r0 = 0; exit;")
/* an exit value the hook checks, but unknown */
ASM_CASE("cgroup/sock_create", sock_create_returns_unknown, "call %[bpf_get_prandom_u32]; exit;")
/* a known range within the hook's */
ASM_CASE("cgroup/sock_create", sock_create_returns_masked, "call %[bpf_get_prandom_u32]; r0 &= 1; exit;")
/* flow dissector programs return any value */
ASM_CASE("flow_dissector", flow_dissector_returns_large, "r0 = 1000; exit;")
/* sk_msg and sk_skb programs return any value */
ASM_CASE("sk_msg", sk_msg_returns_large, "r0 = 1000; exit;")
ASM_CASE("sk_skb/stream_verdict", sk_skb_returns_large, "r0 = 1000; exit;")
/* a cgroup hook's exit without R0 set */
ASM_CASE("cgroup/dev", dev_r0_unset, "exit;")
