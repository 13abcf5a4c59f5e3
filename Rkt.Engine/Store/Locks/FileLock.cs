// SPDX-License-Identifier: MIT
using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;

namespace Rkt.Engine.Store.Locks;

/// <summary>
/// An advisory flock(2) lock on a lock file or a directory, held until <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// flock locks belong to the open file description, so two <see cref="FileLock"/>s on the same path in one
/// process exclude each other exactly like two processes do, and a descriptor inherited by a child (stage1 via
/// RKT_LOCK_FD, see <see cref="ISyscalls.SetCloseOnExec"/>) keeps the lock alive until the child exits too.
/// Waiting is done by polling a non-blocking flock with short sleeps, so the wait honours both the timeout and
/// the cancellation token; a blocking flock could not be interrupted from managed code. A timeout surfaces as
/// <see cref="TimeoutException"/> (mapped to the StoreBusy error id); cancellation as
/// <see cref="OperationCanceledException"/>.
/// </remarks>
public sealed class FileLock : IDisposable
{
    /// <summary>Mode of lock files created on demand (group members may take shared locks).</summary>
    public const UnixFileMode LockFileMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(50);

    private readonly ISyscalls _sys;
    private SafeFileHandle? _handle;

    private FileLock(ISyscalls sys, SafeFileHandle handle, string path, LockKind kind)
    {
        _sys = sys;
        _handle = handle;
        Path = path;
        Kind = kind;
    }

    /// <summary>The locked file or directory.</summary>
    public string Path { get; }

    /// <summary>The kind of lock held.</summary>
    public LockKind Kind { get; }

    /// <summary>The locked descriptor, e.g. to hand to a child process. Owned by this lock.</summary>
    public SafeFileHandle Handle => _handle ?? throw new ObjectDisposedException(nameof(FileLock), $"lock on {Path} was released");

    /// <summary>
    /// Locks <paramref name="path"/>, waiting up to <paramref name="timeout"/> (<see cref="TimeSpan.Zero"/>: one
    /// attempt; <see cref="Timeout.InfiniteTimeSpan"/>: until cancelled). A missing path is created as an empty
    /// lock file with mode 0660; an existing directory is locked as a directory.
    /// </summary>
    /// <exception cref="TimeoutException">The lock is still held elsewhere when the timeout expires.</exception>
    public static FileLock Acquire(string path, LockKind kind, TimeSpan timeout, CancellationToken cancellationToken) =>
        Acquire(LinuxSyscalls.Instance, path, kind, timeout, cancellationToken);

    /// <inheritdoc cref="Acquire(string, LockKind, TimeSpan, CancellationToken)"/>
    public static FileLock Acquire(ISyscalls sys, string path, LockKind kind, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sys);
        ValidateTimeout(timeout);
        var deadline = Deadline.Start(timeout);
        SafeFileHandle handle = OpenLockTarget(sys, path);
        try
        {
            WaitForLock(sys, handle, path, kind, deadline, timeout, cancellationToken);
            return new FileLock(sys, handle, path, kind);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>One non-blocking attempt: the lock, or null if it is held elsewhere.</summary>
    public static FileLock? TryAcquire(ISyscalls sys, string path, LockKind kind)
    {
        ArgumentNullException.ThrowIfNull(sys);
        SafeFileHandle handle = OpenLockTarget(sys, path);
        try
        {
            if (sys.Flock(handle, kind, wait: false)) return new FileLock(sys, handle, path, kind);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        handle.Dispose();
        return null;
    }

    /// <summary>Wraps a descriptor that is already locked; the new instance owns it.</summary>
    internal static FileLock Adopt(ISyscalls sys, SafeFileHandle handle, string path, LockKind kind) => new(sys, handle, path, kind);

    /// <summary>Releases the lock and closes the descriptor. Idempotent.</summary>
    public void Dispose()
    {
        SafeFileHandle? h = Interlocked.Exchange(ref _handle, null);
        if (h is null) return;
        // Closing the last descriptor of the open file description releases the lock anyway; the explicit
        // unlock matters when a child inherited the descriptor and must not keep our lock alive.
        try { _sys.Unlock(h); }
        finally { h.Dispose(); }
    }

    /// <summary>
    /// Hands the lock over to a child that inherited the descriptor (stage1's RKT_LOCK_FD): closes ours without
    /// unlocking, so the lock lives on in the child's copy of the open file description. Idempotent.
    /// </summary>
    public void HandOver()
    {
        SafeFileHandle? h = Interlocked.Exchange(ref _handle, null);
        h?.Dispose();
    }

    /// <summary>Opens a lock file (created 0660 if missing, never through a symlink) or a directory.</summary>
    internal static SafeFileHandle OpenLockTarget(ISyscalls sys, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (sys.TryLstat(path, out FileStatus st) && st.Kind == FileKind.Directory) return sys.OpenDirectory(path);
        try
        {
            SafeFileHandle created = sys.Open(path, OpenFlags.ReadWrite | OpenFlags.Create | OpenFlags.Exclusive | OpenFlags.NoFollow, LockFileMode);
            try { sys.Fchmod(created, LockFileMode); } // exact mode whatever the umask
            catch { created.Dispose(); throw; }
            return created;
        }
        catch (NativeCallException e) when (e.Errno == Errno.EEXIST || (e.Errno == Errno.EROFS && File.Exists(path)))
        {
            return OpenExisting(sys, path);
        }
    }

    internal static SafeFileHandle OpenExisting(ISyscalls sys, string path)
    {
        try
        {
            return sys.Open(path, OpenFlags.ReadWrite | OpenFlags.NoFollow, 0);
        }
        catch (NativeCallException e) when (e.Errno is Errno.EACCES or Errno.EROFS)
        {
            return sys.Open(path, OpenFlags.ReadOnly | OpenFlags.NoFollow, 0); // flock needs no write access
        }
        catch (NativeCallException e) when (e.Errno == Errno.EISDIR)
        {
            return sys.OpenDirectory(path);
        }
    }

    internal static void WaitForLock(ISyscalls sys, SafeFileHandle handle, string path, LockKind kind,
        Deadline deadline, TimeSpan timeout, CancellationToken cancellationToken)
    {
        TimeSpan poll = FirstPoll;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (sys.Flock(handle, kind, wait: false)) return;
            TimeSpan left = deadline.Remaining;
            if (left <= TimeSpan.Zero) throw TimedOut(path, kind, timeout);
            TimeSpan sleep = left < poll ? left : poll;
            cancellationToken.WaitHandle.WaitOne(sleep);
            if (poll < MaxPoll) poll *= 2;
        }
    }

    internal static TimeoutException TimedOut(string path, LockKind kind, TimeSpan timeout) =>
        new($"timed out after {timeout.TotalSeconds:0.###} s waiting for a{(kind == LockKind.Shared ? " shared" : "n exclusive")} lock on {path}; another rkt operation is using it");

    internal static void ValidateTimeout(TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "timeout must be non-negative or Timeout.InfiniteTimeSpan");
    }

    /// <summary>A monotonic deadline; infinite for <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    internal readonly struct Deadline
    {
        private readonly long _start;
        private readonly TimeSpan _timeout;

        private Deadline(long start, TimeSpan timeout) { _start = start; _timeout = timeout; }

        public static Deadline Start(TimeSpan timeout) => new(Stopwatch.GetTimestamp(), timeout);

        public TimeSpan Remaining => _timeout == Timeout.InfiniteTimeSpan
            ? TimeSpan.MaxValue
            : _timeout - Stopwatch.GetElapsedTime(_start);
    }
}
