# Makefile - builds the disk images and runs the kernel in QEMU and Bochs.
#
#   make            run/hd.img, build/kernel.elf, build/kernel.sym, build/kernel.asm,
#                   build/user/NAME.elf (with symbols), build/debug-cow.rc
#   make run        QEMU (window with $DISPLAY, else serial on this terminal); MEM=128
#   make debug      Bochs with its debugger, symbols and magic breakpoints [DEBUG_RC=build/debug-cow.rc]
#   make gdb        QEMU paused with its gdb stub, and gdb attached [GDB_PORT=1234]
#   make test       the self-tests and the user test suite in QEMU: 16 MiB, on 2 CPUs, once more with
#                   fork() sharing page tables (32 MiB, 2 CPUs) [FORK=sharedpt: only that], then 32
#                   and 256 MiB, 32 MiB on -cpu 486, pentium and max (TEST_CPUS), on 4 CPUs, then the
#                   shell typed into on serial and keyboard (run/test/test-shell.sh) and on a terminal
#                   as after make run (run/test/test-terminal.py); stops at the first failed run
#                   (run/test/test-modes.sh) (first make layers)
#   make layers     no kernel include or symbol use reaches up a layer (src/kernel/layers.txt)
#   make test-bochs the same suite in Bochs
#   make check PROG=name [ARGS="a b"]   one program, with leak and memcheck verdict, its output as it
#                   comes; on SMP CPUs as make run [FORK=sharedpt] [CHECK_TIMEOUT=600]
#   make bench      fork and COW benchmarks, parallel COW faults on BENCH_SMP CPUs; build/bench.csv
#                   and report/figures/*.png
#   make screenshots                    the lab report's screenshots
#   make report     screenshots, bench, Bochs and gdb transcripts, and every generated block
#                   of README.md, report/GUIDE.md and report/README.md from that one run
#   make docs-check README.md, report/GUIDE.md and report/README.md against the current build
#                   (CI runs it after make test)
#   make grade      score the groups of run/lab/labs.conf, one boot each [LAB=cow] [GRADE_JSON=results.json]
#   make build-check a clean build whose first libgcc query still sees a 64-bit-only gcc
#   make handout LAB=cow  build/handout-LAB/ (a fresh git repository) and build/handout-LAB.tar.gz:
#                   the lab's marked regions replaced by their starter (run/lab/lab.py, labs.conf)
#   make handout-check [LABS="cow"]  each handout built and booted from a clone of itself, its
#                   grade, the reference's, the broken kernels, restore and leak check (slow)
#   make clean

MEM        ?= 128
PROG       ?= echo
ARGS       ?=
TEST_MEMS  ?= 16 32 256
SHAREDPT_MEMS ?= 32
FORK       ?=
TEST_CPUS  ?= 486 pentium max
# CPUs: make run SMP=N (1..8, default 2); make test adds a run per TEST_SMP count at TEST_SMP_MEM MiB;
# make test-bochs on BOCHS_CPUS (default 2); make debug on DEBUG_SMP: SMP, but 1 with DEBUG_RC
# (a scripted session's stops then belong to one fault).
SMP        ?= 2
DEBUG_SMP  ?= $(if $(DEBUG_RC),1,$(SMP))
TEST_SMP   ?= 2 4
TEST_SMP_MEM ?= 32
TEST_TIMEOUT ?= 900
GDB_PORT   ?= 1234
# make grade: the lab (default: run/lab/HANDOUT's, else every lab), a JSON file to write, groups to keep
LAB        ?=
GRADE_JSON ?=
GRADE_GROUPS ?=
# make check: seconds before the run is stopped
CHECK_TIMEOUT ?= 600
BOCHS_TIMEOUT ?= 2400
BOCHS_CPUS ?= 2
# make bench: the parallel COW fault rows boot build/bench-parN.img on N CPUs for each N.
BENCH_SMP  ?= 1 2 4

CC      := gcc
NASM    := nasm
LD      := ld -m elf_i386 -z noexecstack
OBJCOPY := objcopy

