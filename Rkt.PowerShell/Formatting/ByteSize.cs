// SPDX-License-Identifier: MIT
using System.Globalization;

namespace Rkt.PowerShell.Formatting;

/// <summary>Human sizes for views only (properties stay long bytes).</summary>
public static class ByteSize
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    /// <summary>IEC units, one decimal above KiB: <c>12.3 MiB</c>.</summary>
    public static string Format(long bytes)
    {
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < Units.Length - 1) { v /= 1024; u++; }
        return v.ToString("0.0", CultureInfo.InvariantCulture) + " " + Units[u];
    }
}
