// SPDX-License-Identifier: MIT
namespace Rkt.Stage1.Rootfs;

/// <summary>
/// Resolves a path as the app would see it after chroot: every symlink is followed with the app rootfs as "/",
/// and ".." never climbs above it. A symlink in an image can therefore never send a mount, a file read or the exec
/// lookup to the host. Components that do not exist yet are appended as written (so they can be created).
/// </summary>
internal static class RootfsPath
{
    private const int MaxSymlinks = 40; // the kernel's MAXSYMLINKS

    /// <summary>The host path of <paramref name="path"/> inside <paramref name="root"/>, symlinks resolved inside it.</summary>
    public static string Resolve(string root, string path) => Join(root, ResolveInside(root, path));

    /// <summary>The resolved in-rootfs absolute path (as the app sees it), e.g. <c>/usr/bin/env</c>.</summary>
    public static string ResolveInside(string root, string path)
    {
        root = root.TrimEnd('/');
        var done = new List<string>();
        var todo = new LinkedList<string>(Split(path));
        int links = 0;
        bool missing = false;
        while (todo.First is { } node)
        {
            string part = node.Value;
            todo.RemoveFirst();
            if (part is "" or ".") continue;
            if (part == "..")
            {
                if (done.Count > 0) done.RemoveAt(done.Count - 1);
                continue;
            }
            done.Add(part);
            if (missing) continue;
            string host = root + "/" + string.Join('/', done);
            string? target;
            try { target = new FileInfo(host).LinkTarget; }
            catch (IOException) { target = null; }
            if (target is null)
            {
                if (!Path.Exists(host)) missing = true;
                continue;
            }
            if (++links > MaxSymlinks) throw new Stage1Error("path " + path, "too many levels of symbolic links in the app rootfs");
            done.RemoveAt(done.Count - 1);
            if (target.StartsWith('/')) done.Clear();
            string[] parts = Split(target);
            for (int i = parts.Length - 1; i >= 0; i--) todo.AddFirst(parts[i]);
        }
        return "/" + string.Join('/', done);
    }

    /// <summary>Joins an in-rootfs absolute path to the rootfs directory (no resolution).</summary>
    public static string Join(string root, string inside) => inside == "/" ? root.TrimEnd('/') : root.TrimEnd('/') + inside;

    /// <summary>Lexically normalises an absolute path ("." and ".." removed, ".." stops at "/").</summary>
    public static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (string p in Split(path))
        {
            if (p is "" or ".") continue;
            if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(p);
        }
        return "/" + string.Join('/', parts);
    }

    private static string[] Split(string p) => p.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
