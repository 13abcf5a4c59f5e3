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

    /// <summary>
    /// Runs <paramref name="work"/> in one index transaction under the index lock. On a read-only file system the
    /// index is opened read-only, so listing a read-only store works and a write fails with StoreNotWritable.
    /// A full disk is StoreFull. When the transaction fails, the first error is reported (LiteDB's rollback after a
    /// failed write can throw a second, less telling one).
    /// </summary>
    public T Run<T>(Func<IndexTransaction, T> work, CancellationToken cancellationToken = default)
    {
        bool readOnly = false;
        try
        {
            Directory.CreateDirectory(layout.Db);
            using FileLock l = FileLock.Acquire(sys, layout.DbLock, LockKind.Exclusive, LockTimeout, cancellationToken);
            LiteDatabase db;
            try { db = Open(readOnly: false); }
            catch (IOException e) when (Errno(e) == Erofs && File.Exists(layout.DbFile))
            {
                readOnly = true;
                db = Open(readOnly: true);
            }
            bool committed = false;
            try
            {
                EnsureSchema(db);
                db.BeginTrans();
                T result;
                try
                {
                    result = work(new IndexTransaction(db));
                    db.Commit();
                    committed = true;
                }
                catch
                {
                    try { db.Rollback(); } catch (Exception) { /* keep the first error */ }
                    throw;
                }
                return result;
            }
            finally
            {
                // closing checkpoints the log into the data file; after a commit the data is safe in the log
                // (the next open replays it), so a full disk here must not turn a done change into an error
                try { db.Dispose(); }
                catch (IOException) when (committed) { }
            }
        }
        catch (TimeoutException e)
        {
            throw new RktException(RktErrorKind.Busy, "StoreBusy", $"the image index at {layout.DbFile} is locked by another process: {e.Message}", layout.DbFile, e);
        }
        catch (Exception e) when (readOnly && e is LiteException or NotSupportedException)
        {
            throw new RktException(RktErrorKind.PermissionDenied, "StoreNotWritable", $"the image index at {layout.DbFile} is on a read-only file system: {e.Message}", layout.DbFile, e);
        }
        catch (LiteException e)
        {
            throw new RktException(RktErrorKind.Corrupt, "StoreUnavailable", $"the image index at {layout.DbFile} cannot be used: {e.Message}", layout.DbFile, e);
        }
        catch (IOException e) when (Errno(e) == Enospc)
        {
            throw new RktException(RktErrorKind.Unavailable, "StoreFull", $"no space left for the image index at {layout.DbFile}: {e.Message}", layout.DbFile, e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException || (e is IOException io && Errno(io) is Erofs or Eacces or Eperm))
        {
            throw new RktException(RktErrorKind.PermissionDenied, "StoreNotWritable", $"the image index at {layout.DbFile} cannot be written: {e.Message}", layout.DbFile, e);
        }
    }

    private const int Eperm = 1, Eacces = 13, Enospc = 28, Erofs = 30;

    /// <summary>The errno behind an IOException (.NET puts it in HResult on Unix; ours carry it explicitly).</summary>
    private static int Errno(IOException e) => e is NativeCallException n ? n.Errno : e.HResult;

    /// <summary>
    /// Opens the index. Read-only means a copy in memory over non-writable streams: LiteDB's own read-only mode still
    /// wants to create its log file, which a read-only file system refuses; any write attempt then fails loudly.
    /// </summary>
    private LiteDatabase Open(bool readOnly)
    {
        if (!readOnly)
            return new(new ConnectionString { Filename = layout.DbFile, Connection = ConnectionType.Direct }, Mapper);
        string log = Path.Combine(layout.Db, Path.GetFileNameWithoutExtension(layout.DbFile) + "-log" + Path.GetExtension(layout.DbFile));
        var data = new MemoryStream(File.ReadAllBytes(layout.DbFile), writable: false);
        var logStream = new MemoryStream(File.Exists(log) ? File.ReadAllBytes(log) : [], writable: false);
        return new LiteDatabase(data, Mapper, logStream);
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
