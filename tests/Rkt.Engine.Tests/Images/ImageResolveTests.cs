// SPDX-License-Identifier: MIT
using Rkt.Engine.Errors;
using Rkt.Engine.Images;
using Rkt.Formats.Appc.Types;

namespace Rkt.Engine.Tests.Images;

/// <summary>ResolveId, Resolve and FindBest against a real store.</summary>
public sealed class ImageResolveTests : IDisposable
{
    private readonly TempStore _s = new();

    public void Dispose() => _s.Dispose();

    [Fact]
    public void ResolveId_accepts_full_key_128_hex_2_hex_prefix_and_uppercase()
    {
        string path = _s.WriteFile("r.aci", TestAci.Simple("example.com/resolve", "1"));
        var img = _s.Import(path);
        string full128 = "sha512-" + TestAci.Sha512Sum(path);
        Assert.Equal(135, full128.Length);

        Assert.Equal(img.Id, _s.Engine.Images.ResolveId(img.Id).Id);
        Assert.Equal(img.Id, _s.Engine.Images.ResolveId(full128).Id);
        Assert.Equal(img.Id, _s.Engine.Images.ResolveId(img.Id[..9]).Id);
        Assert.Equal(img.Id, _s.Engine.Images.ResolveId(img.ShortId).Id);
        Assert.Equal(img.Id, _s.Engine.Images.ResolveId("sha512-" + img.Id[7..20].ToUpperInvariant()).Id);
        Assert.Equal(img.Id, _s.Engine.Images.ResolveId("SHA512-" + img.Id[7..20]).Id);
        Assert.Equal(img.Id, _s.Engine.Images.Resolve(img.ShortId).Id);
    }

    [Fact]
    public void ResolveId_missing_is_ImageNotFound_and_malformed_is_InvalidImageId()
    {
        var img = _s.Import(TestAci.Simple("example.com/one"));
        // a prefix that differs from the only image in its first hex digit
        char other = img.Id[7] == '0' ? '1' : '0';
        var e = Assert.Throws<RktException>(() => _s.Engine.Images.ResolveId($"sha512-{other}{img.Id[8]}"));
        Assert.Equal("ImageNotFound", e.ErrorId);
        Assert.Equal(RktErrorKind.NotFound, e.Kind);

        foreach (string bad in new[] { "sha512-z", "sha512-", "sha512-a", "sha512-zz", "sha256-abcd", "abcd" })
        {
            var b = Assert.Throws<RktException>(() => _s.Engine.Images.ResolveId(bad));
            Assert.True(b.ErrorId == "InvalidImageId", $"{bad}: {b.ErrorId}");
        }
    }

    [Fact]
    public void Ambiguous_prefix_lists_both_candidates()
    {
        var byPrefix = new Dictionary<string, string>();
        (string A, string B)? pair = null;
        for (int i = 0; i < 2000 && pair is null; i++)
        {
            var img = _s.Import(TestAci.Simple("example.com/amb", $"{i}"), $"amb{i}.aci");
            string hh = img.Id[7..9];
            if (byPrefix.TryGetValue(hh, out string? earlier)) pair = (earlier, img.Id);
            else byPrefix[hh] = img.Id;
        }
        Assert.NotNull(pair);
        var (a, b) = pair.Value;
        var e = Assert.Throws<RktException>(() => _s.Engine.Images.ResolveId(a[..9]));
        Assert.Equal("AmbiguousImageId", e.ErrorId);
        Assert.Equal(RktErrorKind.Ambiguous, e.Kind);
        Assert.Contains(a[..26], e.Message);
        Assert.Contains(b[..26], e.Message);
        // a longer prefix that tells them apart resolves
        Assert.Equal(a, _s.Engine.Images.ResolveId(a[..30]).Id);
    }

    [Fact]
    public void Resolve_by_name_version_and_labels()
    {
        var linux = _s.Import(TestAci.Simple("example.com/lbl", "1.0", new Dictionary<string, string> { ["os"] = "linux", ["arch"] = "amd64" }), "l.aci");
        var bsd = _s.Import(TestAci.Simple("example.com/lbl", "1.0", new Dictionary<string, string> { ["os"] = "freebsd", ["arch"] = "amd64" }), "f.aci");
        var v2 = _s.Import(TestAci.Simple("example.com/lbl", "2.0", new Dictionary<string, string> { ["os"] = "linux", ["arch"] = "amd64" }), "v2.aci");

        Assert.Equal(linux.Id, _s.Engine.Images.Resolve("example.com/lbl:1.0,os=linux").Id);
        Assert.Equal(bsd.Id, _s.Engine.Images.Resolve("example.com/lbl:1.0,os=freebsd").Id);
        Assert.Equal(bsd.Id, _s.Engine.Images.Resolve("example.com/lbl,version=1.0,os=freebsd,arch=amd64").Id);
        Assert.Equal(v2.Id, _s.Engine.Images.Resolve("example.com/lbl:2.0").Id);

        var miss = Assert.Throws<RktException>(() => _s.Engine.Images.Resolve("example.com/lbl:2.0,os=freebsd"));
        Assert.Equal("ImageNotFound", miss.ErrorId);
        Assert.Equal("ImageNotFound", Assert.Throws<RktException>(() => _s.Engine.Images.Resolve("example.com/other")).ErrorId);
        // a label the image lacks never matches
        Assert.Equal("ImageNotFound", Assert.Throws<RktException>(() => _s.Engine.Images.Resolve("example.com/lbl:1.0,os=linux,flavor=x")).ErrorId);
        Assert.Equal("InvalidImageReference", Assert.Throws<RktException>(() => _s.Engine.Images.Resolve("Example.com/UPPER")).ErrorId);
    }

    [Fact]
    public void FindBest_prefers_latest_without_version_and_newest_import_on_ties()
    {
        var name = AcIdentifier.Parse("example.com/best");
        var old = _s.Import(TestAci.Simple("example.com/best", "1"), "b1.aci");
        Thread.Sleep(15);
        var latest = _s.Engine.Images.ImportFile(_s.WriteFile("b2.aci", TestAci.Simple("example.com/best", "2")), new ImportOptions { Latest = true }, OperationContext.None);
        Thread.Sleep(15);
        var newest = _s.Import(TestAci.Simple("example.com/best", "3"), "b3.aci");
        Assert.True(latest.Latest);
        Assert.False(newest.Latest);

        Assert.Equal(latest.Id, _s.Engine.Images.FindBest(name, new Dictionary<string, string>())!.Id);
        // with a version asked, latest plays no part
        Assert.Equal(old.Id, _s.Engine.Images.FindBest(name, new Dictionary<string, string> { ["version"] = "1" })!.Id);
        Assert.Null(_s.Engine.Images.FindBest(name, new Dictionary<string, string> { ["version"] = "9" }));

        // ties (none latest): most recent import wins
        var tieName = AcIdentifier.Parse("example.com/tie");
        _s.Import(TestAci.Simple("example.com/tie", null, null, "a"), "t1.aci");
        Thread.Sleep(15);
        var t2 = _s.Import(TestAci.Simple("example.com/tie", null, null, "b"), "t2.aci");
        Assert.Equal(t2.Id, _s.Engine.Images.FindBest(tieName, new Dictionary<string, string>())!.Id);
        Assert.Equal(t2.Id, _s.Engine.Images.Resolve("example.com/tie").Id);
    }
}
