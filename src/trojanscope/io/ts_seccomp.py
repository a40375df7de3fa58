"""A seccomp filter for the sandboxed TorchScript child: no network, no new processes, no
file created or opened for writing, even where ``unshare`` is refused (issue 4, stop 39).

Standard library only (``ctypes``; no libseccomp): the child (:mod:`trojanscope.io.ts_child`)
imports it as a neighbour by file. :func:`confine` sets ``PR_SET_NO_NEW_PRIVS`` and installs a
small classic-BPF program with ``seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC)``
(every thread of the process, those torch's pool started before included), built here for
x86_64 or aarch64; any other architecture is not confined, and the reason says so. The program:

- kills the process for a call made in another ABI (i386 ``int 0x80``; x32 numbers are
  refused), whose numbers mean other calls;
- answers ``ENOSYS`` to a number past the highest in its table (a later kernel's call, not
  read here: refused by default, as an older kernel answers);
- refuses with ``EPERM``: sockets (``socket`` … ``getsockopt``), ``execve``/``execveat``,
  ``fork``/``vfork``, a ``clone`` that is not a thread (no ``CLONE_THREAD``, or a namespace
  flag), ``ptrace`` and ``process_vm_*``; signals to another process: ``kill``/``tkill``,
  ``tgkill`` to another process (``raise``/``abort`` on itself pass), ``rt_sigqueueinfo``/
  ``rt_tgsigqueueinfo`` (to any), ``fcntl`` ``F_SETOWN``/``F_SETSIG``/``F_SETOWN_EX``;
  ``pidfd_*``, ``prlimit64`` on another process, ``setpriority``, ``flock`` (a lock another
  program waits for, even on a file opened for reading); ``ioctl`` ``TIOCSTI``/
  ``TIOCLINUX`` (typing into a terminal) and ``FS_IOC_SETFLAGS``/``FS_IOC_FSSETXATTR``;
  ``open``/``openat`` with a write, create, truncate, append or temporary-file flag,
  ``creat``, ``openat2`` (its flags sit behind a pointer), renaming, removing, linking,
  making folders or nodes, truncating, ``chmod``/``chown``/times/extended attributes (the
  ``*at`` calls of Linux 6.6–6.17 too), mounts and namespaces, ``io_uring`` (which would open
  files around this filter), ``bpf``, ``perf_event_open``, keys, modules, POSIX message
  queues and every SysV IPC call but ``shmdt``;
- answers ``clone3`` with ``ENOSYS`` (its flags sit behind a pointer): glibc then creates a
  thread with ``clone``, which passes (torch's intra-op pool still works);
- lets everything else through (reading files, ``mmap``, writing to the pipes it holds).
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform

__all__ = ["ARCHES", "confine", "unavailable"]

_PR_SET_NO_NEW_PRIVS = 38
_RET_KILL_PROCESS, _RET_ALLOW, _RET_ERRNO = 0x80000000, 0x7FFF0000, 0x00050000
_LD_ABS_W, _JEQ_K, _JGT_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x25, 0x35, 0x45, 0x06
_NR, _ARCH, _ARGS = 0, 4, 16  # offsets in struct seccomp_data (args: 8 bytes each, LE)
_X32_BIT = 0x40000000
_CLONE_THREAD = 0x00010000
_CLONE_NAMESPACES = 0x7E020000  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
# O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, __O_TMPFILE (the same on both architectures)
_WRITE_FLAGS = 0x1 | 0x2 | 0x40 | 0x200 | 0x400 | 0x400000

# handled by their arguments below; every other call in an architecture's table is refused
_BY_ARGUMENTS = ("clone", "clone3", "open", "openat", "tgkill", "ioctl", "fcntl", "prlimit64")

# the calls refused and those checked by argument, by number (checked against
# asm/unistd_64.h and asm-generic/unistd.h, Linux 6.x)
# Calls numbered from 424 (Linux 5.1 on) have one number on every architecture.
_UNIFIED = {
    "pidfd_send_signal": 424,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "pidfd_open": 434,
    "clone3": 435,
    "openat2": 437,
    "pidfd_getfd": 438,
    "process_madvise": 440,
    "mount_setattr": 442,
    "memfd_secret": 447,
    "fchmodat2": 452,
    "lsm_set_self_attr": 460,
    "setxattrat": 463,
    "removexattrat": 466,
    "open_tree_attr": 467,
    "file_setattr": 469,
}


_X86_64 = {
    "socket": 41,
    "socketpair": 53,
    "connect": 42,
    "bind": 49,
    "listen": 50,
    "accept": 43,
    "accept4": 288,
    "sendto": 44,
    "sendmsg": 46,
    "sendmmsg": 307,
    "recvfrom": 45,
    "recvmsg": 47,
    "recvmmsg": 299,
    "shutdown": 48,
    "getsockname": 51,
    "getpeername": 52,
    "setsockopt": 54,
    "getsockopt": 55,
    "execve": 59,
    "execveat": 322,
    "fork": 57,
    "vfork": 58,
    "ptrace": 101,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "kill": 62,
    "tkill": 200,
    "tgkill": 234,
    "kcmp": 312,
    "open": 2,
    "creat": 85,
    "rename": 82,
    "renameat": 264,
    "renameat2": 316,
    "unlink": 87,
    "unlinkat": 263,
    "mkdir": 83,
    "mkdirat": 258,
    "rmdir": 84,
    "mknod": 133,
    "mknodat": 259,
    "link": 86,
    "linkat": 265,
    "symlink": 88,
    "symlinkat": 266,
    "truncate": 76,
    "ftruncate": 77,
    "fallocate": 285,
    "chmod": 90,
    "fchmod": 91,
    "fchmodat": 268,
    "chown": 92,
    "fchown": 93,
    "lchown": 94,
    "fchownat": 260,
    "utime": 132,
    "utimes": 235,
    "utimensat": 280,
    "futimesat": 261,
    "setxattr": 188,
    "lsetxattr": 189,
    "fsetxattr": 190,
    "removexattr": 197,
    "lremovexattr": 198,
    "fremovexattr": 199,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "chroot": 161,
    "unshare": 272,
    "setns": 308,
    "bpf": 321,
    "perf_event_open": 298,
    "keyctl": 250,
    "add_key": 248,
    "request_key": 249,
    "userfaultfd": 323,
    "init_module": 175,
    "finit_module": 313,
    "delete_module": 176,
    "kexec_load": 246,
    "kexec_file_load": 320,
    "reboot": 169,
    "swapon": 167,
    "swapoff": 168,
    "acct": 163,
    "sethostname": 170,
    "setdomainname": 171,
    "fanotify_init": 300,
    "quotactl": 179,
    "mq_open": 240,
    "mq_unlink": 241,
    "shmget": 29,
    "semget": 64,
    "msgget": 68,
    "rt_sigqueueinfo": 129,
    "rt_tgsigqueueinfo": 297,
    "setpriority": 141,
    "shmat": 30,
    "shmctl": 31,
    "semop": 65,
    "semtimedop": 220,
    "semctl": 66,
    "msgsnd": 69,
    "msgrcv": 70,
    "msgctl": 71,
    "flock": 73,
    "ioctl": 16,
    "fcntl": 72,
    "prlimit64": 302,
    "clone": 56,
    "openat": 257,
    **_UNIFIED,
}
_AARCH64 = {  # no open, creat, fork, vfork, rename, unlink, mkdir, … there: only the *at calls
    "socket": 198,
    "socketpair": 199,
    "connect": 203,
    "bind": 200,
    "listen": 201,
    "accept": 202,
    "accept4": 242,
    "sendto": 206,
    "sendmsg": 211,
    "sendmmsg": 269,
    "recvfrom": 207,
    "recvmsg": 212,
    "recvmmsg": 243,
    "shutdown": 210,
    "getsockname": 204,
    "getpeername": 205,
    "setsockopt": 208,
    "getsockopt": 209,
    "execve": 221,
    "execveat": 281,
    "ptrace": 117,
    "process_vm_readv": 270,
    "process_vm_writev": 271,
    "kill": 129,
    "tkill": 130,
    "tgkill": 131,
    "kcmp": 272,
    "renameat": 38,
    "renameat2": 276,
    "unlinkat": 35,
    "mkdirat": 34,
    "mknodat": 33,
    "linkat": 37,
    "symlinkat": 36,
    "truncate": 45,
    "ftruncate": 46,
    "fallocate": 47,
    "fchmod": 52,
    "fchmodat": 53,
    "fchown": 55,
    "fchownat": 54,
    "utimensat": 88,
    "setxattr": 5,
    "lsetxattr": 6,
    "fsetxattr": 7,
    "removexattr": 14,
    "lremovexattr": 15,
    "fremovexattr": 16,
    "name_to_handle_at": 264,
    "open_by_handle_at": 265,
    "mount": 40,
    "umount2": 39,
    "pivot_root": 41,
    "chroot": 51,
    "unshare": 97,
    "setns": 268,
    "bpf": 280,
    "perf_event_open": 241,
    "keyctl": 219,
    "add_key": 217,
    "request_key": 218,
    "userfaultfd": 282,
    "init_module": 105,
    "finit_module": 273,
    "delete_module": 106,
    "kexec_load": 104,
    "kexec_file_load": 294,
    "reboot": 142,
    "swapon": 224,
    "swapoff": 225,
    "acct": 89,
    "sethostname": 161,
    "setdomainname": 162,
    "fanotify_init": 262,
    "quotactl": 60,
    "mq_open": 180,
    "mq_unlink": 181,
    "shmget": 194,
    "semget": 190,
    "msgget": 186,
    "rt_sigqueueinfo": 138,
    "rt_tgsigqueueinfo": 240,
    "setpriority": 140,
    "shmat": 196,
    "shmctl": 195,
    "semop": 193,
    "semtimedop": 192,
    "semctl": 191,
    "msgsnd": 189,
    "msgrcv": 188,
    "msgctl": 187,
    "flock": 32,
    "ioctl": 29,
    "fcntl": 25,
    "prlimit64": 261,
    "clone": 220,
    "openat": 56,
    **_UNIFIED,
}
# machine -> (AUDIT_ARCH_*, the numbers above, whether x32 numbers are refused)
ARCHES = {"x86_64": (0xC000003E, _X86_64, True), "aarch64": (0xC00000B7, _AARCH64, False)}
_SYS_SECCOMP = {"x86_64": 317, "aarch64": 277}  # seccomp(2): SECCOMP_FILTER_FLAG_TSYNC
_SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC = 1, 1
# ioctl requests refused (low 32 bits of argument 1): typing into a terminal (TIOCSTI,
# TIOCLINUX), a file's flags and extended attributes (FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR)
_IOCTL_REFUSED = (0x5412, 0x541C, 0x40086602, 0x401C5820)
# fcntl commands refused (argument 1): a signal sent to another process when a
# descriptor is ready (F_SETOWN, F_SETSIG, F_SETOWN_EX)
_FCNTL_REFUSED = (8, 10, 15)


class _Insn(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint32),
    ]


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Insn))]


def _arg(i: int, high: bool = False) -> int:
    """Offset of argument ``i``'s low (or high) 32 bits in seccomp_data (little-endian)."""
    return _ARGS + 8 * i + (4 if high else 0)


