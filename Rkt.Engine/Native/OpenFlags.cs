// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Native;

/// <summary>
/// open(2) flags understood by <see cref="ISyscalls.Open"/>. The values are our own bits, mapped to the
/// architecture's <c>O_*</c> constants by the implementation (O_DIRECTORY and O_NOFOLLOW differ between x86-64
/// and arm64). <c>O_CLOEXEC</c> is always added: descriptors are only inherited on purpose
/// (<see cref="ISyscalls.SetCloseOnExec"/>).
/// </summary>
[Flags]
public enum OpenFlags
{
    /// <summary><c>O_RDONLY</c>.</summary>
    ReadOnly = 0,
    /// <summary><c>O_WRONLY</c>.</summary>
    WriteOnly = 0x1,
    /// <summary><c>O_RDWR</c>.</summary>
    ReadWrite = 0x2,
    /// <summary><c>O_CREAT</c>.</summary>
    Create = 0x4,
    /// <summary><c>O_EXCL</c>: with <see cref="Create"/>, fail with EEXIST if the name exists (even as a dangling symlink).</summary>
    Exclusive = 0x8,
    /// <summary><c>O_TRUNC</c>.</summary>
    Truncate = 0x10,
    /// <summary><c>O_APPEND</c>.</summary>
    Append = 0x20,
    /// <summary><c>O_DIRECTORY</c>: fail with ENOTDIR unless the path is a directory.</summary>
    Directory = 0x40,
    /// <summary><c>O_NOFOLLOW</c>: fail with ELOOP if the last component is a symlink.</summary>
    NoFollow = 0x80,
}

/// <summary>Signals for <see cref="ISyscalls.Kill"/> (Linux numbering, same on x86-64 and arm64).</summary>
public enum Signal
{
    /// <summary>Signal 0: no signal is sent; only existence and permission are checked.</summary>
    None = 0,
    /// <summary>SIGHUP.</summary>
    Hangup = 1,
    /// <summary>SIGINT.</summary>
    Interrupt = 2,
    /// <summary>SIGQUIT.</summary>
    Quit = 3,
    /// <summary>SIGKILL.</summary>
    Kill = 9,
    /// <summary>SIGUSR1.</summary>
    User1 = 10,
    /// <summary>SIGUSR2.</summary>
    User2 = 12,
    /// <summary>SIGTERM.</summary>
    Terminate = 15,
    /// <summary>SIGCONT.</summary>
    Continue = 18,
    /// <summary>SIGSTOP.</summary>
    Stop = 19,
}

/// <summary>Device node kinds for <see cref="ISyscalls.Mknod"/>.</summary>
public enum DeviceKind
{
    /// <summary>Character device (<c>S_IFCHR</c>).</summary>
    Character,
    /// <summary>Block device (<c>S_IFBLK</c>).</summary>
    Block,
}
