// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Rkt.Engine.Native.Linux;

/// <summary>
/// Process-level libc calls for the stage1 executable only: fork/exec, namespaces, chroot, credentials, fds,
/// signals. Never call these from pwsh or the engine (multithreaded, long-lived): they change the whole
/// process. Every wrapper retries on EINTR and throws <see cref="NativeCallException"/> naming the call.
/// </summary>
/// <remarks>
/// <see cref="Spawn"/> is the only code that runs between fork and execve. That window uses raw imports marked
/// <c>SuppressGCTransition</c> on memory allocated before the fork, so the child never touches the managed
/// heap or the GC (whose other threads do not exist in the child).
/// </remarks>
public static unsafe partial class ProcessCalls
{
    /// <summary>unshare/setns flag: mount namespace.</summary>
    public const int CLONE_NEWNS = 0x00020000;
    /// <summary>unshare flag: private filesystem attributes (root, cwd, umask) for the calling thread.</summary>
    public const int CLONE_FS = 0x00000200;

    /// <summary>open(2) flags used by stage1.</summary>
    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_TRUNC = 0x200, O_APPEND = 0x400,
        O_NOCTTY = 0x100, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000, O_PATH = 0x200000;

    /// <summary>Signals stage1 sends or handles.</summary>
    public const int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGPIPE = 13, SIGTERM = 15;

    /// <summary>prctl(2) options used by stage1.</summary>
    public const int PR_SET_PDEATHSIG = 1;

    private const int F_GETFD = 1, F_SETFD = 2, FD_CLOEXEC = 1;
    private const int EINTR_ = 4, ESRCH_ = 3;

    // ---- raw imports for the fork..execve window (no GC transition, errno read explicitly) ----

    // fork(2)
    [LibraryImport("libc", EntryPoint = "fork"), SuppressGCTransition]
    private static partial int raw_fork();

    // execve(2)
    [LibraryImport("libc", EntryPoint = "execve"), SuppressGCTransition]
    private static partial int raw_execve(byte* path, byte** argv, byte** envp);

    // fcntl(2), int argument form
    [LibraryImport("libc", EntryPoint = "fcntl"), SuppressGCTransition]
    private static partial int raw_fcntl(int fd, int cmd, int arg);

    // write(2)
    [LibraryImport("libc", EntryPoint = "write"), SuppressGCTransition]
    private static partial nint raw_write(int fd, void* buf, nint count);

    // _exit(2)
    [LibraryImport("libc", EntryPoint = "_exit"), SuppressGCTransition]
    private static partial void raw_exit(int status);

    // errno(3): the thread's errno cell
    [LibraryImport("libc", EntryPoint = "__errno_location"), SuppressGCTransition]
    private static partial int* raw_errno_location();

    // ---- imports Tmds.LibC lacks ----

    // waitpid(2)
    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int sys_waitpid(int pid, int* status, int options);

    // waitid(2)
    [LibraryImport("libc", EntryPoint = "waitid", SetLastError = true)]
    private static partial int sys_waitid(int idtype, uint id, byte* infop, int options);

    // prctl(2)
    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int sys_prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    // syscall(2), used for pivot_root(2), which glibc does not wrap
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint sys_syscall2(nint number, byte* a, byte* b);

    // signal(2): only SIG_DFL is ever installed
    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint sys_signal(int signum, nint handler);

    // sigprocmask(2)
    [LibraryImport("libc", EntryPoint = "sigprocmask", SetLastError = true)]
    private static partial int sys_sigprocmask(int how, byte* set, byte* oldset);

    // ---- fork + execve ----

