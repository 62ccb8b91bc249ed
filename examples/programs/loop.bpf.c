// The helper toolbox in SEC("syscall") programs: bpf_loop and bpf_for_each_map_elem with static
// callbacks, bpf-to-bpf calls, bpf_snprintf and bpf_printk, bpf_get_prandom_u32, a
// bpf_spin_lock inside a map value, bpf_probe_read_kernel, and the bpf_ktime_get_*_ns clocks.
//
// Each program is small and independent; run them with test_run and read the results from
// ctx_out, obj.globals, obj.maps and rt.trace_lines().
#include <bpf/bpf_helpers.h>

#define ERANGE 34

/* ---- bpf_loop: call a static function n times ------------------------------------------- */

struct loop_args {
	__u32 n;       // in: how many iterations to ask for
	__u32 stop_at; // in: the index at which the callback says "stop"
	__u64 sum;     // out: the sum of the squares of the indexes before stop_at
	__u64 iterations; // out: what bpf_loop returned
};

struct sum_state {
	__u32 stop_at;
	__u64 sum;
};

// A bpf_loop callback gets the index and the context pointer given to bpf_loop; it returns
// 0 to go on, 1 to stop (bpf_loop then returns the number of calls made).
static long add_square(__u32 index, void *data)
{
	struct sum_state *state = data;

	if (index == state->stop_at)
		return 1;
	state->sum += (__u64)index * index;
	return 0;
}

SEC("syscall")
int sum_squares(struct loop_args *args)
{
	struct sum_state state = { .stop_at = args->stop_at };

	args->iterations = bpf_loop(args->n, add_square, &state, 0);
	args->sum = state.sum;
	return 0;
}

/* ---- bpf_for_each_map_elem: visit every element of a map -------------------------------- */

// Scores per player slot, written from Python (obj.maps["scores"][2] = 70).
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} scores SEC(".maps");

__u64 perfect_score = 100; // a perfect score ends the scan early
__u32 best_slot;
__u64 best_score;
__u64 score_total;
__u64 slots_visited;

struct scan {
	__u32 best_slot;
	__u64 best_score;
	__u64 total;
	__u64 perfect;
};

// Called with the map, a pointer to the key, a pointer to the value and the context given
// to bpf_for_each_map_elem; returning 1 stops the walk.
static long visit_score(void *map, __u32 *slot, __u64 *score, struct scan *scan)
{
	scan->total += *score;
	if (*score > scan->best_score) {
		scan->best_score = *score;
		scan->best_slot = *slot;
	}
	return *score >= scan->perfect ? 1 : 0;
}

SEC("syscall")
int scan_scores(void *ctx)
{
	struct scan scan = { .perfect = perfect_score };

	slots_visited = bpf_for_each_map_elem(&scores, visit_score, &scan, 0);
	best_slot = scan.best_slot;
	best_score = scan.best_score;
	score_total = scan.total;
	return 0;
}

/* ---- bpf-to-bpf calls: functions the verifier checks as separate frames ----------------- */

// __noinline keeps these as real BPF subprograms (call instructions with their own stack
// frame) instead of being inlined into the program.
static __noinline __u64 gcd(__u64 a, __u64 b)
{
	// Euclid's algorithm; the verifier needs a bound on the loop, and 100 steps cover any
	// pair of 64-bit numbers.
	for (int i = 0; i < 100 && b; i++) {
		__u64 r = a % b;

		a = b;
		b = r;
	}
	return a;
}

static __noinline __u64 lcm(__u64 a, __u64 b)
{
	if (!a || !b)
		return 0;
	return a / gcd(a, b) * b; // a call from a subprogram: three frames deep
}

struct numbers {
	__u64 a, b;     // in
	__u64 gcd, lcm; // out
};

SEC("syscall")
int number_theory(struct numbers *n)
{
	n->gcd = gcd(n->a, n->b);
	n->lcm = lcm(n->a, n->b);
	return 0;
}

/* ---- bpf_snprintf and bpf_printk -------------------------------------------------------- */

struct result {
	char name[16];
	__u32 points;
	__u32 max_points;
};

