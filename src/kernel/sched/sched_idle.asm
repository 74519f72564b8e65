; sched_idle.asm - how an idle CPU waits in the scheduler loop.
;
; void sched_idle_halt(void)
; Called with interrupts masked: enables them and halts, and masks them
; again once an interrupt has been handled. STI takes effect only after the
; next instruction, so an interrupt (a reschedule IPI) pending at the STI is
; taken in the HLT and ends it instead of being lost before it.

bits 32
section .text
global sched_idle_halt

sched_idle_halt:
    sti
    hlt
    cli
    ret
