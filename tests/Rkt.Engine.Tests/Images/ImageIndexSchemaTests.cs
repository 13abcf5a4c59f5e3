// SPDX-License-Identifier: MIT
using LiteDB;
using Rkt.Engine.Errors;
using Rkt.Engine.Store.Index;

namespace Rkt.Engine.Tests.Images;

/// <summary>The index migration hook: unversioned files are stamped, newer ones refused.</summary>
public sealed class ImageIndexSchemaTests : IDisposable
{
    private readonly TempStore _s = new();

    public void Dispose() => _s.Dispose();

    private string DbFile => Path.Combine(_s.Cas, "db", "index.db");

    private void WithRawDb(Action<LiteDatabase> a)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DbFile)!);
        using var db = new LiteDatabase(new ConnectionString { Filename = DbFile, Connection = ConnectionType.Direct });
        a(db);
    }

    [Fact]
    public void Index_without_meta_row_is_stamped_and_keeps_its_rows()
    {
        var img = _s.Import(TestAci.Simple("example.com/schema"));
        WithRawDb(db =>
        {
            Assert.Equal(ImageIndex.SchemaVersion, db.GetCollection("meta").FindById("schema")["Version"].AsInt32);
            Assert.True(db.GetCollection("meta").Delete("schema"));
            Assert.Null(db.GetCollection("meta").FindById("schema"));
        });

        Assert.Equal(img.Id, Assert.Single(_s.Engine.Images.List()).Id);

        WithRawDb(db => Assert.Equal(ImageIndex.SchemaVersion, db.GetCollection("meta").FindById("schema")["Version"].AsInt32));
        // version 0 had nothing worth backing up
        Assert.False(Directory.Exists(Path.Combine(_s.Cas, "db-backups")) && Directory.GetFiles(Path.Combine(_s.Cas, "db-backups")).Length > 0);
    }

    [Fact]
    public void Fresh_index_is_created_at_the_current_version()
    {
        Assert.Empty(_s.Engine.Images.List());
        WithRawDb(db => Assert.Equal(ImageIndex.SchemaVersion, db.GetCollection("meta").FindById("schema")["Version"].AsInt32));
    }

    [Fact]
    public void Newer_schema_is_refused_with_StoreUnavailable_and_left_alone()
    {
        var img = _s.Import(TestAci.Simple("example.com/future"));
        WithRawDb(db => db.GetCollection("meta").Upsert(new BsonDocument { ["_id"] = "schema", ["Version"] = ImageIndex.SchemaVersion + 1 }));

        var e = Assert.Throws<RktException>(() => _s.Engine.Images.List());
        Assert.Equal("StoreUnavailable", e.ErrorId);
        Assert.Equal(RktErrorKind.Unavailable, e.Kind);
        Assert.Contains((ImageIndex.SchemaVersion + 1).ToString(), e.Message);
        var before = _s.Snapshot();
        Assert.Equal("StoreUnavailable", Assert.Throws<RktException>(() => _s.Import(TestAci.Simple("example.com/other"), "o.aci")).ErrorId);
        Assert.Equal(before, _s.Snapshot());

        WithRawDb(db =>
        {
            Assert.Equal(ImageIndex.SchemaVersion + 1, db.GetCollection("meta").FindById("schema")["Version"].AsInt32);
            Assert.NotNull(db.GetCollection("aciinfo").FindById(img.Id));
        });
    }

    [Fact]
    public void Garbage_index_file_is_StoreUnavailable()
    {
        _s.Import(TestAci.Simple("example.com/corrupt"));
        File.WriteAllBytes(DbFile, System.Text.Encoding.UTF8.GetBytes(new string('#', 20000)));
        var e = Assert.Throws<RktException>(() => _s.Engine.Images.List());
        Assert.Equal("StoreUnavailable", e.ErrorId);
    }
}
