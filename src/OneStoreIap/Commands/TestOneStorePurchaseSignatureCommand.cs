using System;
using System.Management.Automation;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// Test-OneStorePurchaseSignature: whether a purchase's signature is the license key's SHA512withRSA signature of its
    /// originalJson (notes.md, "Client-side purchase signature"). No request is sent.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "OneStorePurchaseSignature")]
    [OutputType(typeof(bool))]
    public sealed class TestOneStorePurchaseSignatureCommand : OneStoreCmdletBase
    {
        private ResolvedLicenseKey _license = null!;

        /// <summary>The purchase's originalJson, exactly as the ONE store SDK handed it to the app.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string OriginalJson { get; set; } = null!;

        /// <summary>The purchase's signature (base64), as the SDK handed it to the app.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string Signature { get; set; } = null!;

        /// <summary>The app's license key (base64 DER SubjectPublicKeyInfo; PEM armour and whitespace allowed). Default: the connection's, then ONESTORE_LICENSE_KEY.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LicenseKey { get; set; }

        /// <summary>The connection whose license key to use; the session's default when omitted.</summary>
        [Parameter]
        [ValidateNotNull]
        public OneStoreConnection? Connection { get; set; }

        /// <summary>The whole pipeline object, kept only as the target of an error about it.</summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public PSObject? InputObject { get; set; }

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _license = LicenseKeySource.Resolve(this, LicenseKey, Connection);
        }

        protected override void ProcessRecord()
        {
            object target = InputObject != null ? (object)InputObject : OriginalJson;
            InputObject = null;
            // A key that cannot be read is an error for every item, not a "false" that would read as a forged receipt.
            if (_license.Key == null)
            {
                WriteError(_license.UnusableError(target));
                return;
            }
            bool valid;
            try
            {
                valid = PurchaseVerifier.VerifySignature(_license.Key, OriginalJson, Signature);
            }
            catch (ArgumentException e)
            {
                WriteError(CreateErrorRecord(e, target));
                return;
            }
            WriteObject(valid);
        }
    }
}
