using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// The base of every cmdlet that talks to ONE store: the connection lookup, the cancellation token that
    /// StopProcessing (Ctrl+C) cancels, verbose request logging, and the one place where an engine failure becomes an
    /// ErrorRecord. Every Write* call happens on the pipeline thread.
    /// </summary>
    public abstract class OneStoreCmdletBase : PSCmdlet
    {
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();
        private readonly ConcurrentQueue<OneStoreRequestLog> _requestLog = new ConcurrentQueue<OneStoreRequestLog>();
        private bool _verbose;

        protected CancellationToken CancellationToken => _cancellation.Token;

        /// <summary>The log callback to hand to the engine: null when verbose output is off.</summary>
        internal Action<OneStoreRequestLog>? RequestLog { get; private set; }

        protected override void BeginProcessing()
        {
            ModuleViews.Ensure(this);
            _verbose = IsVerboseEnabled();
            if (_verbose) RequestLog = _requestLog.Enqueue;
        }

        protected override void StopProcessing() => _cancellation.Cancel();

        private bool IsVerboseEnabled()
        {
            if (MyInvocation.BoundParameters.TryGetValue("Verbose", out object? verbose))
                return verbose is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(verbose);
            object? preference = GetVariableValue("VerbosePreference");
            if (preference is ActionPreference p) return p != ActionPreference.SilentlyContinue && p != ActionPreference.Ignore;
            return preference != null && Enum.TryParse(preference.ToString(), true, out ActionPreference parsed)
                && parsed != ActionPreference.SilentlyContinue && parsed != ActionPreference.Ignore;
        }

        /// <summary>Writes the engine's request log as verbose output (method, route, status, duration; never a token).</summary>
        protected void FlushRequestLog()
        {
            while (_requestLog.TryDequeue(out OneStoreRequestLog? entry))
            {
                if (_verbose) WriteVerbose(entry.ToString());
            }
        }

        /// <summary>Waits on the pipeline thread for <paramref name="task"/>, writing verbose output meanwhile; Ctrl+C stops the wait at once.</summary>
        protected void WaitFor(Task task) => WaitFor(task, spin: false);

        /// <summary>
        /// As <see cref="WaitFor(Task)"/>; with <paramref name="spin"/>, looks for the completion for up to 50 µs before
        /// sleeping (one request at a time: a loopback or LAN reply often lands that soon, and sleeping costs a thread
        /// switch each way; with many requests in flight the CPU is better left to them).
        /// </summary>
        protected void WaitFor(Task task, bool spin)
        {
            if (spin && !task.IsCompleted)
            {
                long spinUntil = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency / 20000;
                while (!task.IsCompleted && System.Diagnostics.Stopwatch.GetTimestamp() < spinUntil) Thread.SpinWait(10);
            }
            if (!task.IsCompleted)
            {
                // Block without spinning: on a small machine a spinning pipeline thread takes the CPU that the
                // request it waits for needs. The event is set by the task's completion, or its wait ends at Ctrl+C.
                // Not disposed: the completion may still set it after this wait has seen the task complete.
                var done = new ManualResetEventSlim(false, spinCount: 0);
                task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(done.Set);
                while (!task.IsCompleted)
                {
                    try
                    {
                        done.Wait(250, _cancellation.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        throw new PipelineStoppedException();
                    }
                    FlushRequestLog();
                }
            }
            FlushRequestLog();
        }

        /// <summary>Waits for <paramref name="task"/> and returns its result, or throws its failure.</summary>
        protected T Await<T>(Task<T> task)
        {
            WaitFor(task);
            return task.GetAwaiter().GetResult();
        }

        /// <summary>The one place where a failure becomes an ErrorRecord: ErrorId = the spec's code, a fitting category, the item as target.</summary>
        internal static ErrorRecord CreateErrorRecord(Exception exception, object? target)
        {
            if (exception is AggregateException aggregate && aggregate.InnerExceptions.Count == 1)
                exception = aggregate.InnerExceptions[0];
            switch (exception)
            {
                case OneStoreApiException api:
                    return new ErrorRecord(api, api.Code, GetCategory(api), target);
                case ObjectDisposedException disposed:
                    return new ErrorRecord(
                        new InvalidOperationException("The connection was closed with Disconnect-OneStore. Run Connect-OneStore again.", disposed),
                        "NotConnected", ErrorCategory.ConnectionError, target);
                case ArgumentException argument:
                    return new ErrorRecord(argument, "InvalidArgument", ErrorCategory.InvalidArgument, target);
                default:
                    return new ErrorRecord(exception, "UnexpectedError", ErrorCategory.NotSpecified, target);
            }
        }

        internal static ErrorCategory GetCategory(OneStoreApiException exception)
        {
            switch (exception.Kind)
            {
                case OneStoreErrorKind.Validation: return ErrorCategory.InvalidArgument;
                case OneStoreErrorKind.Network: return ErrorCategory.ConnectionError;
                case OneStoreErrorKind.Timeout: return ErrorCategory.OperationTimeout;
                case OneStoreErrorKind.Protocol: return ErrorCategory.ProtocolError;
            }
            switch (exception.Code)
            {
                case OneStoreErrorCodes.NoSuchData:
                case OneStoreErrorCodes.ResourceNotFound:
                    return ErrorCategory.ObjectNotFound;
                case OneStoreErrorCodes.UnauthorizedAccess:
                case OneStoreErrorCodes.AccessBlocked:
                    return ErrorCategory.PermissionDenied;
                case OneStoreErrorCodes.InvalidAccessToken:
                case OneStoreErrorCodes.AccessTokenExpired:
                case OneStoreErrorCodes.InvalidAuthorizationHeader:
                    return ErrorCategory.AuthenticationError;
                case OneStoreErrorCodes.InvalidConsumeState:
                case OneStoreErrorCodes.InvalidPurchaseState:
                case OneStoreErrorCodes.MethodNotAllowed:
                    return ErrorCategory.InvalidOperation;
                case OneStoreErrorCodes.InvalidRequest:
                case OneStoreErrorCodes.RequiredValueNotExist:
                case OneStoreErrorCodes.BadRequest:
                case OneStoreErrorCodes.DeveloperPayloadNotMatch:
                case OneStoreErrorCodes.InvalidContentType:
                    return ErrorCategory.InvalidArgument;
                case OneStoreErrorCodes.ServiceMaintenance:
                    return ErrorCategory.ResourceUnavailable;
                case OneStoreErrorCodes.InternalError:
                    return ErrorCategory.NotSpecified;
            }
            // A code the spec's table does not list: go by the HTTP status.
            switch (exception.HttpStatus)
            {
                case 401: return ErrorCategory.AuthenticationError;
                case 403: return ErrorCategory.PermissionDenied;
                case 404: return ErrorCategory.ObjectNotFound;
                case 409: return ErrorCategory.InvalidOperation;
                case 429:
                case 503: return ErrorCategory.ResourceUnavailable;
                case int s when s >= 400 && s < 500: return ErrorCategory.InvalidArgument;
                default: return ErrorCategory.NotSpecified;
            }
        }

        /// <summary>A terminating error for a failure that makes the whole command unusable.</summary>
        internal void ThrowEngineFailure(Exception exception, object? target) => ThrowTerminatingError(CreateErrorRecord(exception, target));

        /// <summary>True when <paramref name="exception"/> is (or wraps) a cancellation caused by StopProcessing.</summary>
        internal bool IsStopping(Exception exception)
        {
            if (!_cancellation.IsCancellationRequested) return false;
            if (exception is AggregateException aggregate) exception = aggregate.GetBaseException();
            return exception is OperationCanceledException;
        }

        /// <summary>Writes one failure as a non-terminating error tied to its item (or stops, when the pipeline is stopping).</summary>
        internal void WriteFailure(Exception exception, object? target)
        {
            if (IsStopping(exception)) throw new PipelineStoppedException();
            WriteError(CreateErrorRecord(exception, target));
        }
    }

    /// <summary>The base of every cmdlet that calls ONE store through a connection: -Connection, or the session's default.</summary>
    public abstract class OneStoreConnectedCmdletBase : OneStoreCmdletBase
    {
        private OneStoreConnection? _connection;

        /// <summary>The connection to use; the session's default (from Connect-OneStore) when omitted.</summary>
        [Parameter]
        [ValidateNotNull]
        public OneStoreConnection? Connection { get; set; }

        /// <summary>The -Connection given, or the session's default; a terminating NotConnected error when there is none.</summary>
        internal OneStoreConnection GetConnection()
        {
            if (_connection != null) return _connection;
            OneStoreConnection? connection = Connection ?? ConnectionState.GetDefault();
            if (connection == null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("There is no connection to ONE store in this session. Run Connect-OneStore first, or pass -Connection."),
                    "NotConnected", ErrorCategory.ConnectionError, null));
            }
            _connection = connection;
            return connection!;
        }

    }

    /// <summary>
    /// The base of the per-item cmdlets: windowed concurrency. Each input item's request starts as soon as the item
    /// arrives; up to -ThrottleLimit requests are in flight; results come out in input order, each error tied to its
    /// item. ShouldProcess, WriteObject and WriteError are only called here on the pipeline thread.
    /// </summary>
    public abstract class OneStoreItemCmdletBase : OneStoreConnectedCmdletBase
    {
        /// <summary>
        /// 8 in-flight requests hide most of the network latency to ONE store (a lookup is a small request, so the
        /// round trip dominates) while staying far from anything that would look like abuse of an API without
        /// documented rate limits. 1 sends strictly one request at a time.
        /// </summary>
        public const int DefaultThrottleLimit = 8;

        private readonly Queue<PendingItem> _pending = new Queue<PendingItem>();
        private readonly System.Diagnostics.Stopwatch _sinceProgress = System.Diagnostics.Stopwatch.StartNew();
        private bool _progressShown;
        private long _done;
        private long _failed;

        /// <summary>How many requests may be in flight at once (1 = strictly one at a time).</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        /// <summary>
        /// Starts <paramref name="start"/> for one item and queues it; emits completed items at the head of the queue,
        /// and waits for the head while the window is full.
        /// </summary>
        internal void Enqueue(object? target, Func<CancellationToken, Task<object?>> start)
        {
            Task<object?> task;
            try
            {
                task = start(CancellationToken);
            }
            catch (Exception e)
            {
                task = Task.FromException<object?>(e);
            }
            _pending.Enqueue(new PendingItem(target, task));
            EmitCompleted();
            while (_pending.Count >= ThrottleLimit) EmitHead();
        }

        /// <summary>Writes an item that needs no request (in order, after the items before it).</summary>
        internal void EnqueueResult(object? target, object? result) =>
            Enqueue(target, _ => Task.FromResult(result));

        private void EmitCompleted()
        {
            FlushRequestLog();
            while (_pending.Count > 0 && _pending.Peek().Task.IsCompleted) EmitHead();
        }

        private void EmitHead()
        {
            PendingItem head = _pending.Peek();
            WaitFor(head.Task, spin: ThrottleLimit == 1);
            _pending.Dequeue();
            _done++;
            if (head.Task.Status == TaskStatus.RanToCompletion)
            {
                if (head.Task.Result != null) WriteObject(head.Task.Result);
            }
            else
            {
                _failed++;
                Exception failure = head.Task.Exception?.GetBaseException() ?? (Exception)new OperationCanceledException();
                WriteFailure(failure, head.Target);
            }
            ReportProgress();
        }

        /// <summary>
        /// Items done so far, at most a few times a second (pipeline input has no known total). Nothing is shown for
        /// runs shorter than a second, and $ProgressPreference silences it as usual.
        /// </summary>
        private void ReportProgress()
        {
            if (_sinceProgress.ElapsedMilliseconds < (_progressShown ? 250 : 1000)) return;
            _sinceProgress.Restart();
            _progressShown = true;
            WriteProgress(NewProgress(ProgressRecordType.Processing));
        }

        // A new record each time: hosts may keep the records they are given.
        private ProgressRecord NewProgress(ProgressRecordType type) =>
            new ProgressRecord(2, MyInvocation.MyCommand.Name, _failed == 0 ? $"{_done} item(s) done" : $"{_done} item(s) done, {_failed} failed")
            {
                RecordType = type,
            };

        protected override void EndProcessing()
        {
            while (_pending.Count > 0) EmitHead();
            FlushRequestLog();
            if (_progressShown) WriteProgress(NewProgress(ProgressRecordType.Completed));
        }

        private readonly struct PendingItem
        {
            public PendingItem(object? target, Task<object?> task)
            {
                Target = target;
                Task = task;
            }

            public object? Target { get; }
            public Task<object?> Task { get; }
        }
    }

    /// <summary>The per-item cmdlets that take a product id and a purchase token, from parameters or the pipeline.</summary>
    public abstract class OneStorePurchaseCmdletBase : OneStoreItemCmdletBase
    {
        /// <summary>The product id (the spec's productId, up to 150 characters).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        public string ProductId { get; set; } = null!;

        /// <summary>The purchase token (the spec's purchaseToken, up to 20 characters).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        public string PurchaseToken { get; set; } = null!;

        /// <summary>The whole pipeline object, kept only as the target of an error about it.</summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public PSObject? InputObject { get; set; }

        /// <summary>The input item: the pipeline object when there is one, else the purchase token.</summary>
        internal object? Target => InputObject != null ? (object)InputObject : PurchaseToken;

        /// <summary>Describes the item for ShouldProcess.</summary>
        internal string Describe() => $"purchase token '{PurchaseToken}' of product '{ProductId}'";

        protected override void ProcessRecord()
        {
            OneStoreConnection connection = GetConnection();
            object? target = Target;
            try
            {
                OneStoreInput.ValidateProductId(ProductId);
                OneStoreInput.ValidatePurchaseToken(PurchaseToken);
                ValidateItem();
            }
            catch (OneStoreApiException e)
            {
                // Keep the output order: the error is written after earlier items' results.
                Enqueue(target, _ => Task.FromException<object?>(e));
                return;
            }
            ProcessItem(connection, target);
            InputObject = null;
        }

        /// <summary>Extra checks of this cmdlet's own parameters, before ShouldProcess and before any request.</summary>
        internal virtual void ValidateItem()
        {
        }

        /// <summary>Asks ShouldProcess where the cmdlet changes something, then calls <see cref="OneStoreItemCmdletBase.Enqueue"/>.</summary>
        internal abstract void ProcessItem(OneStoreConnection connection, object? target);
    }
}
