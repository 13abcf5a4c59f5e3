// SPDX-License-Identifier: MIT
using System.Collections.Concurrent;
using System.Management.Automation;
using Rkt.Engine;
using Rkt.Engine.Errors;

namespace Rkt.PowerShell.Infrastructure;

/// <summary>
/// Base of every RktPS cmdlet: <c>-DataDirectory</c>, Ctrl+C as a cancellation token, and a pump that runs
/// engine work on the thread pool while progress, verbose and warning records are written from the pipeline
/// thread (the only thread allowed to call Write*).
/// </summary>
public abstract class RktCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, RktEngine> _engines = new(StringComparer.Ordinal);

    /// <summary>The data directory (rkt's --dir). Pin it with $PSDefaultParameterValues['*-Rkt*:DataDirectory'].</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string DataDirectory { get; set; } = RktPaths.DefaultDataDirectory;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken StopToken => _stop.Token;

    /// <summary>
    /// The data directory of the piped object being processed, when it carries one. Objects remember their store,
    /// so <c>Get-RktPod -DataDirectory X | Remove-RktPod</c> acts on X; an explicit <c>-DataDirectory</c> wins.
    /// </summary>
    protected string? ItemDataDirectory { get; set; }

    /// <summary>The engine for the current store (explicit -DataDirectory, else the piped item's, else the default).</summary>
    protected RktEngine Engine
    {
        get
        {
            string dir = MyInvocation.BoundParameters.ContainsKey(nameof(DataDirectory)) || ItemDataDirectory is null
                ? ResolveOutputPath(DataDirectory) : ItemDataDirectory;
            if (!_engines.TryGetValue(dir, out RktEngine? e)) _engines[dir] = e = RktEngine.Open(new RktPaths(dir));
            return e;
        }
    }

    /// <summary>The progress activity id of this cmdlet.</summary>
    protected virtual int ProgressActivityId => 1;

    /// <summary>Resolves a path the user typed against pwsh's current location (not the process cwd).</summary>
    protected string ResolveOutputPath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>Runs engine work off the pipeline thread, pumping its records. Exceptions come back unwrapped.</summary>
    protected T RunEngine<T>(Func<OperationContext, T> work)
    {
        using var inbox = new BlockingCollection<Action>();
        var progressIds = new Dictionary<string, int>();
        var ctx = new OperationContext(StopToken, new InboxProgress(inbox, this, progressIds), new InboxLog(inbox, this));
        Task<T> task = Task.Run(() => work(ctx));
        // Completing the inbox when the work ends wakes the pump at once (a timed poll here used to add up to 50 ms,
        // about 25 ms on average, to every cmdlet call). Records posted before the end are still drained in order.
        task.ContinueWith(static (_, state) =>
        {
            try { ((BlockingCollection<Action>)state!).CompleteAdding(); }
            catch (ObjectDisposedException) { } // the pump already ended (a write threw) and disposed the inbox
        }, inbox, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            foreach (Action write in inbox.GetConsumingEnumerable()) write();
        }
        finally
        {
            foreach (var (item, id) in progressIds)
                WriteProgress(new ProgressRecord(id, item, "Done") { RecordType = ProgressRecordType.Completed });
        }
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Runs engine work with no result.</summary>
    protected void RunEngine(Action<OperationContext> work) => RunEngine<object?>(ctx => { work(ctx); return null; });

    /// <summary>
    /// Runs <paramref name="body"/> for one input item: known engine errors become non-terminating ErrorRecords,
    /// Ctrl+C ends quietly.
    /// </summary>
    protected void ForItem(object? target, Action body)
    {
        try { body(); }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested) { }
        catch (Exception e) when (ErrorMapper.IsKnown(e)) { WriteError(ErrorMapper.ToErrorRecord(e, target)); }
    }

    /// <summary>Writes a non-terminating ObjectNotFound error with a stable id.</summary>
    protected void WriteNotFound(string errorId, string message, object target) =>
        WriteError(ErrorMapper.ToErrorRecord(new RktException(RktErrorKind.NotFound, errorId, message, target), target));

    /// <inheritdoc />
    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>Disposes the cancellation source.</summary>
    public void Dispose()
    {
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed class InboxLog(BlockingCollection<Action> inbox, RktCmdlet cmdlet) : IRktLog
    {
        public void Verbose(string message) => Post(() => cmdlet.WriteVerbose(message));
        public void Debug(string message) => Post(() => cmdlet.WriteDebug(message));
        public void Warning(string message) => Post(() => cmdlet.WriteWarning(message));
        private void Post(Action a) { try { inbox.Add(a); } catch (InvalidOperationException) { } }
    }

    private sealed class InboxProgress(BlockingCollection<Action> inbox, RktCmdlet cmdlet, Dictionary<string, int> ids) : IProgress<RktProgress>
    {
        public void Report(RktProgress p)
        {
            try
            {
                inbox.Add(() =>
                {
                    if (!ids.TryGetValue(p.Item, out int id)) ids[p.Item] = id = cmdlet.ProgressActivityId + ids.Count;
                    var rec = new ProgressRecord(id, $"{p.Operation} {p.Item}", p.Phase);
                    if (p.Total is > 0 && !p.IsFinished)
                    {
                        rec.PercentComplete = (int)Math.Clamp(p.Completed * 100 / p.Total.Value, 0, 100);
                        rec.StatusDescription = $"{p.Phase}: {Formatting.ByteSize.Format(p.Completed)} of {Formatting.ByteSize.Format(p.Total.Value)}";
                    }
                    if (p.IsFinished) { rec.RecordType = ProgressRecordType.Completed; ids.Remove(p.Item); }
                    cmdlet.WriteProgress(rec);
                });
            }
            catch (InvalidOperationException) { } // also ObjectDisposedException: the pump has ended
        }
    }
}
