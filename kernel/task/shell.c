/* The kernel shell: a table of commands, a line editor fed one character at
 * a time, and a task that feeds it from the typed-input stream.
 */
#include "task/shell.h"

#include "arch/x86_64/arch.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/tsc.h"
#include "init.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "panic.h"
#include "task/input.h"

#define KIB            1024ull
#define ASCII_SPACE    0x20
#define ASCII_DEL      0x7f

struct command {
	const char *name;
	const char *help;
	void (*run)(struct shell *sh);
};

static void help(struct shell *sh);

static const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_USABLE:       return "usable";
	case BOOT_MEM_RESERVED:     return "reserved";
	case BOOT_MEM_ACPI_RECLAIM: return "ACPI reclaimable";
	case BOOT_MEM_ACPI_NVS:     return "ACPI NVS";
	case BOOT_MEM_BAD:          return "bad";
	default:                    return "unknown";
	}
}

static void mem(struct shell *sh)
{
	const struct boot_info *bi = boot_info;
	uint64_t usable = 0;

	pprintf(sh->out, "Memory map (%u regions):\n", bi->mmap_count);
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mmap_entry *e = &bi->mmap[i];

		pprintf(sh->out, "  %016llx-%016llx %8llu KiB  %s\n",
			(unsigned long long)e->base,
			(unsigned long long)(e->base + e->length - 1),
			(unsigned long long)(e->length / KIB), mem_type_name(e->type));
		if (e->type == BOOT_MEM_USABLE)
			usable += e->length;
	}
	pprintf(sh->out, "Usable: %llu MiB (%llu KiB)\n",
		(unsigned long long)(usable / KIB / KIB), (unsigned long long)(usable / KIB));
	pprintf(sh->out, "Frames: %llu free, %llu used of %llu (4 KiB each)\n",
		(unsigned long long)frame_free_count(),
		(unsigned long long)frame_used_count(),
		(unsigned long long)frame_total_count());
}

static void heap(struct shell *sh)
{
	struct heap_stats h;

	heap_stats(&h);
	pprintf(sh->out, "Heap (%s): %llu KiB mapped, %zu bytes in %zu blocks, "
		"%zu free; %llu allocations, %llu frees, %llu grows\n",
		h.allocator, (unsigned long long)(h.mapped_bytes / KIB),
		h.alloc.used_bytes, h.alloc.live, h.alloc.free_bytes,
		(unsigned long long)h.alloc.allocs, (unsigned long long)h.alloc.frees,
		(unsigned long long)h.grows);
}

static void ticks(struct shell *sh)
{
	pprintf(sh->out, "Ticks: %llu at %u Hz, uptime %llu ms; TSC %llu kHz\n",
		(unsigned long long)pit_ticks(), pit_hz(),
		(unsigned long long)pit_millis(), (unsigned long long)tsc_khz());
}

static void tasks(struct shell *sh)
{
	struct executor_stats st;

	executor_get_stats(sh->ex, &st);
	pprintf(sh->out, "Tasks: %zu running; %llu spawned, %llu finished, "
		"%llu polls, %llu wakes, %llu idles\n",
		executor_task_count(sh->ex), (unsigned long long)st.spawned,
		(unsigned long long)st.finished, (unsigned long long)st.polls,
		(unsigned long long)st.wakes, (unsigned long long)st.idles);
}

static void panic_now(struct shell *sh)
{
	(void)sh;
	panic("shell: panic asked for at the prompt");
}

static void reboot(struct shell *sh)
{
	pprintf(sh->out, "Rebooting.\n");
	arch_reboot();
}

static const struct command commands[] = {
	{ "help", "this list", help },
	{ "mem", "the memory map and the frames", mem },
	{ "heap", "the heap's allocator and its statistics", heap },
	{ "ticks", "the timer's ticks and the uptime", ticks },
	{ "tasks", "the executor's tasks and counters", tasks },
	{ "panic", "call panic()", panic_now },
	{ "reboot", "reset the machine", reboot },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void help(struct shell *sh)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		pprintf(sh->out, "  %-8s %s\n", commands[i].name, commands[i].help);
}

void shell_init(struct shell *sh, const struct printer *out, struct executor *ex)
{
	sh->out = out;
	sh->ex = ex;
	sh->len = 0;
	sh->line[0] = '\0';
}

bool shell_execute(struct shell *sh, const char *line)
{
	size_t start = 0, end = strlen(line);

	while (line[start] == ' ')
		start++;
	while (end > start && line[end - 1] == ' ')
		end--;
	if (start == end)
		return true;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strlen(commands[i].name) == end - start &&
		    memcmp(commands[i].name, line + start, end - start) == 0) {
			commands[i].run(sh);
			return true;
		}
	}
	pprintf(sh->out, "%.*s: no such command (try help)\n", (int)(end - start),
		line + start);
	return false;
}

void shell_feed(struct shell *sh, char c)
{
	if (c == '\n') {
		pprintf(sh->out, "\n");
		sh->line[sh->len] = '\0';
		shell_execute(sh, sh->line);
		sh->len = 0;
		pprintf(sh->out, "%s", SHELL_PROMPT);
	} else if (c == '\b') {
		if (sh->len > 0) {
			sh->len--;
			pprintf(sh->out, "\b \b");
		}
	} else if ((unsigned char)c >= ASCII_SPACE && c != ASCII_DEL &&
		   sh->len < SHELL_LINE_MAX) {
		sh->line[sh->len++] = c;
		pprintf(sh->out, "%c", c);
	}
}

static enum task_poll shell_poll(void *state, const struct waker *w)
{
	struct shell *sh = state;
	char c;

	while (input_next(&c, w) == TASK_READY)
		shell_feed(sh, c);
	return TASK_PENDING;
}

uint64_t shell_spawn(struct executor *ex, const struct shell *sh)
{
	pprintf(sh->out, "%s", SHELL_PROMPT);
	return task_spawn(ex, shell_poll, sh, sizeof(*sh));
}