    /// <summary>
    /// Starts <paramref name="path"/> as a child process (fork(2) + execve(2)) with the given argv and environment.
    /// The child inherits this process's descriptors that are not close-on-exec; the descriptors in
    /// <paramref name="inheritFds"/> have FD_CLOEXEC cleared in the child only. Returns the child's pid after the
    /// child has called execve successfully; an execve failure is reported as <see cref="NativeCallException"/>.
    /// </summary>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> env, ReadOnlySpan<int> inheritFds)
    {
        byte* cpath = AllocUtf8Z(path);
        byte** cargv = AllocArgv(argv);
        byte** cenv = AllocArgv(env);
        int nfds = inheritFds.Length;
        int* fds = (int*)NativeMemory.Alloc((nuint)Math.Max(1, nfds), sizeof(int));
        for (int i = 0; i < nfds; i++) fds[i] = inheritFds[i];
        int[] report = Pipe();
        try
        {
            int pid = raw_fork();
            if (pid == 0)
            {
                // Child: nothing but raw calls on pre-allocated memory until execve.
                for (int i = 0; i < nfds; i++) raw_fcntl(fds[i], F_SETFD, 0);
                raw_execve(cpath, cargv, cenv);
                int err = *raw_errno_location();
                raw_write(report[1], &err, sizeof(int));
                raw_exit(127);
            }
            if (pid < 0) throw new NativeCallException("fork", null, Marshal.GetLastSystemError());
            Close(report[1]);
            report[1] = -1;
            int childErrno = 0;
            int n = ReadFully(report[0], new Span<byte>(&childErrno, sizeof(int)));
            if (n == sizeof(int))
            {
                WaitPid(pid);
                throw new NativeCallException("execve", path, childErrno);
            }
            return pid;
        }
        finally
        {
            if (report[1] >= 0) Close(report[1]);
            Close(report[0]);
            NativeMemory.Free(fds);
            FreeArgv(cenv);
            FreeArgv(cargv);
            NativeMemory.Free(cpath);
        }
    }

    /// <summary>execve(2): replaces the process image. Returns only by throwing.</summary>
    public static void Execve(string path, IReadOnlyList<string> argv, IReadOnlyList<string> env)
    {
        byte* cpath = AllocUtf8Z(path);
        byte** cargv = AllocArgv(argv);
        byte** cenv = AllocArgv(env);
        try
        {
            while (true)
            {
                execve(cpath, cargv, cenv);
                int e = errno;
                if (e != EINTR_) throw new NativeCallException("execve", path, e);
            }
        }
        finally
        {
            FreeArgv(cenv);
            FreeArgv(cargv);
            NativeMemory.Free(cpath);
        }
    }

    /// <summary>waitpid(2) for one child; returns the raw wait status. Ignores stop/continue reports.</summary>
    public static int WaitPid(int pid)
    {
        int status;
        while (true)
        {
            int r = sys_waitpid(pid, &status, 0);
            if (r == pid) return status;
            int e = Marshal.GetLastPInvokeError();
            if (r < 0 && e == EINTR_) continue;
            throw new NativeCallException("waitpid", null, e);
        }
    }

    /// <summary>
    /// Waits until some child has exited and returns its pid <b>without reaping it</b> (waitid(P_ALL, WEXITED |
    /// WNOWAIT)): the zombie keeps the pid reserved, so files naming it can be removed before <see cref="WaitPid"/>
    /// frees it for reuse. Returns 0 when <paramref name="noHang"/> is set and no child has exited yet, -1 when there
    /// are no children (ECHILD).
    /// </summary>
    public static int WaitAnyExited(bool noHang)
    {
        const int P_ALL = 0, WNOHANG = 1, WEXITED = 4, WNOWAIT = 0x01000000;
        byte* info = stackalloc byte[128]; // siginfo_t
        while (true)
        {
            new Span<byte>(info, 128).Clear();
            if (sys_waitid(P_ALL, 0, info, WEXITED | WNOWAIT | (noHang ? WNOHANG : 0)) == 0)
                return *(int*)(info + 16); // si_pid (x86-64 and arm64 layout); 0 when WNOHANG found nothing
            int e = Marshal.GetLastPInvokeError();
            if (e == EINTR_) continue;
            if (e == 10 /* ECHILD */) return -1;
            throw new NativeCallException("waitid", null, e);
        }
    }

    /// <summary>The shell convention for a wait status: exit code, or 128 + signal number when killed by a signal.</summary>
    public static int ExitCodeOf(int waitStatus)
    {
        int sig = waitStatus & 0x7f;
        return sig == 0 ? (waitStatus >> 8) & 0xff : 128 + sig;
    }

    // ---- sessions, namespaces, root ----

    /// <summary>setsid(2). Returns false (instead of throwing) when the caller is a process group leader (EPERM).</summary>
    public static bool Setsid()
    {
        if ((int)setsid() >= 0) return true;
        int e = errno;
        if (e == EPERM) return false;
        throw new NativeCallException("setsid", null, e);
    }

    /// <summary>unshare(2) with CLONE_* flags.</summary>
    public static void Unshare(int flags)
    {
        while (unshare(flags) != 0)
        {
            int e = errno;
            if (e != EINTR_) throw new NativeCallException("unshare", null, e);
        }
    }

    /// <summary>setns(2): joins the namespace behind <paramref name="fd"/> (an open /proc/PID/ns/* file).</summary>
    public static void Setns(int fd, int nstype, string what)
    {
        while (setns(fd, nstype) != 0)
        {
            int e = errno;
            if (e != EINTR_) throw new NativeCallException("setns", what, e);
        }
    }

