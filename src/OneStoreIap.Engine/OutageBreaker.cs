using System;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// A connection's circuit breaker: after <c>threshold</c> transient failures in a row (503, 5xx, 429, network,
    /// timeout: the server looks down), attempts are held back for <c>breakDuration</c>, failing at once without being
    /// sent; then one attempt (the trial) goes through: its success closes the circuit, its failure holds requests back
    /// again. Any reply from a server that is up (a success, or an answer such as NoSuchData) resets the count.
    /// </summary>
    /// <remarks>
    /// Counted per attempt, not per call, and in a row, not as a ratio over a window: a ratio breaker (Polly's) would
    /// need thousands of failures to open after thousands of successes, and an outage is exactly a run of failures.
    /// </remarks>
    internal sealed class OutageBreaker
    {
        private readonly object _gate = new object();
        private readonly int _threshold;
        private readonly TimeSpan _breakDuration;
        private readonly TimeProvider _time;
        private int _inARow;
        private bool _open;
        private bool _trialInFlight;
        private DateTimeOffset _openUntil;

        public OutageBreaker(int threshold, TimeSpan breakDuration, TimeProvider time)
        {
            _threshold = Math.Max(2, threshold);
            _breakDuration = breakDuration;
            _time = time;
        }

        public int Threshold => _threshold;

        /// <summary>How many times the circuit has opened.</summary>
        public long Openings { get; private set; }

        /// <summary>The code of the failure that opened it last.</summary>
        public string? LastFailure { get; private set; }

        /// <summary>Null when an attempt may go now (perhaps as the trial); otherwise how long requests are still held back.</summary>
        public TimeSpan? Admit(out bool trial)
        {
            trial = false;
            lock (_gate)
            {
                if (!_open) return null;
                DateTimeOffset now = _time.GetUtcNow();
                if (_trialInFlight) return _breakDuration;
                if (now < _openUntil) return _openUntil - now;
                _trialInFlight = true;
                trial = true;
                return null;
            }
        }

        /// <summary>The server answered (a success, or an answer of a server that is up).</summary>
        public void Answered(bool trial)
        {
            lock (_gate)
            {
                _inARow = 0;
                if (trial || _open)
                {
                    _open = false;
                    _trialInFlight = false;
                }
            }
        }

        /// <summary>An attempt failed the way a server that is down fails.</summary>
        public void Failed(bool trial, string code)
        {
            lock (_gate)
            {
                if (trial)
                {
                    _trialInFlight = false;
                    _openUntil = _time.GetUtcNow() + _breakDuration;
                    return;
                }
                if (_open) return;
                if (++_inARow >= _threshold)
                {
                    _open = true;
                    _openUntil = _time.GetUtcNow() + _breakDuration;
                    Openings++;
                    LastFailure = code;
                }
            }
        }

        /// <summary>An attempt ended without telling anything (cancelled): a trial's turn passes to the next attempt.</summary>
        public void Abandoned(bool trial)
        {
            if (!trial) return;
            lock (_gate) _trialInFlight = false;
        }
    }
}
