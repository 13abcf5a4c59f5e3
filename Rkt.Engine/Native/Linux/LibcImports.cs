// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace Rkt.Engine.Native.Linux;

/// <summary>
/// libc functions Tmds.LibC does not bind. With <c>SetLastError = true</c> the generated stub stores errno as the
/// last P/Invoke error, which is also what Tmds.LibC's <c>errno</c> property returns
/// (<c>Marshal.GetLastWin32Error</c> == <c>Marshal.GetLastPInvokeError</c>); verified by
/// <c>LinuxSyscallsTests.Errno_of_LibraryImport_calls_is_the_last_pinvoke_error</c>. It must be read before any
/// other managed code runs: string formatting can initialise ICU, whose own P/Invokes overwrite it.
/// </summary>
internal static unsafe partial class LibcImports
{
    private const string Libc = "libc.so.6";

    internal const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
    internal const uint RENAME_NOREPLACE = 1;

    /// <summary>sizeof(struct statfs) is 120 bytes on 64-bit Linux; the buffer is generously larger.</summary>
    internal const int StatfsBufferSize = 256;

    // flock(2)
    [LibraryImport(Libc, EntryPoint = "flock", SetLastError = true)]
    internal static partial int flock(int fd, int operation);

    // strerror(3)
    [LibraryImport(Libc, EntryPoint = "strerror")]
    internal static partial byte* strerror(int errnum);

    // lsetxattr(2)
    [LibraryImport(Libc, EntryPoint = "lsetxattr", SetLastError = true)]
    internal static partial int lsetxattr(byte* path, byte* name, byte* value, nuint size, int flags);

    // lgetxattr(2)
    [LibraryImport(Libc, EntryPoint = "lgetxattr", SetLastError = true)]
    internal static partial nint lgetxattr(byte* path, byte* name, byte* value, nuint size);

    // llistxattr(2)
    [LibraryImport(Libc, EntryPoint = "llistxattr", SetLastError = true)]
    internal static partial nint llistxattr(byte* path, byte* list, nuint size);

    // statfs(2); f_type is the first field (a long on 64-bit, an int on 32-bit: read as nint)
    [LibraryImport(Libc, EntryPoint = "statfs", SetLastError = true)]
    internal static partial int statfs(byte* path, byte* buf);

    // renameat2(2) (glibc 2.28+)
    [LibraryImport(Libc, EntryPoint = "renameat2", SetLastError = true)]
    internal static partial int renameat2(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, uint flags);
}
