// SPDX-License-Identifier: MIT
namespace Rkt.Stage1;

/// <summary>Whole-file writes that readers never see half done: temp file in the same directory, fsync, rename.</summary>
internal static class AtomicFile
{
    public static void Write(string path, string text, UnixFileMode mode)
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
                fs.Flush(flushToDisk: true);
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
