// SPDX-License-Identifier: MIT
namespace Rkt.Stage1;

/// <summary>Whole-file writes that readers never see half done: temp file in the same directory, [fsync,] rename.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Replaces <paramref name="path"/> atomically. <paramref name="durable"/> adds an fsync before the rename: used
    /// for the app's exit status, which outlives the pod; runtime files (pid, pgid, env) mean nothing after a host
    /// crash, so they skip it and keep pod start fast.
    /// </summary>
    public static void Write(string path, string text, UnixFileMode mode, bool durable)
    {
        string dir = Path.GetDirectoryName(path)!;
        string tmp = Path.Combine(dir, "." + Path.GetFileName(path) + ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            using (var fs = new FileStream(tmp, new FileStreamOptions
            {
                Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, UnixCreateMode = mode,
            }))
            {
                byte[] b = System.Text.Encoding.UTF8.GetBytes(text);
                fs.Write(b);
                fs.Flush(flushToDisk: durable);
            }
            File.SetUnixFileMode(tmp, mode);
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
