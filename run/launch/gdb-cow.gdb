# gdb-cow.gdb - the gdb session of the lab report (make report runs it after run/launch/gdbinit,
# headless, and writes the transcript into report/README.md): stop at the first page fault,
# show the entry behind the faulting address, let the handler run, show the entry again.
continue
pfinfo
pte $cr2
print/x tf->eip
usersym build/user/init.elf
info symbol tf->eip
finish
pte $cr2
