; ucrt0.asm - user program entry: call main(argc, argv) and exit with its result.
; exec leaves [esp] = fake return address, [esp+4] = argc, [esp+8] = argv.

bits 32
section .text
global _start
extern main, exit

_start:
    add esp, 4                ; drop the fake return address: argc, argv remain
    call main
    push eax
    call exit
.spin:
    jmp .spin
