/* ktest host backend: runs the cases of a native test executable (POSIX,
 * Linux-tested), one forked child per case, and prints KTAP on stdout with
 * write(2). What a case writes to its stdout and stderr (printf, a
 * sanitizer's report) is collected and printed as the case's text, through
 * the core's line discipline. Implements ktest/backend.h; signals stand in
 * for CPU exceptions.
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86_64/exception.h"
#include "backend.h"

#define ALTSTACK_SIZE   (64 * 1024)  /* room for the fault handler after a
				      * stack overflow, ASan frames included */
#define HUP_POLL_MS     1            /* wait step once the child closed its
				      * end of the pipe but is not reaped */
#define MSG_LEN         160
#define TEXT_KEPT       65536        /* bytes of a case's own output shown */

/* x86 vectors a host signal stands for; an approximation, said so in the
 * reason of every such end. */
#define VEC_DIVIDE_ERROR   0
#define VEC_BREAKPOINT     3
#define VEC_INVALID_OPCODE 6
#define VEC_PAGE_FAULT     14

/* What a case's child process shares with the runner: the case context it
 * runs on, how it ended, and the fault its handler saw. */
struct shared {
	struct ktest t;
	struct ktest_end_info end;
	volatile sig_atomic_t done;     /* the body returned */
	volatile sig_atomic_t signo;    /* fatal signal caught in the child */
	void *volatile addr;            /* that signal's si_addr */
	uint32_t sum;                   /* the output's sum: cases write output too */
};

/* One ktest_backend_try(): where ktest_backend_abort() and panic_at() go. */
struct try_frame {
	sigjmp_buf env;
	struct ktest_end_info *end;
	struct try_frame *prev;
};

#ifdef KTEST_HOST_COVERAGE
/* Coverage builds (-Db_coverage=true): libgcov (or compiler-rt) writes the
 * counters at exit(), which a case's process never reaches. It starts from
 * zero (what the runner counted before the fork is the runner's) and writes
 * its own counters before it ends. */
void __gcov_reset(void);
void __gcov_dump(void);
#define child_coverage_start() __gcov_reset()
#define child_coverage_end() __gcov_dump()
#else
#define child_coverage_start() ((void)0)
#define child_coverage_end() ((void)0)
#endif

static struct shared *shared;
static struct try_frame *try_top;
static bool in_child;
static char *cmdline;
static int out_fd = STDOUT_FILENO;  /* the KTAP output, whatever the case does */

/* What the running case printed: kept, then shown after it ends. */
static struct {
	char buf[TEXT_KEPT];
	size_t len;
	size_t dropped;
} text;

static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };

/* Print "# ktest: host: <what>: <errno text>" and end the run as an error. */
__attribute__((noreturn)) static void host_fatal(const char *what)
{
	int err = errno;

	ktest_say("%s: host: %s: %s", KTEST_SAY_ERROR, what, strerror(err));
	if (in_child)
		_exit(KTEST_STATUS_ERROR);
	ktest_backend_exit(KTEST_STATUS_ERROR);
}

/* ------------------------------------------------------------------------ */
/* Output, time, command line. */

uint32_t *ktest_backend_sum(void)
{
	return &shared->sum;
}

void ktest_backend_write(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(out_fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;                 /* stdout is gone: nothing to say */
		s += w;
		n -= (size_t)w;
	}
}

uint64_t ktest_backend_lock(void)
{
	return 0;               /* one thread writes the output */
}

void ktest_backend_unlock(uint64_t saved)
{
	(void)saved;
}

const char *ktest_backend_vector_name(int vector)
{
	return exception_name((unsigned)vector);
}

int ktest_backend_vformat(char *buf, size_t len, const char *fmt, va_list ap)
{
	return vsnprintf(buf, len, fmt, ap);
}

uint64_t ktest_backend_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

const char *ktest_backend_cmdline(void)
{
	return cmdline ? cmdline : "";
}

__attribute__((noreturn)) void ktest_backend_exit(int status)
{
	fflush(NULL);
	exit(status);
}

