/* Initialised globals, one per section, so tests can decode bytes the compiler laid out. */
typedef _Bool bool;
#define SEC(name) __attribute__((section(name), used))

enum mode { OFF, ON = 7 };

struct bits {
	unsigned int u : 3;
	int s : 5;
	unsigned long long wide : 40;
	unsigned char tail : 1;
	int after;
};

struct mixed {
	char name[6];
	unsigned char raw[3];
	short neg;
	bool flag;
	enum mode mode;
	unsigned long long big;
	float ratio;
	double precise;
	struct {
		int x;
		int y;
	};
	int grid[2][2];
};

struct bits bits SEC(".data.bits") = { .u = 5, .s = -3, .wide = 0x8000000007ULL, .tail = 1, .after = -1 };
struct mixed mixed SEC(".data.mixed") = {
	.name = "hi",
	.raw = { 1, 2, 3 },
	.neg = -2,
	.flag = 1,
	.mode = ON,
	.big = 0xfedcba9876543210ULL,
	.ratio = 1.5f,
	.precise = -0.25,
	.x = 10,
	.y = -20,
	.grid = { { 1, 2 }, { 3, 4 } },
};
char text[8] SEC(".data.text") = "abc";
char noterm[3] SEC(".data.noterm") = { 'x', 'y', 'z' };