char message[48]; // bpf_snprintf writes here (cut to fit); read it as obj.globals["message"]
long message_len; // what bpf_snprintf returned: the formatted length plus the NUL

// bpf_snprintf wants its format in read-only data (.rodata), and its arguments as an array of
// u64 (pointers for %s).
static const char report_fmt[] = "%s scored %u of %u (%u%%)";

SEC("syscall")
int report(struct result *r)
{
	__u32 percent = r->max_points ? r->points * 100 / r->max_points : 0;
	__u64 args[] = { (__u64)(long)r->name, r->points, r->max_points, percent };

	message_len = bpf_snprintf(message, sizeof(message), report_fmt, args, sizeof(args));
	// bpf_printk formats like printf (up to three arguments) into the trace pipe.
	bpf_printk("report: %s", message);
	bpf_printk("length %ld", message_len);
	return 0;
}

/* ---- bpf_get_prandom_u32 ---------------------------------------------------------------- */

__u32 rolls[4]; // dice rolls, 1 to 6; reproducible with pybpf.Runtime(seed=...)

SEC("syscall")
int roll_dice(void *ctx)
{
	for (int i = 0; i < 4; i++)
		rolls[i] = bpf_get_prandom_u32() % 6 + 1;
	return 0;
}

/* ---- bpf_spin_lock in a map value ------------------------------------------------------- */

// A spin lock protects the other fields of a map value against programs on other CPUs.
// User space always reads the lock as zeros.
struct account {
	struct bpf_spin_lock lock;
	__s64 balance;
	__u64 changes;
	__u64 refused;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct account);
} accounts SEC(".maps");

struct transfer {
	__u32 account;  // in
	__u32 pad;
	__s64 amount;   // in: positive to deposit, negative to withdraw
	__s64 balance;  // out: the balance afterwards
};

SEC("syscall")
int apply_transfer(struct transfer *t)
{
	__u32 key = t->account;
	__s64 amount = t->amount;
	struct account *acc = bpf_map_lookup_elem(&accounts, &key);
	int refused;

	if (!acc)
		return -1; // no such account
	// Between lock and unlock: no helper calls, no function calls, just the critical section.
	bpf_spin_lock(&acc->lock);
	refused = acc->balance + amount < 0;
	if (refused) {
		acc->refused++;
	} else {
		acc->balance += amount;
		acc->changes++;
	}
	t->balance = acc->balance;
	bpf_spin_unlock(&acc->lock);
	return refused;
}

/* ---- bpf_probe_read_kernel -------------------------------------------------------------- */

struct snapshot {
	__u64 magic;
	__u32 values[4];
};

struct snapshot copied; // a copy of a struct on the program's stack
long copy_result;       // 0
__u64 fault_word = 1;   // what a read from a bad address leaves in the destination: zeros
long fault_result;      // -ERANGE

SEC("syscall")
int probe_memory(void *ctx)
{
	struct snapshot local = { .magic = 0x5eed5eed5eed5eedULL, .values = { 1, 2, 3, 5 } };

	copy_result = bpf_probe_read_kernel(&copied, sizeof(copied), &local);
	// Reading address 0 fails and zeroes the destination. On x86-64 the kernel refuses
	// user-space addresses (NULL among them) with -ERANGE; an unmapped kernel address would
	// give -EFAULT.
	fault_result = bpf_probe_read_kernel(&fault_word, sizeof(fault_word), (void *)0);
	return fault_result == -ERANGE ? 0 : 1;
}

/* ---- the clocks ------------------------------------------------------------------------- */

// (bpf_ktime_get_coarse_ns is left out: the kernel offers it to tracing and networking
// programs, not to syscall programs.)
__u64 monotonic_ns; // CLOCK_MONOTONIC
__u64 boot_ns;      // CLOCK_BOOTTIME (includes suspend)
__u64 tai_ns;       // CLOCK_TAI (wall clock, without leap seconds)

SEC("syscall")
int read_clocks(void *ctx)
{
	monotonic_ns = bpf_ktime_get_ns();
	boot_ns = bpf_ktime_get_boot_ns();
	tai_ns = bpf_ktime_get_tai_ns();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