/* ------------------------------------------------------------------------ */
/* Inside the child: tries, aborts, panics, fatal signals. */

enum ktest_end ktest_backend_try(struct ktest *t, void (*fn)(struct ktest *t),
				 struct ktest_end_info *end)
{
	struct try_frame frame = { .end = end, .prev = try_top };

	end->how = KTEST_END_RETURNED;
	end->vector = 0;
	end->reason[0] = '\0';
	if (sigsetjmp(frame.env, 0) == 0) {
		try_top = &frame;
		fn(t);
	}
	try_top = frame.prev;
	return end->how;
}

/* Leave the innermost try with @how; outside any try, end the child. */
__attribute__((noreturn)) static void leave_try(enum ktest_end how,
						const char *reason)
{
	struct try_frame *f = try_top;
	struct ktest_end_info *end = f ? f->end : &shared->end;

	end->how = how;
	end->vector = 0;
	snprintf(end->reason, sizeof end->reason, "%s", reason);
	if (f)
		siglongjmp(f->env, 1);
	if (!in_child) {
		ktest_say("%s: host: a case ended outside ktest_backend_run()",
			  KTEST_SAY_ERROR);
		ktest_backend_exit(KTEST_STATUS_ERROR);
	}
	shared->done = 1;
	child_coverage_end();
	_exit(0);
}

void ktest_backend_abort(void)
{
	leave_try(KTEST_END_ABORTED, "");
}

/*
 * The host build's panic(): kernel code calls panic_at(__FILE__, __LINE__,
 * fmt, ...) through its panic() macro. Inside a case it ends the innermost
 * try with KTEST_END_PANIC (case_exit still runs, as in the kernel);
 * outside any case it prints "# panic: message (file:line)" and ends the
 * run with status 2.
 */
__attribute__((noreturn, format(printf, 3, 4)))
void panic_at(const char *file, int line, const char *fmt, ...);

void panic_at(const char *file, int line, const char *fmt, ...)
{
	char msg[MSG_LEN], reason[MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (snprintf(reason, sizeof reason, "%s (%s:%d)", msg, file, line) < 0)
		reason[0] = '\0';
	/* As the kernel prints it: the case's text, or the runner's. */
	if (in_child)
		fprintf(stderr, "panic: %s\n", reason);
	else
		ktest_say("panic: %s", reason);
	if (!in_child && !try_top) {
		ktest_say("%s: panic outside any case: %s", KTEST_SAY_ERROR, reason);
		ktest_backend_exit(KTEST_STATUS_ERROR);
	}
	leave_try(KTEST_END_PANIC, reason);
}

/* Record the fault for the runner, then die of it with the default action
 * (SA_RESETHAND restored it) so that the runner sees which signal it was.
 * Replacing the sanitizers' handler is deliberate: ASan's would exit(1). */
static void on_fatal_signal(int sig, siginfo_t *info, void *context)
{
	(void)context;
	shared->signo = sig;
	shared->addr = info->si_addr;
	raise(sig);
}

static void install_fault_handlers(void)
{
	static char altstack[ALTSTACK_SIZE];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
	struct sigaction sa;
	size_t i;

	if (sigaltstack(&ss, NULL) != 0)
		host_fatal("sigaltstack");
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fatal_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
		if (sigaction(fatal_signals[i], &sa, NULL) != 0)
			host_fatal("sigaction");
}

/* In the child: the case's stdout and stderr go to the pipe the runner
 * reads; ktest's own lines keep going to out_fd. */
__attribute__((noreturn)) static void run_child(
	void (*body)(struct ktest *t, struct ktest_end_info *end), int text_fd)
{
	in_child = true;
	child_coverage_start();
	if (dup2(text_fd, STDOUT_FILENO) < 0 || dup2(text_fd, STDERR_FILENO) < 0)
		host_fatal("dup2");
	close(text_fd);
	setvbuf(stdout, NULL, _IONBF, 0);
	install_fault_handlers();
	body(&shared->t, &shared->end);
	shared->done = 1;
	fflush(NULL);
	child_coverage_end();
	_exit(0);
}

/* ------------------------------------------------------------------------ */
/* In the runner: collect what the child prints, wait for it, name how it
 * died. */

/* Read what the child printed; false at the end of its output. */
static bool collect_text(int fd)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof chunk);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	for (ssize_t i = 0; i < n; i++) {
		if (text.len < sizeof text.buf)
			text.buf[text.len++] = chunk[i];
		else
			text.dropped++;
	}
	return n > 0;
}

