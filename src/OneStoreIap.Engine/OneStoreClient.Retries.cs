using System;
using System.Threading;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;

namespace OneStoreIap.Engine
{
    // Retries: one Polly pipeline that every attempt of every call (token requests included) runs through.
    public sealed partial class OneStoreClient
    {
        /// <summary>
        /// The retry pipeline around every attempt (Polly): transient failures only (503, 500, 502, 504, 429, network
        /// failures and per-attempt timeouts, as <see cref="OneStoreApiException.IsTransient"/> says), up to
        /// MaxRetryCount times, waiting base delay x 2^n with jitter, capped at RetryMaxDelay; a Retry-After from the
        /// server is honoured within the same cap. Waits run on the connection's TimeProvider, so tests use a fake clock,
        /// and are cancelled by the caller's token (Ctrl+C).
        /// </summary>
        private ResiliencePipeline BuildRetryPipeline(OneStoreClientOptions options)
        {
            var builder = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider };
            if (options.MaxRetryCount > 0)
            {
                TimeSpan maxDelay = options.RetryMaxDelay > TimeSpan.Zero ? options.RetryMaxDelay : TimeSpan.FromSeconds(30);
                builder.AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<OneStoreApiException>(e => e.IsTransient),
                    MaxRetryAttempts = options.MaxRetryCount,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.RetryBaseDelay,
                    MaxDelay = maxDelay,
                    DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfterDelay(args.Outcome.Exception, maxDelay)),
                    OnRetry = _ =>
                    {
                        Interlocked.Increment(ref _retries);
                        return default;
                    },
                });
            }
            return builder.Build();
        }

        /// <summary>How many times this connection has held requests back because the server kept failing.</summary>
        public long CircuitOpenCount => _breaker?.Openings ?? 0;

        /// <summary>The failure of an attempt the open circuit held back: not sent, so not applied.</summary>
        private OneStoreApiException HeldBack(TimeSpan remaining)
        {
            return new OneStoreApiException(OneStoreErrorKind.Network, OneStoreErrorCodes.CircuitOpen,
                $"Not sent: the last {_breaker!.Threshold} requests of this connection to ONE store all failed" +
                (_breaker.LastFailure != null ? $" ({_breaker.LastFailure})" : "") +
                $", so it holds requests back for about {Math.Max(1, Math.Ceiling(remaining.TotalSeconds))} s more, then tries one again. " +
                "ONE store looks down; try again later (Connect-OneStore -BreakAfterFailures and -BreakDurationSec set this).");
        }

        /// <summary>One attempt through the breaker (when there is one): held back while it is open, and counted.</summary>
        private async Task<byte[]> AttemptAsync(CallState call, AccessTokenInfo? token, CancellationToken cancellationToken)
        {
            if (_breaker == null) return await SendOnceAsync(call, token, cancellationToken).ConfigureAwait(false);
            if (_breaker.Admit(out bool trial) is TimeSpan remaining) throw HeldBack(remaining);
            try
            {
                byte[] body = await SendOnceAsync(call, token, cancellationToken).ConfigureAwait(false);
                _breaker.Answered(trial);
                return body;
            }
            catch (OneStoreApiException e) when (e.Kind == OneStoreErrorKind.Network || e.Kind == OneStoreErrorKind.Timeout || e.HttpStatus is 500 or 502 or 503 or 504 or 429)
            {
                _breaker.Failed(trial, e.Code);
                throw;
            }
            catch (OneStoreApiException)
            {
                _breaker.Answered(trial);
                throw;
            }
            catch
            {
                _breaker.Abandoned(trial);
                throw;
            }
        }

        /// <summary>What the server's Retry-After asks, within the longest wait we accept; null lets the backoff decide.</summary>
        internal static TimeSpan? RetryAfterDelay(Exception? failure, TimeSpan maxDelay) =>
            failure is OneStoreApiException { RetryAfter: TimeSpan after } ? (after < maxDelay ? after : maxDelay) : null;

        /// <summary>
        /// Every attempt of <paramref name="call"/>, the first one included, through the retry pipeline
        /// (<see cref="AttemptAsync"/> is one attempt, through the breaker). The state is passed as a value tuple to Polly's static
        /// callback, so no closure is allocated.
        /// </summary>
        private Task<byte[]> WithRetriesAsync(CallState call, AccessTokenInfo? token, CancellationToken cancellationToken) =>
            _retry.ExecuteAsync(
                static (state, ct) => new ValueTask<byte[]>(state.Client.AttemptAsync(state.Call, state.Token, ct)),
                (Client: this, Call: call, Token: token), cancellationToken).AsTask();
    }
}
