// SPDX-License-Identifier: MIT
using Rkt.Engine.Images;
using Rkt.Engine.Native;
using Rkt.Engine.Native.Linux;
using Rkt.Engine.Store.Cas;
using Rkt.Engine.Store.Index;

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
}
