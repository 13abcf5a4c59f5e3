// SPDX-License-Identifier: MIT
using Rkt.Engine.Errors;
using Rkt.Engine.Images;
using Rkt.Engine.Model;
using Rkt.Engine.Native;
using Rkt.Engine.Store.Locks;
using Rkt.Engine.Store.Tree;
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Pods;

/// <summary>
/// Pod operations (rkt prepare, run-prepared, status, list, stop, rm, gc). One file per concern:
/// this one prepares and reads pods; <c>PodService.Run.cs</c> starts, waits and stops them;
/// <c>PodService.Cleanup.cs</c> removes and collects them.
/// </summary>
public sealed partial class PodService
{
    private readonly RktPaths _paths;
    private readonly ImageService _images;
    private readonly TreeStore _trees;
    private readonly ISyscalls _sys;

    internal PodService(RktPaths paths, ImageService images, TreeStore trees, ISyscalls sys)
    {
        _paths = paths;
        _images = images;
        _trees = trees;
        _sys = sys;
        Store = new PodStore(paths, sys);
    }

    /// <summary>The on-disk state machine.</summary>
    public PodStore Store { get; }

    /// <summary>The default stage1 image name.</summary>
    public const string DefaultStage1Name = "rktps.io/stage1-fly";

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, OverlayProbeResult> OverlayProbes = new();

    private string PrepareLockPath => Path.Combine(_paths.Locks, "prepareLock");

    /// <summary>rkt prepare: resolves images, renders trees, writes the pod directory, leaves the pod Prepared.</summary>
    public RktPod Prepare(PrepareOptions options, OperationContext ctx)
    {
        if (options.Apps.Count == 0) throw new RktException(RktErrorKind.InvalidInput, "NoImage", "a pod needs at least one image");
        if (options.Name is { } wanted) EnsureNameFree(wanted);
        RktImage stage1 = ResolveStage1(options.Stage1, ctx);
        Stage1Entrypoints.From(stage1.Manifest);
        var appImages = options.Apps.Select(a => ResolveAppImage(a.Image, ctx)).ToList();

        bool overlay = !options.NoOverlay;
        if (overlay)
        {
            Directory.CreateDirectory(_paths.Cas);
            OverlayProbeResult probe = OverlayProbes.GetOrAdd(_paths.Cas, d => new OverlaySupport(_sys).Probe(d));
            if (!probe.IsSupported)
            {
                ctx.Logger.Warning($"overlay is not available for {_paths.Cas} ({probe.Reason}); copying the image trees instead");
                overlay = false;
            }
        }

        Directory.CreateDirectory(_paths.Locks);
        Guid id;
        // The shared prepare lock spans render → pod written, so tree collection cannot take a tree in between.
        using (FileLock.Acquire(_sys, PrepareLockPath, LockKind.Shared, TimeSpan.FromMinutes(10), ctx.CancellationToken))
        {
            // --insecure-options=ondisk: use cached trees without checking their hash.
            var render = new TreeRenderOptions { SkipVerify = options.InsecureOptions.HasFlag(RktInsecureOption.OnDisk) };
            RenderedTree s1Tree = _trees.Render(ImageId.Parse(stage1.Id), render, ctx);
            var appTrees = appImages.Select(i => _trees.Render(ImageId.Parse(i.Id), render, ctx)).ToList();
            PodManifest manifest = BuildManifest(options, appImages, appTrees);
            CheckApps(manifest, appTrees);

            (id, FileLock podLock) = Store.Create();
            using (podLock)
            {
                string pod = Store.PathOf(PodDir.Prepare, id);
                ctx.Logger.Verbose($"preparing pod {id} in {pod}");
                try
                {
                    WritePod(pod, options, stage1, s1Tree, appImages, appTrees, manifest, overlay, ctx);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A failed prepare cleans up after itself; only a crash or Ctrl+C leaves an AbortedPrepare for gc.
                    try { Directory.Delete(pod, recursive: true); } catch (IOException) { }
                    throw;
                }
                Store.Move(id, PodDir.Prepare, PodDir.Prepared);
            }
        }
        ctx.Logger.Verbose($"pod {id} prepared ({(overlay ? "overlay" : "copied trees")})");
        return Get(id) ?? throw new RktException(RktErrorKind.Internal, "PodNotFound", $"pod {id} vanished after prepare");
    }

