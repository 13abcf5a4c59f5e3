// SPDX-License-Identifier: MIT
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using Rkt.Engine.Native;

namespace Rkt.Engine.Tests.Fakes;

/// <summary>One recorded call: the ISyscalls member name and its arguments.</summary>
public sealed record SyscallRecord(string Name, object?[] Args)
{
    /// <summary>The first string argument (the path for nearly every call).</summary>
    public string? Path => Args.OfType<string>().FirstOrDefault();

    public override string ToString() => $"{Name}({string.Join(", ", Args.Select(a => a?.ToString() ?? "null"))})";
}

/// <summary>
/// An <see cref="ISyscalls"/> that records every call. With an inner implementation it forwards to it (a
/// "spy" over the real syscalls); without one it answers with inert defaults: no file exists, locks are always
/// granted, mutations do nothing. <see cref="FailOn"/> makes chosen calls throw a <see cref="NativeCallException"/>,
/// and <see cref="BeforeCall"/> lets a test act (e.g. replace a file) just before a call reaches the inner layer.
/// </summary>
public sealed class RecordingSyscalls : ISyscalls
{
    private readonly ISyscalls? _inner;
    private readonly List<SyscallRecord> _calls = [];
    private readonly List<(string Name, int Errno, Func<SyscallRecord, bool> When)> _failures = [];
    private readonly Lock _gate = new();

    public RecordingSyscalls(ISyscalls? inner = null) => _inner = inner;

    /// <summary>Effective uid reported when there is no inner layer (or to override it).</summary>
    public uint? EffectiveUserIdOverride { get; set; }

    /// <summary>statfs type reported when there is no inner layer.</summary>
    public long FakeStatfsType { get; set; } = FileSystemMagic.Ext4;

    /// <summary>Runs before each call is forwarded (after it is recorded).</summary>
    public Action<SyscallRecord>? BeforeCall { get; set; }

    /// <summary>A snapshot of the calls so far.</summary>
    public IReadOnlyList<SyscallRecord> Calls
    {
        get { lock (_gate) return [.. _calls]; }
    }

    /// <summary>Calls with the given member name.</summary>
    public IReadOnlyList<SyscallRecord> CallsTo(string name) => Calls.Where(c => c.Name == name).ToList();

    /// <summary>Makes calls named <paramref name="name"/> (optionally only matching ones) fail with <paramref name="errno"/>.</summary>
    public RecordingSyscalls FailOn(string name, int errno, Func<SyscallRecord, bool>? when = null)
    {
        lock (_gate) _failures.Add((name, errno, when ?? (_ => true)));
        return this;
    }

    public uint EffectiveUserId
    {
        get
        {
            Record([]);
            return EffectiveUserIdOverride ?? _inner?.EffectiveUserId ?? 0;
        }
    }