B := build
G := $(B)/gen

# -march=i486: the kernel's floor; run/test/check-i486.sh checks every linked file for later instructions.
BASE_CFLAGS := -m32 -march=i486 -std=c11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -nostdlib \
               -fno-asynchronous-unwind-tables -mno-sse -mno-mmx -mno-80387 \
               -Wall -Wextra -Werror -Iinclude -I$(G)
KCFLAGS := $(BASE_CFLAGS) -O2 -g -fno-omit-frame-pointer
UCFLAGS := $(BASE_CFLAGS) -O2 -g
LCFLAGS := $(BASE_CFLAGS) -Os -march=i386
NASMFLAGS := -f elf32 -I$(G)/ -Iinclude/
# 32-bit libgcc (64-bit division helpers), asked for by the link recipe itself: on a fresh
# machine run/setup.sh installs it only after this Makefile has been read.
LIBGCC = $$($(CC) -m32 -print-libgcc-file-name)

TOOLS := $(B)/.tools
GEN_INC := $(G)/layout.inc $(G)/bootinfo.inc $(G)/syscall.inc $(G)/trap.inc $(G)/x86.inc \
           $(G)/lapic.inc $(G)/smp.inc $(G)/sched.inc $(G)/mmu.inc

KERNEL_C   := $(shell find src/kernel src/test/kernel -name '*.c' | sort) src/lib/string.c src/lib/fmt.c
KERNEL_ASM := $(shell find src/kernel src/test/kernel -name '*.asm' | sort) src/lib/string_rep.asm
KERNEL_OBJ := $(patsubst src/%.c,$(B)/k/%.o,$(KERNEL_C)) $(patsubst src/%.asm,$(B)/k/%.o,$(KERNEL_ASM))

ULIB_OBJ := $(B)/u/lib/ucrt0.o $(B)/u/lib/usys.o $(B)/u/lib/ulib.o $(B)/u/lib/uthread.o $(B)/u/test/lib/utest.o \
            $(B)/u/lib/string.o $(B)/u/lib/string_rep.o $(B)/u/lib/fmt.o $(B)/u/lib/fmap.o
