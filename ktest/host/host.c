/* ktest host backend: runs the cases of a native test executable (POSIX,
 * Linux-tested), one forked child per case, and prints KTAP on stdout with
 * write(2). Implements ktest_backend.h; signals stand in for CPU exceptions.
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

#include "ktest_backend.h"

#define ALTSTACK_SIZE   (64 * 1024)  /* room for the fault handler after a
				      * stack overflow, ASan frames included */
#define HUP_POLL_MS     1            /* wait step once the child closed its
				      * end of the pipe but is not reaped */
#define MSG_LEN         160
#define STATUS_ERROR    2            /* ktest_backend_exit(): an error */

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
};

/* One ktest_backend_try(): where ktest_backend_abort() and panic_at() go. */
struct try_frame {
	sigjmp_buf env;
	struct ktest_end_info *end;
	struct try_frame *prev;
};

static struct shared *shared;
static struct try_frame *try_top;
static bool in_child;
static char *cmdline;

static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };

/* Print "# ktest: host: <what>: <errno text>" and end the run as an error. */
__attribute__((noreturn)) static void host_fatal(const char *what)
{
	int err = errno;

	ktest_log("host: %s: %s", what, strerror(err));
	if (in_child)
		_exit(STATUS_ERROR);
	ktest_backend_exit(STATUS_ERROR);
}

/* ------------------------------------------------------------------------ */
/* Output, time, command line. */

void ktest_backend_write(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;                 /* stdout is gone: nothing to say */
		s += w;
		n -= (size_t)w;
	}
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
		ktest_log("host: a case ended outside ktest_backend_run()");
		ktest_backend_exit(STATUS_ERROR);
	}
	shared->done = 1;
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
	ktest_log("panic: %s", reason);
	if (!in_child)
		ktest_backend_exit(STATUS_ERROR);
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

__attribute__((noreturn)) static void run_child(
	void (*body)(struct ktest *t, struct ktest_end_info *end))
{
	in_child = true;
	install_fault_handlers();
	body(&shared->t, &shared->end);
	shared->done = 1;
	fflush(NULL);
	_exit(0);
}

/* ------------------------------------------------------------------------ */
/* In the runner: wait for the child, name how it died. */

/* Wait for pid until timeout_ms have passed, then kill it. The child holds
 * the write end of a pipe: its exit wakes poll() without any polling. */
static int wait_child(pid_t pid, int fd, unsigned timeout_ms, bool *timed_out)
{
	uint64_t deadline = ktest_backend_now_us() + (uint64_t)timeout_ms * 1000;
	bool hup = false;
	int status = 0;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		uint64_t now = ktest_backend_now_us();
		struct pollfd p = { .fd = hup ? -1 : fd, .events = POLLIN };
		uint64_t left_ms = now < deadline ? (deadline - now + 999) / 1000 : 0;

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			host_fatal("waitpid");
		if (left_ms == 0)
			break;
		if (poll(&p, 1, hup ? HUP_POLL_MS : (int)left_ms) > 0)
			hup = true;
	}
	*timed_out = true;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			host_fatal("waitpid");
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
	/* A program the case execs must not hold the pipe open after it. */
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	fflush(NULL);                   /* or the child would print it again */
	pid = fork();
	if (pid < 0)
		host_fatal("fork");
	if (pid == 0) {
		close(fds[0]);
		run_child(body);
	}
	close(fds[1]);
	status = wait_child(pid, fds[0], timeout_ms, &timed_out);
	close(fds[0]);
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
	shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!cmdline || shared == MAP_FAILED) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return 2;
	}
	status = ktest_main();
	munmap(shared, sizeof *shared);
	free(cmdline);
	return status;
}