    /// <summary>chroot(2).</summary>
    public static void Chroot(string path) => PathCall("chroot", path, static p => chroot(p));

    /// <summary>chdir(2).</summary>
    public static void Chdir(string path) => PathCall("chdir", path, static p => chdir(p));

    /// <summary>fchdir(2).</summary>
    public static void Fchdir(int fd)
    {
        while (fchdir(fd) != 0)
        {
            int e = errno;
            if (e != EINTR_) throw new NativeCallException("fchdir", null, e);
        }
    }

    /// <summary>pivot_root(2) (raw syscall; glibc has no wrapper).</summary>
    public static void PivotRoot(string newRoot, string putOld)
    {
        nint nr = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 41 : 155;
        byte[] a = LinuxSyscalls.Utf8Z(newRoot), b = LinuxSyscalls.Utf8Z(putOld);
        fixed (byte* pa = a)
        fixed (byte* pb = b)
        {
            while (sys_syscall2(nr, pa, pb) != 0)
            {
                int e = Marshal.GetLastPInvokeError();
                if (e != EINTR_) throw new NativeCallException("pivot_root", newRoot, e);
            }
        }
    }

    /// <summary>sethostname(2).</summary>
    public static void SetHostname(string name)
    {
        byte[] b = System.Text.Encoding.UTF8.GetBytes(name);
        fixed (byte* p = b)
        {
            if (sethostname(p, (size_t)b.Length) != 0) throw new NativeCallException("sethostname", name, errno);
        }
    }

    /// <summary>prctl(2) with one argument.</summary>
    public static void Prctl(int option, ulong arg2)
    {
        if (sys_prctl(option, (nuint)arg2, 0, 0, 0) != 0)
            throw new NativeCallException("prctl", null, Marshal.GetLastPInvokeError());
    }

    // ---- credentials ----

    /// <summary>setgroups(2).</summary>
    public static void SetGroups(ReadOnlySpan<uint> gids)
    {
        fixed (uint* p = gids)
        {
            if (setgroups((size_t)gids.Length, (gid_t*)p) != 0) throw new NativeCallException("setgroups", null, errno);
        }
    }

    /// <summary>setresgid(2) with real = effective = saved.</summary>
    public static void SetResGid(uint gid)
    {
        if (setresgid(gid, gid, gid) != 0) throw new NativeCallException("setresgid", null, errno);
    }

    /// <summary>setresuid(2) with real = effective = saved.</summary>
    public static void SetResUid(uint uid)
    {
        if (setresuid(uid, uid, uid) != 0) throw new NativeCallException("setresuid", null, errno);
    }

    // ---- descriptors ----

    /// <summary>open(2); returns the descriptor.</summary>
    public static int Open(string path, int flags, int mode = 0) => LinuxSyscalls.OpenRaw(path, flags, mode);

    /// <summary>close(2). EINTR is not retried (Linux always releases the descriptor).</summary>
    public static void Close(int fd)
    {
        if (close(fd) != 0)
        {
            int e = errno;
            if (e != EINTR_) throw new NativeCallException("close", null, e);
        }
    }

    /// <summary>dup2(2).</summary>
    public static void Dup2(int oldFd, int newFd)
    {
        while (dup2(oldFd, newFd) < 0)
        {
            int e = errno;
            if (e != EINTR_) throw new NativeCallException("dup2", null, e);
        }
    }

    /// <summary>pipe2(O_CLOEXEC); returns [read end, write end].</summary>
    public static int[] Pipe()
    {
        int* fds = stackalloc int[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw new NativeCallException("pipe2", null, errno);
        return [fds[0], fds[1]];
    }

    /// <summary>Whether <paramref name="fd"/> is an open descriptor (fcntl F_GETFD).</summary>
    public static bool IsOpen(int fd) => fcntl(fd, F_GETFD) >= 0;

    /// <summary>Sets or clears FD_CLOEXEC on a descriptor (fcntl F_SETFD).</summary>
    public static void SetCloseOnExec(int fd, bool closeOnExec)
    {
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0) throw new NativeCallException("fcntl", $"fd {fd}", errno);
        int wanted = closeOnExec ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
        if (wanted != flags && fcntl(fd, F_SETFD, wanted) < 0) throw new NativeCallException("fcntl", $"fd {fd}", errno);
    }

