// SPDX-License-Identifier: MIT
using Rkt.Engine.Images;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Engine.Store.Cas;
using Rkt.Engine.Store.Index;
using Rkt.Engine.Pods;
using Rkt.Engine.Store.Tree;

namespace Rkt.Engine;

/// <summary>
/// The composition root: one data directory's services. Cheap to create (nothing is opened until used), so
/// every cmdlet invocation makes its own.
/// </summary>
public sealed class RktEngine
{
    private RktEngine(RktPaths paths, ISyscalls sys)
    {
        Paths = paths;
        Syscalls = sys;
        Cas = new CasLayout(paths.Cas);
        var blobs = new BlobStore(Cas, sys);
        Images = new ImageService(paths, Cas, blobs, new ImageIndex(Cas, sys), sys);
        Trees = new TreeStore(Cas, Images, sys);
        Images.Trees = Trees;
        Pods = new PodService(paths, Images, Trees, sys);
    }

    /// <summary>Opens the engine over a data directory (default <c>/var/lib/rkt</c>).</summary>
    public static RktEngine Open(RktPaths paths) => new(paths, LinuxSyscalls.Instance);

    /// <summary>Opens the engine with a given syscall layer (tests).</summary>
    internal static RktEngine Open(RktPaths paths, ISyscalls sys) => new(paths, sys);

    public RktPaths Paths { get; }
    internal ISyscalls Syscalls { get; }
    internal CasLayout Cas { get; }

    /// <summary>Image store operations.</summary>
    public ImageService Images { get; }

    /// <summary>Rendered trees.</summary>
    public TreeStore Trees { get; }

    /// <summary>Pod lifecycle.</summary>
    public PodService Pods { get; }

    /// <summary>rkt image gc: unreferenced trees, then images unused for longer than <paramref name="grace"/>.</summary>
    public IReadOnlyList<Model.RktImage> CollectImages(TimeSpan grace, OperationContext ctx) =>
        new Gc.ImageCollector(Paths, Images, Trees, Syscalls).Collect(grace, ctx);
}