# The programs a student runs (src/user) and the test programs (src/test/user) go into the
# same archive; build/user/NAME is either.
TEST_SRC := $(sort $(wildcard src/test/user/t_*.c))
USER_SRC := $(sort $(wildcard src/user/*.c src/test/user/*.c))
USER_ELF := $(patsubst %.c,$(B)/user/%,$(notdir $(USER_SRC)))
USER_SYM := $(patsubst %.c,$(B)/user/%.elf,$(notdir $(USER_SRC)))
# The program list, rewritten only when a program is added or deleted: the images and the
# test list depend on it, so a deleted program leaves them at the next make.
PROGRAMS := $(G)/programs.list
FLAGS := $(G)/flags

.PHONY: all run debug gdb test test-images test-bochs check bench screenshots report clean setup docs-check layers \
        build-check FORCE
.SECONDARY:

all: run/hd.img $(B)/kernel.sym $(B)/kernel.asm $(USER_SYM) $(B)/debug-cow.rc

setup:
	@run/setup.sh

$(TOOLS): run/setup.sh
	@mkdir -p $(B)
	@run/setup.sh
	@touch $@

# ---- generated includes -------------------------------------------------
# NASM sees the C headers' constants as %define lines (run/h2inc.sh says which lines): the
# .asm files take selectors, vectors, addresses and struct offsets from these, never a copy.
$(G)/%.inc: include/boot/%.h run/h2inc.sh | $(TOOLS)
	@mkdir -p $(G)
	run/h2inc.sh $< > $@
$(G)/trap.inc: include/arch/trapframe.h run/h2inc.sh | $(TOOLS)
	@mkdir -p $(G)
	run/h2inc.sh $< > $@
$(G)/sched.inc: include/sched/sched.h run/h2inc.sh | $(TOOLS)
	@mkdir -p $(G)
	run/h2inc.sh $< > $@
$(G)/%.inc: include/arch/%.h run/h2inc.sh | $(TOOLS)
	@mkdir -p $(G)
	run/h2inc.sh $< > $@
$(G)/syscall.inc: include/syscall/syscall.h | $(TOOLS)
	@mkdir -p $(G)
	sed -n 's/^#define[ \t]\+\(SYS_[A-Za-z0-9_]\+\)[ \t]\+\([0-9]\+\).*/%define \1 \2/p' $< > $@
$(PROGRAMS): FORCE
	@mkdir -p $(G)
	@echo $(notdir $(basename $(USER_SRC))) > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi
# The compiler flags, rewritten only when they change: every object depends on them, so a change
# of flags (e.g. the -march) rebuilds what it affects without `make clean`.
$(FLAGS): FORCE
	@mkdir -p $(G)
	@echo '$(KCFLAGS) | $(UCFLAGS) | $(LCFLAGS) | $(NASMFLAGS)' > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi
$(G)/testlist.h: $(TEST_SRC) $(PROGRAMS) Makefile | $(TOOLS)
	@mkdir -p $(G)
	@{ echo "/* generated by the Makefile from src/test/user/t_*.c */"; \
	   for f in $(TEST_SRC); do n=$$(basename $$f .c); echo "\"$$n\","; done; } > $@

# ---- boot chain ---------------------------------------------------------
$(B)/boot/mbr.bin: src/boot/mbr.asm $(GEN_INC) | $(TOOLS)
	@mkdir -p $(dir $@)
	@$(NASM) -f bin -I$(G)/ $< -o $@ || { echo "layout: the MBR code outgrows its space before the disk table (BOOT_TABLE_OFFSET)" >&2; exit 1; }
$(B)/boot/loader_entry.o: src/boot/loader_entry.asm $(GEN_INC) | $(TOOLS)
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) $< -o $@
$(B)/boot/loader.o: src/boot/loader.c $(wildcard include/*/*.h) $(FLAGS) | $(TOOLS)
	@mkdir -p $(dir $@)
	$(CC) $(LCFLAGS) -c $< -o $@
$(B)/boot/loader.bin: $(B)/boot/loader_entry.o $(B)/boot/loader.o src/boot/loader.ld
	@run/test/check-i486.sh $(B)/boot/loader.o
	$(LD) -T src/boot/loader.ld $(B)/boot/loader_entry.o $(B)/boot/loader.o -o $@

# ---- kernel -------------------------------------------------------------
$(B)/k/%.o: src/%.c $(FLAGS) | $(TOOLS) $(GEN_INC)
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@
$(B)/k/%.o: src/%.asm $(GEN_INC) $(FLAGS) | $(TOOLS)
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) $< -o $@
$(B)/kernel.ld: src/kernel/kernel.ld.S include/boot/layout.h | $(TOOLS)
	@mkdir -p $(B)
	$(CC) -E -P -x c -Iinclude $< -o $@
$(B)/kernel.elf: $(KERNEL_OBJ) $(B)/kernel.ld
	$(LD) -T $(B)/kernel.ld $(KERNEL_OBJ) $(LIBGCC) -o $@
	@run/test/check-i486.sh -a cpuid@cpu_cpuid,rdmsr@lapic_base_pa,wrmsr@lapic_base_pa $@ || { rm -f $@; exit 1; }
$(B)/kernel.sym: $(B)/kernel.elf
	nm -n $< | awk '$$2 ~ /^[tTdDbBrR]$$/ { print $$1, $$3 }' > $@
$(B)/kernel.asm: $(B)/kernel.elf
	objdump -d -M intel -S $< > $@
# Bochs debugger scripts with this build's addresses: NAME.rc stops at the prompt when done,
# NAME-batch.rc quits (make report runs it headless).
$(B)/%.rc: run/launch/%.rc.in $(B)/kernel.sym $(B)/kernel.asm run/launch/gen-rc.sh
	run/launch/gen-rc.sh $< $(B)/kernel.sym $@
$(B)/%-batch.rc: run/launch/%.rc.in $(B)/kernel.sym $(B)/kernel.asm run/launch/gen-rc.sh
	run/launch/gen-rc.sh --quit $< $(B)/kernel.sym $@

# ---- user programs ------------------------------------------------------
$(B)/u/lib/%.o: src/lib/%.c $(FLAGS) | $(TOOLS) $(GEN_INC)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -MMD -MP -c $< -o $@
$(B)/u/lib/%.o: src/lib/%.asm $(GEN_INC) $(FLAGS) | $(TOOLS)
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) $< -o $@
$(B)/u/test/lib/%.o: src/test/lib/%.c $(FLAGS) | $(TOOLS) $(GEN_INC)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -MMD -MP -c $< -o $@
$(B)/u/%.o: src/user/%.c $(G)/testlist.h $(FLAGS) | $(TOOLS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -MMD -MP -c $< -o $@
$(B)/u/%.o: src/test/user/%.c $(G)/testlist.h $(FLAGS) | $(TOOLS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -MMD -MP -c $< -o $@
# build/user/NAME.elf keeps its symbols for gdb (usersym); build/user/NAME, stripped, goes
# into the images.
$(B)/user/%.elf: $(B)/u/%.o $(ULIB_OBJ) src/lib/user.ld
	@mkdir -p $(dir $@)
	$(LD) -T src/lib/user.ld $< $(USER_EXTRA) $(ULIB_OBJ) $(LIBGCC) -o $@
	@run/test/check-i486.sh $(I486_ALLOW) $@ || { rm -f $@; exit 1; }
# forkbench (and threadbench, built from it) reads the time-stamp counter only after CPUID says it
# exists; it asks the processor with the kernel's probes (cpu_eflags_toggles, cpu_cpuid).
$(B)/user/forkbench.elf $(B)/user/threadbench.elf: I486_ALLOW := -a cpuid@cpu_cpuid,rdtsc
$(B)/user/forkbench.elf $(B)/user/threadbench.elf: USER_EXTRA := $(B)/u/cpu_probe.o
$(B)/user/forkbench.elf $(B)/user/threadbench.elf: $(B)/u/cpu_probe.o
$(B)/u/cpu_probe.o: src/kernel/arch/cpu_probe.asm $(GEN_INC) $(FLAGS) | $(TOOLS)
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) $< -o $@
$(B)/user/%: $(B)/user/%.elf
	$(OBJCOPY) --strip-all $< $@

# ---- disk images --------------------------------------------------------
$(B)/mkimage: src/host/mkimage.c include/boot/layout.h include/boot/bootinfo.h include/fs/archive.h | $(TOOLS)
	$(CC) -O2 -Wall -Wextra -Werror -Iinclude $< -o $@

IMAGE_DEPS := $(B)/mkimage $(B)/boot/mbr.bin $(B)/boot/loader.bin $(B)/kernel.elf $(USER_ELF) \
              $(PROGRAMS)
# $(call image,OUT,CONF)
image = $(B)/mkimage $(1) $(B)/boot/mbr.bin $(B)/boot/loader.bin $(B)/kernel.elf $(2) $(USER_ELF)

$(B)/conf/run.conf: Makefile
	@mkdir -p $(dir $@)
	printf 'run\ncowdemo short\n' > $@
$(B)/conf/test.conf: Makefile
	@mkdir -p $(dir $@)
	printf 'test\ntestsuite\n' > $@
$(B)/conf/test-sharedpt.conf: Makefile
	@mkdir -p $(dir $@)
	printf 'test\ntestsuite\nfork=sharedpt\n' > $@
$(B)/conf/test-quick.conf: Makefile
	@mkdir -p $(dir $@)
	printf 'test\ntestsuite quick\n' > $@
$(B)/conf/shots.conf: Makefile
	@mkdir -p $(dir $@)
	printf 'run\npause boot;cowdemo pause;framemap -c 640;pause framemap;faultdemo;pause fault;testsuite quick;pause suite;threaddemo;pause threaddemo\n' > $@
# The SMP test images name the CPU count they expect (kt_smp checks it); their suite runs the
# programs written for several CPUs right after t_cow_basic (testsuite.c).
$(B)/conf/test-smp%.conf: Makefile
	@mkdir -p $(dir $@)
	printf 'test\ntestsuite full smp\ncpus %s\n' $* > $@
$(B)/conf/bench.conf: Makefile
	@mkdir -p $(dir $@)
	printf 'check\nforkbench\n' > $@
# The parallel fault benchmark on N CPUs runs N writers (forkbench par N).
$(B)/conf/bench-par%.conf: Makefile
	@mkdir -p $(dir $@)
	printf 'check\nforkbench par %s\n' $* > $@
# The threads rows and the SMP copy-fault rows (threadbench): booted on 5 CPUs under -icount by
# run/bench/bench.sh.
$(B)/conf/bench-threads.conf: Makefile
	@mkdir -p $(dir $@)
	printf 'check\nthreadbench\n' > $@

run/hd.img: $(IMAGE_DEPS) $(B)/conf/run.conf
	$(call image,$@,$(B)/conf/run.conf)
$(B)/test.img: $(IMAGE_DEPS) $(B)/conf/test.conf
	$(call image,$@,$(B)/conf/test.conf)
$(B)/test-sharedpt.img: $(IMAGE_DEPS) $(B)/conf/test-sharedpt.conf
	$(call image,$@,$(B)/conf/test-sharedpt.conf)
$(B)/test-smp%.img: $(IMAGE_DEPS) $(B)/conf/test-smp%.conf
	$(call image,$@,$(B)/conf/test-smp$*.conf)
$(B)/test-quick.img: $(IMAGE_DEPS) $(B)/conf/test-quick.conf
	$(call image,$@,$(B)/conf/test-quick.conf)
$(B)/shots.img: $(IMAGE_DEPS) $(B)/conf/shots.conf
	$(call image,$@,$(B)/conf/shots.conf)
$(B)/bench.img: $(IMAGE_DEPS) $(B)/conf/bench.conf
	$(call image,$@,$(B)/conf/bench.conf)
$(B)/bench-par%.img: $(IMAGE_DEPS) $(B)/conf/bench-par%.conf
	$(call image,$@,$(B)/conf/bench-par$*.conf)
$(B)/bench-threads.img: $(IMAGE_DEPS) $(B)/conf/bench-threads.conf
	$(call image,$@,$(B)/conf/bench-threads.conf)

# ---- running ------------------------------------------------------------
run: all
	SMP=$(SMP) run/launch/qemu.sh run run/hd.img $(MEM)

debug: all
	BOCHS_CPUS=$(DEBUG_SMP) run/launch/bochs-debug.sh run/hd.img $(DEBUG_RC)

gdb: all
	GDB_PORT=$(GDB_PORT) run/launch/qemu.sh gdb run/hd.img $(MEM) & sleep 1; \
	  GDB_PORT=$(GDB_PORT) gdb -q -x run/launch/gdbinit; kill %1 2>/dev/null || true

# test-images: every image make test boots (make mutants builds them before it starts the clock).
test-images: $(B)/test.img $(B)/test-sharedpt.img run/hd.img $(B)/kernel.sym $(foreach n,$(TEST_SMP),$(B)/test-smp$(n).img)
# FORK=sharedpt: only the suite with plain fork() sharing page tables, at TEST_MEMS.
test: test-images
	run/test/layers.py
	TEST_CPUS="$(TEST_CPUS)" TEST_SMP="$(TEST_SMP)" TEST_SMP_MEM="$(TEST_SMP_MEM)" run/test/test-modes.sh "$(FORK)" "$(TEST_MEMS)" "$(SHAREDPT_MEMS)" $(TEST_TIMEOUT)

# Every include and every symbol a kernel object uses points down the layers of src/kernel/layers.txt.
layers: $(B)/kernel.elf
	run/test/layers.py

docs-check: $(B)/kernel.sym $(USER_ELF)
	run/docs/docs-check.sh

build-check:
	run/test/build-check.sh

test-bochs: $(B)/test-quick.img
	BOCHS_CPUS=$(BOCHS_CPUS) run/test/test-bochs.sh $(B)/test-quick.img $(BOCHS_TIMEOUT)

check: $(IMAGE_DEPS)
	@mkdir -p $(B)/conf
	printf 'check\n%s %s\n' "$(PROG)" "$(ARGS)" > $(B)/conf/check.conf
	$(if $(filter sharedpt,$(FORK)),printf 'fork=sharedpt\n' >> $(B)/conf/check.conf)
	$(call image,$(B)/check.img,$(B)/conf/check.conf)
	SMP=$(SMP) run/test/check.sh $(B)/check.img $(MEM) $(CHECK_TIMEOUT)

# make grade [LAB=NAME] [GRADE_JSON=FILE] [GRADE_GROUPS="NAME..."]: the groups of run/lab/labs.conf,
# each in boots of its own (run/lab/grade.sh, which builds grade-images first: a tree that does not
# build still gets its score, 0). The images are build/grade/GROUP-Nc.img, made with this command.
.PHONY: grade grade-images
grade-images: $(IMAGE_DEPS)
grade:
	@GRADE_MAKE="$(MAKE)" GRADE_MKIMAGE='$(call image,@OUT@,@CONF@)' GRADE_LAB="$(LAB)" \
	  GRADE_JSON="$(GRADE_JSON)" GRADE_GROUPS="$(GRADE_GROUPS)" run/lab/grade.sh

# ---- labs -----------------------------------------------------------------
# LAB has no default here: make grade reads an empty LAB as "this tree's own lab" (run/lab/HANDOUT).
LABS ?= cow
.PHONY: handout handout-check
handout:
	run/lab/handout.sh $(or $(LAB),cow)
handout-check:
	run/lab/handout-check.sh $(LABS)

# deliberately broken kernels against the suite (slow; not part of `make test`)
.PHONY: mutants
mutants: $(B)/test.img
	run/test/mutants.sh

bench: $(B)/bench.img $(B)/bench-threads.img $(foreach n,$(BENCH_SMP),$(B)/bench-par$(n).img)
	BENCH_SMP="$(BENCH_SMP)" run/bench/bench.sh $(B)/bench.img

screenshots: $(B)/shots.img
	run/docs/screenshots.sh $(B)/shots.img report/figures

report: $(B)/shots.img $(B)/bench.img $(B)/bench-threads.img $(foreach n,$(BENCH_SMP),$(B)/bench-par$(n).img) $(B)/kernel.sym $(B)/debug-cow.rc $(B)/debug-cow-batch.rc $(USER_SYM)
	GDB_PORT=$(GDB_PORT) run/docs/report.sh

clean:
	rm -rf $(B)/* run/hd.img
	@touch $(B)/.gitkeep

# The compiler's dependency files, but only those whose source (the first prerequisite) still
# exists: a source that moved or was deleted leaves its .d behind, naming a file no rule makes.
# The continuation lines are joined first: a long target puts its first prerequisite on line 2.
# build/mutants, build/grade-mutants, build/catch-rate and build/handout-* hold whole copies of
# the tree (make mutants, run/lab/grade-mutants.sh, run/lab/catch-rate.sh, make handout): their
# files are not this build's.
-include $(shell for d in $$(find $(B) \( -path $(B)/mutants -o -path $(B)/grade-mutants -o -path $(B)/catch-rate -o -path '$(B)/handout-*' \) -prune -o -name '*.d' -print 2>/dev/null); do \
                   s=$$(tr '\\\n' '  ' < "$$d" | sed -n '1s/^[^:]*:[ ]*\([^ ]*\).*/\1/p'); \
                   [ -e "$$s" ] && echo "$$d"; done)
