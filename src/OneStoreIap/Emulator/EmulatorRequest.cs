using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Net.Http;
using System.Text.RegularExpressions;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>One API request as the emulator logged it (Get-OneStoreEmulatorRequest); the token and any client secret show masked.</summary>
    public sealed class EmulatorRequest
    {
        /// <summary>When it came, on the emulator's virtual clock (UTC).</summary>
        public DateTimeOffset Time { get; set; }
        public string? Method { get; set; }

        /// <summary>The spec operation it reached (issueToken, getPurchaseDetails, ...); empty for a path no route serves.</summary>
        public string? Route { get; set; }
        public string? Path { get; set; }
        public string? Query { get; set; }

        /// <summary>The Authorization header, the token masked (<c>Bearer ***</c>).</summary>
        public string? Authorization { get; set; }
        public string? ContentType { get; set; }

        /// <summary>The x-market-code header.</summary>
        public string? MarketCode { get; set; }

        /// <summary>The request body (a client_secret masked).</summary>
        public string? Body { get; set; }

        /// <summary>The HTTP status of the reply.</summary>
        public int StatusCode { get; set; }

        /// <summary>The spec's error code of the reply, when it was an error.</summary>
        public string? Code { get; set; }
        public double DurationMs { get; set; }

        /// <summary>True when a fault fired for it.</summary>
        public bool Fault { get; set; }

        /// <summary>True when a fault dropped its connection.</summary>
        public bool Dropped { get; set; }

        public override string ToString() => Method + " " + Path + " -> " + StatusCode.ToString(CultureInfo.InvariantCulture);

        internal static EmulatorRequest From(JsonTreeObject tree)
        {
            var request = new EmulatorRequest();
            foreach (KeyValuePair<string, object?> p in tree.Properties)
            {
                switch (p.Key)
                {
                    case "timeMillis" when p.Value is long t: request.Time = DateTimeOffset.FromUnixTimeMilliseconds(t); break;
                    case "method": request.Method = p.Value as string; break;
                    case "route": request.Route = p.Value as string; break;
                    case "path": request.Path = p.Value as string; break;
                    case "query": request.Query = p.Value as string; break;
                    case "body": request.Body = p.Value as string; break;
                    case "status" when p.Value is long s: request.StatusCode = (int)s; break;
                    case "code": request.Code = p.Value as string; break;
                    case "durationMs" when p.Value is long ms: request.DurationMs = ms; break;
                    case "durationMs" when p.Value is decimal dms: request.DurationMs = (double)dms; break;
                    case "fault" when p.Value is bool f: request.Fault = f; break;
                    case "dropped" when p.Value is bool d: request.Dropped = d; break;
                    case "headers" when p.Value is JsonTreeObject headers:
                        request.Authorization = headers["authorization"] as string;
                        request.ContentType = headers["contentType"] as string;
                        request.MarketCode = headers["xMarketCode"] as string;
                        break;
                }
            }
            return request;
        }
    }
}
