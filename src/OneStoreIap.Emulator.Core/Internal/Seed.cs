using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace OneStoreIap.Emulator.Internal
{
    /// <summary>A problem in a seed file or a control-API body.</summary>
    internal sealed class SeedException : Exception
    {
        public SeedException(string message) : base(message) { }
    }

    /// <summary>
    /// Reads the seed format (also the bodies of the control API). Times are epoch ms numbers or offsets from the
    /// current virtual time as strings ("-2h", "+30d", "-1d12h", "now").
    /// </summary>
    internal static class Seed
    {
        public static string BuiltIn()
        {
            using var stream = typeof(Seed).Assembly.GetManifestResourceStream("OneStoreIap.Emulator.default-seed.json")
                ?? throw new InvalidOperationException("The built-in seed is missing from the assembly.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }

        public static void Load(EmulatorState state, string json, long now)
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new SeedException("The seed must be a JSON object.");
            Fields.Check(root, "the seed", Fields.SeedRoot);
            if (root.TryGetProperty("apps", out var apps))
            {
                foreach (var a in Array(apps, "apps")) state.PutApp(ParseApp(a));
            }
            if (root.TryGetProperty("products", out var products))
            {
                foreach (var p in Array(products, "products")) state.PutProduct(ParseProduct(p, state));
            }
            if (root.TryGetProperty("purchases", out var purchases))
            {
                foreach (var p in Array(purchases, "purchases")) state.Add(BuildPurchase(p, now, state));
            }
            if (root.TryGetProperty("bulk", out var bulk))
            {
                foreach (var b in Array(bulk, "bulk")) Bulk(b, now, state, null);
            }
            state.Sweep(now);
        }

        private static IEnumerable<JsonElement> Array(JsonElement e, string name)
        {
            if (e.ValueKind != JsonValueKind.Array) throw new SeedException("'" + name + "' must be an array.");
            return e.EnumerateArray();
        }

        public static AppInfo ParseApp(JsonElement e)
        {
            Fields.Check(e, "an app", Fields.App);
            var app = new AppInfo
            {
                ClientId = RequiredString(e, "clientId"),
                ClientSecret = RequiredString(e, "clientSecret"),
                Blocked = Bool(e, "blocked") ?? false,
                NotificationUri = NotificationUri(String(e, "notificationUri")),
                PrivateKey = String(e, "privateKey"),
            };
            if (app.ClientId.Length == 0) throw new SeedException("'clientId' must not be empty.");
            if (e.TryGetProperty("markets", out var markets) && markets.ValueKind == JsonValueKind.Array)
            {
                var list = new List<string>();
                foreach (var m in markets.EnumerateArray())
                {
                    var market = m.GetString();
                    if (!Markets.IsValid(market)) throw new SeedException("Unknown market '" + market + "' (MKT_ONE or MKT_GLB).");
                    list.Add(market!);
                }
                app.Markets = list.ToArray();
            }
            return app;
        }

        /// <summary>A notification URI: absolute http or https (null stays null).</summary>
        public static string? NotificationUri(string? text)
        {
            if (text == null || text.Length == 0) return null;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                throw new SeedException("'notificationUri' must be an absolute http or https URI.");
            return uri.ToString();
        }

        public static ProductInfo ParseProduct(JsonElement e, EmulatorState state)
        {
            Fields.Check(e, "a product", Fields.Product);
            var product = new ProductInfo { ClientId = RequiredString(e, "clientId"), ProductId = RequiredString(e, "productId") };
            if (!ProductTypes.TryParse(String(e, "type") ?? "inapp", out product.Type))
            {
                throw new SeedException("'type' must be inapp, auto or subscription.");
            }
            if (state.FindApp(product.ClientId) == null) throw new SeedException("No app '" + product.ClientId + "'.");
            if (product.ProductId.Length == 0) throw new SeedException("'productId' must not be empty.");
            return product;
        }

        /// <summary>Builds (does not add) a purchase from its JSON description, filling every field the spec returns.</summary>
        public static Purchase BuildPurchase(JsonElement e, long now, EmulatorState state)
        {
            Fields.Check(e, "a purchase", Fields.Purchase);
            var clientId = RequiredString(e, "clientId");
            var productId = RequiredString(e, "productId");
            var product = EnsureProduct(state, clientId, productId, String(e, "type"));
            var p = new Purchase
            {
                ClientId = clientId,
                ProductId = productId,
                Type = product.Type,
                MarketCode = String(e, "marketCode") ?? Markets.One,
                DeveloperPayload = String(e, "developerPayload"),
                Quantity = (int)(Long(e, "quantity") ?? 1),
                PurchaseTime = TimeValue(e, "purchaseTime", now) ?? now,
            };
            if (!Markets.IsValid(p.MarketCode)) throw new SeedException("'marketCode' must be MKT_ONE or MKT_GLB.");

            var token = String(e, "purchaseToken");
            if (token != null)
            {
                if (token.Length == 0 || token.Length > 20) throw new SeedException("'purchaseToken' must be 1 to 20 characters.");
                CheckSendable(token, "purchaseToken");
                if (state.HasToken(token)) throw new SeedException("A purchase with token '" + token + "' exists already.");
                p.PurchaseToken = token;
            }
            else
            {
                p.PurchaseToken = state.NewToken();
            }
            var purchaseId = String(e, "purchaseId");
            if (purchaseId != null)
            {
                if (!IsValidPurchaseId(purchaseId)) throw new SeedException("'purchaseId' must be 1 to 20 letters, digits, '-' or '_'.");
                if (state.HasPurchaseId(purchaseId)) throw new SeedException("A purchase with id '" + purchaseId + "' exists already.");
                p.PurchaseId = purchaseId;
            }
            else
            {
                p.PurchaseId = state.NewPurchaseId(p.PurchaseTime);
            }
            p.OrderId = String(e, "orderId") ?? OrderIdFor(p.PurchaseId);

            p.ConsumptionState = (Bool(e, "consumed") ?? false) || (Long(e, "consumptionState") ?? 0) == 1 ? 1 : 0;
            p.AcknowledgeState = p.ConsumptionState == 1 || (Bool(e, "acknowledged") ?? false) || (Long(e, "acknowledgeState") ?? Long(e, "acknowledgementState") ?? 0) == 1 ? 1 : 0;

            if (p.Type != ProductType.Inapp)
            {
                p.StartTime = TimeValue(e, "startTime", now) ?? TimeValue(e, "startTimeMillis", now) ?? p.PurchaseTime;
                p.ExpiryTime = TimeValue(e, "expiryTime", now) ?? TimeValue(e, "expiryTimeMillis", now) ?? p.StartTime + 30 * Time.Day;
                p.CancelledTime = TimeValue(e, "cancelledTime", now) ?? TimeValue(e, "cancelledTimeMillis", now);
                p.CancelReason = (int?)Long(e, "cancelReason") ?? (p.CancelledTime.HasValue ? 0 : null);
                p.AutoRenewing = Bool(e, "autoRenewing") ?? !p.CancelledTime.HasValue;
                p.NextPaymentTime = TimeValue(e, "nextPaymentTime", now) ?? TimeValue(e, "nextPaymentTimeMillis", now) ?? p.ExpiryTime;
                p.LastPurchaseId = String(e, "lastPurchaseId") ?? p.PurchaseId;
                p.ImmediatelyCancelled = Bool(e, "immediatelyCancelled") ?? false;
            }
            if (p.Type == ProductType.Subscription)
            {
                var global = p.MarketCode == Markets.Global;
                p.PaymentState = e.TryGetProperty("paymentState", out var ps) ? (ps.ValueKind == JsonValueKind.Null ? null : ps.GetInt32()) : 1;
                p.PriceAmount = String(e, "priceAmount") ?? (global ? "4.99" : "4900");
                p.PriceAmountMicros = Long(e, "priceAmountMicros") ?? Micros(p.PriceAmount);
                p.NextPriceAmount = String(e, "nextPriceAmount") ?? p.PriceAmount;
                p.NextPriceAmountMicros = Long(e, "nextPriceAmountMicros") ?? Micros(p.NextPriceAmount);
                p.PriceCurrencyCode = String(e, "priceCurrencyCode") ?? (global ? "USD" : "KRW");
                p.CountryCode = String(e, "countryCode") ?? "KR";
                p.PauseStartTime = TimeValue(e, "pauseStartTime", now) ?? TimeValue(e, "pauseStartTimeMillis", now);
                p.PauseEndTime = TimeValue(e, "pauseEndTime", now) ?? TimeValue(e, "pauseEndTimeMillis", now);
                p.AutoResumeTime = TimeValue(e, "autoResumeTime", now) ?? TimeValue(e, "autoResumeTimeMillis", now);
                p.LinkedPurchaseToken = String(e, "linkedPurchaseToken");
                if (e.TryGetProperty("promotionPrice", out var promo) && promo.ValueKind == JsonValueKind.Object)
                {
                    Fields.Check(promo, "'promotionPrice'", Fields.PromotionPrice);
                    p.Promotion = new PromotionPrice
                    {
                        Price = String(promo, "promotionPrice") ?? "0",
                        PriceMicros = Long(promo, "promotionPriceMicros") ?? Micros(String(promo, "promotionPrice") ?? "0"),
                        Period = (int)(Long(promo, "promotionPeriod") ?? 30),
                    };
                }
                if (e.TryGetProperty("priceChange", out var change) && change.ValueKind == JsonValueKind.Object)
                {
                    Fields.Check(change, "'priceChange'", Fields.PriceChange);
                    var apply = TimeValue(change, "applyTimeMillis", now) ?? TimeValue(change, "applyTime", now) ?? now;
                    p.PriceChange = new PriceChange
                    {
                        Seq = (int)(Long(change, "seq") ?? 1),
                        PreviousPrice = String(change, "previousPrice") ?? p.PriceAmount,
                        PreviousPriceMicros = Long(change, "previousPriceMicros") ?? Micros(String(change, "previousPrice") ?? p.PriceAmount),
                        NewPrice = String(change, "newPrice") ?? p.NextPriceAmount,
                        NewPriceMicros = Long(change, "newPriceMicros") ?? Micros(String(change, "newPrice") ?? p.NextPriceAmount),
                        ApplyTime = apply,
                        Agreement = Bool(change, "agreement") ?? false,
                        // the spec: agreement due date = price change date + 7 + 30 days
                        AgreementDueDateTime = TimeValue(change, "agreementDueDateTimeMillis", now) ?? apply + 37 * Time.Day,
                    };
                }
            }

            var voidedTime = TimeValue(e, "voidedTime", now);
            if (voidedTime.HasValue || (Bool(e, "voided") ?? false))
            {
                p.PurchaseState = 1;
                p.VoidedTime = voidedTime ?? now;
                if (p.Type != ProductType.Inapp)
                {
                    p.LastPurchaseState = 1;
                    p.AutoRenewing = false;
                    p.CancelledTime ??= p.VoidedTime;
                    p.CancelReason ??= 1;
                    if (p.Type == ProductType.Subscription) p.PaymentState = null;
                }
            }
            return p;
        }

        /// <summary>Adds <c>count</c> purchases from one rule. Returns their tokens when <paramref name="tokens"/> is given.</summary>
        public static int Bulk(JsonElement e, long now, EmulatorState state, List<string>? tokens)
        {
            Fields.Check(e, "a bulk rule", Fields.Bulk);
            var clientId = RequiredString(e, "clientId");
            var productId = RequiredString(e, "productId");
            var product = EnsureProduct(state, clientId, productId, String(e, "type"));
            var market = String(e, "marketCode") ?? Markets.One;
            if (!Markets.IsValid(market)) throw new SeedException("'marketCode' must be MKT_ONE or MKT_GLB.");
            var count = Long(e, "count") ?? throw new SeedException("'count' is required.");
            if (count < 0 || count > 2_000_000) throw new SeedException("'count' must be 0 to 2,000,000.");
            var voided = Bool(e, "voided") ?? false;
            var acknowledged = Bool(e, "acknowledged") ?? false;
            var consumed = Bool(e, "consumed") ?? false;
            var spacing = DurationValue(e, "spacing") ?? Long(e, "spacingMs") ?? 1;
            if (spacing < 0) throw new SeedException("'spacing' must not be negative.");
            var voidedAfter = DurationValue(e, "voidedAfter") ?? Time.Hour;
            // Default: the purchases end just before now (voided ones are voided up to now), so they sit in the default window.
            var first = TimeValue(e, "purchaseTime", now) ?? (now - (voided ? voidedAfter : 0) - count * spacing);
            var prefix = String(e, "tokenPrefix");
            var payload = String(e, "developerPayload");
            var quantity = (int)(Long(e, "quantity") ?? 1);
            var width = prefix == null ? 0 : Math.Max(1, 20 - prefix.Length);
            if (prefix != null) CheckSendable(prefix, "tokenPrefix");
            if (prefix != null && (prefix.Length >= 20 || count > Math.Pow(10, width))) throw new SeedException("'tokenPrefix' leaves too few characters for 'count' tokens.");

            var batch = new List<Purchase>((int)count);
            for (var i = 0L; i < count; i++)
            {
                var time = first + i * spacing;
                var p = new Purchase
                {
                    ClientId = clientId,
                    ProductId = productId,
                    Type = product.Type,
                    MarketCode = market,
                    PurchaseTime = time,
                    DeveloperPayload = payload,
                    Quantity = quantity,
                    ConsumptionState = consumed ? 1 : 0,
                    AcknowledgeState = consumed || acknowledged ? 1 : 0,
                };
                if (prefix != null)
                {
                    p.PurchaseToken = prefix + (i + 1).ToString("D" + Math.Min(width, 6).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                    if (state.HasToken(p.PurchaseToken)) throw new SeedException("A purchase with token '" + p.PurchaseToken + "' exists already.");
                }
                else
                {
                    p.PurchaseToken = state.NewToken();
                }
                p.PurchaseId = state.NewPurchaseId(time);
                p.OrderId = OrderIdFor(p.PurchaseId);
                if (p.Type != ProductType.Inapp)
                {
                    p.StartTime = time;
                    p.ExpiryTime = time + 30 * Time.Day;
                    p.NextPaymentTime = p.ExpiryTime;
                    p.AutoRenewing = true;
                    p.LastPurchaseId = p.PurchaseId;
                }
                if (p.Type == ProductType.Subscription)
                {
                    p.PaymentState = 1;
                    p.PriceAmount = market == Markets.Global ? "4.99" : "4900";
                    p.PriceAmountMicros = Micros(p.PriceAmount);
                    p.NextPriceAmount = p.PriceAmount;
                    p.NextPriceAmountMicros = p.PriceAmountMicros;
                    p.PriceCurrencyCode = market == Markets.Global ? "USD" : "KRW";
                    p.CountryCode = "KR";
                }
                if (voided)
                {
                    p.PurchaseState = 1;
                    p.VoidedTime = time + voidedAfter;
                    if (p.Type != ProductType.Inapp)
                    {
                        p.LastPurchaseState = 1;
                        p.AutoRenewing = false;
                        p.CancelledTime = p.VoidedTime;
                        p.CancelReason = 1;
                        if (p.Type == ProductType.Subscription) p.PaymentState = null;
                    }
                }
                batch.Add(p);
                tokens?.Add(p.PurchaseToken);
            }
            state.AddMany(clientId, market, batch);
            return (int)count;
        }

        private static ProductInfo EnsureProduct(EmulatorState state, string clientId, string productId, string? typeText)
        {
            if (state.FindApp(clientId) == null) throw new SeedException("No app '" + clientId + "'.");
            if (productId.Length == 0) throw new SeedException("'productId' must not be empty.");
            ProductType type = ProductType.Inapp;
            if (typeText != null && !ProductTypes.TryParse(typeText, out type)) throw new SeedException("'type' must be inapp, auto or subscription.");
            var product = state.FindProduct(clientId, productId);
            if (product == null)
            {
                product = new ProductInfo { ClientId = clientId, ProductId = productId, Type = type };
                state.PutProduct(product);
            }
            else if (typeText != null && product.Type != type)
            {
                throw new SeedException("Product '" + productId + "' is of type " + ProductTypes.Name(product.Type) + ".");
            }
            return product;
        }

        /// <summary>
        /// A purchase token must be one a client can send as a path segment: ONE store's front server answers an
        /// encoded slash with an HTML page (notes.md), "." and ".." are resolved away by clients, and control characters
        /// are refused by them (as the module does), so such a purchase could never be looked up.
        /// </summary>
        private static void CheckSendable(string token, string name)
        {
            if (token.IndexOf('/') >= 0) throw new SeedException("'" + name + "' must not contain '/': a client cannot send it in a path segment.");
            if (token == "." || token == "..") throw new SeedException("'" + name + "' must not be '.' or '..': a client cannot send it in a path segment.");
            foreach (var c in token)
            {
                if (char.IsControl(c)) throw new SeedException("'" + name + "' must not contain control characters.");
            }
        }

        public static string OrderIdFor(string purchaseId) => "ONESTORE" + purchaseId;

        public static bool IsValidPurchaseId(string id)
        {
            if (id.Length == 0 || id.Length > 20) return false;
            foreach (var c in id)
            {
                if (!(c is >= '0' and <= '9' or >= 'a' and <= 'z' or >= 'A' and <= 'Z' or '-' or '_')) return false;
            }
            return true;
        }

        private static long Micros(string price) =>
            decimal.TryParse(price, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? (long)(d * 1_000_000m) : 0;

        public static string RequiredString(JsonElement e, string name) =>
            String(e, name) ?? throw new SeedException("'" + name + "' is required.");

        public static string? String(JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind != JsonValueKind.String) throw new SeedException("'" + name + "' must be a string.");
            return v.GetString();
        }

        public static bool? Bool(JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind == JsonValueKind.True) return true;
            if (v.ValueKind == JsonValueKind.False) return false;
            throw new SeedException("'" + name + "' must be true or false.");
        }

        public static long? Long(JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) return n;
            throw new SeedException("'" + name + "' must be an integer.");
        }

        public static double? Double(JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
            throw new SeedException("'" + name + "' must be a number.");
        }

        /// <summary>An absolute time (epoch ms number) or an offset from now (string).</summary>
        public static long? TimeValue(JsonElement e, string name, long now)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) return n;
            if (v.ValueKind == JsonValueKind.String && Time.TryParseRelative(v.GetString()!, now, out var t)) return t;
            throw new SeedException("'" + name + "' must be epoch milliseconds or an offset such as \"-2h\".");
        }

        /// <summary>A duration: a number of ms, or a string such as "10m".</summary>
        private static long? DurationValue(JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) return n;
            if (v.ValueKind == JsonValueKind.String && Time.TryParseRelative(v.GetString()!, 0, out var t)) return t;
            throw new SeedException("'" + name + "' must be milliseconds or a duration such as \"10m\".");
        }
    }
}
