// SPDX-License-Identifier: MIT
using Microsoft.Win32.SafeHandles;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;

namespace Rkt.Engine.Store.Locks;

/// <summary>
/// An advisory flock(2) held on a file or directory until disposed. flock locks belong to the open file
/// description, so two handles in one process conflict like two processes do.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly ISyscalls _sys;

    private FileLock(SafeFileHandle handle, ISyscalls sys, string path)
    {
        _handle = handle;
        _sys = sys;
        Path = path;
    }

    /// <summary>The locked path.</summary>
    public string Path { get; }

    /// <summary>The open handle (the engine passes it to stage1 as RKT_LOCK_FD).</summary>
    public SafeFileHandle Handle => _handle;

    /// <summary>
    /// Locks <paramref name="path"/> (a directory, or a lock file created 0660 if missing), waiting up to
    /// <paramref name="timeout"/>. Throws <see cref="TimeoutException"/> when the wait runs out.
    /// </summary>
    public static FileLock Acquire(string path, LockKind kind, TimeSpan timeout, CancellationToken cancellationToken, ISyscalls? sys = null)
    {
        sys ??= LinuxSyscalls.Instance;
        SafeFileHandle h = Open(path, sys);
        try
        {
            var deadline = DateTime.UtcNow + timeout;
            int delay = 1;
            while (!sys.Flock(h, kind, wait: false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (DateTime.UtcNow >= deadline) throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for the lock on {path}");
                cancellationToken.WaitHandle.WaitOne(delay);
                delay = Math.Min(delay * 2, 50);
            }
            return new FileLock(h, sys, path);
        }
        catch
        {
            h.Dispose();
            throw;
        }
    }

    /// <summary>Tries once without waiting; null when another holder has it.</summary>
    public static FileLock? TryAcquire(string path, LockKind kind, ISyscalls? sys = null)
    {
        sys ??= LinuxSyscalls.Instance;
        SafeFileHandle h = Open(path, sys);
        if (sys.Flock(h, kind, wait: false)) return new FileLock(h, sys, path);
        h.Dispose();
        return null;
    }

    private static SafeFileHandle Open(string path, ISyscalls sys)
    {
        if (Directory.Exists(path)) return sys.OpenDirectory(path);
        return sys.OpenLockFile(path);
    }

    /// <summary>Releases the lock and closes the handle.</summary>
    public void Dispose() => _handle.Dispose();
}
