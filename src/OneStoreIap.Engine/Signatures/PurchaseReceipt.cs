using System;
using System.Globalization;
using System.Text.Json;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// A purchase's <c>originalJson</c> as the ONE store SDK hands it to the app (notes.md, "Client-side purchase
    /// signature"). Every member is optional here: what a check needs and is missing is reported by the check.
    /// </summary>
    public sealed class PurchaseReceipt
    {
        public string? OrderId { get; set; }

        /// <summary>The app's package name, which is its client id.</summary>
        public string? PackageName { get; set; }
        public string? ProductId { get; set; }
        public long? PurchaseTime { get; set; }
        public string? PurchaseId { get; set; }
        public string? PurchaseToken { get; set; }
        public string? DeveloperPayload { get; set; }

        /// <summary>0 purchased, 1 cancelled, 2 refunded.</summary>
        public int? PurchaseState { get; set; }

        /// <summary>0 not acknowledged, 1 acknowledged.</summary>
        public int? AcknowledgeState { get; set; }

        /// <summary>0 recurring, 1 recurring cancelled, -1 not recurring (an in-app product).</summary>
        public int? RecurringState { get; set; }
        public int? Quantity { get; set; }

        /// <summary>
        /// Reads <paramref name="originalJson"/>; false with the reason when it is not a JSON object or a member has a
        /// type no SDK sends. Numbers are also taken as numeric strings (be tolerant in what you accept).
        /// </summary>
        public static bool TryParse(string? originalJson, out PurchaseReceipt? receipt, out string? problem)
        {
            receipt = null;
            problem = null;
            if (string.IsNullOrWhiteSpace(originalJson))
            {
                problem = "originalJson is empty.";
                return false;
            }
            try
            {
                using JsonDocument document = JsonDocument.Parse(originalJson!);
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    problem = "originalJson is not a JSON object.";
                    return false;
                }
                receipt = new PurchaseReceipt
                {
                    OrderId = Text(root, "orderId"),
                    PackageName = Text(root, "packageName"),
                    ProductId = Text(root, "productId"),
                    PurchaseTime = Number(root, "purchaseTime"),
                    PurchaseId = Text(root, "purchaseId"),
                    PurchaseToken = Text(root, "purchaseToken"),
                    DeveloperPayload = Text(root, "developerPayload"),
                    PurchaseState = (int?)Number(root, "purchaseState"),
                    AcknowledgeState = (int?)Number(root, "acknowledgeState"),
                    RecurringState = (int?)Number(root, "recurringState"),
                    Quantity = (int?)Number(root, "quantity"),
                };
                return true;
            }
            catch (JsonException e)
            {
                problem = "originalJson is not valid JSON: " + e.Message;
                return false;
            }
            catch (FormatException e)
            {
                problem = "originalJson has a member of the wrong type: " + e.Message;
                return false;
            }
        }

        private static string? Text(JsonElement root, string name)
        {
            if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind == JsonValueKind.String) return value.GetString();
            if (value.ValueKind == JsonValueKind.Number) return value.GetRawText();
            throw new FormatException("'" + name + "' is not a string.");
        }

        private static long? Number(JsonElement root, string name)
        {
            if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null) return null;
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n) && n >= int.MinValue) return n;
            if (value.ValueKind == JsonValueKind.String &&
                long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long s)) return s;
            throw new FormatException("'" + name + "' is not an integer.");
        }
    }
}
