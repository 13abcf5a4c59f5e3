// SPDX-License-Identifier: MIT
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Engine.Store.Locks;
using Rkt.Engine.Tests.Fakes;
using Rkt.Engine.Tests.Support;

namespace Rkt.Engine.Tests.Store.Locks;

public sealed class KeyedLockTests : IDisposable
{
    private const string Key = "sha512-0123456789abcdef";
    private readonly TempDir _tmp = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Keys_exclude_each_other_per_key()
    {
        using KeyedLock a = KeyedLock.Acquire(_tmp.PathName, Key, LockKind.Exclusive, TimeSpan.Zero, Ct);
        Assert.Equal(Path.Combine(_tmp.PathName, Key), a.Path);
        Assert.Throws<TimeoutException>(() => KeyedLock.Acquire(_tmp.PathName, Key, LockKind.Shared, TimeSpan.FromMilliseconds(20), Ct));
        using KeyedLock other = KeyedLock.Acquire(_tmp.PathName, "sha512-other", LockKind.Exclusive, TimeSpan.Zero, Ct);
        a.Dispose();
        using KeyedLock b = KeyedLock.Acquire(_tmp.PathName, Key, LockKind.Shared, TimeSpan.Zero, Ct);
        using KeyedLock c = KeyedLock.Acquire(_tmp.PathName, Key, LockKind.Shared, TimeSpan.Zero, Ct);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("../escape")]
    public void Keys_must_be_single_file_names(string key)
    {
        Assert.ThrowsAny<ArgumentException>(() => KeyedLock.Acquire(_tmp.PathName, key, LockKind.Shared, TimeSpan.Zero, Ct));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_tmp.PathName));
    }

    [Fact]
    public void A_lock_file_replaced_while_locking_is_detected_and_retried()
    {
        string path = Path.Combine(_tmp.PathName, Key);
        var spy = new RecordingSyscalls(LinuxSyscalls.Instance);
        int replaced = 0;
        spy.BeforeCall = call =>
        {
            // The first time the acquirer is about to flock, a cleaner removes the file and a new one appears:
            // the descriptor being locked no longer has a name.
            if (call.Name == "Flock" && replaced++ == 0)
            {
                File.Delete(path);
                File.WriteAllText(path, "");
            }
        };

        using KeyedLock got = KeyedLock.Acquire(spy, _tmp.PathName, Key, LockKind.Exclusive, TimeSpan.FromSeconds(30), Ct);

        FileStatus held = LinuxSyscalls.Instance.Fstat(got.Handle);
        FileStatus named = LinuxSyscalls.Instance.Lstat(path);
        Assert.Equal((named.Device, named.Inode), (held.Device, held.Inode));
        Assert.Equal(2, spy.CallsTo("Flock").Count);
        Assert.Equal(2, spy.CallsTo("Fstat").Count);
        // the lock really is on the current file
        Assert.Throws<TimeoutException>(() => KeyedLock.Acquire(_tmp.PathName, Key, LockKind.Shared, TimeSpan.Zero, Ct));
    }

    [Fact]
    public void A_lock_file_that_keeps_being_replaced_gives_up_with_a_timeout()
    {
        string path = Path.Combine(_tmp.PathName, Key);
        var spy = new RecordingSyscalls(LinuxSyscalls.Instance)
        {
            BeforeCall = call =>
            {
                if (call.Name == "Flock") { File.Delete(path); File.WriteAllText(path, ""); }
            },
        };
        var e = Assert.Throws<TimeoutException>(() => KeyedLock.Acquire(spy, _tmp.PathName, Key, LockKind.Shared, TimeSpan.FromSeconds(30), Ct));
        Assert.Contains(path, e.Message);
        Assert.Equal(KeyedLock.MaxRetries + 1, spy.CallsTo("Flock").Count);
    }

    [Fact]
    public async Task Removal_by_a_cleaner_sends_a_blocked_waiter_to_a_fresh_file()
    {
        string path = Path.Combine(_tmp.PathName, Key);
        var holder = KeyedLock.Acquire(_tmp.PathName, Key, LockKind.Exclusive, TimeSpan.Zero, Ct);
        Task<KeyedLock> waiter = Task.Run(() => KeyedLock.Acquire(_tmp.PathName, Key, LockKind.Exclusive, TimeSpan.FromMinutes(1), Ct), Ct);
        await Task.Delay(50, Ct);

        // The holder removes the key (as image removal does) while still holding it, then releases.
        File.Delete(path);
        holder.Dispose();

        using KeyedLock got = await waiter.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        FileStatus held = LinuxSyscalls.Instance.Fstat(got.Handle);
        FileStatus named = LinuxSyscalls.Instance.Lstat(path);
        Assert.Equal((named.Device, named.Inode), (held.Device, held.Inode));
    }

    [Fact]
    public void TryRemove_only_removes_unused_lock_files()
    {
        string path = Path.Combine(_tmp.PathName, Key);
        using (KeyedLock.Acquire(_tmp.PathName, Key, LockKind.Shared, TimeSpan.Zero, Ct))
        {
            Assert.False(KeyedLock.TryRemove(LinuxSyscalls.Instance, _tmp.PathName, Key));
            Assert.True(File.Exists(path));
        }
        Assert.True(KeyedLock.TryRemove(LinuxSyscalls.Instance, _tmp.PathName, Key));
        Assert.False(File.Exists(path));
        Assert.True(KeyedLock.TryRemove(LinuxSyscalls.Instance, _tmp.PathName, Key)); // already gone
    }
}
