using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>The control API under /_emulator (docs/emulator.md).</summary>
    internal sealed class ControlHandler
    {
        private readonly OneStoreEmulator owner;
        private readonly EmulatorState state;
        private readonly VirtualClock clock;
        private readonly FaultSet faults;
        private readonly Counters counters;
        private readonly RequestLog log;
        private readonly TokenStore tokens;

        public ControlHandler(OneStoreEmulator owner, EmulatorState state, VirtualClock clock, FaultSet faults, Counters counters, RequestLog log, TokenStore tokens)
        {
            this.owner = owner;
            this.state = state;
            this.clock = clock;
            this.faults = faults;
            this.counters = counters;
            this.log = log;
            this.tokens = tokens;
        }

        public EmulatorResponse Handle(string method, Target target, byte[] body)
        {
            var s = target.Segments!;
            var path = string.Join("/", s, 1, s.Length - 1);
            try
            {
                switch (method, path)
                {
                    case ("GET", "health"):
                        return Ok(w => { w.WriteString("status", "ok"); w.WriteNumber("nowMillis", clock.NowMillis); });
                    case ("POST", "reset"):
                        Fields.Check(Object(body), "a reset", Fields.None);
                        owner.Reset();
                        return Ok(w => w.WriteString("status", "reset"));
                    case ("POST", "apps"):
                        return AddApp(body);
                    case ("POST", "products"):
                        return AddProduct(body);
                    case ("POST", "purchases"):
                        return AddPurchase(body);
                    case ("POST", "purchases/bulk"):
                        return AddBulk(body);
                    case ("GET", "clock"):
                        return Ok(w => { w.WriteNumber("nowMillis", clock.NowMillis); w.WriteNumber("offsetMillis", clock.OffsetMillis); });
                    case ("POST", "clock/advance"):
                        return Advance(body);
                    case ("POST", "faults"):
                    {
                        var fault = Object(body);
                        Fields.Check(fault, "a fault", Fields.Fault);
                        var id = faults.Add(fault);
                        return Ok(w => w.WriteNumber("id", id));
                    }
                    case ("DELETE", "faults"):
                        Fields.Check(Object(body), "a fault removal", Fields.None);
                        faults.Clear();
                        owner.Notifications.ClearFaults();
                        return Ok(w => w.WriteString("status", "cleared"));
                    case ("GET", "faults"):
                        return ListFaults();
                    case ("GET", "counters"):
                        return Counters();
                    case ("POST", "counters/reset"):
                        Fields.Check(Object(body), "a counter reset", Fields.None);
                        counters.Reset();
                        return Ok(w => w.WriteString("status", "reset"));
                    case ("GET", "requests"):
                        return Requests(target);
                    case ("GET", "tokens"):
                        return Tokens();
                }
                if (PnsControl.Handle(owner, state, method, s, body) is EmulatorResponse pns) return pns;
                if (s.Length == 3 && s[1] == "purchases" && method == "GET") return GetPurchase(s[2]);
                if (s.Length == 4 && s[1] == "purchases" && s[3] == "void" && method == "POST") return VoidPurchase(s[2], body);
                return Error(404, "ResourceNotFound", "No control route " + method + " /_emulator/" + path + ".");
            }
            catch (SeedException e)
            {
                return Error(400, "BadRequest", e.Message);
            }
            catch (JsonException e)
            {
                return Error(400, "BadRequest", "The body is not valid JSON: " + e.Message);
            }
        }

        internal static JsonElement Object(byte[] body)
        {
            if (body.Length == 0) return JsonDocument.Parse("{}").RootElement;
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new SeedException("The body must be a JSON object.");
            return doc.RootElement.Clone();
        }

        private EmulatorResponse AddApp(byte[] body)
        {
            var app = Seed.ParseApp(Object(body));
            if (app.PrivateKey != null) owner.Keys.Put(app.ClientId, app.PrivateKey);
            lock (state.Gate) state.PutApp(app);
            return Ok(w => WriteApp(w, app));
        }

        private static void WriteApp(Utf8JsonWriter w, AppInfo app)
        {
            w.WriteString("clientId", app.ClientId);
            w.WriteStartArray("markets");
            foreach (var m in app.Markets) w.WriteStringValue(m);
            w.WriteEndArray();
            w.WriteBoolean("blocked", app.Blocked);
        }

        private EmulatorResponse AddProduct(byte[] body)
        {
            var e = Object(body);
            ProductInfo product;
            lock (state.Gate)
            {
                product = Seed.ParseProduct(e, state);
                state.PutProduct(product);
            }
            return Ok(w =>
            {
                w.WriteString("clientId", product.ClientId);
                w.WriteString("productId", product.ProductId);
                w.WriteString("type", ProductTypes.Name(product.Type));
            });
        }

        private EmulatorResponse AddPurchase(byte[] body)
        {
            var e = Object(body);
            var now = clock.NowMillis;
            Purchase copy;
            lock (state.Gate)
            {
                state.Sweep(now);
                var p = state.Add(Seed.BuildPurchase(e, now, state));
                if (!p.IsVoided) owner.PurchaseCompleted(p);
                state.Sweep(now);
                copy = p.Clone();
            }
            return Ok(w => { WritePurchase(w, copy, now); Receipts.Write(w, copy, owner.Keys); });
        }

        private EmulatorResponse AddBulk(byte[] body)
        {
            var e = Object(body);
            var now = clock.NowMillis;
            var count = Seed.Long(e, "count") ?? 0;
            var tokenList = count <= 10_000 ? new List<string>((int)Math.Max(0, count)) : null;
            int added;
            lock (state.Gate)
            {
                state.Sweep(now);
                added = Seed.Bulk(e, now, state, tokenList);
                state.Sweep(now);
            }
            return Ok(w =>
            {
                w.WriteNumber("count", added);
                if (tokenList != null)
                {
                    w.WriteStartArray("purchaseTokens");
                    foreach (var t in tokenList) w.WriteStringValue(t);
                    w.WriteEndArray();
                }
            });
        }

        private EmulatorResponse GetPurchase(string token)
        {
            var now = clock.NowMillis;
            Purchase copy;
            lock (state.Gate)
            {
                state.Sweep(now);
                var p = state.FindPurchase(token);
                if (p == null) return Error(404, "NoSuchData", "No purchase with token '" + token + "'.");
                copy = p.Clone();
            }
            return Ok(w => { WritePurchase(w, copy, now); Receipts.Write(w, copy, owner.Keys); });
        }

        private EmulatorResponse VoidPurchase(string token, byte[] body)
        {
            var e = Object(body);
            Fields.Check(e, "a void", Fields.Void);
            var now = clock.NowMillis;
            var voidedTime = Seed.TimeValue(e, "voidedTime", now) ?? now;
            Purchase copy;
            lock (state.Gate)
            {
                state.Sweep(now);
                var p = state.FindPurchase(token);
                if (p == null) return Error(404, "NoSuchData", "No purchase with token '" + token + "'.");
                if (p.IsVoided) return Error(409, "Conflict", "The purchase is voided already.");
                state.Void(p, voidedTime);
                p.ChangeCount++;
                copy = p.Clone();
            }
            return Ok(w => { WritePurchase(w, copy, now); Receipts.Write(w, copy, owner.Keys); });
        }

        private EmulatorResponse Advance(byte[] body)
        {
            var e = Object(body);
            Fields.Check(e, "a clock advance", Fields.Advance);
            var millis = (Seed.Long(e, "days") ?? 0) * Time.Day + (Seed.Long(e, "hours") ?? 0) * Time.Hour + (Seed.Long(e, "minutes") ?? 0) * Time.Minute +
                         (Seed.Long(e, "seconds") ?? 0) * Time.Second + (Seed.Long(e, "milliseconds") ?? 0);
            if (millis < 0) return Error(400, "BadRequest", "The clock only moves forward.");
            clock.Advance(millis);
            return Ok(w => { w.WriteNumber("nowMillis", clock.NowMillis); w.WriteNumber("offsetMillis", clock.OffsetMillis); });
        }

        private EmulatorResponse ListFaults()
        {
            var list = faults.Current;
            return Ok(w =>
            {
                w.WriteStartArray("faults");
                foreach (var f in list)
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", f.Id);
                    w.WriteString("route", f.Route ?? "*");
                    w.WriteNullableString("method", f.Method);
                    w.WriteNullableNumber("status", f.Status);
                    w.WriteNullableString("code", f.Code);
                    if (f.Remaining >= 0) w.WriteNumber("remaining", System.Threading.Interlocked.Read(ref f.Remaining));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
        }

        private EmulatorResponse Counters()
        {
            return Ok(w =>
            {
                w.WriteNumber("totalRequests", counters.Total);
                w.WriteNumber("tokenRequests", counters.RouteCount(0));
                w.WriteStartObject("routes");
                for (var i = 0; i < Internal.Counters.RouteNames.Length; i++) w.WriteNumber(Internal.Counters.RouteNames[i], counters.RouteCount(i));
                w.WriteEndObject();
                w.WriteNumber("inFlight", counters.InFlight);
                w.WriteNumber("peakInFlight", counters.PeakInFlight);
                w.WriteNumber("faultsInjected", counters.FaultsInjected);
                w.WriteNumber("faultReplies", counters.FaultReplies);
                w.WriteNumber("connectionsDropped", counters.ConnectionsDropped);
            });
        }

        private EmulatorResponse Requests(Target target)
        {
            var query = Target.ParseForm(target.RawQuery) ?? new Dictionary<string, string>();
            var last = 100;
            if (query.TryGetValue("last", out var text) && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out last) || last < 1))
            {
                return Error(400, "BadRequest", "'last' must be a positive integer.");
            }
            var entries = log.Last(last);
            return Ok(w =>
            {
                w.WriteStartArray("requests");
                foreach (var r in entries)
                {
                    w.WriteStartObject();
                    w.WriteNumber("timeMillis", r.TimeMillis);
                    w.WriteString("method", r.Method);
                    w.WriteNullableString("route", r.Route);
                    w.WriteString("path", r.RawPath);
                    if (r.Segments != null)
                    {
                        w.WriteStartArray("segments");
                        foreach (var seg in r.Segments) w.WriteStringValue(seg);
                        w.WriteEndArray();
                    }
                    else
                    {
                        w.WriteNull("segments");
                    }
                    w.WriteString("query", r.Query);
                    w.WriteStartObject("headers");
                    w.WriteNullableString("authorization", r.Authorization);
                    w.WriteNullableString("contentType", r.ContentType);
                    w.WriteNullableString("xMarketCode", r.MarketCode);
                    w.WriteEndObject();
                    w.WriteNullableString("body", r.Body);
                    w.WriteNumber("status", r.Status);
                    w.WriteNullableString("code", r.Code);
                    w.WriteNumber("durationMs", Math.Round(r.DurationMs, 3));
                    w.WriteBoolean("fault", r.Fault);
                    w.WriteBoolean("dropped", r.Dropped);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
        }

        private EmulatorResponse Tokens()
        {
            var list = tokens.Snapshot();
            var now = clock.NowMillis;
            return Ok(w =>
            {
                w.WriteStartArray("tokens");
                foreach (var t in list)
                {
                    w.WriteStartObject();
                    w.WriteString("accessToken", t.Value);
                    w.WriteString("clientId", t.ClientId);
                    w.WriteString("marketCode", t.MarketCode);
                    w.WriteNumber("issuedMillis", t.IssuedAt);
                    w.WriteNumber("expiresMillis", t.ExpiresAt);
                    w.WriteBoolean("expired", now >= t.ExpiresAt);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
        }

        /// <summary>The whole state of a purchase, as the control API shows it.</summary>
        internal static void WritePurchase(Utf8JsonWriter w, Purchase p, long now)
        {
            w.WriteString("clientId", p.ClientId);
            w.WriteString("productId", p.ProductId);
            w.WriteString("type", ProductTypes.Name(p.Type));
            w.WriteString("marketCode", p.MarketCode);
            w.WriteString("purchaseToken", p.PurchaseToken);
            w.WriteString("purchaseId", p.PurchaseId);
            w.WriteString("orderId", p.OrderId);
            w.WriteNullableString("developerPayload", p.DeveloperPayload);
            w.WriteNumber("quantity", p.Quantity);
            w.WriteNumber("purchaseTime", p.PurchaseTime);
            w.WriteNumber("purchaseState", p.PurchaseState);
            w.WriteNumber("acknowledgeState", p.AcknowledgeState);
            w.WriteNumber("consumptionState", p.ConsumptionState);
            w.WriteBoolean("voided", p.IsVoided);
            w.WriteNullableNumber("voidedTime", p.VoidedTime);
            w.WriteBoolean("autoCancelled", p.AutoCancelled);
            w.WriteBoolean("unconfirmed", p.IsUnconfirmed);
            if (p.Type != ProductType.Inapp)
            {
                w.WriteNumber("startTime", p.StartTime);
                w.WriteNumber("expiryTime", p.ExpiryTime);
                w.WriteNullableNumber("nextPaymentTime", p.NextPaymentTime);
                w.WriteBoolean("autoRenewing", p.AutoRenewing);
                w.WriteNullableNumber("cancelReason", p.CancelReason);
                w.WriteNullableNumber("cancelledTime", p.CancelledTime);
                w.WriteNullableString("lastPurchaseId", p.LastPurchaseId);
                w.WriteNumber("lastPurchaseState", p.LastPurchaseState);
                w.WriteBoolean("immediatelyCancelled", p.ImmediatelyCancelled);
            }
            if (p.Type == ProductType.Subscription)
            {
                w.WriteNullableNumber("paymentState", now > p.ExpiryTime ? null : p.PaymentState);
                w.WriteBoolean("paused", p.IsPaused(now));
                w.WriteNullableNumber("pauseStartTime", p.PauseStartTime);
                w.WriteNullableNumber("pauseEndTime", p.PauseEndTime);
                w.WriteNullableNumber("autoResumeTime", p.AutoResumeTime);
                w.WriteNullableString("priceAmount", p.PriceAmount);
                w.WriteNullableString("priceCurrencyCode", p.PriceCurrencyCode);
                w.WriteNullableString("linkedPurchaseToken", p.LinkedPurchaseToken);
            }
            w.WriteNumber("consumeCount", p.ConsumeCount);
            w.WriteNumber("acknowledgeCount", p.AcknowledgeCount);
            w.WriteNumber("changeCount", p.ChangeCount);
        }

        internal static EmulatorResponse Ok(Action<Utf8JsonWriter> members) =>
            Json.Response(200, Json.Write(w =>
            {
                w.WriteStartObject();
                members(w);
                w.WriteEndObject();
            }));

        private static EmulatorResponse Error(int status, string code, string message) => Json.Error(status, code, message);
    }
}