/* Show the case's own output as its text, then forget it. */
static void show_text(void)
{
	char note[80];

	if (text.len)
		ktest_text(text.buf, text.len);
	if (text.len && text.buf[text.len - 1] != '\n')
		ktest_text("\n", 1);
	if (text.dropped) {
		snprintf(note, sizeof note, "(%zu more bytes of output not shown)\n",
			 text.dropped);
		ktest_text(note, strlen(note));
	}
	text.len = text.dropped = 0;
}

/* Wait for pid until timeout_ms have passed, then kill it, collecting its
 * output from fd, whose end closes when the child exits. */
static int wait_child(pid_t pid, int fd, unsigned timeout_ms, bool *timed_out)
{
	uint64_t deadline = ktest_backend_now_us() + (uint64_t)timeout_ms * 1000;
	bool open = true;
	int status = 0;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		uint64_t now = ktest_backend_now_us();
		struct pollfd p = { .fd = open ? fd : -1, .events = POLLIN };
		uint64_t left_ms = now < deadline ? (deadline - now + 999) / 1000 : 0;

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			host_fatal("waitpid");
		if (left_ms == 0) {
			*timed_out = true;
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0)
				if (errno != EINTR)
					host_fatal("waitpid");
			break;
		}
		if (poll(&p, 1, open ? (int)left_ms : HUP_POLL_MS) > 0)
			open = collect_text(fd);
	}
	while (open && collect_text(fd))
		;                       /* what it wrote just before it ended */
	return status;
}

static const char *signal_name(int sig)
{
	static const struct { int sig; const char *name; } names[] = {
		{ SIGSEGV, "SIGSEGV" }, { SIGBUS, "SIGBUS" },
		{ SIGFPE, "SIGFPE" }, { SIGILL, "SIGILL" },
		{ SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
		{ SIGKILL, "SIGKILL" }, { SIGTERM, "SIGTERM" },
		{ SIGINT, "SIGINT" }, { SIGPIPE, "SIGPIPE" },
		{ SIGALRM, "SIGALRM" }, { SIGSYS, "SIGSYS" },
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].sig == sig)
			return names[i].name;
	return "signal";
}

/* Host approximation: the x86 exception a signal most likely came from. */
static int signal_vector(int sig)
{
	switch (sig) {
	case SIGFPE:  return VEC_DIVIDE_ERROR;
	case SIGTRAP: return VEC_BREAKPOINT;
	case SIGILL:  return VEC_INVALID_OPCODE;
	case SIGSEGV:
	case SIGBUS:  return VEC_PAGE_FAULT;
	default:      return KTEST_VECTOR_NONE;
	}
}