    private void WritePod(string pod, PrepareOptions options, RktImage stage1, RenderedTree s1Tree, IReadOnlyList<RktImage> appImages,
        IReadOnlyList<RenderedTree> appTrees, PodManifest manifest, bool overlay, OperationContext ctx)
    {
        File.WriteAllBytes(Path.Combine(pod, PodFiles.Manifest), manifest.ToJson(indented: true));
        File.WriteAllText(Path.Combine(pod, PodFiles.Stage1TreeStoreId), s1Tree.TreeId);
        File.WriteAllText(Path.Combine(pod, PodFiles.Stage1ImageId), stage1.Id);
        if (options.Name is not null) File.WriteAllText(Path.Combine(pod, PodFiles.Name), options.Name);
        Directory.CreateDirectory(Path.Combine(pod, "stage1"));
        File.WriteAllBytes(Path.Combine(pod, "stage1", "manifest"), stage1.Manifest.ToJson(indented: true));
        for (int i = 0; i < manifest.Apps.Count; i++)
        {
            string info = PodFiles.AppInfo(pod, manifest.Apps[i].Name.Value);
            Directory.CreateDirectory(info);
            File.WriteAllBytes(Path.Combine(info, "manifest"), appImages[i].Manifest.ToJson(indented: true));
            if (overlay) File.WriteAllText(Path.Combine(info, "treeStoreID"), appTrees[i].TreeId);
        }
        if (overlay) File.WriteAllBytes(Path.Combine(pod, PodFiles.OverlayPrepared), []);
        else
        {
            CopyTree(s1Tree.Rootfs, PodFiles.Stage1Rootfs(pod), ctx);
            for (int i = 0; i < manifest.Apps.Count; i++)
            {
                string app = manifest.Apps[i].Name.Value;
                Directory.CreateDirectory(PodFiles.AppDir(pod, app));
                File.WriteAllBytes(Path.Combine(PodFiles.AppDir(pod, app), "manifest"), appImages[i].Manifest.ToJson());
                CopyTree(appTrees[i].Rootfs, PodFiles.AppRootfs(pod, app), ctx);
            }
            Directory.CreateDirectory(Path.Combine(PodFiles.Stage1Rootfs(pod), "rkt", "status"));
        }
        File.WriteAllBytes(Path.Combine(pod, PodFiles.Created), []);
        _sys.FsyncDirectory(pod);
    }

    private PodManifest BuildManifest(PrepareOptions options, IReadOnlyList<RktImage> images, IReadOnlyList<RenderedTree> trees)
    {
        var apps = new List<RuntimeApp>();
        for (int i = 0; i < options.Apps.Count; i++)
        {
            PodAppSpec spec = options.Apps[i];
            RktImage img = images[i];
            AcName name = spec.Name is { } n ? AcName.Parse(n, $"apps[{i}].name") : AcName.DefaultAppName(AcIdentifier.Parse(img.Name));
            App? app = img.Manifest.App;
            if (app is null && spec.Exec is null)
                throw new RktException(RktErrorKind.InvalidInput, "ImageHasNoApp", $"image {img} has no app section; give -Exec", img.Id);
            app ??= new App();
            if (spec.Exec is { Count: > 0 } exec) app = app with { Exec = exec };
            if (spec.User is { } u) app = app with { User = u };
            if (spec.Group is { } g) app = app with { Group = g };
            if (spec.WorkingDirectory is { } wd) app = app with { WorkingDirectory = wd };
            if (spec.Environment is { Count: > 0 } env)
            {
                var merged = app.Environment.Where(e => !env.ContainsKey(e.Name)).ToList();
                merged.AddRange(env.Select(kv => new EnvironmentVariable(kv.Key, kv.Value)));
                app = app with { Environment = merged };
            }
            var mounts = spec.Mounts.Concat(options.Mounts.Where(m => !spec.Mounts.Any(s => s.Path == m.Path)))
                .Select((m, k) => new Mount(AcName.Parse(m.Volume, $"apps[{i}].mounts[{k}].volume"), m.Path)).ToList();
            apps.Add(new RuntimeApp(name, new RuntimeImage(AcIdentifier.Parse(img.Name), AppcHash.Parse(img.Id), img.Manifest.Labels), app, false, mounts, Annotations.Empty));
        }
        try
        {
            return new PodManifest
            {
                Apps = apps,
                Volumes = options.Volumes,
                Annotations = Annotations.Empty.With("coreos.com/rkt/stage1/mutable", "false"),
            }.Validate();
        }
        catch (ManifestException e)
        {
            throw new RktException(RktErrorKind.InvalidInput, "InvalidPodSpec", $"the pod is not valid: {e.Message}", e.Field, e);
        }
    }

