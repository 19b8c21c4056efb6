using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace OneStoreIap.Engine
{
    /// <summary>The stable names of the checks <see cref="PurchaseVerifier"/> reports as failed.</summary>
    public static class PurchaseCheckReasons
    {
        /// <summary>The signature is not the license key's SHA512withRSA signature of originalJson (or not base64).</summary>
        public const string SignatureInvalid = "SignatureInvalid";
        /// <summary>originalJson is not a JSON object, or lacks a product id or purchase token a lookup can use.</summary>
        public const string ReceiptInvalid = "ReceiptInvalid";
        /// <summary>originalJson's packageName is not the connection's client id (a receipt of another app).</summary>
        public const string ClientIdMismatch = "ClientIdMismatch";
        /// <summary>ONE store has no such purchase (NoSuchData): for this app, market, product and type.</summary>
        public const string PurchaseNotFound = "PurchaseNotFound";
        /// <summary>ONE store's purchase id is not the receipt's.</summary>
        public const string PurchaseIdMismatch = "PurchaseIdMismatch";
        /// <summary>The purchase was cancelled or refunded (by ONE store's record, or by the receipt's own state).</summary>
        public const string Cancelled = "Cancelled";
        /// <summary>The purchase state is neither completed nor cancelled.</summary>
        public const string NotCompleted = "NotCompleted";
        /// <summary>A managed product that was consumed already: its item was granted before.</summary>
        public const string AlreadyConsumed = "AlreadyConsumed";
        /// <summary>The developer payload differs between the receipt, ONE store's record and -DeveloperPayload.</summary>
        public const string PayloadMismatch = "PayloadMismatch";
        /// <summary>The quantity differs between the receipt and ONE store's record.</summary>
        public const string QuantityMismatch = "QuantityMismatch";
        /// <summary>A subscription whose term has ended.</summary>
        public const string Expired = "Expired";
    }

    /// <summary>The outcome of <see cref="PurchaseVerifier.ConfirmAsync"/>: valid only when no check failed.</summary>
    public sealed class PurchaseCheckResult
    {
        private readonly List<string> _reasons = new List<string>();

        internal PurchaseCheckResult(ProductKind kind) => Kind = kind;

        public bool IsValid => _reasons.Count == 0;

        /// <summary>Every check that failed, in the order checked (<see cref="PurchaseCheckReasons"/>).</summary>
        public IReadOnlyList<string> Reasons => _reasons;

        /// <summary>The parsed originalJson (null when it is not a JSON object).</summary>
        public PurchaseReceipt? Receipt { get; internal set; }

        /// <summary>The product type looked up.</summary>
        public ProductKind Kind { get; internal set; }

        /// <summary>ONE store's record: InAppPurchaseDetails, RecurringPurchaseDetails or SubscriptionDetails; null when not looked up or not found.</summary>
        public object? ServerRecord { get; internal set; }

        internal void Fail(string reason)
        {
            if (!_reasons.Contains(reason)) _reasons.Add(reason);
        }
    }

    /// <summary>
    /// Everything a server checks before it grants what a receipt says was bought, in one call, failing closed: the
    /// signature, the receipt's app, and ONE store's own record of the purchase compared with the receipt.
    /// </summary>
    public static class PurchaseVerifier
    {
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        /// <summary>Whether <paramref name="signature"/> (base64) signs the UTF-8 bytes of <paramref name="originalJson"/>; an ArgumentException when it is not base64.</summary>
        public static bool VerifySignature(OneStoreLicenseKey licenseKey, string originalJson, string signature)
        {
            if (licenseKey == null) throw new ArgumentNullException(nameof(licenseKey));
            if (originalJson == null) throw new ArgumentNullException(nameof(originalJson));
            byte[] signatureBytes = OneStoreLicenseKey.DecodeSignature(signature);
            byte[] data;
            try
            {
                data = StrictUtf8.GetBytes(originalJson);
            }
            catch (EncoderFallbackException)
            {
                return false; // a lone surrogate: no UTF-8 text, so nothing the SDK signed
            }
            return licenseKey.Verify(data, signatureBytes);
        }

        /// <summary>
        /// Checks one receipt. Invalid purchases are a result with reasons, never an exception; only a failure to ask
        /// ONE store (network, outage, authorization) throws, as the lookup would.
        /// </summary>
        /// <param name="kind">The product type to look up; null: from the receipt (recurringState -1 or absent: in-app, else auto).</param>
        public static async Task<PurchaseCheckResult> ConfirmAsync(OneStoreClient client, OneStoreLicenseKey licenseKey, string originalJson,
            string signature, string? expectedPayload, ProductKind? kind, Action<OneStoreRequestLog>? log, CancellationToken cancellationToken)
        {
            if (client == null) throw new ArgumentNullException(nameof(client));
            var result = new PurchaseCheckResult(kind ?? ProductKind.InApp);
            bool signed;
            try
            {
                signed = VerifySignature(licenseKey, originalJson ?? "", signature ?? "");
            }
            catch (ArgumentException)
            {
                signed = false;
            }
            if (!signed) result.Fail(PurchaseCheckReasons.SignatureInvalid);

            if (!PurchaseReceipt.TryParse(originalJson, out PurchaseReceipt? receipt, out _))
            {
                result.Fail(PurchaseCheckReasons.ReceiptInvalid);
                return result;
            }
            result.Receipt = receipt;
            result.Kind = kind ?? (receipt!.RecurringState == null || receipt.RecurringState == -1 ? ProductKind.InApp : ProductKind.Auto);

            if (!string.Equals(receipt!.PackageName, client.ClientId, StringComparison.Ordinal)) result.Fail(PurchaseCheckReasons.ClientIdMismatch);
            if (receipt.PurchaseState == 1 || receipt.PurchaseState == 2) result.Fail(PurchaseCheckReasons.Cancelled);
            else if (receipt.PurchaseState != null && receipt.PurchaseState != 0) result.Fail(PurchaseCheckReasons.NotCompleted);
            if (expectedPayload != null && !string.Equals(expectedPayload, receipt.DeveloperPayload ?? "", StringComparison.Ordinal))
                result.Fail(PurchaseCheckReasons.PayloadMismatch);

            try
            {
                OneStoreInput.ValidateProductId(receipt.ProductId!);
                OneStoreInput.ValidatePurchaseToken(receipt.PurchaseToken!);
            }
            catch (Exception e) when (e is OneStoreApiException || e is ArgumentException)
            {
                result.Fail(PurchaseCheckReasons.ReceiptInvalid);
                return result;
            }

            object record;
            try
            {
                record = await client.GetPurchaseAsync(result.Kind, receipt.ProductId!, receipt.PurchaseToken!, log, cancellationToken).ConfigureAwait(false);
            }
            catch (OneStoreApiException e) when (e.Code == OneStoreErrorCodes.NoSuchData)
            {
                result.Fail(PurchaseCheckReasons.PurchaseNotFound);
                return result;
            }
            result.ServerRecord = record;
            Compare(result, receipt, record, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            return result;
        }

        private static void Compare(PurchaseCheckResult result, PurchaseReceipt receipt, object record, long nowMillis)
        {
            switch (record)
            {
                case InAppPurchaseDetails inApp:
                    if (!SameText(inApp.PurchaseId, receipt.PurchaseId)) result.Fail(PurchaseCheckReasons.PurchaseIdMismatch);
                    State(result, inApp.PurchaseState);
                    if (inApp.ConsumptionState == 1) result.Fail(PurchaseCheckReasons.AlreadyConsumed);
                    if (!SamePayload(inApp.DeveloperPayload, receipt.DeveloperPayload)) result.Fail(PurchaseCheckReasons.PayloadMismatch);
                    if ((inApp.Quantity ?? 1) != (receipt.Quantity ?? 1)) result.Fail(PurchaseCheckReasons.QuantityMismatch);
                    break;
                case RecurringPurchaseDetails auto:
                    // The receipt of the latest payment: ONE store's lastPurchaseId (getRecurringPurchaseDetails).
                    if (!SameText(auto.LastPurchaseId, receipt.PurchaseId)) result.Fail(PurchaseCheckReasons.PurchaseIdMismatch);
                    State(result, auto.LastPurchaseState);
                    break;
                case SubscriptionDetails subscription:
                    if (!SameText(subscription.LastPurchaseId, receipt.PurchaseId)) result.Fail(PurchaseCheckReasons.PurchaseIdMismatch);
                    if (!SamePayload(subscription.DeveloperPayload, receipt.DeveloperPayload)) result.Fail(PurchaseCheckReasons.PayloadMismatch);
                    // getSubscriptionDetail: paymentState null = expired.
                    if (subscription.PaymentState == null || (subscription.ExpiryTimeMillis != null && subscription.ExpiryTimeMillis < nowMillis))
                        result.Fail(PurchaseCheckReasons.Expired);
                    break;
            }
        }

        private static void State(PurchaseCheckResult result, int? state)
        {
            if (state == 1) result.Fail(PurchaseCheckReasons.Cancelled);
            else if (state != 0) result.Fail(PurchaseCheckReasons.NotCompleted);
        }

        private static bool SameText(string? server, string? receipt) => server != null && string.Equals(server, receipt, StringComparison.Ordinal);

        // An absent payload and an empty one are the same to the SDK (developerPayload is optional).
        private static bool SamePayload(string? a, string? b) => string.Equals(a ?? "", b ?? "", StringComparison.Ordinal);
    }
}