/* Fill *end for a child that died before its body returned. */
static void describe_death(int status, struct ktest_end_info *end)
{
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	char addr[48] = "";

	end->how = KTEST_END_EXCEPTION;
	end->vector = sig ? signal_vector(sig) : KTEST_VECTOR_NONE;
	if (sig && shared->signo == sig && (sig == SIGSEGV || sig == SIGBUS))
		snprintf(addr, sizeof addr, " at address 0x%lx",
			 (unsigned long)(uintptr_t)shared->addr);
	if (sig && end->vector != KTEST_VECTOR_NONE)
		snprintf(end->reason, sizeof end->reason,
			 "%s%s (host approximation)", signal_name(sig), addr);
	else if (sig)
		snprintf(end->reason, sizeof end->reason,
			 "killed by %s (%d)", signal_name(sig), sig);
	else
		snprintf(end->reason, sizeof end->reason,
			 "case process exited with status %d before the case "
			 "finished (a sanitizer report on stderr?)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/*
 * Run body in a forked child on shared memory, so that a crash, a hang or
 * a corrupted heap stays in the child. The child's struct ktest and end
 * come back through the mapping; a child that did not finish is described
 * by its wait status (signals mapped to vectors) or as a timeout.
 */
void ktest_backend_run(struct ktest *t,
		       void (*body)(struct ktest *t, struct ktest_end_info *end),
		       unsigned timeout_ms, struct ktest_end_info *end)
{
	bool timed_out = false;
	int fds[2], status;
	pid_t pid;

	shared->t = *t;
	shared->end = *end;
	shared->done = 0;
	shared->signo = 0;
	shared->addr = NULL;
	if (pipe(fds) != 0)
		host_fatal("pipe");
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	fflush(NULL);                   /* or the child would print it again */
	pid = fork();
	if (pid < 0)
		host_fatal("fork");
	if (pid == 0) {
		close(fds[0]);
		run_child(body, fds[1]);
	}
	close(fds[1]);
	status = wait_child(pid, fds[0], timeout_ms, &timed_out);
	close(fds[0]);
	show_text();
	*t = shared->t;
	*end = shared->end;
	if (shared->done)
		return;
	if (timed_out) {
		end->how = KTEST_END_TIMEOUT;
		end->vector = 0;
		snprintf(end->reason, sizeof end->reason, "ran past %u ms",
			 timeout_ms);
		return;
	}
	describe_death(status, end);
}

/* A suite fixture runs in the runner itself, so that what it sets up lasts
 * for the suite's cases (each a child forked from the runner). */
enum ktest_end ktest_backend_fixture(void (*fn)(struct ktest *t),
				     unsigned timeout_ms,
				     struct ktest_end_info *end)
{
	struct ktest t = { .tcase = NULL };

	(void)timeout_ms;
	return ktest_backend_try(&t, fn, end);
}

/* A case's process ends with it: nothing it changed outlives it. */
void ktest_backend_case_start(const struct ktest *t)
{
	(void)t;
}

bool ktest_backend_case_check(struct ktest *t)
{
	(void)t;
	return true;
}

/* ------------------------------------------------------------------------ */
/* Fresh runs (ktest.fresh): one run per process, its words from stdin. */

long ktest_backend_read_words(char *buf, size_t cap)
{
	size_t len = 0;
	bool too_long = false;
	char c;

	while (read(STDIN_FILENO, &c, 1) == 1 && c != '\n') {
		if (c == '\r')
			continue;
		if (len + 1 < cap)
			buf[len++] = c;
		else
			too_long = true;
	}
	buf[len] = '\0';
	return too_long ? -1 : (long)len;
}

void ktest_backend_park(int status)
{
	ktest_backend_exit(status);
}

/* ------------------------------------------------------------------------ */

static void usage(const char *prog)
{
	printf("usage: %s [ktest.filter=GLOB[,GLOB...]] [ktest.list]\n"
	       "       [ktest.shuffle=SEED] [ktest.repeat=N] [ktest.timeout=MS]\n"
	       "Runs the ktest cases linked into this program and prints KTAP\n"
	       "on stdout (docs/protocol.md). Exit status: 0 all passed or\n"
	       "skipped, 1 a case failed or timed out, 2 an error.\n", prog);
}

/* argv[1..] joined by spaces: the command line words ktest reads. */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 1; i < argc; i++) {
		strcat(s, argv[i]);
		if (i + 1 < argc)
			strcat(s, " ");
	}
	return s;
}

/* `./fmt_test ktest.filter=fmt.*`: exit 0 pass, 1 fail, 2 error. */
int main(int argc, char **argv)
{
	int i, status;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(argv[0]);
			return 0;
		}
	}
	cmdline = join_args(argc, argv);
	out_fd = dup(STDOUT_FILENO);
	shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!cmdline || shared == MAP_FAILED || out_fd < 0) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return 2;
	}
	ktest_start_output();
	status = ktest_main();
	munmap(shared, sizeof *shared);
	free(cmdline);
	return status;
}
