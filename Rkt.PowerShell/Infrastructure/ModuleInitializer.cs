// SPDX-License-Identifier: MIT
using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace Rkt.PowerShell.Infrastructure;

/// <summary>
/// Keeps the module's dependencies out of PowerShell's default load context. Only <c>Rkt.PowerShell.dll</c> lives
/// in the default context; every assembly under <c>Dependencies/</c> (next to it) is loaded into one private
/// load context (named <c>RktPS</c>), so another module's LiteDB or YamlDotNet can never clash with ours.
/// </summary>
/// <remarks>
/// The default context only learns about our own first-party assemblies (<c>Rkt.*.dll</c>): when code in
/// <c>Rkt.PowerShell.dll</c> first touches a type from, say, <c>Rkt.Engine</c>, the default context fails to find
/// it and raises <see cref="AssemblyLoadContext.Resolving"/>; the handler answers with the copy loaded into the
/// private context. Third-party assemblies are only reachable from inside the private context (its
/// <see cref="AssemblyLoadContext.Load"/> override), never from the default one.
/// </remarks>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    /// <summary>The folder, next to <c>Rkt.PowerShell.dll</c>, that holds every dependency assembly.</summary>
    public const string DependencyFolderName = "Dependencies";

    private static readonly object Gate = new();
    private static bool registered;

    /// <summary>Registers the default-context resolver. Safe to call more than once (re-import).</summary>
    public void OnImport()
    {
        lock (Gate)
        {
            if (registered) return;
            AssemblyLoadContext.Default.Resolving += ResolveFirstParty;
            registered = true;
        }
    }

    /// <summary>Unregisters the resolver when the module is removed. Loaded assemblies stay loaded (.NET cannot unload them).</summary>
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        lock (Gate)
        {
            if (!registered) return;
            AssemblyLoadContext.Default.Resolving -= ResolveFirstParty;
            registered = false;
        }
    }

    private static Assembly? ResolveFirstParty(AssemblyLoadContext context, AssemblyName name)
    {
        if (name.Name is not { } simpleName || !simpleName.StartsWith("Rkt.", StringComparison.Ordinal)) return null;
        if (!DependencyLoadContext.Instance.Contains(simpleName)) return null;
        return DependencyLoadContext.Instance.LoadFromAssemblyName(name);
    }

    /// <summary>
    /// The one private load context of the module: resolves assemblies from <c>Dependencies/</c> next to
    /// <c>Rkt.PowerShell.dll</c> and falls back to the default context for everything else (the .NET framework,
    /// <c>System.Management.Automation</c>).
    /// </summary>
    private sealed class DependencyLoadContext : AssemblyLoadContext
    {
        /// <summary>The name this context shows in <see cref="AssemblyLoadContext.All"/>.</summary>
        public const string ContextName = "RktPS";

        private static readonly Lazy<DependencyLoadContext> Lazy = new(() => new DependencyLoadContext(DefaultDirectory()));

        private DependencyLoadContext(string directory)
            : base(ContextName, isCollectible: false)
        {
            Directory = directory;
        }

        /// <summary>The process-wide instance (a binary module can be imported once per process; its context is shared).</summary>
        public static DependencyLoadContext Instance => Lazy.Value;

        /// <summary>The absolute path of the <c>Dependencies/</c> folder this context loads from.</summary>
        public string Directory { get; }

        /// <summary>Whether <c>Dependencies/</c> holds an assembly with this simple name.</summary>
        public bool Contains(string simpleName) => File.Exists(PathOf(simpleName));

        /// <inheritdoc />
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name is not { } simpleName) return null;
            string path = PathOf(simpleName);
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }

        /// <inheritdoc />
        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            // Native libraries shipped with a dependency sit beside it (lib<name>.so); libc and friends come from the system.
            foreach (string candidate in new[] { unmanagedDllName, $"lib{unmanagedDllName}.so", $"{unmanagedDllName}.so" })
            {
                string path = Path.Combine(Directory, candidate);
                if (File.Exists(path)) return LoadUnmanagedDllFromPath(path);
            }
            return IntPtr.Zero;
        }

        private string PathOf(string simpleName) => Path.Combine(Directory, simpleName + ".dll");

        private static string DefaultDirectory()
        {
            string moduleDirectory = Path.GetDirectoryName(typeof(DependencyLoadContext).Assembly.Location)
                ?? throw new InvalidOperationException("Rkt.PowerShell.dll has no location on disk.");
            return Path.Combine(moduleDirectory, ModuleInitializer.DependencyFolderName);
        }
    }
}
