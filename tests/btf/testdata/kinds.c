/* One of every BTF kind, for the parser, the model and the dumps. */
typedef unsigned long long __u64;
typedef unsigned int __u32;
typedef _Bool bool;

#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __user __attribute__((btf_type_tag("user")))

enum color { RED, GREEN = 5, BLUE };
enum neg { MINUS = -1, ZERO = 0 };
enum big { HUGE = 0x123456789ULL, SMALL = 1 };
enum sbig { SNEG = -0x123456789LL, SPOS = 2 };

struct fwd_only;

union num {
	int i;
	float f;
	unsigned char b[4];
};

struct inner {
	short s;
	char c;
};

struct all {
	int i;
	unsigned int u : 3;
	int sb : 5;
	unsigned long long big : 40;
	bool flag;
	char name[8];
	enum color col;
	enum neg ng;
	enum big bg;
	enum sbig sbg;
	float fl;
	double db;
	union num n;
	struct {
		int ax;
		int ay;
	};
	union {
		int ua;
		short ub;
	};
	struct inner arr[2];
	const volatile int *cv;
	int __user *up;
	struct fwd_only *fp;
	int (*fn)(int, char);
	int tagged __tag("field");
	__int128 wide;
	unsigned __int128 uwide;
} __tag("structtag");

struct all a;
static volatile const int answer = 42;
int *restrict rp;
extern int ext_var __attribute__((weak));

__attribute__((noinline)) int helper(int x __tag("param")) __tag("func")
{
	return x + 1;
}

static __attribute__((noinline)) int twice(int y)
{
	return y * 2;
}

extern int ext_func(int) __attribute__((weak));

__attribute__((section("prog"))) int entry(struct all *p)
{
	return helper(p->i) + twice(p->u) + answer + (rp ? *rp : 0) + ext_var + ext_func(1);
}
