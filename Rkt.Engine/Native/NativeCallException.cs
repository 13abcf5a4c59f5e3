// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Native;

/// <summary>A wrapped libc call failed. Names the call, the path (if any) and the errno.</summary>
public sealed class NativeCallException : IOException
{
    public NativeCallException(string syscall, string? path, int errno)
        : base(FormatMessage(syscall, path, errno))
    {
        Syscall = syscall;
        PathName = path;
        Errno = errno;
    }

    /// <summary>The libc function that failed, e.g. <c>mount</c>.</summary>
    public string Syscall { get; }

    /// <summary>The path the call was about, when there is one.</summary>
    public string? PathName { get; }

    /// <summary>The errno value (Linux numbering).</summary>
    public int Errno { get; }

    private static string FormatMessage(string syscall, string? path, int errno)
    {
        string text = Linux.LinuxSyscalls.StrError(errno);
        return path is null ? $"{syscall}: {text} (errno {errno})" : $"{syscall} {path}: {text} (errno {errno})";
    }
}
