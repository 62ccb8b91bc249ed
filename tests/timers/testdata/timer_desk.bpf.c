// The four bpf_timer helpers in one run, every error case among them, the return codes kept in
// rc[]: compiled code serves these through the timer desk (tests/timers/test_desk.py), and the
// kernel gives the same codes (tests/kernel/test_timer_desk.py).
#include <bpf/bpf_helpers.h>
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
struct elem { __u64 count; __s64 rc; struct bpf_timer t; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 8); __type(key, int); __type(value, struct elem); }
    arr SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, int); __type(value, struct elem); }
    hash SEC(".maps");
__s64 rc[40];

/* key 0 cancels itself (-EDEADLK), key 1 re-arms twice, key 2 cancels key 3's timer */
static int cb(void *map, int *key, struct elem *e)
{
    int three = 3;
    struct elem *other;
    e->count++;
    if (*key == 0)
        e->rc = bpf_timer_cancel(&e->t);
    if (*key == 1 && e->count < 3)
        e->rc = bpf_timer_start(&e->t, 200, 0);
    if (*key == 2) {
        other = bpf_map_lookup_elem(map, &three);
        if (other)
            e->rc = bpf_timer_cancel(&other->t);
    }
    return 0;
}

static struct elem *at(void *map, int key)
{
    return bpf_map_lookup_elem(map, &key);
}

SEC("syscall")
int sequence(void *ctx)
{
    struct elem zero = {}, *e0 = at(&arr, 0), *e1 = at(&arr, 1), *e2 = at(&arr, 2), *e3 = at(&arr, 3), *h;
    int key = 7, i = 0;
    if (!e0 || !e1 || !e2 || !e3)
        return 1;
    rc[i++] = bpf_timer_start(&e0->t, 100, 0);                      /* -EINVAL: not initialised */
    rc[i++] = bpf_timer_set_callback(&e0->t, cb);                   /* -EINVAL */
    rc[i++] = bpf_timer_cancel(&e0->t);                             /* -EINVAL */
    rc[i++] = bpf_timer_init(&e0->t, &arr, 3);                      /* -EINVAL: clock */
    rc[i++] = bpf_timer_init(&e0->t, &arr, 16);                     /* -EINVAL: flags */
    rc[i++] = bpf_timer_init(&e0->t, &arr, CLOCK_MONOTONIC);
    rc[i++] = bpf_timer_init(&e0->t, &arr, CLOCK_BOOTTIME);         /* -EBUSY */
    rc[i++] = bpf_timer_start(&e0->t, 100, 0);                      /* -EINVAL: no callback */
    rc[i++] = bpf_timer_set_callback(&e0->t, cb);
    rc[i++] = bpf_timer_start(&e0->t, 100, 4);                      /* -EINVAL: flags */
    rc[i++] = bpf_timer_start(&e0->t, 1000000000, 2);               /* CPU_PIN: 0 from 6.7 */
    rc[i++] = bpf_timer_start(&e0->t, 2000000000, 0);               /* re-arm (long: the kernel's
                                                                       real time must not fire it) */
    rc[i++] = bpf_timer_cancel(&e0->t);                             /* 1 */
    rc[i++] = bpf_timer_cancel(&e0->t);                             /* 0 */
    rc[i++] = bpf_timer_start(&e0->t, 100, 0);                      /* -EINVAL after cancel */
    rc[i++] = bpf_timer_set_callback(&e0->t, cb);
    rc[i++] = bpf_timer_start(&e0->t, 400, 0);
    rc[i++] = bpf_timer_init(&e1->t, &arr, CLOCK_BOOTTIME);
    rc[i++] = bpf_timer_set_callback(&e1->t, cb);
    rc[i++] = bpf_timer_start(&e1->t, bpf_ktime_get_boot_ns() + 300, 1); /* ABS: from 6.4 */
    rc[i++] = bpf_timer_start(&e1->t, 300, 0);
    rc[i++] = bpf_timer_init(&e2->t, &arr, CLOCK_REALTIME);
    rc[i++] = bpf_timer_set_callback(&e2->t, cb);
    rc[i++] = bpf_timer_start(&e2->t, 100, 0);
    rc[i++] = bpf_timer_init(&e3->t, &arr, CLOCK_MONOTONIC);
    rc[i++] = bpf_timer_set_callback(&e3->t, cb);
    rc[i++] = bpf_timer_start(&e3->t, 150, 0);
    rc[i++] = bpf_timer_start(&e3->t, -1, 0);                       /* saturates: never fires */
    rc[i++] = bpf_timer_start(&e3->t, 150, 0);
    bpf_map_update_elem(&hash, &key, &zero, BPF_ANY);
    h = bpf_map_lookup_elem(&hash, &key);
    if (!h)
        return 2;
    rc[i++] = bpf_timer_init(&h->t, &hash, CLOCK_MONOTONIC);
    rc[i++] = bpf_timer_set_callback(&h->t, cb);
    rc[i++] = bpf_timer_start(&h->t, 250, 0);
    return 0;
}
char LICENSE[] SEC("license") = "GPL";
