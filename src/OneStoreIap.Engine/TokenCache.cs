using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// Access tokens shared by every connection in the process, keyed by (scheme, host and port, clientId, market):
    /// the spec's tokens are per environment (host) and app, and the market header is part of the token request.
    /// A thousand calls make one token request, not a thousand.
    /// </summary>
    internal sealed class TokenCache
    {
        public static readonly TokenCache Shared = new TokenCache();

        private readonly ConcurrentDictionary<string, TokenSlot> _slots = new ConcurrentDictionary<string, TokenSlot>(StringComparer.Ordinal);

        public TokenSlot GetSlot(Uri baseUri, string clientId, string marketCode)
        {
            string key = baseUri.GetLeftPart(UriPartial.Authority).ToLowerInvariant() + "|" + clientId + "|" + marketCode;
            return _slots.GetOrAdd(key, _ => new TokenSlot());
        }
    }

    /// <summary>One cached token with single-flight renewal: however many callers find it stale, one request is made.</summary>
    internal sealed class TokenSlot
    {
        private readonly object _gate = new object();
        private volatile AccessTokenInfo? _current;
        private Task<AccessTokenInfo>? _pending;

        public AccessTokenInfo? Current
        {
            get { lock (_gate) return _current; }
        }

        /// <summary>The cached token when it needs no renewal yet (no lock, no allocation: the path of almost every call).</summary>
        public AccessTokenInfo? GetFresh(DateTimeOffset now)
        {
            AccessTokenInfo? current = _current;
            return current != null && now < current.RenewAfter ? current : null;
        }

        /// <summary>
        /// The cached token if it is not due for renewal at <paramref name="now"/>; otherwise the result of one shared
        /// call of <paramref name="issue"/>. The shared request is not cancelled when one waiting caller gives up
        /// (others may still wait for it); each caller's wait is cancellable.
        /// </summary>
        public Task<AccessTokenInfo> GetAsync(Func<Task<AccessTokenInfo>> issue, DateTimeOffset now, CancellationToken cancellationToken)
        {
            Task<AccessTokenInfo> pending;
            lock (_gate)
            {
                AccessTokenInfo? fresh = GetFresh(now);
                if (fresh != null) return Task.FromResult(fresh);
                if (_pending == null)
                {
                    _pending = RunAsync(issue);
                }
                pending = _pending;
            }
            return pending.WaitAsync(cancellationToken);
        }

        private async Task<AccessTokenInfo> RunAsync(Func<Task<AccessTokenInfo>> issue)
        {
            // Yield first so the lock in GetAsync is released before the request starts.
            await Task.Yield();
            try
            {
                AccessTokenInfo token = await issue().ConfigureAwait(false);
                lock (_gate) _current = token;
                return token;
            }
            finally
            {
                lock (_gate) _pending = null;
            }
        }

        /// <summary>Stores a token obtained outside the single-flight path (at connect).</summary>
        public void Store(AccessTokenInfo token)
        {
            lock (_gate) _current = token;
        }

        /// <summary>Forgets <paramref name="stale"/> if it is still the cached token (the server refused it).</summary>
        public void Invalidate(AccessTokenInfo stale)
        {
            lock (_gate)
            {
                if (ReferenceEquals(_current, stale)) _current = null;
            }
        }
    }

    internal static class TaskExtensions
    {
        /// <summary>Waits for <paramref name="task"/> unless <paramref name="cancellationToken"/> fires first.</summary>
        public static async Task<T> WaitAsync<T>(this Task<T> task, CancellationToken cancellationToken)
        {
            if (!cancellationToken.CanBeCanceled || task.IsCompleted) return await task.ConfigureAwait(false);
            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(static state => ((TaskCompletionSource<bool>)state!).TrySetResult(true), cancelled))
            {
                if (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) != task)
                {
                    // Observe the abandoned task's failure so it is not reported as unobserved.
                    _ = task.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
                    throw new OperationCanceledException(cancellationToken);
                }
            }
            return await task.ConfigureAwait(false);
        }
    }
}
