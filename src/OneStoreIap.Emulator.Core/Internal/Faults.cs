using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace OneStoreIap.Emulator.Internal
{
    internal enum FaultDrop
    {
        None,
        Before,
        After,
    }

    /// <summary>One injected fault (see docs/emulator.md, "faults").</summary>
    internal sealed class Fault
    {
        public int Id;
        public string? Route;
        public string? Method;
        public int? Status;
        public string? Code;
        public string? Message;
        public byte[]? Body;
        public string? ContentType;
        public int? RetryAfterSeconds;
        public long Remaining = -1; // -1: no count limit
        public long Skip; // matching requests to let through before the fault starts firing
        public double? Rate;
        public Random? Random;
        public int LatencyMs;
        public int LatencyJitterMs;
        public FaultDrop Drop;

        public bool HasEffect => Status.HasValue || Body != null || Drop != FaultDrop.None;

        public bool Matches(string route, string method) =>
            (Route == null || Route == "*" || Route == route) && (Method == null || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase));

        /// <summary>Decides whether this fault fires for one matching request (consumes a count or draws the seeded random).</summary>
        public bool Fires()
        {
            if (Interlocked.Read(ref Skip) > 0 && Interlocked.Decrement(ref Skip) >= 0) return false;
            if (Rate.HasValue)
            {
                double draw;
                lock (Random!) draw = Random.NextDouble();
                if (draw >= Rate.Value) return false;
            }
            if (Remaining >= 0)
            {
                while (true)
                {
                    var left = Interlocked.Read(ref Remaining);
                    if (left <= 0) return false;
                    if (Interlocked.CompareExchange(ref Remaining, left - 1, left) == left) return true;
                }
            }
            return true;
        }

        public int DrawLatency()
        {
            if (LatencyJitterMs <= 0) return LatencyMs;
            int jitter;
            lock (Random!) jitter = Random.Next(0, LatencyJitterMs + 1);
            return LatencyMs + jitter;
        }

        public static Fault Parse(JsonElement e, int id)
        {
            var f = new Fault { Id = id };
            f.Route = Seed.String(e, "route");
            if (f.Route != null && f.Route != "*" && Array.IndexOf(Counters.RouteNames, f.Route) < 0)
            {
                throw new SeedException("Unknown route '" + f.Route + "'; use one of " + string.Join(", ", Counters.RouteNames) + " or *.");
            }
            f.Method = Seed.String(e, "method");
            f.Status = (int?)Seed.Long(e, "status");
            f.Code = Seed.String(e, "code");
            f.Message = Seed.String(e, "message");
            var body = Seed.String(e, "body");
            f.Body = body == null ? null : Encoding.UTF8.GetBytes(body);
            f.ContentType = Seed.String(e, "contentType");
            f.RetryAfterSeconds = (int?)Seed.Long(e, "retryAfter");
            var count = Seed.Long(e, "count");
            if (count.HasValue)
            {
                if (count.Value < 1) throw new SeedException("'count' must be at least 1.");
                f.Remaining = count.Value;
            }
            var skip = Seed.Long(e, "skip");
            if (skip.HasValue)
            {
                if (skip.Value < 0) throw new SeedException("'skip' must not be negative.");
                f.Skip = skip.Value;
            }
            f.Rate = Seed.Double(e, "rate");
            if (f.Rate.HasValue && (f.Rate.Value < 0 || f.Rate.Value > 1)) throw new SeedException("'rate' must be between 0 and 1.");
            var seed = Seed.Long(e, "seed");
            f.Random = seed.HasValue ? new Random((int)seed.Value) : new Random();
            f.LatencyMs = (int)(Seed.Long(e, "latencyMs") ?? 0);
            f.LatencyJitterMs = (int)(Seed.Long(e, "latencyJitterMs") ?? 0);
            if (f.LatencyMs < 0 || f.LatencyJitterMs < 0) throw new SeedException("Latencies must not be negative.");
            var drop = Seed.String(e, "drop");
            f.Drop = drop switch
            {
                null => FaultDrop.None,
                "before" => FaultDrop.Before,
                "after" => FaultDrop.After,
                _ => throw new SeedException("'drop' must be \"before\" or \"after\"."),
            };
            if (f.Code != null && !f.Status.HasValue)
            {
                if (!Codes.IsKnown(f.Code)) throw new SeedException("'status' is required with a code the spec does not define.");
                f.Status = Codes.StatusOf(f.Code);
            }
            if (f.Body != null && !f.Status.HasValue) f.Status = 200;
            if (f.Status.HasValue && (f.Status.Value < 100 || f.Status.Value > 599)) throw new SeedException("'status' must be an HTTP status.");
            if (!f.HasEffect && f.LatencyMs == 0 && f.LatencyJitterMs == 0) throw new SeedException("A fault needs status, code, body, drop or latency.");
            return f;
        }

        /// <summary>The reply of a status/body fault.</summary>
        public EmulatorResponse Respond(string route)
        {
            var headers = RetryAfterSeconds.HasValue
                ? new[] { new KeyValuePair<string, string>("Retry-After", RetryAfterSeconds.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)) }
                : Array.Empty<KeyValuePair<string, string>>();
            var status = Status!.Value;
            if (Body != null)
            {
                return new EmulatorResponse { Status = status, ContentType = ContentType ?? Json.ContentType, Body = Body, Headers = headers, Route = route, ErrorCode = Code };
            }
            var code = Code ?? Codes.CodeForStatus(status);
            if (code == null)
            {
                // A status the API never sends itself (429, 502, 504): what a gateway in front of it would answer.
                var html = Json.Html(status, status + " Error", "The server could not complete the request.", route);
                return new EmulatorResponse { Status = status, ContentType = html.ContentType, Body = html.Body, Headers = headers, Route = route };
            }
            var error = Json.Error(status, code, Message ?? Codes.MessageOf(code), route);
            return new EmulatorResponse { Status = status, ContentType = error.ContentType, Body = error.Body, Headers = headers, Route = route, ErrorCode = code };
        }
    }

    /// <summary>The active faults: copy-on-write, so matching needs no lock.</summary>
    internal sealed class FaultSet
    {
        private Fault[] faults = Array.Empty<Fault>();
        private int nextId;
        private readonly object gate = new();

        public bool IsEmpty => Volatile.Read(ref faults).Length == 0;

        public int Add(JsonElement e)
        {
            lock (gate)
            {
                var fault = Fault.Parse(e, ++nextId);
                var copy = new Fault[faults.Length + 1];
                faults.CopyTo(copy, 0);
                copy[faults.Length] = fault;
                Volatile.Write(ref faults, copy);
                return fault.Id;
            }
        }

        public void Clear()
        {
            lock (gate) Volatile.Write(ref faults, Array.Empty<Fault>());
        }

        public Fault[] Current => Volatile.Read(ref faults);

        /// <summary>Every fault that fires for this request adds its latency; the first with an effect decides the effect.</summary>
        public (int LatencyMs, Fault? Effect, bool Fired) Evaluate(string route, string method)
        {
            var list = Volatile.Read(ref faults);
            var latency = 0;
            Fault? effect = null;
            var fired = false;
            foreach (var f in list)
            {
                if (!f.Matches(route, method)) continue;
                if (f.HasEffect && effect != null) continue; // leave its count for a later request
                if (!f.Fires()) continue;
                fired = true;
                latency += f.DrawLatency();
                if (f.HasEffect) effect = f;
            }
            return (latency, effect, fired);
        }
    }
}
