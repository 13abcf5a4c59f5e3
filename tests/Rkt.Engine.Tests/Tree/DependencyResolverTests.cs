// SPDX-License-Identifier: MIT
using System.Text;
using System.Text.Json;
using Rkt.Engine.Errors;
using Rkt.Engine.Model;
using Rkt.Engine.Store.Tree;
using Rkt.Engine.Tests.Images;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Tests.Tree;

/// <summary>Dependency resolution: imageID pins, name + labels lookup, and the errors for broken graphs.</summary>
public sealed class DependencyResolverTests : IDisposable
{
    private readonly TempStore _s = new();

    public void Dispose() => _s.Dispose();

    private static string Dep(string name, string? id = null, string? version = null)
    {
        string s = $"{{\"imageName\":{JsonSerializer.Serialize(name)}";
        if (id is not null) s += $",\"imageID\":{JsonSerializer.Serialize(id)}";
        if (version is not null) s += $",\"labels\":[{{\"name\":\"version\",\"value\":{JsonSerializer.Serialize(version)}}}]";
        return s + "}";
    }

    private RktImage Image(string name, string version, params string[] deps)
    {
        string manifest = TestAci.Manifest(name, version);
        if (deps.Length > 0) manifest = manifest[..^1] + ",\"dependencies\":[" + string.Join(",", deps) + "]}";
        return _s.Import(TestAci.Tar(manifest, [("rootfs/" + name.Replace('/', '_'), Encoding.UTF8.GetBytes(name))]), Guid.NewGuid().ToString("N") + ".aci");
    }

    private IReadOnlyList<FlatImage> Flatten(RktImage top) => new DependencyResolver(_s.Engine.Images).Flatten(ImageId.Parse(top.Id));

    [Fact]
    public void Without_imageID_the_newest_matching_version_is_used_and_labels_select_exactly()
    {
        var v1 = Image("example.com/base", "1");
        var v2 = Image("example.com/base", "2");
        var any = Image("example.com/app", "1", Dep("example.com/base"));
        var pinned = Image("example.com/app", "2", Dep("example.com/base", version: "1"));

        Assert.Equal(v2.Id, Flatten(any)[1].Id.Value);
        Assert.Equal(v1.Id, Flatten(pinned)[1].Id.Value);
        Assert.Equal([0, 1], Flatten(any).Select(f => f.Level));
        Assert.Equal([-1, 0], Flatten(any).Select(f => f.Parent));
    }

    [Fact]
    public void A_dependency_whose_imageID_is_absent_while_its_name_resolves_elsewhere_names_both_IDs()
    {
        var real = Image("example.com/base", "1");
        string wanted = "sha512-" + new string('a', 64);
        var app = Image("example.com/app", "1", Dep("example.com/base", wanted));

        var e = Assert.Throws<RktException>(() => Flatten(app));
        Assert.Equal("DependencyMismatch", e.ErrorId);
        Assert.Contains(wanted, e.Message);
        Assert.Contains(real.Id, e.Message);
        Assert.Contains("example.com/app", e.Message);
    }

    [Fact]
    public void A_dependency_whose_imageID_is_another_image_names_both_the_ID_and_that_image()
    {
        var other = Image("example.com/other", "1");
        var app = Image("example.com/app", "1", Dep("example.com/base", other.Id));

        var e = Assert.Throws<RktException>(() => Flatten(app));
        Assert.Equal("DependencyMismatch", e.ErrorId);
        Assert.Contains(other.Id, e.Message);
        Assert.Contains("example.com/other", e.Message);
        Assert.Contains("example.com/base", e.Message);
    }

    [Fact]
    public void A_missing_dependency_names_the_image_and_its_labels()
    {
        var app = Image("example.com/app", "1", Dep("example.com/missing", version: "3.1"));

        var e = Assert.Throws<RktException>(() => Flatten(app));
        Assert.Equal("DependencyNotFound", e.ErrorId);
        Assert.Equal(RktErrorKind.NotFound, e.Kind);
        Assert.Contains("example.com/missing,version=3.1", e.Message);
        Assert.Contains("example.com/app", e.Message);

        var pinned = Image("example.com/app", "2", Dep("example.com/missing", "sha512-" + new string('b', 64), "3.1"));
        var p = Assert.Throws<RktException>(() => Flatten(pinned));
        Assert.Equal("DependencyNotFound", p.ErrorId);
        Assert.Contains("example.com/missing,version=3.1", p.Message);
        Assert.Contains("sha512-bbbbbbbbbbbb", p.Message);
    }

    [Fact]
    public void A_cycle_through_names_is_an_error_naming_the_chain()
    {
        Image("example.com/a", "1", Dep("example.com/b"));
        Image("example.com/b", "1", Dep("example.com/c"));
        Image("example.com/c", "1", Dep("example.com/a"));
        RktImage a = _s.Engine.Images.Resolve("example.com/a");

        var e = Assert.Throws<RktException>(() => Flatten(a));
        Assert.Equal("DependencyCycle", e.ErrorId);
        Assert.Matches(@"example\.com/a:1 \(sha512-[0-9a-f]{12}\) -> example\.com/b:1 \(sha512-[0-9a-f]{12}\) -> example\.com/c:1 \(sha512-[0-9a-f]{12}\) -> example\.com/a:1", e.Message);
    }

    [Fact]
    public void An_image_depending_on_itself_is_a_cycle()
    {
        var self = Image("example.com/self", "1", Dep("example.com/self"));
        Assert.Equal("DependencyCycle", Assert.Throws<RktException>(() => Flatten(self)).ErrorId);
    }

    [Fact]
    public void An_absurdly_deep_chain_is_an_error_naming_the_chain()
    {
        int n = DependencyResolver.MaxDepth + 2;
        Image($"example.com/l{n - 1}", "1");
        for (int i = n - 2; i >= 0; i--) Image($"example.com/l{i}", "1", Dep($"example.com/l{i + 1}"));
        RktImage top = _s.Engine.Images.Resolve("example.com/l0");

        var e = Assert.Throws<RktException>(() => Flatten(top));
        Assert.Equal("DependencyTooDeep", e.ErrorId);
        Assert.Contains("example.com/l0:1", e.Message);
        Assert.Contains($"example.com/l{DependencyResolver.MaxDepth + 1}:1", e.Message);

        // exactly MaxDepth levels below the top is fine
        RktImage ok = _s.Engine.Images.Resolve("example.com/l1");
        Assert.Equal(DependencyResolver.MaxDepth + 1, Flatten(ok).Count);
    }

    [Fact]
    public void A_graph_that_expands_past_the_image_limit_is_refused()
    {
        // Each level depends twice on the next: 2^k paths. Nine levels give 1 + 2 + … + 512 elements.
        Image("example.com/g9", "1");
        for (int i = 8; i >= 0; i--) Image($"example.com/g{i}", "1", Dep($"example.com/g{i + 1}"), Dep($"example.com/g{i + 1}", version: "1"));
        RktImage top = _s.Engine.Images.Resolve("example.com/g0");

        var e = Assert.Throws<RktException>(() => Flatten(top));
        Assert.Equal("DependencyGraphTooLarge", e.ErrorId);
        Assert.Contains("example.com/g0", e.Message);
    }
}
