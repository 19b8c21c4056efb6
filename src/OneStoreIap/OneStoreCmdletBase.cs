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
    /// The root of every cmdlet of the module (API, connection and emulator cmdlets alike): the views, the cancellation
    /// source that StopProcessing (Ctrl+C) cancels and that Dispose releases, the wait on the pipeline thread, verbose
    /// request logging, and the one place where an engine failure becomes an ErrorRecord. Every Write* call happens on
    /// the pipeline thread.
    /// </summary>
    public abstract class OneStoreCmdletBase : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();
        private readonly CancellationToken _cancellationToken;
        private readonly ConcurrentQueue<OneStoreRequestLog> _requestLog = new ConcurrentQueue<OneStoreRequestLog>();
        private readonly System.Diagnostics.Stopwatch _sinceProgress = System.Diagnostics.Stopwatch.StartNew();
        private bool _verbose;
        private bool _disposed;

        protected OneStoreCmdletBase()
        {
            // Kept apart from the source: requests still in flight when the pipeline ends may read it after Dispose.
            _cancellationToken = _cancellation.Token;
        }

        protected CancellationToken CancellationToken => _cancellationToken;

        /// <summary>The log callback to hand to the engine: null when verbose output is off.</summary>
        internal Action<OneStoreRequestLog>? RequestLog { get; private set; }

        protected override void BeginProcessing()
        {
            ModuleViews.Ensure(this);
            _verbose = IsVerboseEnabled();
            if (_verbose) RequestLog = _requestLog.Enqueue;
        }

        protected override void StopProcessing()
        {
            lock (_cancellation)
            {
                if (!_disposed) _cancellation.Cancel();
            }
        }

        /// <summary>Called by PowerShell when the pipeline is done, however it ended.</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases what the cmdlet holds; overrides call the base last.</summary>
        protected virtual void Dispose(bool disposing)
        {
            if (!disposing) return;
            lock (_cancellation)
            {
                if (_disposed) return;
                _disposed = true;
                _cancellation.Dispose();
            }
        }

        private bool IsVerboseEnabled()
        {
            if (MyInvocation.BoundParameters.TryGetValue("Verbose", out object? verbose))
                return verbose is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(verbose);
            object? preference = GetVariableValue("VerbosePreference");
            if (preference is ActionPreference p) return p != ActionPreference.SilentlyContinue && p != ActionPreference.Ignore;
            return preference != null && Enum.TryParse(preference.ToString(), true, out ActionPreference parsed)
                && parsed != ActionPreference.SilentlyContinue && parsed != ActionPreference.Ignore;
        }

        /// <summary>
        /// Whether a progress record is due: at most a few times a second, and nothing for runs shorter than a second
        /// (a console renders every record it gets). $ProgressPreference silences progress as usual.
        /// </summary>
        internal bool ProgressDue()
        {
            if (_sinceProgress.ElapsedMilliseconds < (ProgressShown ? 250 : 1000)) return false;
            _sinceProgress.Restart();
            ProgressShown = true;
            return true;
        }

        /// <summary>Whether a progress record was written (then a Completed record ends it).</summary>
        internal bool ProgressShown { get; private set; }

        /// <summary>Writes the engine's request log as verbose output (method, route, status, duration; never a token).</summary>
        protected void FlushRequestLog()
        {
            while (_requestLog.TryDequeue(out OneStoreRequestLog? entry))
            {
                if (_verbose) WriteVerbose(entry.ToString());
            }
        }

        /// <summary>Stops the pipeline thread's execution context from flowing into requests (see <see cref="OrderedRequestWindow.SuppressContextFlow"/>).</summary>
        internal static AsyncFlowControl? SuppressContextFlow() => OrderedRequestWindow.SuppressContextFlow();

        /// <summary>Waits on the pipeline thread for <paramref name="task"/>, writing verbose output meanwhile; Ctrl+C stops the wait at once.</summary>
        protected void WaitFor(Task task)
        {
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
                        done.Wait(250, _cancellationToken);
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
            if (!_cancellationToken.IsCancellationRequested) return false;
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
}
