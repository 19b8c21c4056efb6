using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>The spec's rules for the 13 ONE store operations.</summary>
    internal sealed class ApiHandler
    {
        private const int ClientIdSize = 128;
        private const int ProductIdSize = 150;
        private const int PurchaseTokenSize = 20;
        private const int DefaultMaxResults = 100;

        private readonly EmulatorState state;
        private readonly TokenStore tokens;
        private readonly VirtualClock clock;
        private readonly long tokenLifetimeMillis;
        private readonly bool sandbox;

        public ApiHandler(EmulatorState state, TokenStore tokens, VirtualClock clock, long tokenLifetimeMillis, bool sandbox)
        {
            this.state = state;
            this.tokens = tokens;
            this.clock = clock;
            this.tokenLifetimeMillis = tokenLifetimeMillis;
            this.sandbox = sandbox;
        }

        public EmulatorResponse Handle(RouteMatch route, Target target, EmulatorRequest request)
        {
            if (route.Kind == PathKind.Token)
            {
                return IssueToken(route, target, request);
            }

            // Authorization must be exactly "Bearer <token>": the scheme case-sensitive, one space, and the token in
            // RFC 6750's b64token syntax, which rejects the spec's incorrect examples (no scheme, "bearer", "<...>", no space).
            var token = BearerToken(request.Header("Authorization"));
            if (token == null) return Json.Error(Codes.InvalidAuthorizationHeader, route.Name);
            var access = tokens.Find(token);
            if (access == null) return Json.Error(Codes.InvalidAccessToken, route.Name);
            var now = clock.NowMillis;
            if (now >= access.ExpiresAt) return Json.Error(Codes.AccessTokenExpired, route.Name);

            // Path values longer than the spec's data sizes.
            var tooLong = new List<string>(3);
            if (route.ClientId.Length > ClientIdSize) tooLong.Add("clientId");
            if (route.Kind != PathKind.List && route.ProductId.Length > ProductIdSize) tooLong.Add("productId");
            if (route.Kind != PathKind.List && route.PurchaseToken.Length > PurchaseTokenSize) tooLong.Add("purchaseToken");
            if (tooLong.Count > 0) return Json.Error(Codes.InvalidRequest, route.Name, tooLong);

            if (!string.Equals(access.ClientId, route.ClientId, StringComparison.Ordinal)) return Json.Error(Codes.UnauthorizedAccess, route.Name);
            bool blocked;
            lock (state.Gate)
            {
                var app = state.FindApp(route.ClientId);
                if (app == null) return Json.Error(Codes.UnauthorizedAccess, route.Name);
                blocked = app.Blocked;
            }
            if (blocked) return Json.Error(Codes.AccessBlocked, route.Name);

            if (route.Method == "POST")
            {
                var contentType = request.Header("Content-Type");
                if (contentType != null && !IsMediaType(contentType, "application/json")) return Json.Error(Codes.InvalidContentType, route.Name);
            }

            // x-market-code absent means MKT_ONE (Market Classification).
            var market = request.Header("x-market-code") ?? Markets.One;
            if (!Markets.IsValid(market)) return Json.Error(Codes.InvalidRequest, route.Name, new[] { "x-market-code" });

            switch (route.Name)
            {
                case Routes.GetVoidedPurchases:
                    return List(route, target, market, voided: true);
                case Routes.GetUnconfirmedPurchases:
                    // The spec marks this API as Korea-only until its April 2026 update adds global products; the
                    // emulator already serves MKT_GLB, as the updated service does.
                    return List(route, target, market, voided: false);
                case Routes.GetPurchaseDetails:
                case Routes.GetRecurringPurchaseDetails:
                case Routes.GetSubscriptionDetail:
                    return Lookup(route, market);
                case Routes.AcknowledgePurchase:
                case Routes.ConsumePurchase:
                    return Confirm(route, market, request.Body);
                case Routes.DeferSubscription:
                    return Defer(route, market, request.Body);
                default:
                    return CancelOrReactivate(route, market);
            }
        }

        // ---- OAuth ----------------------------------------------------------------------------------------------

        private EmulatorResponse IssueToken(RouteMatch route, Target target, EmulatorRequest request)
        {
            var contentType = request.Header("Content-Type");
            // "OAuth API Details" puts the parameters in a form body; public clients also send them in the query string
            // (with an empty body and sometimes no content type). Both are read, the body winning a name sent twice;
            // a body still has to be a form.
            var formBody = request.Body.Length > 0 || contentType != null;
            if (formBody && (contentType == null || !IsMediaType(contentType, "application/x-www-form-urlencoded"))) return Json.Error(Codes.InvalidContentType, route.Name);
            var form = Target.ParseForm(Encoding.UTF8.GetString(request.Body));
            var query = Target.ParseForm(target.RawQuery);
            if (form == null || query == null) return Json.Error(Codes.BadRequest, route.Name);
            if (!formBody && query.Count == 0) return Json.Error(Codes.InvalidContentType, route.Name);
            foreach (var pair in query)
            {
                if (!form.ContainsKey(pair.Key)) form[pair.Key] = pair.Value;
            }
            form.TryGetValue("client_id", out var clientId);
            form.TryGetValue("client_secret", out var secret);
            form.TryGetValue("grant_type", out var grantType);
            var missing = new List<string>(3);
            if (string.IsNullOrEmpty(clientId)) missing.Add("client_id");
            if (string.IsNullOrEmpty(secret)) missing.Add("client_secret");
            if (string.IsNullOrEmpty(grantType)) missing.Add("grant_type");
            if (missing.Count > 0) return Json.Error(Codes.RequiredValueNotExist, route.Name, missing);
            if (grantType != "client_credentials") return Json.Error(Codes.InvalidRequest, route.Name, new[] { "grant_type" });
            var market = request.Header("x-market-code") ?? Markets.One;
            if (!Markets.IsValid(market)) return Json.Error(Codes.InvalidRequest, route.Name, new[] { "x-market-code" });

            bool blocked;
            lock (state.Gate)
            {
                var app = state.FindApp(clientId!);
                // "OAuth API Details" names no error for a wrong client_id or client_secret; the Standard Response Code
                // table's "Not authorized to access this API" (403 UnauthorizedAccess) is the closest fit.
                if (app == null || !FixedTimeEquals(app.ClientSecret, secret!)) return Json.Error(Codes.UnauthorizedAccess, route.Name);
                blocked = app.Blocked;
            }
            if (blocked) return Json.Error(Codes.AccessBlocked, route.Name);

            var now = clock.NowMillis;
            var token = tokens.Issue(clientId!, market, now, tokenLifetimeMillis);
            var body = Json.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("client_id", token.ClientId);
                w.WriteString("access_token", token.Value);
                w.WriteString("token_type", "bearer");
                w.WriteNumber("expires_in", Math.Max(0, (token.ExpiresAt - now) / 1000));
                w.WriteString("scope", "DEFAULT");
                w.WriteEndObject();
            });
            return Json.Response(200, body, route.Name);
        }

        // ---- single purchases -----------------------------------------------------------------------------------

        /// <summary>
        /// Finds the path's purchase as the route sees it: same app, product, market and a type the route serves.
        /// The spec answers NoSuchData for an auto token on the inapp route, an inapp token on the auto route and a
        /// subscription token on the auto cancel/reactivate routes; a purchase of the other market is not found either.
        /// Must be called under the state lock.
        /// </summary>
        private Purchase? Find(RouteMatch route, string market)
        {
            var p = state.FindPurchase(route.PurchaseToken);
            if (p == null || p.ClientId != route.ClientId || p.ProductId != route.ProductId || p.MarketCode != market) return null;
            var typeOk = route.TypeSegment switch
            {
                "inapp" => p.Type == ProductType.Inapp,
                "auto" => p.Type == ProductType.Auto,
                "subscription" => p.Type == ProductType.Subscription,
                // acknowledgePurchase serves managed and monthly auto-renewal products ("all" in the In-app Type Code
                // table); subscriptions carry an acknowledgementState and no other route acknowledges them, so they are
                // accepted here too.
                "all" => true,
                _ => false,
            };
            return typeOk ? p : null;
        }

        private EmulatorResponse Lookup(RouteMatch route, string market)
        {
            Purchase copy;
            var now = clock.NowMillis;
            lock (state.Gate)
            {
                state.Sweep(now);
                var p = Find(route, market);
                if (p == null) return Json.Error(Codes.NoSuchData, route.Name);
                copy = p.Clone();
            }
            byte[] body = route.TypeSegment switch
            {
                "inapp" => Json.Write(w => WriteInapp(w, copy, Payload(copy))),
                "auto" => Json.Write(w => WriteAuto(w, copy)),
                _ => Json.Write(w => WriteSubscription(w, copy, now, Payload(copy))),
            };
            return Json.Response(200, body, route.Name);
        }

        /// <summary>
        /// The developerPayload a reply shows: the sandbox reports "" for a purchase made without one (observed on the
        /// real sandbox; docs/emulator.md, "Rules where the spec is silent"), the commercial emulator null.
        /// </summary>
        private string? Payload(Purchase p) => p.DeveloperPayload ?? (sandbox ? "" : null);

        private static void WriteInapp(Utf8JsonWriter w, Purchase p, string? payload)
        {
            w.WriteStartObject();
            w.WriteNumber("consumptionState", p.ConsumptionState);
            w.WriteNullableString("developerPayload", payload);
            w.WriteNumber("purchaseState", p.PurchaseState);
            w.WriteNumber("purchaseTime", p.PurchaseTime);
            w.WriteString("purchaseId", p.PurchaseId);
            w.WriteNumber("acknowledgeState", p.AcknowledgeState);
            w.WriteNumber("quantity", p.Quantity);
            w.WriteEndObject();
        }

        private static void WriteAuto(Utf8JsonWriter w, Purchase p)
        {
            w.WriteStartObject();
            w.WriteNumber("startTime", p.StartTime);
            w.WriteNumber("expiryTime", p.ExpiryTime);
            w.WriteNullableNumber("nextPaymentTime", p.NextPaymentTime);
            w.WriteBoolean("autoRenewing", p.AutoRenewing);
            w.WriteNullableNumber("cancelReason", p.CancelReason);
            w.WriteNullableNumber("cancelledTime", p.CancelledTime);
            w.WriteNumber("acknowledgeState", p.AcknowledgeState);
            w.WriteNullableString("lastPurchaseId", p.LastPurchaseId);
            w.WriteNumber("lastPurchaseState", p.LastPurchaseState);
            w.WriteEndObject();
        }

        private static void WriteSubscription(Utf8JsonWriter w, Purchase p, long now, string? payload)
        {
            w.WriteStartObject();
            w.WriteNumber("acknowledgementState", p.AcknowledgeState);
            w.WriteNullableString("developerPayload", payload);
            w.WriteBoolean("autoRenewing", p.AutoRenewing);
            // paymentState null means expired (getSubscriptionDetail)
            w.WriteNullableNumber("paymentState", now > p.ExpiryTime ? null : p.PaymentState);
            w.WriteNullableString("priceAmount", p.PriceAmount);
            w.WriteNullableNumber("priceAmountMicros", p.PriceAmountMicros);
            w.WriteNullableString("nextPriceAmount", p.NextPriceAmount);
            w.WriteNullableNumber("nextPriceAmountMicros", p.NextPriceAmountMicros);
            w.WriteNullableNumber("nextPaymentTimeMillis", p.NextPaymentTime);
            w.WriteNullableString("priceCurrencyCode", p.PriceCurrencyCode);
            w.WriteNullableString("countryCode", p.CountryCode);
            w.WriteNumber("startTimeMillis", p.StartTime);
            w.WriteNumber("expiryTimeMillis", p.ExpiryTime);
            w.WriteNullableNumber("pauseStartTimeMillis", p.PauseStartTime);
            w.WriteNullableNumber("pauseEndTimeMillis", p.PauseEndTime);
            w.WriteNullableNumber("autoResumeTimeMillis", p.AutoResumeTime);
            w.WriteNullableString("linkedPurchaseToken", p.LinkedPurchaseToken);
            w.WriteNullableString("lastPurchaseId", p.LastPurchaseId);
            w.WriteNullableNumber("cancelledTimeMillis", p.CancelledTime);
            w.WriteNullableNumber("cancelReason", p.CancelReason);
            if (p.Promotion != null)
            {
                w.WriteStartObject("promotionPrice");
                w.WriteString("promotionPrice", p.Promotion.Price);
                w.WriteNumber("promotionPriceMicros", p.Promotion.PriceMicros);
                w.WriteNumber("promotionPeriod", p.Promotion.Period);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("promotionPrice");
            }
            if (p.PriceChange != null)
            {
                var c = p.PriceChange;
                w.WriteStartObject("priceChange");
                w.WriteNumber("seq", c.Seq);
                w.WriteString("previousPrice", c.PreviousPrice);
                w.WriteNumber("previousPriceMicros", c.PreviousPriceMicros);
                w.WriteString("newPrice", c.NewPrice);
                w.WriteNumber("newPriceMicros", c.NewPriceMicros);
                w.WriteNumber("applyTimeMillis", c.ApplyTime);
                w.WriteBoolean("agreement", c.Agreement);
                w.WriteNumber("agreementDueDateTimeMillis", c.AgreementDueDateTime);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("priceChange");
            }
            w.WriteEndObject();
        }

        // ---- acknowledge / consume -------------------------------------------------------------------------------

        private EmulatorResponse Confirm(RouteMatch route, string market, byte[] body)
        {
            var consume = route.Name == Routes.ConsumePurchase;
            if (!TryReadObject(body, out var json)) return Json.Error(Codes.BadRequest, route.Name);
            string? payload = null;
            if (json.HasValue && json.Value.TryGetProperty("developerPayload", out var dp) && dp.ValueKind != JsonValueKind.Null)
            {
                if (dp.ValueKind != JsonValueKind.String) return Json.Error(Codes.InvalidRequest, route.Name, new[] { "developerPayload" });
                payload = dp.GetString();
            }
            var now = clock.NowMillis;
            lock (state.Gate)
            {
                state.Sweep(now);
                // Both routes answer "Purchase history does not exist or is not completed" (InvalidPurchaseState) for a
                // purchase they cannot find, including one of another type or market.
                var p = Find(route, market);
                if (p == null || p.PurchaseState != 0) return Json.Error(Codes.InvalidPurchaseState, route.Name);
                if (consume)
                {
                    if (p.ConsumptionState == 1) return Json.Error(Codes.InvalidConsumeState, route.Name);
                }
                else if (p.AcknowledgeState == 1)
                {
                    // acknowledgePurchase does not say what acknowledging twice does; the emulator treats an
                    // acknowledged (or consumed, which counts as acknowledged) purchase as no longer in the state the
                    // call changes, and answers InvalidPurchaseState, so a repeated call is visible to the caller.
                    return Json.Error(Codes.InvalidPurchaseState, route.Name);
                }
                // An empty developerPayload matches a purchase made without one: public clients send "" for "none".
                if (payload != null && !string.Equals(payload, p.DeveloperPayload ?? "", StringComparison.Ordinal))
                {
                    return Json.Error(Codes.DeveloperPayloadNotMatch, route.Name);
                }
                // A consumed purchase counts as acknowledged (acknowledgePurchase), so it is not cancelled after 3 days.
                state.Confirm(p, consume);
                if (consume) p.ConsumeCount++; else p.AcknowledgeCount++;
                p.ChangeCount++;
            }
            return Json.Success(route.Name);
        }

        // ---- cancel / reactivate / defer -------------------------------------------------------------------------

        private EmulatorResponse CancelOrReactivate(RouteMatch route, string market)
        {
            var cancel = route.Name == Routes.CancelRecurringPurchase || route.Name == Routes.CancelSubscription;
            var now = clock.NowMillis;
            lock (state.Gate)
            {
                state.Sweep(now);
                var p = Find(route, market);
                if (p == null) return Json.Error(Codes.NoSuchData, route.Name);
                // A refunded or automatically cancelled purchase, an immediately cancelled subscription, or one whose
                // term has ended has no automatic payment left to change.
                if (p.PurchaseState != 0 || p.LastPurchaseState != 0 || p.ImmediatelyCancelled || now > p.ExpiryTime)
                {
                    return Json.Error(Codes.InvalidPurchaseState, route.Name);
                }
                if (cancel)
                {
                    if (!p.AutoRenewing) return Json.Success(route.Name); // already cancelled: nothing changes, so a retry is harmless
                    p.AutoRenewing = false;
                    p.CancelledTime = now;
                    p.CancelReason = 0; // user request
                    if (p.Type == ProductType.Subscription && p.IsPaused(now))
                    {
                        // cancelSubscription: a paused subscription is cancelled immediately; reactivateSubscription
                        // cannot undo an immediate cancellation, so the emulator marks it and ends the term now.
                        p.ImmediatelyCancelled = true;
                        p.ExpiryTime = now;
                        p.NextPaymentTime = null;
                        p.AutoResumeTime = null;
                        p.PaymentState = null;
                    }
                }
                else
                {
                    if (p.AutoRenewing) return Json.Success(route.Name); // nothing to undo
                    p.AutoRenewing = true;
                    p.CancelledTime = null;
                    p.CancelReason = null;
                }
                p.ChangeCount++;
            }
            return Json.Success(route.Name);
        }

        private EmulatorResponse Defer(RouteMatch route, string market, byte[] body)
        {
            if (!TryReadObject(body, out var json)) return Json.Error(Codes.BadRequest, route.Name);
            if (!json.HasValue || !json.Value.TryGetProperty("deferPeriod", out var dp) || dp.ValueKind == JsonValueKind.Null)
            {
                return Json.Error(Codes.RequiredValueNotExist, route.Name, new[] { "deferPeriod" });
            }
            // deferSubscription: 1-365; days in the commercial environment, minutes in the sandbox.
            if (dp.ValueKind != JsonValueKind.Number || !dp.TryGetInt32(out var period) || period < 1 || period > 365)
            {
                return Json.Error(Codes.InvalidRequest, route.Name, new[] { "deferPeriod" });
            }
            var shift = period * (sandbox ? Time.Minute : Time.Day);
            var now = clock.NowMillis;
            lock (state.Gate)
            {
                state.Sweep(now);
                var p = Find(route, market);
                if (p == null) return Json.Error(Codes.NoSuchData, route.Name);
                if (p.PurchaseState != 0 || p.ImmediatelyCancelled || now > p.ExpiryTime) return Json.Error(Codes.InvalidPurchaseState, route.Name);
                p.ExpiryTime += shift;
                if (p.NextPaymentTime.HasValue) p.NextPaymentTime += shift;
                p.ChangeCount++;
            }
            return Json.Success(route.Name);
        }

        // ---- lists ------------------------------------------------------------------------------------------------

        private EmulatorResponse List(RouteMatch route, Target target, string market, bool voided)
        {
            var query = Target.ParseForm(target.RawQuery);
            if (query == null) return Json.Error(Codes.BadRequest, route.Name);
            var now = clock.NowMillis;
            var invalid = new List<string>(4);

            var maxResults = DefaultMaxResults;
            if (query.TryGetValue("maxResults", out var maxText))
            {
                if (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out maxResults) || maxResults < 1 || maxResults > 100)
                {
                    invalid.Add("maxResults");
                }
            }

            long? start = null, end = null;
            if (query.TryGetValue("startTime", out var startText))
            {
                if (long.TryParse(startText, NumberStyles.None, CultureInfo.InvariantCulture, out var s)) start = s; else invalid.Add("startTime");
            }
            if (query.TryGetValue("endTime", out var endText))
            {
                if (long.TryParse(endText, NumberStyles.None, CultureInfo.InvariantCulture, out var e)) end = e; else invalid.Add("endTime");
            }
            long afterTime = 0;
            string? afterId = null;
            var continued = query.TryGetValue("continuationKey", out var key) && key.Length > 0;
            if (continued && !TryParseKey(key!, voided, out afterTime, out afterId))
            {
                invalid.Add("continuationKey");
            }

            // Window rules (getVoidedPurchases / getUnconfirmedPurchases): the start can be at most one month before now
            // (Time.StartReach: 31 days and a minute), the end cannot be in the future; given alone, the start gets
            // end = start + 1 month (capped at now) and the end gets start = end - 1 month (a month is 30 days here).
            // A continued listing (with a continuationKey) keeps its first page's window: its start was judged when the
            // listing began, and is not judged again as the clock moves on, so a listing that starts near the limit
            // does not fail part-way.
            if (!continued && start.HasValue && start.Value < now - Time.StartReach && !invalid.Contains("startTime")) invalid.Add("startTime");
            if (end.HasValue && end.Value > now && !invalid.Contains("endTime")) invalid.Add("endTime");
            if (start.HasValue && end.HasValue && start.Value > end.Value && invalid.Count == 0)
            {
                invalid.Add("startTime");
                invalid.Add("endTime");
            }
            if (invalid.Count > 0) return Json.Error(Codes.InvalidRequest, route.Name, invalid);

            long windowStart, windowEnd;
            if (start.HasValue && end.HasValue) { windowStart = start.Value; windowEnd = end.Value; }
            else if (start.HasValue) { windowStart = start.Value; windowEnd = Math.Min(start.Value + Time.Month, now); }
            else if (end.HasValue) { windowStart = end.Value - Time.Month; windowEnd = end.Value; }
            else { windowStart = now - Time.Month; windowEnd = now; }

            var page = new List<Purchase>(Math.Min(maxResults, 100));
            var more = false;
            lock (state.Gate)
            {
                state.Sweep(now);
                var index = state.FindIndex(route.ClientId, market);
                if (index != null)
                {
                    var list = voided ? index.Voided : index.Unconfirmed;
                    var i = list.FirstAtOrAfter(windowStart);
                    if (afterId != null) i = Math.Max(i, list.FirstAfter(afterTime, afterId));
                    for (; i < list.Count && list.TimeAt(i) <= windowEnd; i++)
                    {
                        if (page.Count == maxResults)
                        {
                            more = true;
                            break;
                        }
                        page.Add(list[i].Clone());
                    }
                }
            }

            var body = Json.Write(w =>
            {
                w.WriteStartObject();
                if (more)
                {
                    var last = page[page.Count - 1];
                    w.WriteString("continuationKey", MakeKey(voided, voided ? last.VoidedTime!.Value : last.PurchaseTime, last.PurchaseId));
                }
                // The spec's examples show the list key with a trailing space ("voidedPurchaseList "); its tables name
                // it without one, and the emulator sends the clean name.
                w.WriteStartArray(voided ? "voidedPurchaseList" : "unconfirmedPurchaseList");
                foreach (var p in page)
                {
                    w.WriteStartObject();
                    if (voided)
                    {
                        w.WriteString("purchaseId", p.PurchaseId);
                        w.WriteNumber("purchaseTime", p.PurchaseTime);
                        w.WriteNumber("voidedTime", p.VoidedTime!.Value);
                        w.WriteString("purchaseToken", p.PurchaseToken);
                        w.WriteString("marketCode", p.MarketCode);
                    }
                    else
                    {
                        w.WriteString("type", ProductTypes.Name(p.Type));
                        w.WriteString("orderId", p.OrderId);
                        w.WriteString("productId", p.ProductId);
                        w.WriteString("purchaseToken", p.PurchaseToken);
                        w.WriteString("purchaseId", p.PurchaseId);
                        w.WriteNumber("purchaseTime", p.PurchaseTime);
                        w.WriteNumber("purchaseState", p.PurchaseState);
                        w.WriteNullableString("developerPayload", Payload(p));
                        w.WriteNumber("quantity", p.Quantity);
                        w.WriteString("marketCode", p.MarketCode);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return Json.Response(200, body, route.Name);
        }

        /// <summary>
        /// An opaque continuation key: the list kind, the sort time of the last item sent (base 36) and its purchase
        /// id. Resuming after that position (not at an offset) keeps paging exact when purchases come or go between
        /// pages. At most 31 characters (the spec allows 41).
        /// </summary>
        internal static string MakeKey(bool voided, long time, string purchaseId) =>
            (voided ? "v" : "u") + ToBase36(time) + "." + purchaseId;

        internal static bool TryParseKey(string key, bool voided, out long time, out string? purchaseId)
        {
            time = 0;
            purchaseId = null;
            if (key.Length < 4 || key.Length > 41 || key[0] != (voided ? 'v' : 'u')) return false;
            var dot = key.IndexOf('.');
            if (dot < 2) return false;
            var id = key.Substring(dot + 1);
            if (!Seed.IsValidPurchaseId(id)) return false;
            long value = 0;
            for (var i = 1; i < dot; i++)
            {
                var c = key[i];
                int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
                if (digit < 0 || value > (long.MaxValue - digit) / 36) return false;
                value = value * 36 + digit;
            }
            time = value;
            purchaseId = id;
            return true;
        }

        private static string ToBase36(long value)
        {
            if (value <= 0) return "0";
            var chars = new char[14];
            var i = chars.Length;
            while (value > 0)
            {
                var digit = (int)(value % 36);
                chars[--i] = (char)(digit < 10 ? '0' + digit : 'a' + digit - 10);
                value /= 36;
            }
            return new string(chars, i, chars.Length - i);
        }

        // ---- helpers ---------------------------------------------------------------------------------------------

        internal static string? BearerToken(string? header)
        {
            if (header == null || !header.StartsWith("Bearer ", StringComparison.Ordinal) || header.Length == 7) return null;
            var padding = false;
            for (var i = 7; i < header.Length; i++)
            {
                var c = header[i];
                if (c == '=')
                {
                    padding = true;
                    continue;
                }
                var ok = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '.' or '_' or '~' or '+' or '/';
                if (!ok || padding) return null;
            }
            return header.Substring(7);
        }

        internal static bool IsMediaType(string contentType, string expected)
        {
            var semicolon = contentType.IndexOf(';');
            var media = (semicolon < 0 ? contentType : contentType.Substring(0, semicolon)).Trim();
            return string.Equals(media, expected, StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>Reads an optional JSON object body; false when the body is present but not a JSON object.</summary>
        private static bool TryReadObject(byte[] body, out JsonElement? json)
        {
            json = null;
            var empty = true;
            foreach (var b in body)
            {
                if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\r' && b != (byte)'\n')
                {
                    empty = false;
                    break;
                }
            }
            if (empty) return true;
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) return false;
                json = doc.RootElement.Clone();
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        private static bool FixedTimeEquals(string a, string b) =>
            System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
    }
}
