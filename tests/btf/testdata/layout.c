/* Layouts that make the C dump pad, pack, inline and forward-declare. */
struct __attribute__((packed)) packed_tail {
	int x;
	char c;
};

struct gap {
	char a;
	long long b __attribute__((aligned(16)));
	char z;
};

struct bitgap {
	char a;
	int b : 4;
	int : 0;
	char c;
	short d : 3;
};

struct wide_align {
	char a;
	char b[3];
	long long c;
} __attribute__((aligned(32)));

struct empty {};

struct list {
	struct list *next;
	struct list *prev;
};

typedef struct {
	int a;
} anon_t;

typedef int (*handler_t)(void *, ...);

struct callbacks {
	handler_t on_event;
	void (*arr_of_fp[2])(int);
	int (*(*ret_fp)(void))[4];
	int matrix[2][3];
	const char *const names[2];
	struct {
		struct list *head;
	} *anon_ptr;
	enum { CB_A, CB_B } kind;
};

enum { TOP_LEVEL = 3 } top_level_var;

struct packed_tail v1;
struct gap v2;
struct bitgap v3;
struct wide_align v4;
struct empty v5;
anon_t v6;
struct callbacks v7;
struct list v8;
