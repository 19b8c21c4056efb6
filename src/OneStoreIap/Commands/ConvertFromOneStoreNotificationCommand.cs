using System;
using System.Linq;
using System.Management.Automation;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// ConvertFrom-OneStoreNotification: reads a PNS payment notification (message 3.1.0 or 3.0.0) and checks its
    /// signature with the license key (notes.md, "PNS"; the signed bytes: <see cref="NotificationSignature"/>).
    /// A notification is a hint: confirm it with Get-OneStorePurchase before granting or revoking anything.
    /// </summary>
    [Cmdlet(VerbsData.ConvertFrom, "OneStoreNotification")]
    [OutputType(typeof(OneStoreNotification))]
    public sealed class ConvertFromOneStoreNotificationCommand : OneStoreCmdletBase
    {
        private OneStoreLicenseKey? _key;

        /// <summary>The body ONE store POSTed (the request's raw text, for example an HTTP-trigger function's $Request.RawBody).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string Body { get; set; } = null!;

        /// <summary>The app's license key; default: the connection's, then ONESTORE_LICENSE_KEY.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LicenseKey { get; set; }

        /// <summary>The connection whose license key to use; the session's default when omitted.</summary>
        [Parameter]
        [ValidateNotNull]
        public OneStoreConnection? Connection { get; set; }

        /// <summary>Writes the notification even when its signature does not verify (IsSignatureValid then says so).</summary>
        [Parameter]
        public SwitchParameter SkipSignatureCheck { get; set; }

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            // Without -SkipSignatureCheck a missing or unreadable key stops the pipeline: nothing could be verified.
            ResolvedLicenseKey license = LicenseKeySource.Resolve(this, LicenseKey, Connection, optional: SkipSignatureCheck);
            if (license.IsUnusable && !SkipSignatureCheck) ThrowTerminatingError(license.UnusableError(null));
            _key = license.Key;
        }

        protected override void ProcessRecord()
        {
            NotificationMessage message;
            try
            {
                message = NotificationMessage.Parse(Body ?? "");
            }
            catch (ArgumentException e)
            {
                WriteError(new ErrorRecord(e, "InvalidArgument", ErrorCategory.InvalidArgument, Body));
                return;
            }
            bool? valid = null;
            if (_key != null)
            {
                valid = false;
                if (!string.IsNullOrEmpty(message.Signature))
                {
                    try
                    {
                        valid = _key.Verify(message.SignedContent, OneStoreLicenseKey.DecodeSignature(message.Signature!));
                    }
                    catch (ArgumentException)
                    {
                        valid = false; // not base64: not ONE store's signature
                    }
                }
            }
            OneStoreNotification notification = ToOutput(message, valid);
            if (valid != true && !SkipSignatureCheck)
            {
                WriteError(new ErrorRecord(
                    new System.Security.SecurityException(message.Signature == null
                        ? "The notification has no signature."
                        : "The notification's signature does not verify with the license key: it may be forged or altered. Do not act on it."),
                    "InvalidSignature", ErrorCategory.SecurityError, notification));
                return;
            }
            WriteObject(notification);
        }

        private static OneStoreNotification ToOutput(NotificationMessage m, bool? valid) => new OneStoreNotification
        {
            MsgVersion = m.MsgVersion,
            ClientId = m.ClientId,
            ProductId = m.ProductId,
            ProductName = m.ProductName,
            MessageType = m.MessageType,
            PurchaseId = m.PurchaseId,
            PurchaseToken = m.PurchaseToken,
            DeveloperPayload = m.DeveloperPayload,
            PurchaseTimeMillis = m.PurchaseTimeMillis,
            PurchaseTime = OneStoreMarket.ToDateTimeOffset(m.PurchaseTimeMillis, m.MarketCode),
            PurchaseState = ParseState(m.PurchaseState),
            Price = m.Price,
            PriceCurrencyCode = m.PriceCurrencyCode,
            PaymentTypeList = m.PaymentTypeList.ToArray(),
            BillingKey = m.BillingKey,
            IsTestMdn = m.IsTestMdn,
            Environment = string.Equals(m.Environment, "SANDBOX", StringComparison.OrdinalIgnoreCase) ? NotificationEnvironment.Sandbox
                : string.Equals(m.Environment, "COMMERCIAL", StringComparison.OrdinalIgnoreCase) ? NotificationEnvironment.Commercial
                : (NotificationEnvironment?)null,
            MarketCode = m.MarketCode,
            IsSignatureValid = valid,
            Signature = m.Signature,
        };

        private static NotificationPurchaseState? ParseState(string? state)
        {
            if (string.Equals(state, "COMPLETED", StringComparison.OrdinalIgnoreCase)) return NotificationPurchaseState.Completed;
            // The docs spell it CANCELED; CANCELLED is accepted too (be tolerant in what you accept).
            if (string.Equals(state, "CANCELED", StringComparison.OrdinalIgnoreCase) || string.Equals(state, "CANCELLED", StringComparison.OrdinalIgnoreCase))
                return NotificationPurchaseState.Canceled;
            return null;
        }
    }
}
