// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;

namespace Rkt.Stage1.Pod;

/// <summary>
/// A pod directory as stage1 sees it (cwd of every entrypoint): the pod manifest, its apps in manifest order, and
/// the pod-wide paths stage1 reads and writes. Loading validates through Rkt.Formats (the same parser the engine
/// uses) and turns every violation into a <see cref="Stage1Error"/>.
/// </summary>
internal sealed class FlyPod
{
    private FlyPod(string dir, PodManifest manifest)
    {
        Dir = dir;
        Manifest = manifest;
        Apps = manifest.Apps.Select(a => new FlyApp(this, a)).ToList();
    }

    /// <summary>Absolute pod directory.</summary>
    public string Dir { get; }
    public PodManifest Manifest { get; }

    /// <summary>The pod's apps, in pod-manifest order (the order that decides the pod's exit status).</summary>
    public IReadOnlyList<FlyApp> Apps { get; }

    public string Stage1Rootfs => Path.Combine(Dir, "stage1", "rootfs");
    public string StatusDir => Path.Combine(Stage1Rootfs, "rkt", "status");
    public string LogsDir => Path.Combine(Dir, "logs");
    public string SharedVolumesDir => Path.Combine(Dir, "sharedVolumes");

    /// <summary><c>pid</c>: the first app's pid (rkt's meaning: the process <c>enter</c> joins when no app is named).</summary>
    public string PidFile => Path.Combine(Dir, "pid");
    public string PgidFile => Path.Combine(Dir, "pgid");

    /// <summary>Reads <c>pod</c> in <paramref name="dir"/>; a pod needs at least one app.</summary>
    public static FlyPod Load(string dir)
    {
        string path = Path.Combine(dir, "pod");
        PodManifest m;
        try { m = PodManifest.Parse(ReadAll(path, "pod manifest")); }
        catch (ManifestException e) { throw new Stage1Error("pod manifest", e.Message); }
        if (m.Apps.Count == 0) throw new Stage1Error("pod manifest", "the pod has no apps");
        return new FlyPod(dir, m);
    }

    /// <summary>The app named <paramref name="name"/>.</summary>
    public FlyApp App(string name) =>
        Apps.FirstOrDefault(a => a.Name == name) ?? throw new Stage1Error("app " + name, "not in the pod manifest");

    internal static string ReadAll(string path, string what)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Stage1Error(what, $"cannot read {path}: {(e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message)}");
        }
    }
}

/// <summary>One app of a <see cref="FlyPod"/>: its runtime entry, image manifest and the per-app paths.</summary>
internal sealed class FlyApp
{
    internal FlyApp(FlyPod pod, RuntimeApp runtimeApp)
    {
        Pod = pod;
        RuntimeApp = runtimeApp;
    }

    public FlyPod Pod { get; }
    public RuntimeApp RuntimeApp { get; }

    /// <summary>The app name (an AC name: lowercase letters, digits and '-', so safe as a file name).</summary>
    public string Name => RuntimeApp.Name.Value;

    /// <summary>The image manifest from <c>stage1/rootfs/opt/stage2/&lt;app&gt;/manifest</c> (after <see cref="LoadImage"/>).</summary>
    public ImageManifest? Image { get; private set; }

    /// <summary>The app to run: the pod's <c>app</c> when present (it replaces the image's wholesale), else the image's.</summary>
    public App? App { get; private set; }

    public string AppDir => Path.Combine(Pod.Stage1Rootfs, "opt", "stage2", Name);
    public string AppRootfs => Path.Combine(AppDir, "rootfs");
    public string StatusFile => Path.Combine(Pod.StatusDir, Name);
    public string EnvFile => Path.Combine(Pod.Stage1Rootfs, "rkt", "env", Name);
    public string LogFile => Path.Combine(Pod.LogsDir, Name + ".log");

    /// <summary>rkt's per-app directory in the pod (the engine keeps the image manifest and tree ID there).</summary>
    public string InfoDir => Path.Combine(Pod.Dir, "appsinfo", Name);

    /// <summary><c>appsinfo/&lt;app&gt;/pid</c>: this app's pid while the pod runs (what <c>enter --appname</c> joins).</summary>
    public string PidFile => Path.Combine(InfoDir, "pid");

    /// <summary>Reads the app's image manifest and settles the app to run (exec must not be empty).</summary>
    public App LoadImage()
    {
        string path = Path.Combine(AppDir, "manifest");
        try { Image = ImageManifest.Parse(FlyPod.ReadAll(path, "image manifest of app " + Name)); }
        catch (ManifestException e) { throw new Stage1Error("image manifest of app " + Name, e.Message); }
        App = RuntimeApp.App ?? Image.App
            ?? throw new Stage1Error("app " + Name, "neither the pod manifest nor the image manifest has an app section");
        if (App.Exec.Count == 0 || App.Exec[0].Length == 0)
            throw new Stage1Error("app " + Name, "exec is empty (set it in the image manifest or the pod manifest)");
        if (!Directory.Exists(AppRootfs))
            throw new Stage1Error("app " + Name, $"rootfs {AppRootfs} does not exist");
        return App;
    }
}
