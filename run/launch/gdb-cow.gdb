# gdb-cow.gdb - the gdb session of the lab report (make report runs it after run/launch/gdbinit,
# headless, and writes the transcript into report/README.md): stop at the first page fault,
# show the entry behind the faulting address, let the handler run, show the entry again.
# Breakpoint 1 is disabled before `finish`: the handler may sleep or be preempted, and another
# process's fault on this or another CPU would otherwise stop `finish` halfway (make report
# checks that the second entry is the copy).
continue
pfinfo
pte $cr2
print/x tf->eip
usersym build/user/init.elf
info symbol tf->eip
disable 1
finish
pte $cr2
