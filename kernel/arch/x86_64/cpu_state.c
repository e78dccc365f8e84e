/* Saving and restoring the CPU state a test case can change (cpu_state.h):
 * Intel SDM vol 3: control registers 2.5, EFER 2.2.1, debug registers 17.2,
 * GDTR/IDTR/TR/LDTR 2.4, system descriptors 3.5 and 8.2.3, local APIC 10.4
 * (xAPIC through memory, x2APIC through MSRs, 10.12).
 */
#include "arch/x86_64/cpu_state.h"

#include "arch/x86_64/cpu.h"
#include "init.h"
#include "lib/printf.h"
#include "lib/string.h"

#define MSR_EFER            0xc0000080
#define MSR_APIC_BASE       0x1b
#define APIC_BASE_ENABLE    (1ull << 11)   /* xAPIC global enable */
#define APIC_BASE_X2APIC    (1ull << 10)
#define APIC_BASE_ADDR      0xfffffffff000ull
#define APIC_TPR            0x080          /* register offsets (xAPIC) */
#define APIC_SVR            0x0f0
#define APIC_LVT_TIMER      0x320
#define APIC_TIMER_INITIAL  0x380
#define X2APIC_MSR(offset)  (0x800 + ((offset) >> 4))
#define TSS_TYPE_MASK       (0xfull << 40)
#define TSS_TYPE_AVAILABLE  (0x9ull << 40)  /* 64-bit TSS, not busy */
#define SELECTOR_INDEX(sel) ((sel) >> 3)

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Base of the 16-byte system descriptor (a TSS) at selector sel. */
static uint64_t system_base(const uint64_t *gdt, uint16_t sel)
{
	uint64_t lo = gdt[SELECTOR_INDEX(sel)], hi = gdt[SELECTOR_INDEX(sel) + 1];

	return ((lo >> 16) & 0xffffff) | ((lo >> 56) << 24) | (hi << 32);
}

static bool apic_enabled(uint64_t apic_base)
{
	return apic_base & APIC_BASE_ENABLE;
}

static uint32_t apic_read(uint64_t apic_base, unsigned reg)
{
	if (apic_base & APIC_BASE_X2APIC)
		return (uint32_t)rdmsr(X2APIC_MSR(reg));
	return *(volatile uint32_t *)phys_to_virt((apic_base & APIC_BASE_ADDR) + reg);
}

static void apic_write(uint64_t apic_base, unsigned reg, uint32_t v)
{
	if (apic_base & APIC_BASE_X2APIC)
		wrmsr(X2APIC_MSR(reg), v);
	else
		*(volatile uint32_t *)phys_to_virt((apic_base & APIC_BASE_ADDR) + reg) = v;
}

static void save_tables(struct cpu_state *s)
{
	struct descriptor_ptr gdtr, idtr;

	sgdt(&gdtr);
	sidt(&idtr);
	s->gdt_base = gdtr.base;
	s->gdt_limit = gdtr.limit;
	s->idt_base = idtr.base;
	s->idt_limit = idtr.limit;
	s->tr = str();
	s->ldtr = sldt();
	s->tss_base = s->tr ? system_base((const uint64_t *)gdtr.base, s->tr) : 0;
	memcpy(s->gdt, (const void *)s->gdt_base,
	       min_u64(sizeof s->gdt, (uint64_t)s->gdt_limit + 1));
	memcpy(s->idt, (const void *)s->idt_base,
	       min_u64(sizeof s->idt, (uint64_t)s->idt_limit + 1));
	if (s->tss_base)
		memcpy(s->tss, (const void *)s->tss_base, sizeof s->tss);
}

void cpu_state_save(struct cpu_state *s)
{
	memset(s, 0, sizeof *s);
	s->cr0 = read_cr0();
	s->cr3 = read_cr3();
	s->cr4 = read_cr4();
	s->efer = rdmsr(MSR_EFER);
	s->dr[0] = read_dr0();
	s->dr[1] = read_dr1();
	s->dr[2] = read_dr2();
	s->dr[3] = read_dr3();
	s->dr7 = read_dr7();
	save_tables(s);
	s->apic_base = rdmsr(MSR_APIC_BASE);
	if (apic_enabled(s->apic_base)) {
		s->apic_svr = apic_read(s->apic_base, APIC_SVR);
		s->apic_tpr = apic_read(s->apic_base, APIC_TPR);
		s->apic_lvt_timer = apic_read(s->apic_base, APIC_LVT_TIMER);
		s->apic_timer_count = apic_read(s->apic_base, APIC_TIMER_INITIAL);
	}
}

/* ------------------------------------------------------------------------ */
/* Finding and undoing changes. */

struct restorer {
	cpu_state_report_fn changed;
	void *ctx;
	unsigned count;
	bool lost;                 /* something could not be put back */
};

/* Report a value that changed; true if it did (the caller restores it). */
static bool changed(struct restorer *r, const char *name, uint64_t now,
		    uint64_t then)
{
	char what[96];

	if (now == then)
		return false;
	ksnprintf(what, sizeof what, "%s 0x%llx instead of 0x%llx", name,
		  (unsigned long long)now, (unsigned long long)then);
	r->changed(what, r->ctx);
	r->count++;
	return true;
}

