// SPDX-License-Identifier: MIT
using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Rkt.Engine.Errors;
using Rkt.Engine.Native;

namespace Rkt.Engine.Pods;

/// <summary>
/// Starts a stage1 entrypoint as a child process: explicit argv, no shell, cwd = pod directory, stdio inherited.
/// The locked pod directory descriptor is handed over as RKT_LOCK_FD by clearing its close-on-exec flag just
/// for the spawn (.NET's Process does not close inherited descriptors; it relies on O_CLOEXEC). Another child
/// spawned by this process in that instant would inherit it too; spawns made here are serialised, and the
/// window is microseconds (documented in docs/architecture.md).
/// </summary>
internal static class Stage1Process
{
    private static readonly Lock SpawnLock = new();

    public static Process Start(string exe, IReadOnlyList<string> args, string cwd, SafeFileHandle? lockFd, ISyscalls sys, string? stage1Log = null)
    {
        if (!File.Exists(exe))
            throw new RktException(RktErrorKind.NotFound, "Stage1EntrypointNotFound", $"stage1 entrypoint {exe} does not exist", exe);
        var psi = new ProcessStartInfo(exe) { WorkingDirectory = cwd, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        if (stage1Log is not null) psi.Environment["RKTPS_STAGE1_LOG"] = stage1Log;
        lock (SpawnLock)
        {
            if (lockFd is not null)
            {
                psi.Environment["RKT_LOCK_FD"] = ((int)lockFd.DangerousGetHandle()).ToString(System.Globalization.CultureInfo.InvariantCulture);
                sys.SetCloseOnExec(lockFd, false);
            }
            try
            {
                return Process.Start(psi) ?? throw new RktException(RktErrorKind.Stage1Failed, "Stage1Failed", $"could not start {exe}", exe);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new RktException(RktErrorKind.Stage1Failed, "Stage1Failed", $"could not start {exe}: {e.Message}", exe, e);
            }
            finally
            {
                if (lockFd is not null) sys.SetCloseOnExec(lockFd, true);
            }
        }
    }
}
