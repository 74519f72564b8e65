#!/usr/bin/env python3
"""test-terminal.py - type at the shell prompt through a terminal, as a student does after make run.

Boots IMAGE through run/launch/qemu.sh's `run` mode with no window, its standard input and output
on a pseudo-terminal: the serial console and the QEMU monitor share that terminal (mon:stdio) and
QEMU puts it in raw mode, so Enter arrives as a carriage return, one key at a time. The checks:

    term_boot_prompt       the shell's prompt appears on the terminal
    term_first_key         the very first input, `echo first` typed key by key, runs whole
    term_key_after_pause   one key, a pause of PAUSE_S, the rest of `echo again`: the line runs whole
    term_quit              Ctrl-A then x leaves QEMU

Each check prints `shell_NAME: ok` or `shell_NAME: FAIL: why` followed by what the terminal showed
(control characters as ^X); the last line is `N passed, N failed`.

    run/test/test-terminal.py IMAGE [MEM_MIB]

Exit status: 0 when every check passed, 1 otherwise, 2 on a usage error.
Environment: QEMU_ACCEL (see run/launch/qemu.sh), SMP (CPUs, default 2 as make run),
             SHELL_WAIT_S (seconds a check waits for an answer, default 15).
"""
import os
import pty
import re
import select
import signal
import sys
import time

RUN_DIR = os.path.dirname(os.path.abspath(__file__))
QEMU_SH = os.path.join(RUN_DIR, "..", "launch", "qemu.sh")
BOOT_WAIT_S = 120
WAIT_S = float(os.environ.get("SHELL_WAIT_S", "15"))
KEY_GAP_S = 0.05           # between two keys, as a fast typist
PAUSE_S = 1.0              # the pause after the first key in term_key_after_pause
QUIT_WAIT_S = 10
READ_CHUNK = 4096
POLL_S = 0.05
CTRL_A = b"\x01"
ENTER = b"\r"              # what a terminal in raw mode sends for Enter
PROMPT = "\n$ "
BOOT_DONE = re.compile(r"cowos shell:.*\n\$ $", re.S)
SHOWN_LINES = 15


class Terminal:
    """QEMU on the master side of a pseudo-terminal; everything it printed, as text."""

    def __init__(self, image, mem):
        env = dict(os.environ)
        env.pop("DISPLAY", None)
        env.pop("QEMU_SERIAL", None)
        env.pop("QEMU_MONITOR", None)
        env.setdefault("SMP", "2")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(QEMU_SH, [QEMU_SH, "run", image, mem], env)
        self.out = b""

    def text(self, mark=0):
        """The output after byte mark, without carriage returns and NULs."""
        return self.out[mark:].decode("latin-1").replace("\r", "").replace("\0", "")

    def pump(self, seconds):
        """Read what QEMU prints for seconds; False once the terminal closed."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return True
            ready, _, _ = select.select([self.fd], [], [], min(left, POLL_S))
            if ready:
                try:
                    data = os.read(self.fd, READ_CHUNK)
                except OSError:
                    data = b""
                if not data:
                    return False
                self.out += data

    def wait_for(self, mark, regex, seconds):
        """Wait until the output after mark matches regex; False on time out or a closed terminal."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if regex.search(self.text(mark)):
                return True
            if not self.pump(POLL_S):
                return bool(regex.search(self.text(mark)))
        return False

    def type(self, keys, gap=KEY_GAP_S):
        """Type keys one at a time, gap seconds apart."""
        for key in keys:
            os.write(self.fd, bytes([key]))
            self.pump(gap)

    def exited(self, seconds):
        """Wait up to seconds for QEMU to end; True when it did."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.pump(POLL_S)
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.pid = 0
                return True
        return False

    def stop(self):
        """End QEMU if it still runs (the process this script started)."""
        if self.pid:
            os.kill(self.pid, signal.SIGTERM)
            if not self.exited(QUIT_WAIT_S):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            self.pid = 0


class Checks:
    """The verdicts, printed as they come, and their totals."""

    def __init__(self, term):
        self.term = term
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, mark, why):
        """Count and print the verdict of check name; a failure shows why and what the terminal showed."""
        if ok:
            self.passed += 1
            print(f"shell_{name}: ok", flush=True)
            return
        self.failed += 1
        print(f"shell_{name}: FAIL: {why}")
        print("-- terminal output of this check --")
        lines = self.term.text(mark).split("\n")[-SHOWN_LINES:]
        print("\n".join(re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", lambda m: "^" + chr(ord(m.group()) ^ 0x40), l)
                        for l in lines))
        print("-- end --", flush=True)

    def line(self, name, keys, want, why, pause_after_first=0.0):
        """Type keys (a command line) and Enter; pass when the shell echoed the whole line and answered want."""
        term = self.term
        mark = len(term.out)
        term.type(keys[:1], pause_after_first or KEY_GAP_S)
        term.type(keys[1:] + ENTER)
        ok = term.wait_for(mark, re.compile(re.escape(PROMPT) + "$"), WAIT_S)
        got = term.text(mark).split("\n")
        echoed = got[0] if got else ""
        answer = got[1] if len(got) > 2 else ""
        typed = keys.decode()
        if not ok:
            why = f"no prompt after `{typed}` within {WAIT_S:g} s"
        elif echoed != typed or answer != want:
            why = f"{why}: typed `{typed}`, the shell echoed `{echoed}` and answered `{answer}`"
        else:
            why = ""
        self.check(name, not why, mark, why)

    def finish(self):
        """Print the totals; return the exit status."""
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 else 1


def main(argv):
    if not 2 <= len(argv) <= 3:
        print("usage: run/test/test-terminal.py IMAGE [MEM_MIB]", file=sys.stderr)
        return 2
    image, mem = argv[1], argv[2] if len(argv) == 3 else "128"
    if not os.path.isfile(image):
        print(f"test-terminal: no image '{image}' (build it first)", file=sys.stderr)
        return 2
    print(f"== shell: {image} at {mem} MiB, typed on a terminal (pseudo-terminal, mon:stdio) ==", flush=True)
    term = Terminal(image, mem)
    checks = Checks(term)
    try:
        booted = term.wait_for(0, BOOT_DONE, BOOT_WAIT_S)
        checks.check("term_boot_prompt", booted, 0, f"no shell prompt on the terminal within {BOOT_WAIT_S} s")
        if not booted:
            return checks.finish()
        checks.line("term_first_key", b"echo first", "first", "the first key typed at the prompt did not arrive")
        checks.line("term_key_after_pause", b"echo again", "again",
                    f"a key typed {PAUSE_S:g} s before the rest of the line did not arrive",
                    pause_after_first=PAUSE_S)
        mark = len(term.out)
        term.type(CTRL_A + b"x")
        checks.check("term_quit", term.exited(QUIT_WAIT_S), mark,
                     f"QEMU still ran {QUIT_WAIT_S} s after Ctrl-A then x")
        return checks.finish()
    finally:
        term.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