    public bool Flock(SafeFileHandle handle, LockKind kind, bool wait) { Record([handle, kind, wait]); return _inner?.Flock(handle, kind, wait) ?? true; }
    public void Unlock(SafeFileHandle handle) { Record([handle]); _inner?.Unlock(handle); }
    public SafeFileHandle OpenDirectory(string path) { Record([path]); return _inner?.OpenDirectory(path) ?? Dummy(); }
    public SafeFileHandle Open(string path, OpenFlags flags, UnixFileMode mode) { Record([path, flags, mode]); return _inner?.Open(path, flags, mode) ?? Dummy(); }
    public void FsyncDirectory(string path) { Record([path]); _inner?.FsyncDirectory(path); }
    public void Fsync(SafeFileHandle handle) { Record([handle]); _inner?.Fsync(handle); }
    public void Syncfs(SafeFileHandle handle) { Record([handle]); _inner?.Syncfs(handle); }
    public bool GetCloseOnExec(SafeFileHandle handle) { Record([handle]); return _inner?.GetCloseOnExec(handle) ?? true; }
    public void SetCloseOnExec(SafeFileHandle handle, bool closeOnExec) { Record([handle, closeOnExec]); _inner?.SetCloseOnExec(handle, closeOnExec); }
    public void Mount(string? source, string target, string? fileSystemType, MountFlags flags, string? data) { Record([target, source, fileSystemType, flags, data]); _inner?.Mount(source, target, fileSystemType, flags, data); }
    public void Unmount(string target, UnmountFlags flags) { Record([target, flags]); _inner?.Unmount(target, flags); }
    public void Lchown(string path, int userId, int groupId) { Record([path, userId, groupId]); _inner?.Lchown(path, userId, groupId); }
    public void Chmod(string path, UnixFileMode mode) { Record([path, mode]); _inner?.Chmod(path, mode); }
    public void Fchmod(SafeFileHandle handle, UnixFileMode mode) { Record([handle, mode]); _inner?.Fchmod(handle, mode); }
    public void Mkdir(string path, UnixFileMode mode) { Record([path, mode]); _inner?.Mkdir(path, mode); }
    public void Mknod(string path, DeviceKind kind, UnixFileMode mode, uint major, uint minor) { Record([path, kind, mode, major, minor]); _inner?.Mknod(path, kind, mode, major, minor); }
    public void Mkfifo(string path, UnixFileMode mode) { Record([path, mode]); _inner?.Mkfifo(path, mode); }
    public void Symlink(string target, string linkPath) { Record([linkPath, target]); _inner?.Symlink(target, linkPath); }
    public void Link(string existingPath, string newPath) { Record([newPath, existingPath]); _inner?.Link(existingPath, newPath); }
    public void Rename(string oldPath, string newPath, bool noReplace) { Record([oldPath, newPath, noReplace]); _inner?.Rename(oldPath, newPath, noReplace); }

    public bool TryLstat(string path, out FileStatus status)
    {
        Record([path]);
        if (_inner is not null) return _inner.TryLstat(path, out status);
        status = default;
        return false;
    }

    public FileStatus Lstat(string path) { Record([path]); return _inner?.Lstat(path) ?? throw new NativeCallException("lstat", path, Errno.ENOENT); }
    public FileStatus Fstat(SafeFileHandle handle) { Record([handle]); return _inner?.Fstat(handle) ?? default; }
    public long StatfsType(string path) { Record([path]); return _inner?.StatfsType(path) ?? FakeStatfsType; }
    public void Lsetxattr(string path, string name, byte[] value) { Record([path, name, value]); _inner?.Lsetxattr(path, name, value); }
    public byte[]? Lgetxattr(string path, string name) { Record([path, name]); return _inner?.Lgetxattr(path, name); }
    public IReadOnlyList<string> Llistxattr(string path) { Record([path]); return _inner?.Llistxattr(path) ?? []; }
    public void SetTimes(string path, long? accessTime, long? modificationTime) { Record([path, accessTime, modificationTime]); _inner?.SetTimes(path, accessTime, modificationTime); }
    public bool Kill(int pid, Signal signal) { Record([pid, signal]); return _inner?.Kill(pid, signal) ?? true; }

    private void Record(object?[] args, [CallerMemberName] string name = "")
    {
        if (name.StartsWith("get_", StringComparison.Ordinal)) name = name[4..];
        var call = new SyscallRecord(name, args);
        (string Name, int Errno, Func<SyscallRecord, bool> When)? failure = null;
        lock (_gate)
        {
            _calls.Add(call);
            foreach (var f in _failures)
                if (f.Name == name && f.When(call)) { failure = f; break; }
        }
        BeforeCall?.Invoke(call);
        if (failure is { } hit) throw new NativeCallException(SyscallName(name), call.Path, hit.Errno);
    }

    private static string SyscallName(string member) => member.ToLowerInvariant();

    /// <summary>A handle that owns nothing, for the inert mode.</summary>
    private static SafeFileHandle Dummy() => new(-1, ownsHandle: false);
}