    /// <summary>The checks that turn a stage1 failure into a clear error before anything runs.</summary>
    private static void CheckApps(PodManifest m, IReadOnlyList<RenderedTree> trees)
    {
        foreach (Volume v in m.Volumes)
            if (v.Kind == VolumeKind.Host && !Path.Exists(v.Source))
                throw new RktException(RktErrorKind.NotFound, "VolumeSourceNotFound", $"volume {v.Name}: host source {v.Source} does not exist", v.Source);
        for (int i = 0; i < m.Apps.Count; i++)
        {
            RuntimeApp a = m.Apps[i];
            App app = a.App!;
            string root = trees[i].Rootfs;
            if (app.Exec.Count == 0)
                throw new RktException(RktErrorKind.InvalidInput, "ExecMissing", $"app {a.Name} has no exec; give -Exec", a.Name.Value);
            if (app.Exec[0].StartsWith('/') && !(RootfsPath.Resolve(root, app.Exec[0]) is { } exePath && File.Exists(exePath)))
                throw new RktException(RktErrorKind.NotFound, "ExecNotFound", $"app {a.Name}: {app.Exec[0]} is not a file in image {a.Image.Name}", app.Exec[0]);
            CheckId(root, "passwd", app.User, a, "UserNotFound", "user");
            CheckId(root, "group", app.Group, a, "GroupNotFound", "group");
            foreach (MountPoint mp in app.MountPoints)
            {
                bool mounted = a.Mounts.Any(x => x.Path == mp.Path || x.Volume == mp.Name);
                bool volume = m.Volumes.Any(v => v.Name == mp.Name);
                if (!mounted && !volume)
                    throw new RktException(RktErrorKind.InvalidInput, "MissingVolume",
                        $"app {a.Name}: mount point {mp.Name} ({mp.Path}) has no volume; add -Volume @{{Name='{mp.Name}'; Kind='empty'}} or a host volume", mp.Name.Value);
            }
        }
    }

    private static void CheckId(string root, string file, string who, RuntimeApp a, string errorId, string what)
    {
        if (who.All(char.IsAsciiDigit) || who.StartsWith('/')) return;
        if (RootfsPath.LookupId(root, file, who) is null)
            throw new RktException(RktErrorKind.NotFound, errorId, $"app {a.Name}: {what} \"{who}\" is not in the image's /etc/{file}", who);
    }

