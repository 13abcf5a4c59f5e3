// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace Rkt.Engine.Native.Linux;

/// <summary>libc functions Tmds.LibC does not bind. Errno is read through Tmds.LibC's <c>errno</c> right after each call.</summary>
internal static unsafe partial class LibcImports
{
    internal const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

    // flock(2)
    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    internal static partial int flock(int fd, int operation);

    // strerror(3)
    [LibraryImport("libc", EntryPoint = "strerror")]
    internal static partial byte* strerror(int errnum);
}
