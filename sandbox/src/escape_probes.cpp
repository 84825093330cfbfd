// The hostile programs of the escape suite (issue 3, "Acceptance"). A probe that tries something
// the jail must prevent prints "ESCAPED: ..." when the attempt works, so the evidence is in the
// output as well as on the host (checked by run_escape_suite). @NAME@ placeholders are filled with
// the bait's coordinates.
#include <random>
#include <unistd.h>

#include "remedi/common/strutil.h"
#include "remedi/sandbox/escape_suite.h"

namespace remedi::sandbox {

namespace {

Probe make(std::string name, std::string attack, std::string program, std::string tests,
           std::vector<Outcome> expected, double timeout_s = 5.0) {
  Probe p;
  p.name = std::move(name);
  p.attack = std::move(attack);
  p.request.program = std::move(program);
  p.request.tests = std::move(tests);
  p.request.limits.timeout_s = timeout_s;
  p.request.limits.cpu_s = timeout_s;
  p.expected = std::move(expected);
  return p;
}

}  // namespace

std::vector<Probe> escape_probes(const EscapeEnv& env, int supervisor_pid) {
  std::vector<Probe> v;
  v.push_back(make("fork_bomb", "os.fork() in an endless loop in every process", R"(
import os
while True:
    os.fork()
)", "", {Outcome::Error, Outcome::Timeout}, 5));

  v.push_back(make("memory_bomb", "allocate 10 MB blocks forever", R"(
blocks = []
while True:
    blocks.append(bytearray(10 ** 7))
)", "", {Outcome::Oom}, 10));

  v.push_back(make("loop_python", "while True: pass", "while True:\n    pass\n", "", {Outcome::Timeout}, 2));

  v.push_back(make("loop_c_bigpow", "huge integer power (runs in C, no signal checks)",
                   "x = 7 ** (7 ** 10)\n", "", {Outcome::Timeout, Outcome::Oom}, 2));

  v.push_back(make("loop_c_regex", "catastrophic backtracking regex (runs in C)", R"(
import re
re.match(r'(a+)+$', 'a' * 64 + 'b')
)", "", {Outcome::Timeout}, 2));

  v.push_back(make("disk_fill", "write 15 MB files until the disk is full", R"(
i = 0
while True:
    with open('fill%d' % i, 'wb') as f:
        for _ in range(15):
            f.write(b'x' * (1 << 20))
    i += 1
)", "", {Outcome::Error}, 10));

  v.push_back(make("write_outside", "create files in the host's world-writable places", R"(
paths = ['@OUTSIDE@/pwned', '/tmp/remedi-pwned-@TOKEN@', '/dev/shm/remedi-pwned-@TOKEN@',
         '/var/tmp/remedi-pwned-@TOKEN@', '/usr/remedi-pwned-@TOKEN@', '/remedi-pwned-@TOKEN@',
         '@CANARY@']
for p in paths:
    try:
        with open(p, 'a') as f:
            f.write('pwned')
        print('wrote', p)
    except OSError as e:
        print('refused', p, type(e).__name__)
)", "", {Outcome::Pass}));

  v.push_back(make("read_canary", "read the secret from env, the canary file, /proc/1/environ", R"(
import os
for k, val in os.environ.items():
    print('env', k, val)
for p in ['@CANARY@', '/proc/1/environ', '/proc/self/environ']:
    try:
        with open(p, 'rb') as f:
            print(p, f.read())
    except OSError as e:
        print('refused', p, type(e).__name__)
)", "", {Outcome::Pass}));

  v.push_back(make("tcp_connect", "TCP connect to the test's listener at 127.0.0.1:@PORT@", R"(
import socket
s = socket.create_connection(('127.0.0.1', @PORT@), timeout=2)
print('ESCAPED: connected')
)", "", {Outcome::Error}));

  v.push_back(make("udp_and_raw", "UDP datagram, netlink and packet sockets", R"(
import socket
for fam, typ in [(socket.AF_INET, socket.SOCK_DGRAM), (socket.AF_INET6, socket.SOCK_STREAM),
                 (socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_RAW)]:
    try:
        s = socket.socket(fam, typ)
        if fam == socket.AF_INET:
            s.sendto(b'x', ('127.0.0.1', @PORT@))
        print('ESCAPED: socket', fam, typ)
    except OSError as e:
        print('refused', fam, e.errno)
)", "", {Outcome::Pass}));

  v.push_back(make("signal_supervisor", "SIGKILL the test process, the supervisor, everyone (-1)", R"(
import os, signal
for pid in [@PARENT@, @SUPERVISOR@, os.getppid()]:
    try:
        os.kill(pid, signal.SIGKILL)
        print('sent to', pid)
    except OSError as e:
        print('refused', pid, type(e).__name__)
try:
    os.kill(-1, signal.SIGKILL)
except OSError as e:
    print('kill -1 refused', e.errno)
)", "", {Outcome::Pass, Outcome::Error}));

  v.push_back(make("sys_exit_early", "sys.exit(0) before the asserts", "import sys\nsys.exit(0)\n",
                   "assert False, 'unreachable'\n", {Outcome::Error}));

  v.push_back(make("os_exit_early", "os._exit(0) before the asserts", "import os\nos._exit(0)\n",
                   "assert False, 'unreachable'\n", {Outcome::Error}));

  v.push_back(make("print_fake_pass", "print a fake verdict and exit 0", R"(
import os, sys
print('PASS'); print('ok'); sys.stdout.flush()
os.write(4, b'0123456789abcdef0123456789abcdef PASS 1 \n')
os._exit(0)
)", "assert False\n", {Outcome::Error}));

  v.push_back(make("eq_always_true", "return an object whose __eq__ always returns True", R"(
class Anything:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
def solve(x):
    return Anything()
)", "assert solve(1) == 42\nassert [solve(2)] == [7]\n", {Outcome::Fail}));

  v.push_back(make("stdout_flood", "print without end", "while True:\n    print('x' * 1000)\n", "",
                   {Outcome::OutputLimit}));

  v.push_back(make("ignore_signals", "ignore every catchable signal, then loop", R"(
import signal
for s in range(1, signal.NSIG):
    try:
        signal.signal(s, signal.SIG_IGN)
    except (OSError, ValueError, RuntimeError):
        pass
while True:
    pass
)", "", {Outcome::Timeout}, 2));

  v.push_back(make("ctypes_in_driver", "ctypes inside the tested interpreter (memory access)", R"(
import ctypes
libc = ctypes.CDLL(None)
print('ESCAPED: ctypes loaded', libc)
)", "", {Outcome::Error}));

  v.push_back(make("ctypes_syscalls", "a fresh child interpreter: socket/ptrace/mount/unshare/bpf via ctypes, read /proc/1/mem", R"(
import os, sys
child = r"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
checks = {
    'socket(AF_INET)': lambda: libc.socket(2, 1, 0),
    'ptrace(TRACEME)': lambda: libc.ptrace(0, 0, None, None),
    'mount(tmpfs)': lambda: libc.mount(b'none', b'/sandbox', b'tmpfs', 0, None),
    'unshare(NEWUSER)': lambda: libc.unshare(0x10000000),
    'chroot': lambda: libc.chroot(b'/sandbox'),
    'bpf': lambda: libc.syscall(321, 0, None, 0),
    'perf_event_open': lambda: libc.syscall(298, None, 0, -1, -1, 0),
}
for name, f in checks.items():
    rc = f()
    print(name, rc, ctypes.get_errno())
    if rc >= 0:
        print('ESCAPED:', name)
for p in ['/proc/%d/mem' % os.getppid(), '/proc/%d/environ' % os.getppid()]:
    try:
        open(p, 'rb').read(16)
        print('ESCAPED: read', p)
    except OSError as e:
        print('refused', p, e.errno)
""".replace('os.getppid()', str(os.getpid()))
pid = os.posix_spawn(sys.executable, [sys.executable, '-I', '-S', '-c', 'import os\n' + child], {})
_, status = os.waitpid(pid, 0)
assert status == 0, status
)", "", {Outcome::Pass}));

  v.push_back(make("forge_via_introspection", "find the verdict nonce through frames, gc, audit events", R"(
import sys, gc
found = []
def attempt(name, f):
    try:
        found.append((name, f()))
    except Exception as e:
        print('refused', name, type(e).__name__)
attempt('getframe', lambda: sys._getframe(1).f_locals)
def tb():
    try:
        raise ValueError
    except ValueError as e:
        return e.__traceback__.tb_frame.f_back.f_locals
attempt('tb_frame', tb)
attempt('gc', lambda: [o for o in gc.get_objects() if isinstance(o, dict) and 'nonce' in o])
attempt('audit', lambda: sys.audit('remedi.verdict', b'PASS', b'1', b''))
attempt('settrace', lambda: sys.settrace(lambda *a: None))
print('found', [n for n, _ in found])
)", "assert False, 'the test must fail'\n", {Outcome::Fail}));

  v.push_back(make("spawn_shell", "os.posix_spawn('/bin/sh') that reads the canary and writes outside", R"(
import os
pid = os.posix_spawn('/bin/sh', ['sh', '-c',
    'cat @CANARY@; echo pwned > @OUTSIDE@/from-sh; echo $@ENV@; cat /proc/1/environ'], {})
os.waitpid(pid, 0)
)", "", {Outcome::Pass}));

  v.push_back(make("exec_shell", "os.execv('/bin/sh') replacing the interpreter before the asserts",
                   "import os\nos.execv('/bin/sh', ['sh', '-c', 'exit 0'])\n", "assert False\n",
                   {Outcome::Error}));

  Probe linger = make("linger_after_verdict", "daemonised child + busy thread still running after the verdict", R"(
import os, threading, time
def spin():
    while True:
        time.sleep(0.05)
threading.Thread(target=spin, daemon=False).start()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv('/bin/sh', ['sh', '-c', 'sleep 60', 'remedi-linger-@TOKEN@'])
    os._exit(0)
)", "assert True\n", {Outcome::Pass});
  v.push_back(std::move(linger));

  std::random_device rd;
  const std::string token = std::to_string(rd()) + std::to_string(rd());
  for (auto& p : v) {
    for (std::string* s : {&p.request.program, &p.request.tests, &p.attack}) {
      *s = replace_all(*s, "@OUTSIDE@", env.outside_dir());
      *s = replace_all(*s, "@CANARY@", env.canary_file());
      *s = replace_all(*s, "@PORT@", std::to_string(env.port()));
      *s = replace_all(*s, "@TOKEN@", token);
      *s = replace_all(*s, "@ENV@", EscapeEnv::env_name());
      *s = replace_all(*s, "@PARENT@", std::to_string(::getpid()));
      *s = replace_all(*s, "@SUPERVISOR@", std::to_string(supervisor_pid));
    }
    if (p.name == "linger_after_verdict") p.linger_token = "remedi-linger-" + token;
  }
  return v;
}

}  // namespace remedi::sandbox