    private void CopyTree(string from, string to, OperationContext ctx)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        ctx.Logger.Verbose($"copying {from} to {to} (no overlay)");
        new TreeCopier(_sys).Copy(from, to, new TreeCopyOptions { PreserveOwnership = _sys.EffectiveUserId == 0 }, ctx.CancellationToken);
    }

    private void EnsureNameFree(string name)
    {
        if (!AcName.TryParse(name, out _))
            throw new RktException(RktErrorKind.InvalidInput, "InvalidPodName", $"\"{name}\" is not a valid pod name (lowercase letters, digits and '-')", name);
        if (Guid.TryParse(name, out _))
            throw new RktException(RktErrorKind.InvalidInput, "InvalidPodName", $"\"{name}\" looks like a UUID; pick another name", name);
        foreach (PodLocation l in Store.List())
            if (l.State is not (RktPodState.Garbage or RktPodState.ExitedGarbage) && ReadName(l.Path) == name)
                throw new RktException(RktErrorKind.AlreadyExists, "PodNameInUse", $"pod {l.Id} is already named {name}", name);
    }

    private RktImage ResolveAppImage(string reference, OperationContext ctx)
    {
        if (!ImageId.LooksLikeId(reference) && (reference.StartsWith('/') || reference.StartsWith("./") || reference.EndsWith(".aci", StringComparison.Ordinal)) && File.Exists(reference))
            return _images.ImportFile(reference, null, ctx);
        return _images.Resolve(reference);
    }

    private RktImage ResolveStage1(string? reference, OperationContext ctx)
    {
        if (reference is not null) return ResolveAppImage(reference, ctx);
        string version = EngineVersion;
        RktImage? found = _images.FindBest(AcIdentifier.Parse(DefaultStage1Name), new Dictionary<string, string> { ["version"] = version });
        if (found is not null) return found;
        string aci = Path.Combine(Stage1ImagesDirectory, "stage1-fly.aci");
        if (!File.Exists(aci))
            throw new RktException(RktErrorKind.NotFound, "Stage1NotFound", $"the default stage1 image {DefaultStage1Name}:{version} is not in the store and {aci} does not exist", aci,
                recommendedAction: "Build the module with build.ps1, or pass -Stage1.");
        ctx.Logger.Verbose($"importing the default stage1 from {aci}");
        return _images.ImportFile(aci, null, ctx);
    }

    /// <summary>The module version (stamped into the stage1 image's version label by the build).</summary>
    public static string EngineVersion
    {
        get
        {
            Version v = typeof(PodService).Assembly.GetName().Version ?? new Version(0, 0, 0);
            return $"{v.Major}.{v.Minor}.{v.Build}";
        }
    }

    /// <summary>Where the stage1 images ship: $RKTPS_STAGE1_DIR, else <c>stage1/</c> in the module folder.</summary>
    public static string Stage1ImagesDirectory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("RKTPS_STAGE1_DIR") is { Length: > 0 } env) return env;
            string dir = Path.GetDirectoryName(typeof(PodService).Assembly.Location) ?? AppContext.BaseDirectory;
            foreach (string c in new[] { Path.Combine(dir, "..", "stage1"), Path.Combine(dir, "stage1") })
                if (Directory.Exists(c)) return Path.GetFullPath(c);
            return Path.GetFullPath(Path.Combine(dir, "..", "stage1"));
        }
    }

    /// <summary>Every pod (rkt list walks all state directories).</summary>
    public IReadOnlyList<RktPod> List() => Store.List().Select(ToModel).ToList();

    /// <summary>One pod by UUID, or null.</summary>
    public RktPod? Get(Guid id) => Store.Locate(id) is { } l ? ToModel(l) : null;

    /// <summary>
    /// Resolves a pod by name, full UUID or unique UUID prefix (case-insensitive). Throws PodNotFound or
    /// AmbiguousPodId listing the candidates.
    /// </summary>
    public RktPod Resolve(string idOrName)
    {
        IReadOnlyList<PodLocation> all = Store.List();
        var byName = all.Where(l => l.State is not (RktPodState.Garbage or RktPodState.ExitedGarbage) && ReadName(l.Path) == idOrName).ToList();
        if (byName.Count == 1) return ToModel(byName[0]);
        string p = idOrName.ToLowerInvariant();
        var hits = all.Where(l => l.Id.ToString().StartsWith(p, StringComparison.Ordinal)).ToList();
        return hits.Count switch
        {
            0 => throw new RktException(RktErrorKind.NotFound, "PodNotFound", $"no pod with ID or name {idOrName}", idOrName,
                recommendedAction: "Run Get-RktPod to list pods."),
            1 => ToModel(hits[0]),
            _ => throw new RktException(RktErrorKind.Ambiguous, "AmbiguousPodId", $"pod ID prefix {idOrName} matches {hits.Count} pods: {string.Join(", ", hits.Select(h => h.Id))}", idOrName),
        };
    }

    private static string? ReadName(string podPath)
    {
        string f = Path.Combine(podPath, PodFiles.Name);
        try { return File.Exists(f) ? File.ReadAllText(f).Trim() : null; } catch (IOException) { return null; }
    }

    internal RktPod ToModel(PodLocation l)
    {
        string pod = l.Path;
        PodManifest? manifest = null;
        try
        {
            string mf = Path.Combine(pod, PodFiles.Manifest);
            if (File.Exists(mf)) manifest = PodManifest.Parse(File.ReadAllBytes(mf));
        }
        catch (Exception e) when (e is IOException or FormatException) { }
        bool running = l.State == RktPodState.Running;
        bool ran = l.Dir is PodDir.Run or PodDir.ExitedGarbage;
        var apps = new List<RktPodApp>();
        DateTime? finished = null;
        int? podExit = null;
        foreach (RuntimeApp a in manifest?.Apps ?? [])
        {
            int? code = null;
            string? status = ran ? PodFiles.FindStatus(pod, a.Name.Value) : null;
            if (status is not null && int.TryParse(SafeRead(status), out int c))
            {
                code = c;
                DateTime t = File.GetLastWriteTimeUtc(status);
                if (finished is null || t > finished) finished = t;
            }
            apps.Add(new RktPodApp
            {
                Name = a.Name.Value,
                ImageName = a.Image.Name is { } n ? n.Value + (a.Image.Labels["version"] is { } v ? ":" + v : "") : "",
                ImageId = a.Image.Id?.Value ?? "",
                State = code is not null ? "exited" : running ? "running" : ran ? "exited" : "created",
                ExitCode = code,
            });
        }
        if (!running && ran) podExit = apps.Count == 0 ? null : apps.Select(a => a.ExitCode).FirstOrDefault(c => c is not (0 or null)) ?? (apps.All(a => a.ExitCode == 0) ? 0 : null);
        string pidFile = Path.Combine(pod, PodFiles.Pid);
        string created = Path.Combine(pod, PodFiles.Created);
        return new RktPod
        {
            Id = l.Id,
            Name = ReadName(pod),
            State = l.State,
            Apps = apps,
            Created = File.Exists(created) ? File.GetLastWriteTimeUtc(created) : null,
            Started = File.Exists(pidFile) ? File.GetLastWriteTimeUtc(pidFile) : null,
            Finished = running ? null : finished,
            Pid = running && int.TryParse(SafeRead(pidFile), out int pid) ? pid : null,
            Stage1ImageId = SafeRead(Path.Combine(pod, PodFiles.Stage1ImageId)),
            ExitCode = podExit,
            Path = pod,
            DataDirectory = _paths.DataDirectory,
            Overlay = File.Exists(Path.Combine(pod, PodFiles.OverlayPrepared)),
        };
    }

    private static string? SafeRead(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path).Trim() : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
