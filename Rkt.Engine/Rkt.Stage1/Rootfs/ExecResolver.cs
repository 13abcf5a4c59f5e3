// SPDX-License-Identifier: MIT
namespace Rkt.Stage1.Rootfs;

/// <summary>
/// Finds the program to execve inside the app rootfs (§7.2): an absolute <c>exec[0]</c> is used as is; one containing
/// '/' is relative to the working directory; a bare name is searched in the app's PATH. Symlinks are resolved inside
/// the rootfs and the result must be an executable regular file. Returns the in-app absolute path (not symlink
/// resolved, so multi-call binaries still see the name they were called by).
/// </summary>
internal static class ExecResolver
{
    public static string Resolve(string rootfs, string exec0, string workingDirectory, string path)
    {
        if (exec0.StartsWith('/')) return Check(rootfs, RootfsPath.Normalize(exec0));
        if (exec0.Contains('/')) return Check(rootfs, RootfsPath.Normalize(workingDirectory + "/" + exec0));
        foreach (string dir in path.Split(':'))
        {
            if (dir.Length == 0) continue;
            string candidate = RootfsPath.Normalize((dir.StartsWith('/') ? dir : workingDirectory + "/" + dir) + "/" + exec0);
            if (IsExecutableFile(rootfs, candidate)) return candidate;
        }
        throw new Stage1Error("exec " + exec0, $"not found in PATH ({path}) of the app rootfs");
    }

    private static string Check(string rootfs, string inApp)
    {
        string host = RootfsPath.Resolve(rootfs, inApp);
        if (!File.Exists(host))
            throw new Stage1Error("exec " + inApp, Directory.Exists(host) ? "is a directory" : "no such file in the app rootfs");
        if (!IsExecutableFile(rootfs, inApp)) throw new Stage1Error("exec " + inApp, "is not executable (no x permission bit)");
        return inApp;
    }

    private static bool IsExecutableFile(string rootfs, string inApp)
    {
        string host = RootfsPath.Resolve(rootfs, inApp);
        if (!File.Exists(host)) return false;
        UnixFileMode m = File.GetUnixFileMode(host);
        return (m & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}
