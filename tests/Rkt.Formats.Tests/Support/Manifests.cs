// SPDX-License-Identifier: MIT
using System.Text.Json.Nodes;
using Rkt.Formats.Appc;

namespace Rkt.Formats.Tests.Support;

/// <summary>Valid manifests as mutable JSON trees, so each failing case changes exactly one thing.</summary>
internal static class Manifests
{
    /// <summary>An image manifest that uses every field we validate and parses cleanly.</summary>
    public const string ValidImage = """
    {
      "acKind": "ImageManifest",
      "acVersion": "0.8.11",
      "name": "example.com/test-app",
      "labels": [ { "name": "version", "value": "1.2.3" }, { "name": "os", "value": "linux" }, { "name": "arch", "value": "amd64" } ],
      "app": {
        "exec": [ "/bin/app", "--flag" ],
        "user": "0",
        "group": "0",
        "supplementaryGIDs": [ 10, 20 ],
        "workingDirectory": "/srv",
        "eventHandlers": [ { "name": "pre-start", "exec": [ "/bin/pre" ] }, { "name": "post-stop", "exec": [ "/bin/post" ] } ],
        "environment": [ { "name": "A", "value": "1" }, { "name": "B", "value": "2" } ],
        "mountPoints": [ { "name": "data", "path": "/data", "readOnly": true }, { "name": "logs", "path": "/logs" } ],
        "ports": [ { "name": "http", "protocol": "tcp", "port": 80 }, { "name": "dns", "protocol": "udp", "port": 53, "count": 2 } ],
        "isolators": [
          { "name": "resource/cpu", "value": { "request": "250m", "limit": "500m" } },
          { "name": "resource/memory", "value": { "limit": "1Gi" } },
          { "name": "os/linux/capabilities-retain-set", "value": { "set": [ "CAP_NET_BIND_SERVICE" ] } },
          { "name": "os/linux/seccomp-remove-set", "value": { "set": [ "reboot" ], "errno": "EPERM" } },
          { "name": "os/linux/no-new-privileges", "value": true },
          { "name": "os/linux/oom-score-adj", "value": 100 },
          { "name": "os/linux/cpu-shares", "value": 1024 }
        ],
        "userAnnotations": { "k": "v" },
        "userLabels": { "tier": "web" }
      },
      "dependencies": [ { "imageName": "example.com/base", "imageID": "sha512-abcd", "labels": [ { "name": "version", "value": "1" } ], "size": 42 } ],
      "pathWhitelist": [ "/bin/app" ],
      "annotations": [ { "name": "authors", "value": "someone" } ]
    }
    """;

    /// <summary>A pod manifest with volumes, mounts, ports and isolators that parses cleanly.</summary>
    public const string ValidPod = """
    {
      "acKind": "PodManifest",
      "acVersion": "0.8.11",
      "apps": [
        {
          "name": "web",
          "image": { "name": "example.com/web", "id": "sha512-0123", "labels": [ { "name": "version", "value": "1" } ] },
          "app": { "exec": [ "/bin/web" ], "user": "0", "group": "0", "mountPoints": [ { "name": "data", "path": "/data" } ] },
          "readOnlyRootFS": true,
          "mounts": [ { "volume": "data", "path": "/data" }, { "volume": "scratch", "path": "/tmp" } ],
          "annotations": [ { "name": "a", "value": "b" } ]
        },
        { "name": "side", "image": { "id": "sha512-4567" } }
      ],
      "volumes": [
        { "name": "data", "kind": "host", "source": "/srv/data", "readOnly": true, "recursive": false },
        { "name": "scratch", "kind": "empty", "mode": "0750", "uid": 1, "gid": 2 }
      ],
      "isolators": [ { "name": "resource/memory", "value": { "limit": "4G" } } ],
      "annotations": [ { "name": "ip-address", "value": "10.0.0.1" } ],
      "ports": [ { "name": "http", "hostPort": 8080, "hostIP": "127.0.0.1" } ],
      "userAnnotations": { "x": "y" },
      "userLabels": { "z": "w" }
    }
    """;

    public static JsonObject Image() => JsonNode.Parse(ValidImage)!.AsObject();
    public static JsonObject Pod() => JsonNode.Parse(ValidPod)!.AsObject();

    /// <summary>The image app object.</summary>
    public static JsonObject App(this JsonObject image) => image["app"]!.AsObject();

    /// <summary>Applies <paramref name="mutate"/> to a valid image manifest and returns the exception parsing it throws.</summary>
    public static ManifestException ImageFails(Action<JsonObject> mutate, Func<string, string>? rewrite = null)
    {
        JsonObject o = Image();
        mutate(o);
        string json = o.ToJsonString();
        if (rewrite is not null) json = rewrite(json);
        return Assert.Throws<ManifestException>(() => ImageManifest.Parse(json));
    }

    /// <summary>Applies <paramref name="mutate"/> to a valid pod manifest and returns the exception parsing it throws.</summary>
    public static ManifestException PodFails(Action<JsonObject> mutate, Func<string, string>? rewrite = null)
    {
        JsonObject o = Pod();
        mutate(o);
        string json = o.ToJsonString();
        if (rewrite is not null) json = rewrite(json);
        return Assert.Throws<ManifestException>(() => PodManifest.Parse(json));
    }

    /// <summary>Replaces the isolator list of the image app.</summary>
    public static void SetIsolators(JsonObject image, params string[] isolatorJson)
    {
        var arr = new JsonArray();
        foreach (string s in isolatorJson) arr.Add(JsonNode.Parse(s));
        image.App()["isolators"] = arr;
    }
}
