// SPDX-License-Identifier: MIT
namespace Rkt.Engine.Pods;

/// <summary>Names of the files in a pod directory (rkt's meanings; see docs/architecture.md "Pod directory").</summary>
public static class PodFiles
{
    public const string Manifest = "pod";
    public const string Created = "pod-created";
    public const string Stage1TreeStoreId = "stage1TreeStoreID";
    public const string Stage1ImageId = "stage1ImageID";
    public const string OverlayPrepared = "overlay-prepared";
    public const string Pid = "pid";
    public const string Name = "name";
    public const string GcMarked = "gc-marked";
    public const string Stage1Log = "stage1.log";

    public static string AppInfo(string pod, string app) => Path.Combine(pod, "appsinfo", app);

    /// <summary><c>appsinfo/&lt;app&gt;/pid</c>: the app's pid while it runs (written by stage1-fly; removed when it exits).</summary>
    public static string AppPid(string pod, string app) => Path.Combine(AppInfo(pod, app), Pid);
    public static string Stage1Rootfs(string pod) => Path.Combine(pod, "stage1", "rootfs");
    public static string AppDir(string pod, string app) => Path.Combine(Stage1Rootfs(pod), "opt", "stage2", app);
    public static string AppRootfs(string pod, string app) => Path.Combine(AppDir(pod, app), "rootfs");
    public static string Log(string pod, string app) => Path.Combine(pod, "logs", app + ".log");
    public static string OverlayDir(string pod, string treeId) => Path.Combine(pod, "overlay", treeId);

    /// <summary>Where stage1 wrote an app's exit status; for overlay pods also readable from the upper dir after unmount.</summary>
    public static string? FindStatus(string pod, string app)
    {
        string direct = Path.Combine(Stage1Rootfs(pod), "rkt", "status", app);
        if (File.Exists(direct)) return direct;
        string treeFile = Path.Combine(pod, Stage1TreeStoreId);
        if (File.Exists(treeFile))
        {
            string upper = Path.Combine(OverlayDir(pod, File.ReadAllText(treeFile).Trim()), "upper", "rkt", "status", app);
            if (File.Exists(upper)) return upper;
        }
        return null;
    }
}