def program(machine: str, pid: int) -> list[tuple[int, int, int, int]]:
    """The filter for ``machine`` as (code, jt, jf, k) instructions; ``pid`` is the process
    a ``tgkill`` may signal (itself)."""
    audit, nrs, x32 = ARCHES[machine]
    deny = _RET_ERRNO | errno.EPERM
    out = [
        (_LD_ABS_W, 0, 0, _ARCH),
        (_JEQ_K, 1, 0, audit),
        (_RET_K, 0, 0, _RET_KILL_PROCESS),
        (_LD_ABS_W, 0, 0, _NR),
    ]
    if x32:
        out += [(_JGE_K, 0, 1, _X32_BIT), (_RET_K, 0, 0, deny)]
    # a number past the table's highest: a call of a later kernel, not yet read here (ENOSYS,
    # as an older kernel answers: glibc and torch fall back)
    out += [(_JGT_K, 0, 1, max(nrs.values())), (_RET_K, 0, 0, _RET_ERRNO | errno.ENOSYS)]
    for name, nr in nrs.items():
        if name not in _BY_ARGUMENTS:
            out += [(_JEQ_K, 0, 1, nr), (_RET_K, 0, 0, deny)]
    out += [(_JEQ_K, 0, 1, nrs["clone3"]), (_RET_K, 0, 0, _RET_ERRNO | errno.ENOSYS)]
    # clone: a thread (CLONE_THREAD, no namespace flag) passes; anything else is refused
    out += [
        (_JEQ_K, 0, 5, nrs["clone"]),
        (_LD_ABS_W, 0, 0, _arg(0)),
        (_JSET_K, 2, 0, _CLONE_NAMESPACES),
        (_JSET_K, 0, 1, _CLONE_THREAD),
        (_RET_K, 0, 0, _RET_ALLOW),
        (_RET_K, 0, 0, deny),
    ]
    # open(path, flags) and openat(dirfd, path, flags): reading only
    for name, flags_arg in (("open", 1), ("openat", 2)):
        if name in nrs:
            out += [
                (_LD_ABS_W, 0, 0, _NR),
                (_JEQ_K, 0, 4, nrs[name]),
                (_LD_ABS_W, 0, 0, _arg(flags_arg)),
                (_JSET_K, 0, 1, _WRITE_FLAGS),
                (_RET_K, 0, 0, deny),
                (_RET_K, 0, 0, _RET_ALLOW),
            ]
    # tgkill(tgid, tid, sig): only to itself (raise, abort)
    out += [
        (_LD_ABS_W, 0, 0, _NR),
        (_JEQ_K, 0, 6, nrs["tgkill"]),
        (_LD_ABS_W, 0, 0, _arg(0, high=True)),
        (_JEQ_K, 0, 2, 0),
        (_LD_ABS_W, 0, 0, _arg(0)),
        (_JEQ_K, 1, 0, pid & 0xFFFFFFFF),
        (_RET_K, 0, 0, deny),
        (_RET_K, 0, 0, _RET_ALLOW),
    ]
    # ioctl and fcntl: a few requests refused (argument 1 is an unsigned int in the kernel)
    for name, refused in (("ioctl", _IOCTL_REFUSED), ("fcntl", _FCNTL_REFUSED)):
        n = len(refused)
        out += [(_LD_ABS_W, 0, 0, _NR), (_JEQ_K, 0, n + 3, nrs[name]), (_LD_ABS_W, 0, 0, _arg(1))]
        out += [(_JEQ_K, n - i, 0, value) for i, value in enumerate(refused)]  # to the deny
        out += [(_RET_K, 0, 0, _RET_ALLOW), (_RET_K, 0, 0, deny)]
    # prlimit64(pid, …): only on itself (pid 0 or its own; a pid_t is 32 bits)
    out += [
        (_LD_ABS_W, 0, 0, _NR),
        (_JEQ_K, 0, 5, nrs["prlimit64"]),
        (_LD_ABS_W, 0, 0, _arg(0)),
        (_JEQ_K, 2, 0, 0),
        (_JEQ_K, 1, 0, pid & 0xFFFFFFFF),
        (_RET_K, 0, 0, deny),
        (_RET_K, 0, 0, _RET_ALLOW),
    ]
    return [*out, (_RET_K, 0, 0, _RET_ALLOW)]


