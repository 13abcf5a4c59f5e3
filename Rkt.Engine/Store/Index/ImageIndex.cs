// SPDX-License-Identifier: MIT
using LiteDB;
using Rkt.Engine.Errors;
using Rkt.Engine.Native;
using Rkt.Engine.Store.Cas;
using Rkt.Engine.Store.Locks;

namespace Rkt.Engine.Store.Index;

/// <summary>The collections of one index transaction.</summary>
public sealed class IndexTransaction(LiteDatabase db)
{
    public ILiteCollection<AciInfoRow> Images { get; } = db.GetCollection<AciInfoRow>("aciinfo");
    public ILiteCollection<RemoteRow> Remotes { get; } = db.GetCollection<RemoteRow>("remote");
    public ILiteCollection<TreeRow> Trees { get; } = db.GetCollection<TreeRow>("trees");
}

/// <summary>
/// The image index: a LiteDB file under <c>cas/db/</c>. LiteDB is never held open between calls: every
/// <see cref="Run{T}"/> takes an exclusive flock on <c>cas/db/lock</c>, opens the file in direct mode, runs
/// one transaction, copies results out and closes it, so several processes can share one store.
/// Schema changes go through <see cref="Migrations"/>, each after a backup copy of the file.
/// </summary>
public sealed class ImageIndex(CasLayout layout, ISyscalls sys)
{
    /// <summary>Current schema version.</summary>
    public const int SchemaVersion = 1;

    /// <summary>How long a caller waits for another process's index transaction.</summary>
    public static TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Migrations from version N-1 to N, keyed by N. Version 1 is the first: nothing to migrate yet.</summary>
    internal static readonly SortedDictionary<int, Action<LiteDatabase>> Migrations = new()
    {
        [1] = db =>
        {
            db.GetCollection<AciInfoRow>("aciinfo").EnsureIndex(x => x.Name);
            db.GetCollection<RemoteRow>("remote").EnsureIndex(x => x.BlobKey);
            db.GetCollection<TreeRow>("trees").EnsureIndex(x => x.BlobKey);
        },
    };

    private static readonly BsonMapper Mapper = CreateMapper();

    /// <summary>
    /// One mapper for every index: LiteDB 5.0's BsonMapper registers an entity type before it has mapped its members,
    /// so two threads meeting a type for the first time can see it half built ("Member BlobKey not found"). Every
    /// row type is mapped here, once, under the type initializer's lock; afterwards the mapper is only read.
    /// </summary>
    private static BsonMapper CreateMapper()
    {
        var mapper = new BsonMapper { SerializeNullValues = false };
        mapper.ToDocument(new AciInfoRow());
        mapper.ToDocument(new RemoteRow());
        mapper.ToDocument(new TreeRow());
        mapper.ToDocument(new SchemaRow());
        return mapper;
    }

    /// <summary>Runs <paramref name="work"/> in one index transaction under the index lock.</summary>
    public T Run<T>(Func<IndexTransaction, T> work, CancellationToken cancellationToken = default)
    {
        try
        {
            Directory.CreateDirectory(layout.Db);
            using FileLock l = FileLock.Acquire(sys, layout.DbLock, LockKind.Exclusive, LockTimeout, cancellationToken);
            using var db = new LiteDatabase(new ConnectionString { Filename = layout.DbFile, Connection = ConnectionType.Direct }, Mapper);
            EnsureSchema(db);
            db.BeginTrans();
            try
            {
                T result = work(new IndexTransaction(db));
                db.Commit();
                return result;
            }
            catch
            {
                db.Rollback();
                throw;
            }
        }
        catch (TimeoutException e)
        {
            throw new RktException(RktErrorKind.Busy, "StoreBusy", $"the image index at {layout.DbFile} is locked by another process: {e.Message}", layout.DbFile, e);
        }
        catch (LiteException e)
        {
            throw new RktException(RktErrorKind.Corrupt, "StoreUnavailable", $"the image index at {layout.DbFile} cannot be used: {e.Message}", layout.DbFile, e);
        }
    }

    /// <summary>Runs an action in one index transaction.</summary>
    public void Run(Action<IndexTransaction> work, CancellationToken cancellationToken = default) =>
        Run<object?>(t => { work(t); return null; }, cancellationToken);

    private void EnsureSchema(LiteDatabase db)
    {
        var meta = db.GetCollection<SchemaRow>("meta");
        SchemaRow row = meta.FindById("schema") ?? new SchemaRow { Version = 0 };
        if (row.Version == SchemaVersion) return;
        if (row.Version > SchemaVersion)
            throw new RktException(RktErrorKind.Unavailable, "StoreUnavailable",
                $"the image index has schema version {row.Version}, newer than this RktPS understands ({SchemaVersion}); upgrade RktPS");
        if (row.Version > 0) Backup(db, row.Version);
        foreach (var (to, migrate) in Migrations)
        {
            if (to <= row.Version) continue;
            migrate(db);
            row.Version = to;
            meta.Upsert(row);
        }
    }

    private void Backup(LiteDatabase db, int version)
    {
        db.Checkpoint();
        Directory.CreateDirectory(layout.DbBackups);
        File.Copy(layout.DbFile, Path.Combine(layout.DbBackups, $"index.v{version}.{DateTime.UtcNow:yyyyMMddHHmmss}.db"), overwrite: true);
    }
}
