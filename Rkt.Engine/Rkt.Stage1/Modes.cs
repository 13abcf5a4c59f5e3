// SPDX-License-Identifier: MIT
namespace Rkt.Stage1;

/// <summary>The permission bits stage1 creates files and directories with (C# has no octal literals).</summary>
internal static class Modes
{
    public const UnixFileMode Dir0755 = (UnixFileMode)0x1ED;  // rwxr-xr-x
    public const UnixFileMode Dir0750 = (UnixFileMode)0x1E8;  // rwxr-x---
    public const UnixFileMode File0644 = (UnixFileMode)0x1A4; // rw-r--r--
    public const UnixFileMode File0640 = (UnixFileMode)0x1A0; // rw-r-----

    /// <summary>Parses an appc octal mode string such as <c>0755</c>.</summary>
    public static UnixFileMode ParseOctal(string s) => (UnixFileMode)Convert.ToInt32(s, 8);
}