def unavailable() -> str:
    """Why this machine cannot be confined ('' when it can): an architecture the filter is
    not written for, or a kernel without seccomp filters."""
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if machine not in ARCHES:
        return (
            f"no seccomp filter for this architecture ({machine or 'unknown'}: only x86_64 "
            "and aarch64)"
        )
    if not os.path.exists("/proc/self/status"):
        return "no /proc: cannot tell whether the kernel has seccomp"
    with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
        if not any(line.startswith("Seccomp:") for line in fh):
            return "the kernel has no seccomp"
    return ""


def confine() -> str:
    """Install the filter on every thread of this process (``SECCOMP_FILTER_FLAG_TSYNC``; for
    good: every thread started later inherits it); '' when done, else why not."""
    reason = unavailable()
    if reason:
        return reason
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    insns = program(machine, os.getpid())
    array = (_Insn * len(insns))(*[_Insn(*i) for i in insns])
    prog = _Prog(len(insns), ctypes.cast(array, ctypes.POINTER(_Insn)))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [
        ctypes.c_int,
        ctypes.c_ulong,
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.c_ulong,
    ]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        return f"PR_SET_NO_NEW_PRIVS failed ({os.strerror(ctypes.get_errno())})"
    # seccomp(2) with TSYNC: every thread of the process, those torch started before (its
    # intra-op pool) included; prctl(PR_SET_SECCOMP) filters the calling thread only
    libc.syscall.restype = ctypes.c_long
    done = libc.syscall(
        ctypes.c_long(_SYS_SECCOMP[machine]),
        ctypes.c_ulong(_SECCOMP_SET_MODE_FILTER),
        ctypes.c_ulong(_SECCOMP_FILTER_FLAG_TSYNC),
        ctypes.byref(prog),
    )
    if done > 0:  # the id of a thread that could not take the filter
        return f"the seccomp filter could not be installed on thread {done}"
    if done != 0:
        return f"the kernel refused the seccomp filter ({os.strerror(ctypes.get_errno())})"
    return ""