    /// <summary>read(2) until <paramref name="buffer"/> is full or end of file; returns the bytes read.</summary>
    public static int ReadFully(int fd, Span<byte> buffer)
    {
        int total = 0;
        fixed (byte* p = buffer)
        {
            while (total < buffer.Length)
            {
                nint n = (nint)read(fd, p + total, (size_t)(buffer.Length - total));
                if (n == 0) break;
                if (n < 0)
                {
                    int e = errno;
                    if (e == EINTR_) continue;
                    throw new NativeCallException("read", null, e);
                }
                total += (int)n;
            }
        }
        return total;
    }

    /// <summary>Reads a descriptor to end of file.</summary>
    public static byte[] ReadToEnd(int fd)
    {
        var ms = new MemoryStream();
        Span<byte> buf = stackalloc byte[4096];
        while (true)
        {
            int n = ReadFully(fd, buf);
            ms.Write(buf[..n]);
            if (n < buf.Length) return ms.ToArray();
        }
    }

    /// <summary>write(2) all of <paramref name="data"/>.</summary>
    public static void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = (nint)write(fd, p + done, (size_t)(data.Length - done));
                if (n < 0)
                {
                    int e = errno;
                    if (e == EINTR_) continue;
                    throw new NativeCallException("write", null, e);
                }
                done += (int)n;
            }
        }
    }

    // ---- processes and signals ----

    /// <summary>kill(2). Returns false when no such process or group exists (ESRCH).</summary>
    public static bool Kill(int pid, int signal)
    {
        if (kill(pid, signal) == 0) return true;
        int e = errno;
        if (e == ESRCH_) return false;
        throw new NativeCallException("kill", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), e);
    }

    /// <summary>getpid(2).</summary>
    public static int GetPid() => getpid();

    /// <summary>getppid(2).</summary>
    public static int GetParentPid() => getppid();

    /// <summary>getpgid(2); 0 means the caller.</summary>
    public static int GetPgid(int pid)
    {
        int r = getpgid(pid);
        if (r < 0) throw new NativeCallException("getpgid", null, errno);
        return r;
    }

    /// <summary>
    /// Restores the signal state a freshly exec'd program expects: every catchable signal back to SIG_DFL (the .NET
    /// runtime ignores SIGPIPE, and ignored dispositions survive execve) and an empty signal mask.
    /// </summary>
    public static void ResetSignalsForExec()
    {
        for (int sig = 1; sig < 65; sig++)
        {
            if (sig == SIGKILL || sig == 19 /* SIGSTOP */) continue;
            sys_signal(sig, 0 /* SIG_DFL */);
        }
        byte* empty = stackalloc byte[128];
        new Span<byte>(empty, 128).Clear();
        if (sys_sigprocmask(2 /* SIG_SETMASK */, empty, null) != 0)
            throw new NativeCallException("sigprocmask", null, Marshal.GetLastPInvokeError());
    }

    // ---- files ----

    /// <summary>stat(2) (follows symlinks): owner uid and gid of a path.</summary>
    public static (uint Uid, uint Gid) StatOwner(string path)
    {
        byte[] p = LinuxSyscalls.Utf8Z(path);
        Tmds.Linux.stat st;
        fixed (byte* pp = p)
        {
            while (stat(pp, &st) != 0)
            {
                int e = errno;
                if (e != EINTR_) throw new NativeCallException("stat", path, e);
            }
        }
        return (st.st_uid, st.st_gid);
    }

    // ---- helpers ----

    private delegate int PathFn(byte* path);

    private static void PathCall(string name, string path, PathFn fn)
    {
        byte[] p = LinuxSyscalls.Utf8Z(path);
        fixed (byte* pp = p)
        {
            while (fn(pp) != 0)
            {
                int e = errno;
                if (e != EINTR_) throw new NativeCallException(name, path, e);
            }
        }
    }

    private static byte* AllocUtf8Z(string s)
    {
        int n = System.Text.Encoding.UTF8.GetByteCount(s);
        byte* b = (byte*)NativeMemory.Alloc((nuint)n + 1);
        System.Text.Encoding.UTF8.GetBytes(s, new Span<byte>(b, n));
        b[n] = 0;
        return b;
    }

    private static byte** AllocArgv(IReadOnlyList<string> items)
    {
        byte** v = (byte**)NativeMemory.Alloc((nuint)items.Count + 1, (nuint)sizeof(byte*));
        for (int i = 0; i < items.Count; i++) v[i] = AllocUtf8Z(items[i]);
        v[items.Count] = null;
        return v;
    }

    private static void FreeArgv(byte** v)
    {
        for (byte** p = v; *p != null; p++) NativeMemory.Free(*p);
        NativeMemory.Free(v);
    }
}
