// SPDX-License-Identifier: MIT
using Microsoft.Win32.SafeHandles;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;

namespace Rkt.Engine.Store.Locks;

/// <summary>
/// A lock on a key (an image key, a tree id) implemented as the lock file <c>&lt;lockdir&gt;/&lt;key&gt;</c>,
/// using rkt's keylock protocol.
/// </summary>
/// <remarks>
/// Lock files are removed by <see cref="TryRemove(ISyscalls, string, string)"/> when their key goes away (image
/// removal, GC). Removal happens while holding the exclusive lock, so a waiter that was blocked on the old
/// inode gets the lock on a file that no longer has a name. That is why, after locking, the path is looked up
/// again and compared (device, inode) with the locked descriptor: on a mismatch the lock is dropped and the
/// whole open-and-lock is retried, up to <see cref="MaxRetries"/> times, all within the one timeout.
/// </remarks>
public sealed class KeyedLock : IDisposable
{
    /// <summary>How often a lock is re-taken after its file was replaced before giving up with a timeout.</summary>
    public const int MaxRetries = 3;

    private readonly FileLock _lock;

    private KeyedLock(FileLock fileLock, string key)
    {
        _lock = fileLock;
        Key = key;
    }

    /// <summary>The key.</summary>
    public string Key { get; }

    /// <summary>The lock file, <c>&lt;lockdir&gt;/&lt;key&gt;</c>.</summary>
    public string Path => _lock.Path;

    /// <summary>The kind of lock held.</summary>
    public LockKind Kind => _lock.Kind;

    /// <summary>The locked descriptor.</summary>
    public SafeFileHandle Handle => _lock.Handle;

    /// <summary>
    /// Locks <paramref name="key"/> under <paramref name="lockDirectory"/> (which must exist), waiting up to
    /// <paramref name="timeout"/>. The key must be a single file name.
    /// </summary>
    /// <exception cref="TimeoutException">The lock is held elsewhere, or kept being replaced, until the timeout.</exception>
    public static KeyedLock Acquire(string lockDirectory, string key, LockKind kind, TimeSpan timeout, CancellationToken cancellationToken) =>
        Acquire(LinuxSyscalls.Instance, lockDirectory, key, kind, timeout, cancellationToken);

    /// <inheritdoc cref="Acquire(string, string, LockKind, TimeSpan, CancellationToken)"/>
    public static KeyedLock Acquire(ISyscalls sys, string lockDirectory, string key, LockKind kind, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sys);
        string path = LockPath(lockDirectory, key);
        FileLock.ValidateTimeout(timeout);
        var deadline = FileLock.Deadline.Start(timeout);
        for (int attempt = 0; attempt <= MaxRetries; attempt++)
        {
            SafeFileHandle handle = FileLock.OpenLockTarget(sys, path);
            bool keep = false;
            try
            {
                FileLock.WaitForLock(sys, handle, path, kind, deadline, timeout, cancellationToken);
                if (StillNamedBy(sys, handle, path))
                {
                    keep = true;
                    return new KeyedLock(FileLock.Adopt(sys, handle, path, kind), key);
                }
            }
            finally
            {
                if (!keep) handle.Dispose();
            }
        }
        throw new TimeoutException($"the lock file {path} was replaced {MaxRetries + 1} times while waiting for it; another rkt operation keeps removing it");
    }

    /// <summary>
    /// Removes the lock file of <paramref name="key"/> if nobody holds or waits on it right now. Returns true if
    /// it was removed (or did not exist), false if it is in use.
    /// </summary>
    public static bool TryRemove(ISyscalls sys, string lockDirectory, string key)
    {
        ArgumentNullException.ThrowIfNull(sys);
        string path = LockPath(lockDirectory, key);
        SafeFileHandle handle;
        try
        {
            handle = FileLock.OpenExisting(sys, path);
        }
        catch (NativeCallException e) when (e.Errno == Errno.ENOENT)
        {
            return true;
        }
        using (handle)
        {
            if (!sys.Flock(handle, LockKind.Exclusive, wait: false)) return false;
            if (!StillNamedBy(sys, handle, path)) return true; // someone else removed it meanwhile
            File.Delete(path); // while locked: late waiters see the name gone and retry on a fresh file
            return true;
        }
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _lock.Dispose();

    private static bool StillNamedBy(ISyscalls sys, SafeFileHandle handle, string path)
    {
        FileStatus held = sys.Fstat(handle);
        return sys.TryLstat(path, out FileStatus named) && named.Device == held.Device && named.Inode == held.Inode;
    }

    private static string LockPath(string lockDirectory, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockDirectory);
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key is "." or ".." || key.Contains('/') || key.Contains('\0'))
            throw new ArgumentException($"lock key '{key}' is not a single file name", nameof(key));
        return System.IO.Path.Combine(lockDirectory, key);
    }
}
