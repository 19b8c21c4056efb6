using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>Get-OneStoreVoidedPurchase: getVoidedPurchases, every page.</summary>
    [Cmdlet(VerbsCommon.Get, "OneStoreVoidedPurchase")]
    [OutputType(typeof(VoidedPurchase))]
    public sealed class GetOneStoreVoidedPurchaseCommand : OneStoreListCmdletBase
    {
        internal override string ActivityName => "Listing voided purchases";

        internal override PurchasePager<object> OpenPager(OneStoreClient client, PurchaseListQuery query, CancellationToken cancellationToken) =>
            client.ListVoidedPurchases<object>(query, item => OutputMapper.ToVoided(item, client), RequestLog, cancellationToken);
    }
}
