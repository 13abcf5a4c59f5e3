// SPDX-License-Identifier: MIT
using Rkt.Formats.Appc;
using Rkt.Formats.Appc.Types;
using static Rkt.Formats.Tests.Support.Manifests;

namespace Rkt.Formats.Tests.Appc;

public sealed class IsolatorTests
{
    private static ManifestException Fails(params string[] isolators) => ImageFails(o => SetIsolators(o, isolators));

    [Theory]
    [InlineData("""{"name":"resource/memory","value":{"limit":"1g"}}""", "app.isolators[0].value.limit")]
    [InlineData("""{"name":"resource/cpu","value":{"request":"-1"}}""", "app.isolators[0].value.request")]
    [InlineData("""{"name":"resource/cpu","value":{"limit":500}}""", "app.isolators[0].value.limit")]
    public void Bad_quantity(string iso, string field)
    {
        var e = Fails(iso);
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void Request_greater_than_limit()
    {
        var e = Fails("""{"name":"resource/memory","value":{"request":"2Gi","limit":"1Gi"}}""");
        Assert.Equal("app.isolators[0].value", e.Field);
        Assert.Equal("request must not exceed limit", e.Rule);
    }

    [Fact]
    public void Request_equal_to_limit_across_units_is_fine()
    {
        Isolator i = Isolator.Create("resource/memory", """{"request":"1024Mi","limit":"1Gi"}""");
        Assert.Equal(i.Request, i.Limit is { } l ? l with { Text = "1024Mi" } : null);
    }

    [Fact]
    public void Resource_without_request_or_limit() =>
        Assert.Equal("app.isolators[0].value", Fails("""{"name":"resource/cpu","value":{}}""").Field);

    [Fact]
    public void Resource_unknown_field() =>
        Assert.Equal("app.isolators[0].value.max", Fails("""{"name":"resource/cpu","value":{"max":"1"}}""").Field);

    [Fact]
    public void Capability_not_CAP()
    {
        var e = Fails("""{"name":"os/linux/capabilities-retain-set","value":{"set":["CAP_CHOWN","NET_ADMIN"]}}""");
        Assert.Equal("app.isolators[0].value.set[1]", e.Field);
        Assert.Equal("\"NET_ADMIN\" is not a capability name (CAP_...)", e.Rule);
    }

    [Fact]
    public void Capability_set_empty()
    {
        var e = Fails("""{"name":"os/linux/capabilities-remove-set","value":{"set":[]}}""");
        Assert.Equal("app.isolators[0].value.set", e.Field);
        Assert.Equal("must not be empty", e.Rule);
    }

    [Fact]
    public void Capability_set_missing() =>
        Assert.Equal("app.isolators[0].value", Fails("""{"name":"os/linux/capabilities-remove-set","value":{}}""").Field);

    [Fact]
    public void Retain_and_remove_together()
    {
        var e = Fails(
            """{"name":"os/linux/capabilities-retain-set","value":{"set":["CAP_CHOWN"]}}""",
            """{"name":"resource/cpu","value":{"limit":"1"}}""",
            """{"name":"os/linux/capabilities-remove-set","value":{"set":["CAP_SYS_ADMIN"]}}""");
        Assert.Equal("app.isolators[2]", e.Field);
        Assert.Equal("capabilities retain and remove sets cannot be combined", e.Rule);
    }

    [Fact]
    public void Two_seccomp_isolators()
    {
        var e = Fails(
            """{"name":"os/linux/seccomp-remove-set","value":{"set":["reboot"]}}""",
            """{"name":"os/linux/seccomp-retain-set","value":{"set":["read"]}}""");
        Assert.Equal("app.isolators[1]", e.Field);
        Assert.Equal("only one seccomp isolator is allowed", e.Rule);
    }

    [Fact]
    public void The_same_known_isolator_twice()
    {
        var e = Fails(
            """{"name":"resource/memory","value":{"limit":"1G"}}""",
            """{"name":"resource/memory","value":{"limit":"2G"}}""");
        Assert.Equal("app.isolators[1]", e.Field);
        Assert.Equal("only one \"resource/memory\" isolator is allowed", e.Rule);
    }

    [Theory]
    [InlineData("\"eperm\"")]
    [InlineData("\"PERM\"")]
    [InlineData("\"E\"")]
    [InlineData("1")]
    public void Bad_errno(string errno)
    {
        var e = Fails($$$"""{"name":"os/linux/seccomp-retain-set","value":{"set":["read"],"errno":{{{errno}}}}}""");
        Assert.Equal("app.isolators[0].value.errno", e.Field);
        Assert.EndsWith("is not an errno name (e.g. EPERM)", e.Rule);
    }

    [Theory]
    [InlineData("1001")]
    [InlineData("-1001")]
    [InlineData("\"5\"")]
    [InlineData("1.5")]
    public void Oom_score_adj_out_of_range(string value)
    {
        var e = Fails($$"""{"name":"os/linux/oom-score-adj","value":{{value}}}""");
        Assert.Equal("app.isolators[0].value", e.Field);
        Assert.Equal("must be an integer from -1000 to 1000", e.Rule);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("262145")]
    [InlineData("true")]
    public void Cpu_shares_out_of_range(string value)
    {
        var e = Fails($$"""{"name":"os/linux/cpu-shares","value":{{value}}}""");
        Assert.Equal("app.isolators[0].value", e.Field);
        Assert.Equal("must be an integer from 2 to 262144", e.Rule);
    }

    [Theory]
    [InlineData("\"true\"")]
    [InlineData("1")]
    [InlineData("null")]
    public void No_new_privileges_not_bool(string value)
    {
        var e = Fails($$"""{"name":"os/linux/no-new-privileges","value":{{value}}}""");
        Assert.Equal("app.isolators[0].value", e.Field);
        Assert.Equal("must be true or false", e.Rule);
    }

    [Fact]
    public void Isolator_name_invalid() =>
        Assert.Equal("app.isolators[0].name", Fails("""{"name":"Resource/CPU","value":{"limit":"1"}}""").Field);

    [Fact]
    public void Isolator_value_missing()
    {
        var e = Fails("""{"name":"resource/cpu"}""");
        Assert.Equal("app.isolators[0].value", e.Field);
        Assert.Equal("is required", e.Rule);
    }

    [Fact]
    public void Unknown_isolators_are_kept_verbatim_and_compacted()
    {
        Isolator i = Isolator.Create("vendor.example/thing", """{ "a" : [ 1, 2 ], "b": "c" }""");
        Assert.Equal("""{"a":[1,2],"b":"c"}""", i.RawValue);
        Assert.False(Isolator.KnownNames.Contains(i.Name.Value));
        Assert.Empty(i.Set);
        Assert.Null(i.IntValue);
        Assert.Null(i.BoolValue);
        Assert.Null(i.Limit);
    }

    [Fact]
    public void Accessors_tolerate_odd_unknown_isolators()
    {
        Assert.Equal(["", "a"], Isolator.Create("vendor.example/x", """{"set":[1,"a"]}""").Set);
        Assert.Empty(Isolator.Create("vendor.example/x", """{"set":"notarray"}""").Set);
        Assert.Null(Isolator.Create("vendor.example/x", "[1]").Limit);
    }

    [Fact]
    public void Create_from_text_that_is_not_json()
    {
        var e = Assert.Throws<ManifestException>(() => Isolator.Create("resource/cpu", "{limit:1}", "isolators[0]"));
        Assert.Equal("isolators[0].value", e.Field);
        Assert.StartsWith("is not valid JSON", e.Rule);
    }

    [Fact]
    public void Typed_accessors()
    {
        Assert.Equal(["CAP_CHOWN", "CAP_KILL"], Isolator.Create("os/linux/capabilities-retain-set", """{"set":["CAP_CHOWN","CAP_KILL"]}""").Set);
        Assert.Equal(-500, Isolator.Create("os/linux/oom-score-adj", "-500").IntValue);
        Assert.False(Isolator.Create("os/linux/no-new-privileges", "false").BoolValue);
        Isolator cpu = Isolator.Create("resource/cpu", """{"request":"100m","limit":"2"}""");
        Assert.Equal(new ResourceQuantity(0.1m, "100m"), cpu.Request);
        Assert.Equal(2m, cpu.Limit?.Value);
    }

    [Fact]
    public void Create_from_text_names_the_field()
    {
        var e = Assert.Throws<ManifestException>(() => Isolator.Create("os/linux/cpu-shares", "0", "isolators[4]"));
        Assert.Equal("isolators[4].value", e.Field);
        var e2 = Assert.Throws<ManifestException>(() => Isolator.Create("Bad", "0", "isolators[4]"));
        Assert.Equal("isolators[4].name", e2.Field);
    }

    [Fact]
    public void Pod_level_isolators_are_validated_with_pod_paths()
    {
        var e = PodFails(o => o["isolators"] = System.Text.Json.Nodes.JsonNode.Parse(
            """[{"name":"os/linux/seccomp-remove-set","value":{"set":["reboot"]}},{"name":"os/linux/seccomp-remove-set","value":{"set":["kexec_load"]}}]"""));
        Assert.Equal("isolators[1]", e.Field);
        var e2 = PodFails(o => o["isolators"]![0]!["value"] = System.Text.Json.Nodes.JsonNode.Parse("""{"limit":"lots"}"""));
        Assert.Equal("isolators[0].value.limit", e2.Field);
    }
}
