// SPDX-License-Identifier: MIT
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Engine.Store.Locks;
using Rkt.Engine.Tests.Fakes;
using Rkt.Engine.Tests.Support;

namespace Rkt.Engine.Tests.Store.Locks;

public sealed class FileLockTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Creates_a_missing_lock_file_with_mode_0660()
    {
        string path = _tmp.Sub("store.lock");
        using (FileLock.Acquire(path, LockKind.Exclusive, TimeSpan.Zero, Ct))
        {
            FileStatus st = LinuxSyscalls.Instance.Lstat(path);
            Assert.Equal(FileKind.RegularFile, st.Kind);
            Assert.Equal((UnixFileMode)Convert.ToInt32("0660", 8), st.Permissions); // exact despite umask 022
        }
        Assert.True(File.Exists(path)); // lock files stay
    }

    [Fact]
    public void Exclusive_excludes_shared_and_exclusive_until_disposed()
    {
        string path = _tmp.Sub("l");
        var held = FileLock.Acquire(path, LockKind.Exclusive, TimeSpan.Zero, Ct);
        Assert.Null(FileLock.TryAcquire(LinuxSyscalls.Instance, path, LockKind.Shared));
        Assert.Null(FileLock.TryAcquire(LinuxSyscalls.Instance, path, LockKind.Exclusive));
        var e = Assert.Throws<TimeoutException>(() => FileLock.Acquire(path, LockKind.Shared, TimeSpan.FromMilliseconds(30), Ct));
        Assert.Contains(path, e.Message);

        held.Dispose();
        held.Dispose(); // idempotent
        using FileLock shared = FileLock.Acquire(path, LockKind.Shared, TimeSpan.Zero, Ct);
        Assert.Equal(LockKind.Shared, shared.Kind);
        Assert.Throws<ObjectDisposedException>(() => held.Handle);
    }

    [Fact]
    public void Shared_locks_coexist_and_block_exclusive()
    {
        string path = _tmp.Sub("l");
        using FileLock a = FileLock.Acquire(path, LockKind.Shared, TimeSpan.Zero, Ct);
        using FileLock b = FileLock.Acquire(path, LockKind.Shared, TimeSpan.Zero, Ct);
        Assert.Throws<TimeoutException>(() => FileLock.Acquire(path, LockKind.Exclusive, TimeSpan.Zero, Ct));
    }

    [Fact]
    public void Directories_are_locked_as_directories()
    {
        string dir = _tmp.Sub("pod");
        Directory.CreateDirectory(dir);
        using FileLock held = FileLock.Acquire(dir, LockKind.Exclusive, TimeSpan.Zero, Ct);
        Assert.Equal(FileKind.Directory, LinuxSyscalls.Instance.Fstat(held.Handle).Kind);
        Assert.Null(FileLock.TryAcquire(LinuxSyscalls.Instance, dir, LockKind.Shared));
    }

    [Fact]
    public async Task A_waiter_gets_the_lock_when_it_is_released()
    {
        string path = _tmp.Sub("l");
        var held = FileLock.Acquire(path, LockKind.Exclusive, TimeSpan.Zero, Ct);
        Task<FileLock> waiter = Task.Run(() => FileLock.Acquire(path, LockKind.Exclusive, TimeSpan.FromMinutes(1), Ct), Ct);
        await Task.Delay(50, Ct);
        Assert.False(waiter.IsCompleted);
        held.Dispose();
        using FileLock got = await waiter.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(LockKind.Exclusive, got.Kind);
    }

    [Fact]
    public async Task Cancellation_stops_the_wait()
    {
        string path = _tmp.Sub("l");
        using FileLock held = FileLock.Acquire(path, LockKind.Exclusive, TimeSpan.Zero, Ct);
        using var cts = new CancellationTokenSource();
        Task<FileLock> waiter = Task.Run(() => FileLock.Acquire(path, LockKind.Shared, Timeout.InfiniteTimeSpan, cts.Token), Ct);
        await Task.Delay(20, Ct);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public void Refuses_a_symlinked_lock_file()
    {
        string target = _tmp.Sub("elsewhere");
        File.WriteAllText(target, "");
        string link = _tmp.Sub("l");
        File.CreateSymbolicLink(link, target);
        var e = Assert.Throws<NativeCallException>(() => FileLock.Acquire(link, LockKind.Shared, TimeSpan.Zero, Ct));
        Assert.Equal(Errno.ELOOP, e.Errno);
    }

    [Fact]
    public void Handle_can_be_made_inheritable_for_stage1()
    {
        string dir = _tmp.Sub("pod");
        Directory.CreateDirectory(dir);
        using FileLock held = FileLock.Acquire(dir, LockKind.Exclusive, TimeSpan.Zero, Ct);
        Assert.True(LinuxSyscalls.Instance.GetCloseOnExec(held.Handle));
        LinuxSyscalls.Instance.SetCloseOnExec(held.Handle, false);
        Assert.False(LinuxSyscalls.Instance.GetCloseOnExec(held.Handle));
    }

    [Fact]
    public void Release_unlocks_before_closing()
    {
        var spy = new RecordingSyscalls(LinuxSyscalls.Instance);
        string path = _tmp.Sub("l");
        FileLock.Acquire(spy, path, LockKind.Exclusive, TimeSpan.Zero, Ct).Dispose();
        string[] names = spy.Calls.Select(c => c.Name).ToArray();
        Assert.Equal(["TryLstat", "Open", "Fchmod", "Flock", "Unlock"], names);
        Assert.Equal(OpenFlags.ReadWrite | OpenFlags.Create | OpenFlags.Exclusive | OpenFlags.NoFollow, spy.CallsTo("Open")[0].Args[1]);
    }

    [Fact]
    public void Negative_timeouts_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FileLock.Acquire(_tmp.Sub("l"), LockKind.Shared, TimeSpan.FromSeconds(-2), Ct));
    }
}