/* Report and restore a table's bytes. */
static void table(struct restorer *r, const char *name, uint64_t base,
		  const uint8_t *saved, size_t n)
{
	char what[64];

	if (!base || !n || memcmp((const void *)base, saved, n) == 0)
		return;
	ksnprintf(what, sizeof what, "the %s's contents changed", name);
	r->changed(what, r->ctx);
	r->count++;
	memcpy((void *)base, saved, n);
}

static void restore_tables(struct restorer *r, const struct cpu_state *s)
{
	struct descriptor_ptr gdtr, idtr;
	struct descriptor_ptr sg = { s->gdt_limit, s->gdt_base };
	struct descriptor_ptr si = { s->idt_limit, s->idt_base };
	bool base, limit;

	sgdt(&gdtr);
	sidt(&idtr);

	base = changed(r, "GDTR base", gdtr.base, s->gdt_base);
	limit = changed(r, "GDTR limit", gdtr.limit, s->gdt_limit);
	if (base || limit)
		lgdt(&sg);
	base = changed(r, "IDTR base", idtr.base, s->idt_base);
	limit = changed(r, "IDTR limit", idtr.limit, s->idt_limit);
	if (base || limit)
		lidt(&si);
	table(r, "IDT", s->idt_base, s->idt,
	      min_u64(sizeof s->idt, (uint64_t)s->idt_limit + 1));
	table(r, "GDT", s->gdt_base, s->gdt,
	      min_u64(sizeof s->gdt, (uint64_t)s->gdt_limit + 1));
	table(r, "TSS", s->tss_base, s->tss, s->tss_base ? sizeof s->tss : 0);
	if (changed(r, "LDTR", sldt(), s->ldtr))
		lldt(s->ldtr);
	if (changed(r, "TR", str(), s->tr) && s->tr) {
		uint64_t *d = &((uint64_t *)s->gdt_base)[SELECTOR_INDEX(s->tr)];

		*d = (*d & ~TSS_TYPE_MASK) | TSS_TYPE_AVAILABLE;  /* ltr wants it */
		ltr(s->tr);
	}
}

static void restore_registers(struct restorer *r, const struct cpu_state *s)
{
	static const char *const dr_names[4] = { "DR0", "DR1", "DR2", "DR3" };
	uint64_t dr[4] = { read_dr0(), read_dr1(), read_dr2(), read_dr3() };

	if (changed(r, "EFER", rdmsr(MSR_EFER), s->efer))
		wrmsr(MSR_EFER, s->efer);
	if (changed(r, "CR4", read_cr4(), s->cr4))
		write_cr4(s->cr4);
	if (changed(r, "CR0", read_cr0(), s->cr0))
		write_cr0(s->cr0);
	if (changed(r, "CR3", read_cr3(), s->cr3))
		write_cr3(s->cr3);
	if (changed(r, "DR7", read_dr7(), s->dr7))
		write_dr7(s->dr7);
	for (int i = 0; i < 4; i++) {
		if (!changed(r, dr_names[i], dr[i], s->dr[i]))
			continue;
		if (i == 0)
			write_dr0(s->dr[0]);
		else if (i == 1)
			write_dr1(s->dr[1]);
		else if (i == 2)
			write_dr2(s->dr[2]);
		else
			write_dr3(s->dr[3]);
	}
}

static void restore_apic(struct restorer *r, const struct cpu_state *s)
{
	static const struct { const char *name; unsigned reg; size_t at; } regs[] = {
		{ "APIC SVR", APIC_SVR, offsetof(struct cpu_state, apic_svr) },
		{ "APIC TPR", APIC_TPR, offsetof(struct cpu_state, apic_tpr) },
		{ "APIC LVT timer", APIC_LVT_TIMER,
		  offsetof(struct cpu_state, apic_lvt_timer) },
		{ "APIC timer count", APIC_TIMER_INITIAL,
		  offsetof(struct cpu_state, apic_timer_count) },
	};

	if (changed(r, "IA32_APIC_BASE", rdmsr(MSR_APIC_BASE), s->apic_base))
		wrmsr(MSR_APIC_BASE, s->apic_base);
	if (rdmsr(MSR_APIC_BASE) != s->apic_base) {
		/* A disabled APIC stays disabled until reset (SDM 10.4.3). */
		r->lost = true;
		return;
	}
	if (!apic_enabled(s->apic_base))
		return;
	for (size_t i = 0; i < sizeof regs / sizeof *regs; i++) {
		uint32_t then = *(const uint32_t *)((const char *)s + regs[i].at);

		if (changed(r, regs[i].name, apic_read(s->apic_base, regs[i].reg), then))
			apic_write(s->apic_base, regs[i].reg, then);
	}
}

bool cpu_state_restore(const struct cpu_state *saved,
		       cpu_state_report_fn report, void *ctx)
{
	struct restorer r = { report, ctx, 0, false };

	restore_tables(&r, saved);
	restore_registers(&r, saved);
	restore_apic(&r, saved);
	return !r.lost;
}
