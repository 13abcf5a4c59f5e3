// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;

namespace Rkt.Stage1.Pod;

/// <summary>
/// A pod directory as stage1 sees it (cwd of every entrypoint): the pod manifest, its single app, that app's image
/// manifest and the paths stage1 reads and writes. Loading validates through Rkt.Formats (the same parser the
/// engine uses) and turns every violation into a <see cref="Stage1Error"/>.
/// </summary>
internal sealed class FlyPod
{
    private FlyPod(string dir, PodManifest manifest, RuntimeApp app)
    {
        Dir = dir;
        Manifest = manifest;
        RuntimeApp = app;
    }

    /// <summary>Absolute pod directory.</summary>
    public string Dir { get; }
    public PodManifest Manifest { get; }
    public RuntimeApp RuntimeApp { get; }

    /// <summary>The app name (an AC name: safe as a file name).</summary>
    public string AppName => RuntimeApp.Name.Value;

    /// <summary>The image manifest from <c>stage1/rootfs/opt/stage2/&lt;app&gt;/manifest</c> (after <see cref="LoadImage"/>).</summary>
    public ImageManifest? Image { get; private set; }

    /// <summary>The app to run: the pod's <c>app</c> when present (it replaces the image's wholesale), else the image's.</summary>
    public App? App { get; private set; }

    public string Stage1Rootfs => Path.Combine(Dir, "stage1", "rootfs");
    public string AppDir => Path.Combine(Stage1Rootfs, "opt", "stage2", AppName);
    public string AppRootfs => Path.Combine(AppDir, "rootfs");
    public string StatusDir => Path.Combine(Stage1Rootfs, "rkt", "status");
    public string StatusFile => Path.Combine(StatusDir, AppName);
    public string EnvFile => Path.Combine(Stage1Rootfs, "rkt", "env", AppName);
    public string LogsDir => Path.Combine(Dir, "logs");
    public string LogFile => Path.Combine(LogsDir, AppName + ".log");
    public string SharedVolumesDir => Path.Combine(Dir, "sharedVolumes");
    public string PidFile => Path.Combine(Dir, "pid");
    public string PgidFile => Path.Combine(Dir, "pgid");

    /// <summary>Reads <c>pod</c> in <paramref name="dir"/> and checks fly's one-app rule.</summary>
    public static FlyPod Load(string dir)
    {
        string path = Path.Combine(dir, "pod");
        PodManifest m;
        try { m = PodManifest.Parse(ReadAll(path, "pod manifest")); }
        catch (ManifestException e) { throw new Stage1Error("pod manifest", e.Message); }
        if (m.Apps.Count != 1)
            throw new Stage1Error("pod manifest", $"the fly stage1 runs exactly one app per pod, this pod has {m.Apps.Count}");
        return new FlyPod(dir, m, m.Apps[0]);
    }

    /// <summary>Reads the app's image manifest and settles the app to run (exec must not be empty).</summary>
    public App LoadImage()
    {
        string path = Path.Combine(AppDir, "manifest");
        try { Image = ImageManifest.Parse(ReadAll(path, "image manifest of app " + AppName)); }
        catch (ManifestException e) { throw new Stage1Error("image manifest of app " + AppName, e.Message); }
        App = RuntimeApp.App ?? Image.App
            ?? throw new Stage1Error("app " + AppName, "neither the pod manifest nor the image manifest has an app section");
        if (App.Exec.Count == 0 || App.Exec[0].Length == 0)
            throw new Stage1Error("app " + AppName, "exec is empty (set it in the image manifest or the pod manifest)");
        if (!Directory.Exists(AppRootfs))
            throw new Stage1Error("app " + AppName, $"rootfs {AppRootfs} does not exist");
        return App;
    }

    private static string ReadAll(string path, string what)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Stage1Error(what, $"cannot read {path}: {(e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message)}");
        }
    }
}
